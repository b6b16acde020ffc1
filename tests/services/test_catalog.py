"""The bulk reader opens what the vault sealed, for any number of context parts, and nothing
sealed for another place."""

from __future__ import annotations

import pytest

from app.core.errors import IntegrityFailure
from app.services.catalog import CatalogReader
from app.services.vault import Vault

CONTEXTS = [("audit",), ("secret-meta", "s1"), ("version-info", "s1", 3), ("a", "b", 4, "d")]


@pytest.mark.parametrize("context", CONTEXTS)
def test_a_record_opens_under_its_own_context_only(vault: Vault, context: tuple[str | int, ...]):
    blob, epoch = vault.seal_catalog({"name": "x", "n": 1}, *context)
    reader = CatalogReader(vault)
    assert reader.open(blob, epoch, *context) == {"name": "x", "n": 1}
    with pytest.raises(IntegrityFailure):
        reader.open(blob, epoch, *context[:-1], "other")
    with pytest.raises(IntegrityFailure):
        reader.open(blob, epoch, *context, "more")

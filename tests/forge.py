"""Writing a commit the rules refuse, the way a modified client would: past the check every
honest commit gets before it is written (commits.check_own), so `verify` is seen to refuse it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.errors import IntegrityFailure
from app.services import commits
from app.services.vault import Vault
from app.storage import ledger


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    saved = commits.check_own
    commits.check_own = lambda *args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        commits.check_own = saved


def forge(vault: Vault, events: list[dict[str, Any]], reason: str) -> None:
    """The app refuses to write `events` (nothing is written); forged in anyway, they stand in
    the ledger for `verify` to find."""
    before = ledger.head(vault.conn)
    with pytest.raises(IntegrityFailure, match="breaks a ledger rule") as caught:
        vault.commit(events)
    assert reason in str(caught.value)
    assert ledger.head(vault.conn) == before
    with unchecked():
        vault.commit(events)

"""Naming events in bounded memory: secrets' pointers kept, spilled to disk, or read back."""

from __future__ import annotations

import pytest

from app.core.clock import FixedClock
from app.services import audit_pointers
from app.services.audit import entries
from app.services.audit_pointers import Pointers
from app.services.secrets import add_secret, rotate_secret, update_secret
from app.services.vault import Vault
from tests.services.evidence_world import busy


def test_names_as_they_were_with_almost_no_pointers_in_memory(
    vault: Vault, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
):
    busy(vault, clock)  # a deleted key among them: named from a spilled pointer
    rotate_secret(vault, "prod", "OpenAI prod", "sk-proj-" + "S" * 40, "scheduled")
    update_secret(vault, "prod", "OpenAI prod", new_name="OpenAI main")
    expected = list(entries(vault))
    assert [e.secret for e in expected if e.action == "secret.rotate"][-1] == "OpenAI prod"
    monkeypatch.setattr(audit_pointers, "_POINTERS", 1)
    monkeypatch.setattr(audit_pointers, "_SPILL", 1)
    assert list(entries(vault)) == expected


def test_a_spilled_pointer_comes_back_and_a_final_one_is_the_projections(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(audit_pointers, "_SPILL", 1)
    first = add_secret(vault, "dev", "First", "f" * 24)
    second = add_secret(vault, "dev", "Second", "s" * 24)
    pointers = Pointers(vault.conn, size=1)
    pointers.set(first.id, (100, 1, "env-a"))  # as a reader of older history saw it
    pointers.set(second.id, (200, 1, "env-b"), final=True)
    pointers.set("third", (300, 1, "env-c"))  # first and second leave memory
    assert pointers.get(first.id) == (100, 1, "env-a")  # spilled: not the projection's
    stored = vault.conn.execute(
        "SELECT meta_event, meta_epoch, env_id FROM secrets WHERE id = ?", (second.id,)
    ).fetchone()
    assert pointers.get(second.id) == tuple(stored)  # final: read from the projection
    assert pointers.get("never seen") is None


@pytest.mark.parametrize("spill", [1, 1024])  # written to disk at once, or not yet
def test_a_pointer_that_became_final_replaces_its_spilled_one(
    vault: Vault, monkeypatch: pytest.MonkeyPatch, spill: int
):
    monkeypatch.setattr(audit_pointers, "_SPILL", spill)
    key = add_secret(vault, "dev", "Key", "k" * 24)
    pointers = Pointers(vault.conn, size=1)
    pointers.set(key.id, (100, 1, "env-a"))
    pointers.set("other", (200, 1, "env-a"))  # spills the key's first pointer
    pointers.set(key.id, (300, 1, "env-a"), final=True)  # its last update, say
    pointers.set("other", (200, 1, "env-a"))  # the final one leaves memory
    stored = vault.conn.execute(
        "SELECT meta_event, meta_epoch, env_id FROM secrets WHERE id = ?", (key.id,)
    ).fetchone()
    assert pointers.get(key.id) == tuple(stored)

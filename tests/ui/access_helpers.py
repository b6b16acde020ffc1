"""Shared steps of the Access view tests: the admin's vault outside the window, and the view."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.crypto import secretkey
from app.services import team
from app.services.team import Joined
from app.services.vault import Vault
from app.ui.models.grants_model import GrantsModel
from tests.conftest import PASSPHRASE, open_step_ups
from tests.team import join_as


@contextmanager
def as_alice(path: Path, key: str, clock) -> Iterator[Vault]:
    """Alice's vault opened beside the window (as her CLI would), step-up open, locked after."""
    vault = Vault.unlock(path, "alice", PASSPHRASE, secretkey.parse(key), clock)
    open_step_ups(vault)
    try:
        yield vault
    finally:
        vault.lock()


def add_member(admin: Vault, handle: str, role: str = "member", grants=()) -> Joined:
    """Invite, join and approve; returns the join (its Secret Key unlocks the window)."""
    joined = join_as(admin, handle, role, tuple(grants))
    team.approve(admin, handle, joined.fingerprint)
    return joined


def as_member(path: Path, joined: Joined, clock) -> Vault:
    """A teammate's own vault, unlocked with the Secret Key their join made."""
    return Vault.unlock(path, joined.handle, PASSPHRASE, joined.secret_key, clock)


def unlock_as(qtbot, window, path: Path, joined: Joined) -> None:
    """Unlock the window as a teammate: their name on the unlock page, their Secret Key."""
    window.open_vault(path)
    page = window.unlock_page
    page.member.setCurrentText(joined.handle)
    page.passphrase.setText(PASSPHRASE)
    page.secret_key.setText(secretkey.format_key(joined.secret_key))
    with qtbot.waitSignal(window.vault_unlocked, timeout=15_000):
        page.unlock.click()


def show_access(window) -> None:
    window.console.nav["access"].click()
    assert window.console.current_view() == "access"


def matrix(window) -> list[list[str]]:
    model: GrantsModel = window.console.access.matrix
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def pending(window) -> list[tuple[str, str]]:
    model = window.console.access.pending
    return [(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())]


def select_pending(window, kind: str, key: str) -> None:
    view = window.console.access
    row = view.pending.row_of(kind, key)
    assert row >= 0, pending(window)
    view.pending_table.selectRow(row)


def select_cell(window, handle: str, env: str) -> None:
    view = window.console.access
    index = view.matrix.index_of(handle, env)
    assert index.isValid()
    view.matrix_table.setCurrentIndex(index)


def answer(monkeypatch, cls: type, fn: Callable[[object], int]) -> list[object]:
    """Replace `cls.exec` with `fn`; returns the dialogs it was called with."""
    seen: list[object] = []

    def run(dialog: object) -> int:
        seen.append(dialog)
        return fn(dialog)

    monkeypatch.setattr(cls, "exec", run)
    return seen

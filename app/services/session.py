"""The console's session: unlocking, idle auto-lock and locking, without any Qt.

The GUI feeds it user activity and a periodic tick; the session decides when to lock and tells
its listeners through plain callbacks, which the UI adapts to Qt signals in one place.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from app.core.clock import Clock, SystemClock, iso
from app.core.errors import IntegrityFailure, KeyLedgerError
from app.services import keychain, sync
from app.services.vault import Vault
from app.storage.db import StorageError, open_published


@dataclass(frozen=True)
class UnlockTarget:
    """What the unlock screen shows before any key is known."""

    path: Path
    vault_id: str
    name: str
    members: tuple[str, ...]
    keychain_has: frozenset[str]  # handles whose Secret Key the keychain holds


def describe(path: Path) -> UnlockTarget:
    vault_id, name = sync.read_identity(path)
    try:
        conn = open_published(path)
    except StorageError as exc:
        raise IntegrityFailure(str(exc)) from None
    try:
        rows = conn.execute(
            "SELECT id, handle FROM members WHERE status = 'active' ORDER BY handle"
        ).fetchall()
    finally:
        conn.close()
    has = frozenset(h for m, h in rows if keychain.load_secret_key(vault_id, m) is not None)
    return UnlockTarget(path, vault_id, name, tuple(h for _, h in rows), has)


Listener = Callable[[str], None]


class Session:
    """At most one unlocked vault; locks itself after `idle_minutes` without activity."""

    def __init__(self, clock: Clock | None = None, idle_minutes: int = 5) -> None:
        self.clock = clock or SystemClock()
        self.idle = timedelta(minutes=idle_minutes)
        self.vault: Vault | None = None
        self._last_activity: datetime = self.clock.now()
        self._on_locked: list[Listener] = []

    def on_locked(self, listener: Listener) -> None:
        self._on_locked.append(listener)

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle = timedelta(minutes=minutes)

    def unlock(
        self,
        path: Path,
        handle: str | None,
        passphrase: str,
        secret_key: bytes | None,
        meanwhile: Callable[[sqlite3.Connection], None] | None = None,
    ) -> Vault:
        """Slow (Argon2id): the GUI calls it from a worker thread. `meanwhile`: Vault.unlock's."""
        return Vault.unlock(path, handle, passphrase, secret_key, self.clock, meanwhile)

    def opened(self, vault: Vault) -> None:
        """Adopt a vault unlocked by `unlock` (on the GUI thread)."""
        if self.vault is not None:
            _close(self.vault)
        from app.services.secrets import audit_event

        # Recorded with the session's first change, or when it locks: no publish of its own.
        vault.note(audit_event(vault, "vault.unlock", at=iso(self.clock.now()), client="console"))
        self.vault = vault
        self.touch()

    def touch(self) -> None:
        self._last_activity = self.clock.now()

    def idle_remaining(self) -> timedelta:
        return max(timedelta(0), self._last_activity + self.idle - self.clock.now())

    def tick(self) -> None:
        if self.vault is not None and self.idle_remaining() <= timedelta(0):
            self.lock("idle")

    def lock(self, reason: str = "user") -> None:
        if self.vault is None:
            return
        _close(self.vault)
        self.vault = None
        for listener in self._on_locked:
            listener(reason)

    @property
    def unlocked(self) -> bool:
        return self.vault is not None


def _close(vault: Vault) -> None:
    """Record what waits for a commit, then drop the keys. Locking must always work: a failed
    write leaves the note unrecorded, never the vault open (a failed publish keeps the commit
    in the working copy, published the next time)."""
    with contextlib.suppress(KeyLedgerError, OSError, sqlite3.Error):
        vault.flush_notes()
    vault.lock()

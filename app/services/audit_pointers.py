"""Where each secret's latest name is, for naming later events, in the same memory for any
number of keys (see `Pointers`)."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

_POINTERS = 16384  # ~3 MB of recent pointers
_SPILL = 1024


Pointer = tuple[int, int, str]  # (seq of the event with the latest metadata, its epoch, env id)


class Pointers:
    """Each secret's pointer, for naming later events; the same memory for any number of keys.

    The most recent are in memory. Older ones go to a private temporary database (SQLite
    deletes it when closed, or at once where it can), except those marked final: the pointer of
    a key that still exists and never changes again is the projection's own (secrets.meta_event),
    where it is looked up instead. A spilled or final pointer comes back into memory when used.
    """

    def __init__(self, conn: sqlite3.Connection, size: int | None = None) -> None:
        self._conn = conn
        self._size = size or _POINTERS
        self._recent: OrderedDict[str, tuple[Pointer, bool]] = OrderedDict()
        self._evicted: dict[str, Pointer | None] = {}  # None: final, drop any spilled one
        self._spill: sqlite3.Connection | None = None

    def set(self, secret_id: str, pointer: Pointer, *, final: bool = False) -> None:
        self._evicted.pop(secret_id, None)  # superseded
        recent = self._recent
        recent[secret_id] = (pointer, final)
        recent.move_to_end(secret_id)
        if len(recent) > self._size:
            old, (kept, was_final) = recent.popitem(last=False)
            if not was_final:
                self._evicted[old] = kept
            elif self._spill is not None:
                self._evicted[old] = None
            if len(self._evicted) >= _SPILL:
                self._settle()

    def get(self, secret_id: str) -> Pointer | None:
        found = self._recent.get(secret_id)
        if found is not None:
            self._recent.move_to_end(secret_id)
            return found[0]
        pointer = None
        if secret_id in self._evicted:
            pointer = self._evicted[secret_id]
        elif self._spill is not None:
            row = self._spill.execute(
                "SELECT seq, epoch, env FROM pointers WHERE id = ?", (secret_id,)
            ).fetchone()
            pointer = (int(row[0]), int(row[1]), str(row[2])) if row else None
        final = False
        if pointer is None:
            row = self._conn.execute(
                "SELECT meta_event, meta_epoch, env_id FROM secrets WHERE id = ?", (secret_id,)
            ).fetchone()
            if row is None:
                return None
            pointer, final = (int(row[0]), int(row[1]), str(row[2])), True
        self.set(secret_id, pointer, final=final)
        return pointer

    def _settle(self) -> None:
        if self._spill is None:
            self._spill = sqlite3.connect("")  # "": a private temporary database
            self._spill.execute("PRAGMA journal_mode=OFF")
            self._spill.execute(
                "CREATE TABLE pointers (id TEXT PRIMARY KEY, seq INTEGER, epoch INTEGER,"
                " env TEXT) WITHOUT ROWID"
            )
        kept = [(k, *v) for k, v in self._evicted.items() if v is not None]
        dropped = [(k,) for k, v in self._evicted.items() if v is None]
        self._spill.executemany("INSERT OR REPLACE INTO pointers VALUES (?, ?, ?, ?)", kept)
        self._spill.executemany("DELETE FROM pointers WHERE id = ?", dropped)
        self._evicted.clear()

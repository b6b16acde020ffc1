"""The conflicts of a ledger read from vault files: app/core/concurrency.py over SQLite.

Used by merging (to settle and record them) and by `verify` (to recompute them and check each
merge commit's record), so both treat the same events as void.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from app.core import concurrency
from app.core.concurrency import Resolution
from app.core.dag import Node
from app.core.errors import IntegrityFailure
from app.core.ledger import decode_event

MERGING = "(merging)"  # the merge commit being made: not signed yet, so it has no hash


def resolve(
    order: list[Node], known: Mapping[str, list[bytes]], *files: sqlite3.Connection
) -> Resolution:
    """The conflicts of the commits in `order`, each commit's events from `known` (hash ->
    bodies) or else from the first of `files` that holds it."""
    cache: dict[str, list[dict[str, Any]]] = {}

    def events_of(commit: str) -> list[dict[str, Any]]:
        found = cache.get(commit)
        if found is None:
            bodies = known.get(commit)
            if bodies is None:
                bodies = _stored(commit, files)
            found = cache[commit] = [decode_event(b) for b in bodies]
        return found

    try:
        return concurrency.resolve(order, events_of)
    except (KeyError, TypeError, ValueError) as exc:
        raise IntegrityFailure(f"a merged event is malformed ({exc.__class__.__name__})") from None


def _stored(commit: str, files: tuple[sqlite3.Connection, ...]) -> list[bytes]:
    for conn in files:
        rows = conn.execute(
            "SELECT e.body FROM events e JOIN commits c ON c.seq = e.commit_seq"
            " WHERE c.hash = ? ORDER BY e.seq",
            (commit,),
        ).fetchall()
        if rows:
            return [bytes(r[0]) for r in rows]
    raise IntegrityFailure("a merged commit is missing from both copies")


def void_map(resolution: Resolution) -> dict[str, frozenset[int]]:
    """LedgerState.void: commit hash -> indexes of its void events."""
    found: dict[str, set[int]] = {}
    for commit, index in resolution.void:
        found.setdefault(commit, set()).add(index)
    return {commit: frozenset(indexes) for commit, indexes in found.items()}


def check_records(resolution: Resolution, recorded: Callable[[str], Any]) -> None:
    """Each merge commit records exactly what the rules settle for it."""
    for merge, records in resolution.records.items():
        if recorded(merge) != records:
            raise IntegrityFailure(
                "a merge commit's record of settled conflicts does not match its history"
            )

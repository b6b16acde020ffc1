"""Ledger rows: commits and their events, appended and read back in order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class CommitRow:
    seq: int
    hash: str
    header: bytes
    sig: bytes


def head(conn: sqlite3.Connection) -> CommitRow | None:
    row = conn.execute("SELECT seq, hash, header, sig FROM commits ORDER BY seq DESC LIMIT 1")
    found = row.fetchone()
    return CommitRow(*found) if found else None


def commit_at(conn: sqlite3.Connection, seq: int) -> CommitRow | None:
    row = conn.execute("SELECT seq, hash, header, sig FROM commits WHERE seq = ?", (seq,))
    found = row.fetchone()
    return CommitRow(*found) if found else None


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM commits").fetchone()[0])


def append(conn: sqlite3.Connection, row: CommitRow, bodies: list[bytes]) -> None:
    conn.execute(
        "INSERT INTO commits (seq, hash, header, sig) VALUES (?, ?, ?, ?)",
        (row.seq, row.hash, row.header, row.sig),
    )
    conn.executemany(
        "INSERT INTO events (commit_seq, idx, body) VALUES (?, ?, ?)",
        [(row.seq, i, body) for i, body in enumerate(bodies)],
    )


def commits(conn: sqlite3.Connection, after: int = 0) -> Iterator[tuple[CommitRow, list[bytes]]]:
    """Each commit after `after` with its event bodies, in ledger order, streaming."""
    cur = conn.execute(
        "SELECT c.seq, c.hash, c.header, c.sig, e.idx, e.body FROM commits c"
        " LEFT JOIN events e ON e.commit_seq = c.seq WHERE c.seq > ? ORDER BY c.seq, e.idx",
        (after,),
    )
    current: CommitRow | None = None
    bodies: list[bytes] = []
    for seq, hash_, header, sig, idx, body in cur:
        if current is None or current.seq != seq:
            if current is not None:
                yield current, bodies
            current, bodies = CommitRow(seq, hash_, header, sig), []
        if idx is not None:
            if idx != len(bodies):
                bodies.append(b"")  # a gap: the commit's event hashes will not match
            bodies.append(body)
    if current is not None:
        yield current, bodies


def event_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])

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


def append(conn: sqlite3.Connection, row: CommitRow, bodies: list[bytes]) -> list[int]:
    """Append a commit and its events; returns the events' sequence numbers (events.seq)."""
    conn.execute(
        "INSERT INTO commits (seq, hash, header, sig) VALUES (?, ?, ?, ?)",
        (row.seq, row.hash, row.header, row.sig),
    )
    first = int(conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM events").fetchone()[0])
    seqs = list(range(first, first + len(bodies)))
    conn.executemany(
        "INSERT INTO events (seq, commit_seq, idx, body) VALUES (?, ?, ?, ?)",
        [(n, row.seq, i, body) for i, (n, body) in enumerate(zip(seqs, bodies, strict=True))],
    )
    return seqs


def commits(
    conn: sqlite3.Connection, after: int = 0
) -> Iterator[tuple[CommitRow, list[bytes], list[int]]]:
    """Each commit after `after` with its event bodies and their events.seq, in ledger order."""
    # Two ordered cursors merged: a JOIN would copy each commit's header (which lists every
    # event hash) once per event, i.e. O(events^2) bytes for a commit of many events.
    heads = conn.execute(
        "SELECT seq, hash, header, sig FROM commits WHERE seq > ? ORDER BY seq", (after,)
    )
    events = conn.execute(
        "SELECT commit_seq, idx, body, seq FROM events WHERE commit_seq > ?"
        " ORDER BY commit_seq, idx",
        (after,),
    )
    rows = iter(events)  # next() on the cursor: a fifth cheaper than fetchone() per event
    pending = next(rows, None)
    for seq, hash_, header, sig in heads:
        bodies: list[bytes] = []
        seqs: list[int] = []
        while pending is not None and pending[0] < seq:  # events of no commit: verify counts
            pending = next(rows, None)
        while pending is not None and pending[0] == seq:
            if pending[1] != len(bodies):
                bodies.append(b"")  # a gap: the commit's event hashes will not match
                seqs.append(-1)
            bodies.append(pending[2])
            seqs.append(pending[3])
            pending = next(rows, None)
        yield CommitRow(seq, hash_, header, sig), bodies, seqs


def event_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def store_blobs(conn: sqlite3.Connection, blobs: dict[str, bytes]) -> None:
    """Value ciphertexts, each under the SHA-256 (hex) its event names."""
    conn.executemany("INSERT OR IGNORE INTO blobs (hash, data) VALUES (?, ?)", blobs.items())


# Events after which some stored values are no longer any version's (re-encrypted or deleted).
DROPS_VALUES = frozenset({"secret.delete", "env.rekey"})


def purge_blobs(conn: sqlite3.Connection) -> int:
    """Delete the ciphertexts no current version points at (re-encrypted or deleted values);
    secure_delete zeroes their pages and the next publish leaves them out of the shared file."""
    cursor = conn.execute(
        "DELETE FROM blobs WHERE hash NOT IN"
        " (SELECT value_ref FROM versions WHERE value_ref IS NOT NULL)"
    )
    return int(cursor.rowcount)

"""Taking in another copy of the vault: fast-forward, or merge two histories that diverged.

Both copies' commits are kept, signatures untouched: the union is replayed in the canonical
order (app/core/dag.py) under a merge commit whose two parents are the copies' heads, signed by
the member who merges. Every commit is held to the ledger rules at its place in that order, and
the projection is rebuilt from it, so two laptops merging the same copies get the same tables.

Changes made at the same time on both copies are settled by the rules of
app/core/concurrency.py (a delete against an edit keeps the edit, a revocation beats a grant,
both versions of a value are kept), recorded in the merge commit and recomputed by `verify`.
What neither the rules nor the ledger's checks accept in the merged order is refused: the merge
is rolled back and both copies stay as they were (MergeRefused names it) — e.g. a write by a
member whose access the other copy revoked, or two re-keys of one environment.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from app.core import dag
from app.core.concurrency import ConflictRefused, Resolution
from app.core.errors import IntegrityFailure
from app.core.ledger import (
    Header,
    LedgerState,
    build_header,
    check_commit,
    parse_header,
    signing_message,
)
from app.crypto.encoding import canonical, sha256_hex
from app.crypto.sign import Signer
from app.services import conflicts
from app.services.verify import meta, state_from_projection, stored_nodes
from app.storage import ledger, projection
from app.storage.db import immediate
from app.storage.ledger import CommitRow
from app.storage.schema import PROJECTION_TABLES


class MergeRefused(IntegrityFailure):
    """The two copies cannot be merged as they are; neither was changed."""


@dataclass(frozen=True)
class Merger:
    """Who signs a merge commit, and when."""

    author: str
    signer: Signer
    ts: str


@dataclass(frozen=True)
class TakenIn:
    """What taking in the other copy did.

    outcome: 'same' (nothing new either side), 'ahead' (this copy holds all of the other's),
    'fast-forward' (this copy was part of the other), 'merged', or 'diverged' (merging needs a
    member to sign it: the vault is not unlocked yet).
    """

    outcome: str
    incoming: int = 0  # commits taken in from the other copy
    authors: tuple[str, ...] = ()  # their authors' member ids, first appearance first
    resolved: tuple[list[str], ...] = ()  # conflicts the merge settled (app/core/concurrency.py)
    joined: bool = False  # what came in holds a merge (its repairs may be waiting: merge_repair)


@dataclass(frozen=True)
class _Commit:
    row: CommitRow
    header: Header
    bodies: list[bytes]

    @property
    def hash(self) -> str:
        return self.row.hash


def take_in(conn: sqlite3.Connection, other: sqlite3.Connection, merger: Merger | None) -> TakenIn:
    """Bring everything `other` holds into the working copy `conn` (one transaction)."""
    mine, theirs = stored_nodes(conn), stored_nodes(other)
    if not mine or not theirs:
        raise IntegrityFailure("a copy of the vault has an empty ledger")
    if meta(conn, "vault_id") != meta(other, "vault_id") or mine[0].hash != theirs[0].hash:
        raise MergeRefused("the other file is not a copy of this vault (it shares no history)")
    mine_set = {n.hash for n in mine}
    incoming = [n.hash for n in theirs if n.hash not in mine_set]
    if not incoming:
        return TakenIn("same" if len(mine) == len(theirs) else "ahead")
    theirs_set = {n.hash for n in theirs}
    ours_only = [n.hash for n in mine if n.hash not in theirs_set]
    if ours_only and merger is None:
        return TakenIn("diverged")
    commits = _read(other, set(incoming), _first_of(theirs, incoming))
    authors = tuple(dict.fromkeys(commits[h].header.author for h in incoming))
    if not ours_only:  # this copy is part of theirs, perhaps in another order
        _adopt(conn, other, mine, _ordered(theirs), commits)
        joined = any(len(commits[h].header.parents) == 2 for h in incoming)
        return TakenIn("fast-forward", len(incoming), authors, joined=joined)
    assert merger is not None
    commits.update(_read(conn, set(ours_only), _first_of(mine, ours_only)))
    union = {n.hash: n for n in (*mine, *theirs)}
    heads = tuple(sorted((mine[-1].hash, theirs[-1].hash)))
    ts = max(merger.ts, mine[-1].ts, theirs[-1].ts)
    pending = dag.Node(conflicts.MERGING, heads, ts)
    bodies = {h: c.bodies for h, c in commits.items()}
    settled = _settle(_ordered([*union.values(), pending]), bodies, conn, other)
    merge = _merge_commit(conn, merger, heads, ts, len(incoming), settled.records[pending.hash])
    commits[merge.hash] = merge
    union[merge.hash] = dag.Node(merge.hash, merge.header.parents, merge.header.ts)
    _adopt(conn, other, mine, _ordered(list(union.values())), commits, settled)
    return TakenIn("merged", len(incoming), authors, tuple(settled.records[pending.hash]))


def _settle(
    order: list[dag.Node],
    bodies: dict[str, list[bytes]],
    conn: sqlite3.Connection,
    other: sqlite3.Connection,
) -> Resolution:
    try:
        return conflicts.resolve(order, bodies, conn, other)
    except ConflictRefused as exc:
        raise MergeRefused(f"the copies cannot be merged: {exc}") from None


def fast_forward(conn: sqlite3.Connection, other: sqlite3.Connection, after: int) -> TakenIn:
    """Append `other`'s commits after seq `after`: this copy's ledger is exactly its first
    `after` commits (the caller compared the commit there)."""
    commits: dict[str, _Commit] = {}
    order: list[dag.Node] = []
    for row, bodies, _ in ledger.commits(other, after):
        header = parse_header(row.header)
        commits[row.hash] = _Commit(row, header, bodies)
        order.append(dag.Node(row.hash, header.parents, header.ts))
    if any(len(n.parents) == 2 for n in order):  # it may void what this copy applied
        mine = stored_nodes(conn)
        _adopt(conn, other, mine, _ordered(mine + order), commits)
        authors = tuple(dict.fromkeys(c.header.author for c in commits.values()))
        return TakenIn("fast-forward", len(order), authors, joined=True)
    with immediate(conn):
        head = ledger.head(conn)
        assert head is not None
        named = {p for n in order for p in n.parents}
        if not order or {head.hash, *(n.hash for n in order)} - named != {order[-1].hash}:
            raise IntegrityFailure("the shared file has branches that no merge joins")
        _replay(conn, other, state_from_projection(conn), after, order, commits)
    authors = tuple(dict.fromkeys(c.header.author for c in commits.values()))
    return TakenIn("fast-forward", len(order), authors)


def _ordered(nodes: list[dag.Node]) -> list[dag.Node]:
    by_hash = {n.hash: n for n in nodes}
    try:
        return [by_hash[h] for h in dag.canonical_order(nodes)]
    except ValueError as exc:
        raise IntegrityFailure(f"the other copy's ledger is damaged ({exc})") from None


def _read(conn: sqlite3.Connection, wanted: set[str], after: int) -> dict[str, _Commit]:
    """The `wanted` commits, all stored after seq `after`, with their events."""
    found: dict[str, _Commit] = {}
    for row, bodies, _ in ledger.commits(conn, after):
        if row.hash in wanted:
            header = parse_header(row.header)
            found[row.hash] = _Commit(row, header, bodies)
    return found


def _first_of(stored: list[dag.Node], hashes: list[str]) -> int:
    """How many of `stored` (a copy's commits in order) come before the first of `hashes`."""
    wanted = set(hashes)
    return next(i for i, n in enumerate(stored) if n.hash in wanted)


def _merge_commit(
    conn: sqlite3.Connection,
    merger: Merger,
    parents: tuple[str, ...],
    ts: str,
    taken_in: int,
    resolved: list[list[str]],
) -> _Commit:
    """Signed by the merging member, after both heads (so after every commit of either); its
    one event records how many commits came in from the other copy and the conflicts settled."""
    bodies = [canonical({"t": "merge", "taken_in": taken_in, "resolved": resolved})]
    header = build_header(meta(conn, "vault_id"), list(parents), merger.author, ts, bodies)
    commit_hash = sha256_hex(header)
    row = CommitRow(0, commit_hash, header, merger.signer.sign(signing_message(commit_hash)))
    return _Commit(row, parse_header(header), bodies)


def _adopt(
    conn: sqlite3.Connection,
    other: sqlite3.Connection,
    mine: list[dag.Node],
    order: list[dag.Node],
    commits: dict[str, _Commit],
    settled: Resolution | None = None,
) -> None:
    """Make the working copy's ledger `order`: the commits it shares with this copy's stored
    order stay; from the first difference on, the commits are replayed. A commit this copy
    already applied that a merge makes void (app/core/concurrency.py) is undone by replaying
    the whole ledger."""
    if settled is None and any(len(n.parents) == 2 for n in order):
        bodies = {h: c.bodies for h, c in commits.items()}
        settled = _settle(order, bodies, conn, other)
    void = conflicts.void_map(settled) if settled else {}
    prefix = 0
    while prefix < min(len(mine), len(order)) and mine[prefix].hash == order[prefix].hash:
        prefix += 1
    if _undoes(settled, mine, prefix, commits, conn, other):
        prefix = 0
    if dag.tips(order) != {order[-1].hash}:
        raise IntegrityFailure("the other copy has branches that no merge joins")
    with immediate(conn):
        if prefix == len(mine):
            state = state_from_projection(conn)
        else:  # this copy's later commits move: rebuild the projection from the prefix
            commits.update(_read(conn, {n.hash for n in mine[prefix:]} - commits.keys(), prefix))
            conn.execute("DELETE FROM events WHERE commit_seq > ?", (prefix,))
            conn.execute("DELETE FROM commits WHERE seq > ?", (prefix,))
            state = _rebuild(conn, void)
        state.void = void
        _replay(conn, other, state, prefix, order[prefix:], commits)


def _undoes(
    settled: Resolution | None,
    mine: list[dag.Node],
    prefix: int,
    commits: dict[str, _Commit],
    conn: sqlite3.Connection,
    other: sqlite3.Connection,
) -> bool:
    """Whether the merged ledger makes void an event among the first `prefix` commits that
    this copy's projection applied (it was not void in this copy's own ledger)."""
    if settled is None:
        return False
    kept = {n.hash for n in mine[:prefix]}
    touched = {(h, i) for h, i in settled.void if h in kept}
    if not touched:
        return False
    if any(len(n.parents) == 2 for n in mine[:prefix]):
        bodies = {h: c.bodies for h, c in commits.items()}
        touched -= _settle(mine, bodies, conn, other).void
    return bool(touched)


def _rebuild(conn: sqlite3.Connection, void: dict[str, frozenset[int]]) -> LedgerState:
    """Empty the projection and replay the ledger into it, `void` events without effect; the
    rule state at its head."""
    for table in PROJECTION_TABLES:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
    state = LedgerState(vault=meta(conn, "vault_id"), void=void)
    for row, bodies, seqs in ledger.commits(conn):
        header, events = check_commit(state, row.seq, row.hash, row.header, row.sig, bodies)
        projection.apply_all(conn, events, seqs, author=header.author, ts=header.ts)
    return state


def _replay(
    conn: sqlite3.Connection,
    other: sqlite3.Connection,
    state: LedgerState,
    after: int,
    order: list[dag.Node],
    commits: dict[str, _Commit],
) -> None:
    """Check, append and project each commit of `order` after seq `after`; then the value
    ciphertexts they name come from `other`, checked against their signed hashes."""
    dropped = False
    for seq, node in enumerate(order, start=after + 1):
        c = commits[node.hash]
        row = CommitRow(seq, c.row.hash, c.row.header, c.row.sig)
        try:
            header, events = check_commit(state, seq, row.hash, row.header, row.sig, c.bodies)
        except IntegrityFailure as exc:
            raise MergeRefused(
                f"the copies cannot be merged: {str(exc).split(': ', 1)[-1]}"
            ) from None
        seqs = ledger.append(conn, row, c.bodies)
        try:
            projection.apply_all(conn, events, seqs, author=header.author, ts=header.ts)
        except sqlite3.IntegrityError:
            raise MergeRefused(
                "the copies cannot be merged: both wrote the same version of a secret's value"
            ) from None
        dropped = dropped or any(e["t"] in ledger.DROPS_VALUES for e in events)
    copy_blobs(conn, other)
    if dropped:  # what a teammate re-encrypted or deleted goes here too
        ledger.purge_blobs(conn)


def copy_blobs(conn: sqlite3.Connection, other: sqlite3.Connection) -> None:
    """The value ciphertexts that versions name and this copy lacks, checked against their
    signed hashes."""
    wanted = [
        r[0]
        for r in conn.execute(
            "SELECT v.value_ref FROM versions v WHERE v.value_ref IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = v.value_ref)"
        )
    ]
    found: dict[str, bytes] = {}
    for ref in wanted:
        row = other.execute("SELECT data FROM blobs WHERE hash = ?", (ref,)).fetchone()
        data = row[0] if row else None
        if type(data) is not bytes or hashlib.sha256(data).hexdigest() != ref:
            raise IntegrityFailure("the other copy lacks or altered a value its ledger names")
        found[ref] = data
    ledger.store_blobs(conn, found)

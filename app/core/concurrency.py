"""What two copies did at the same time, and how each such conflict is settled.

Two commits are concurrent when neither is an ancestor of the other: they were written on two
copies that had not yet seen each other. Every pair of concurrent commits is split by exactly one
merge commit — the first that has both as ancestors — into its two sides: the commits reachable
from one parent and not the other. So the conflicts of a ledger are found merge by merge.

The rules, the same for whoever merges and recomputed by `verify` from the ledger alone:

- a secret deleted on one side and changed on the other (new value, details, flag, re-keyed)
  is kept: the delete is void. Deleted on both sides: the later delete is void (one suffices);
- a grant, or a key delivered to a member, on one side, while the other side revoked that
  member's access to that environment or removed the member: the revocation wins, the grant and
  the key delivery are void;
- a key delivered on one side at an epoch that the other side replaced (a re-key after a
  revocation) is void: the merging admin delivers the new key to whoever still holds a grant
  (services/merge_repair.py), as they re-encrypt values written under the replaced key;
- a secret changed on both sides keeps every version; the projection numbers a version after
  the ones already there, so the later one (canonical order) is current (storage/projection.py).

A void event stays in the ledger, signed as it was written; it just has no effect. Each merge
commit records what its merge settled ("resolved"), and `verify` checks that record against the
rules. What the rules cannot settle is refused (ConflictRefused): one side re-encrypting a
version number that the other side also wrote.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.dag import Node

CHANGES = frozenset({"secret.update", "secret.version", "secret.flag", "secret.unflag"})


class ConflictRefused(Exception):
    """Two concurrent changes that no rule settles; the message says which."""


@dataclass
class Resolution:
    void: set[tuple[str, int]] = field(default_factory=set)  # (commit hash, event index)
    records: dict[str, list[list[str]]] = field(default_factory=dict)  # merge hash -> records


@dataclass
class _Side:
    """What one side of a merge did, by the events that can conflict."""

    deleted: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    granted: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    wrapped: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    rotated: set[str] = field(default_factory=set)  # key scopes moved to a new epoch
    revoked: set[tuple[str, str]] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    wrote: set[tuple[str, int]] = field(default_factory=set)  # (secret, version number)
    resealed: set[tuple[str, int]] = field(default_factory=set)


Events = Callable[[str], list[dict[str, Any]]]  # a commit's decoded events, by its hash


def resolve(order: list[Node], events_of: Events) -> Resolution:
    """The conflicts of a ledger stored in canonical order: what is void, and each merge's
    records. Only the commits on either side of a merge are read."""
    result = Resolution()
    position = {n.hash: i for i, n in enumerate(order)}
    parents = {n.hash: n.parents for n in order}
    for node in order:
        if len(node.parents) != 2:
            continue
        left, right = sides(parents, position, *node.parents)
        void, records = settle(
            _side(sorted(left, key=position.__getitem__), events_of, position),
            _side(sorted(right, key=position.__getitem__), events_of, position),
        )
        result.void |= void
        result.records[node.hash] = records
    return result


def sides(
    parents: dict[str, tuple[str, ...]], position: dict[str, int], a: str, b: str
) -> tuple[set[str], set[str]]:
    """Commits reachable from `a` and not `b`, and from `b` and not `a` (each including itself).

    Walks back from both in reverse canonical order, painting each commit with the sides that
    reach it, and stops when every commit still waiting is reached from both."""
    paint: dict[str, int] = {}
    waiting: list[tuple[int, str]] = []
    apart = 0  # waiting commits painted by one side only

    def mark(commit: str, colour: int) -> None:
        nonlocal apart
        old = paint.get(commit, 0)
        new = old | colour
        if new == old:
            return
        paint[commit] = new
        if old == 0:
            heapq.heappush(waiting, (-position[commit], commit))
            apart += new != 3
        elif new == 3:
            apart -= 1

    mark(a, 1)
    mark(b, 2)
    only: dict[int, set[str]] = {1: set(), 2: set()}
    while apart:
        _, commit = heapq.heappop(waiting)
        colour = paint[commit]
        if colour != 3:
            apart -= 1
            only[colour].add(commit)
        for parent in parents[commit]:
            mark(parent, colour)
    return only[1], only[2]


def settle(a: _Side, b: _Side) -> tuple[set[tuple[str, int]], list[list[str]]]:
    """The void events and the records of one merge whose sides did `a` and `b`."""
    void: set[tuple[str, int]] = set()
    records: list[list[str]] = []
    for one, other in ((a, b), (b, a)):
        for secret, deletes in one.deleted.items():
            if secret in other.changed:
                void.update((h, i) for _, h, i in deletes)
                records.append(["kept-edited", secret])
        lost = {
            (member, env)
            for member, env in one.granted.keys() | one.wrapped.keys()
            if (member, env) in other.revoked or member in other.removed
        }
        for member, env in sorted(lost):
            void.update(one.granted.get((member, env), ()))
            void.update(one.wrapped.get((member, env), ()))
            records.append(["revocation-wins", member, env])
        for (member, scope), wraps in one.wrapped.items():
            if (member, scope) not in lost and scope in other.rotated - one.rotated:
                void.update(wraps)  # a key the other side replaced: the merger delivers the new
                records.append(["key-replaced", member, scope])
        if one.resealed & other.wrote:
            raise ConflictRefused(
                "one copy re-encrypted a version of a secret that the other copy also wrote"
            )
    for secret in a.deleted.keys() & b.deleted.keys():
        if secret not in a.changed and secret not in b.changed:
            later = max(a.deleted[secret] + b.deleted[secret])
            void.add((later[1], later[2]))
            records.append(["deleted-on-both", secret])
    for secret in a.changed & b.changed:
        records.append(["changed-on-both", secret])
    return void, sorted(records)


def _side(hashes: list[str], events_of: Events, position: dict[str, int]) -> _Side:
    side = _Side()
    for commit in hashes:
        for index, e in enumerate(events_of(commit)):
            kind = e.get("t")
            if kind == "secret.delete":
                side.deleted.setdefault(str(e["secret"]), []).append(
                    (position[commit], commit, index)
                )
            elif kind in CHANGES:
                side.changed.add(str(e["secret"]))
                if kind == "secret.version":
                    side.wrote.add((str(e["secret"]), int(e["version"])))
            elif kind == "env.rekey":
                for secret, version, _ in e["values"]:
                    side.changed.add(str(secret))
                    side.resealed.add((str(secret), int(version)))
            elif kind == "access.grant":
                side.granted.setdefault((str(e["member"]), str(e["env"])), []).append(
                    (commit, index)
                )
            elif kind == "key.wrap":
                side.wrapped.setdefault((str(e["member"]), str(e["scope"])), []).append(
                    (commit, index)
                )
            elif kind == "key.rotate":
                side.rotated.add(str(e["scope"]))
            elif kind == "access.revoke":
                side.revoked.add((str(e["member"]), str(e["env"])))
            elif kind == "member.remove":
                side.removed.add(str(e["member"]))
    return side

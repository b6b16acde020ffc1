"""The order of a ledger whose copies diverged and were merged.

Commits form a graph through their parents. Every file stores them in one canonical order: a
commit comes after its parents, and among the commits whose parents are all placed, the earliest
(time, then hash) comes first. Two laptops merging the same commits therefore replay them in the
same order, whichever of them merges, and times never go back along it (a commit is never dated
before its parents, so the next one placed is never earlier than the last).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    hash: str
    parents: tuple[str, ...]
    ts: str


def canonical_order(nodes: Iterable[Node]) -> list[str]:
    """The hashes in canonical order. ValueError if a parent is missing or there is a cycle."""
    by_hash = {n.hash: n for n in nodes}
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    ready: list[tuple[str, str]] = []
    for node in by_hash.values():
        for parent in node.parents:
            if parent not in by_hash:
                raise ValueError("a commit names a parent the ledger does not hold")
            children.setdefault(parent, []).append(node.hash)
        waiting[node.hash] = len(set(node.parents))
        if not node.parents:
            ready.append((node.ts, node.hash))
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, found = heapq.heappop(ready)
        order.append(found)
        for child in children.get(found, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (by_hash[child].ts, child))
    if len(order) != len(by_hash):
        raise ValueError("the commits' parents form a cycle")
    return order


def is_linear(nodes: list[Node]) -> bool:
    """Each commit the only child of the one before it (every ledger that never merged)."""
    return all(n.parents == ((nodes[i - 1].hash,) if i else ()) for i, n in enumerate(nodes))


def tips(nodes: Iterable[Node]) -> set[str]:
    """Commits that no other commit names as a parent."""
    listed = list(nodes)
    named = {p for n in listed for p in n.parents}
    return {n.hash for n in listed} - named

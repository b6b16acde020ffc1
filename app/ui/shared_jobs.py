"""The shared file's work that leaves the GUI thread: catching up with it, merging the copies
a sync tool left beside it. Each job writes through a connection of its own (the vault's stays
with the GUI thread), then lays out the console's rows through a reader, so the console only
swaps them in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from app.core.errors import KeyLedgerError
from app.services import merge_repair
from app.services.copies import merge_copy_with
from app.services.merge import Merger, TakenIn
from app.services.vault import Vault
from app.ui.console_controller import ConsoleController, Prepared

MOVED = ("fast-forward", "merged")


class CaughtUp(NamedTuple):
    done: TakenIn
    prepared: Prepared | None  # the console's rows, when commits came in
    needed: list[str] | None  # after a merge: environments with work left (merge_repair)


def catch_up(vault: Vault, merger: Merger | None, now: datetime, due_soon: int) -> CaughtUp:
    """On a worker thread: catch the working copy up through a writer connection of its own,
    then lay out the console's rows and look for what a merge left, through a reader (both
    connections closed here)."""
    conn = vault.open_writer()
    try:
        done = vault.catch_up_with(conn, merger)
    finally:
        conn.close()
    if done.outcome not in MOVED:
        return CaughtUp(done, None, None)
    with vault.reading() as reader:
        needed = merge_repair.needed(reader) if done.outcome == "merged" or done.joined else None
        return CaughtUp(done, ConsoleController.prepare(reader, now, due_soon), needed)


class CopiesMerged(NamedTuple):
    merged: list[tuple[Path, TakenIn, TakenIn]]  # copy, the shared file's catch-up, the copy's
    refused: tuple[Path, KeyLedgerError] | None  # the copy that stopped the run, and why
    prepared: Prepared | None
    needed: list[str] | None  # as CaughtUp.needed


def merge_copies(
    vault: Vault, merger: Merger | None, offered: list[Path], now: datetime, due_soon: int
) -> CopiesMerged:
    """On a worker thread: each copy merged and published through a writer connection of its
    own (removed later, on the GUI thread, once the vault has taken the merge in); then the
    console's rows, through a reader."""
    merged: list[tuple[Path, TakenIn, TakenIn]] = []
    refused: tuple[Path, KeyLedgerError] | None = None
    conn = vault.open_writer()
    try:
        for path in offered:
            try:
                shared, done = merge_copy_with(vault, conn, merger, path)
            except KeyLedgerError as exc:
                refused = (path, exc)
                break
            merged.append((path, shared, done))
    finally:
        conn.close()
    taken = [t for _, shared, done in merged for t in (shared, done)]
    joined = any(t.outcome == "merged" or t.joined for t in taken)
    with vault.reading() as reader:
        needed = merge_repair.needed(reader) if joined else None
        prepared = ConsoleController.prepare(reader, now, due_soon)
        return CopiesMerged(merged, refused, prepared, needed)


def repairs_needed(vault: Vault) -> list[str]:
    """On a worker thread: environments a merge left with values under a replaced key or a
    grantee without the current key (a query over every version: not on the GUI thread)."""
    with vault.reading() as reader:
        return merge_repair.needed(reader)

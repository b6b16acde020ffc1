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


def catch_up(
    vault: Vault, merger: Merger | None, now: datetime, due_soon: int
) -> tuple[TakenIn, Prepared | None]:
    """On a worker thread: catch the working copy up through a writer connection of its own,
    then lay out the console's rows through a reader (both closed here)."""
    conn = vault.open_writer()
    try:
        done = vault.catch_up_with(conn, merger)
    finally:
        conn.close()
    if done.outcome not in MOVED:
        return done, None
    with vault.reading() as reader:
        return done, ConsoleController.prepare(reader, now, due_soon)


class CopiesMerged(NamedTuple):
    merged: list[tuple[Path, TakenIn, TakenIn]]  # copy, the shared file's catch-up, the copy's
    refused: tuple[Path, KeyLedgerError] | None  # the copy that stopped the run, and why
    prepared: Prepared | None


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
    with vault.reading() as reader:
        return CopiesMerged(merged, refused, ConsoleController.prepare(reader, now, due_soon))


def repairs_needed(vault: Vault) -> list[str]:
    """On a worker thread: environments a merge left with values under a replaced key or a
    grantee without the current key (a query over every version: not on the GUI thread)."""
    with vault.reading() as reader:
        return merge_repair.needed(reader)

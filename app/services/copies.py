"""Other copies of the vault file: a sync tool's conflicted copies beside it, or a file the user
names (`keyledger merge OTHER.kl`), taken into the vault and published.

Sync tools name the copy they could not reconcile after the original:
  Dropbox      team (conflicted copy 2026-11-30).kl, team (Bob's conflicted copy 2026-11-30).kl
  Nextcloud    team (conflicted copy 2026-11-30 101010).kl
  Syncthing    team.sync-conflict-20261130-101010-ABCDEFG.kl
  OneDrive     team-LAPTOP.kl (the computer's name)
  Google Drive team (1).kl        iCloud  team 2.kl
A name alone proves nothing: only a file that is a copy of this very vault (same vault id) is
offered, and it is removed only once everything in it is in the published vault file.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from app.core.errors import IntegrityFailure, InvalidInput, NotFound, NotPermitted
from app.services import sync
from app.services.merge import Merger, TakenIn, take_in
from app.services.vault import Vault
from app.services.verify import one_line
from app.storage.db import file_lock


def _patterns(stem: str) -> list[re.Pattern[str]]:
    s = re.escape(stem)
    return [
        re.compile(rf"{s} \((?:.+'s )?conflicted copy[^)]*\)"),
        re.compile(rf"{s}\.sync-conflict-\d{{8}}-\d{{6}}-[A-Z0-9]+"),
        re.compile(rf"{s}-[A-Za-z0-9][A-Za-z0-9_.-]*"),
        re.compile(rf"{s} \(\d+\)"),
        re.compile(rf"{s} \d+"),
    ]


def looks_conflicted(published: Path, candidate: Path) -> bool:
    """Whether `candidate`'s name is one a sync tool gives a conflicted copy of `published`."""
    if candidate.suffix != published.suffix or candidate.name == published.name:
        return False
    return any(p.fullmatch(candidate.stem) for p in _patterns(published.stem))


def conflicted_copies(published: Path, vault_id: str) -> list[Path]:
    """Conflicted copies of this vault beside its file, oldest first."""
    found = []
    for candidate in sorted(published.parent.glob(f"*{published.suffix}")):
        if not looks_conflicted(published, candidate):
            continue
        try:
            if sync.read_identity(candidate)[0] == vault_id:
                found.append(candidate)
        except IntegrityFailure:
            continue  # not a vault, or damaged: not ours to offer
    return sorted(found, key=lambda p: p.stat().st_mtime)


def merge_copy(vault: Vault, other: Path, *, remove: bool = False) -> TakenIn:
    """Take in everything `other` holds (fast-forward or merge), publish, and with `remove`
    delete `other` once the published file holds all of it.

    MergeRefused (nothing changed) when the copy shares no history with the vault, fails its
    checks, or holds changes that cannot stand beside this vault's."""
    shared, done = merge_copy_with(vault, vault.conn, vault.merger(), other)
    for each in (shared, done):
        vault.took_in(each)
    if remove:  # only now: the published file holds everything the copy held
        other.unlink()
    return done


def merge_copy_with(
    vault: Vault,
    conn: sqlite3.Connection,
    merger: Merger | None,
    other: Path,
) -> tuple[TakenIn, TakenIn]:
    """merge_copy's work through `conn` (a worker thread's writer connection): what catching up
    with the shared file took in first, and what the copy brought. The caller then hands both
    to `vault.took_in` on the vault's own thread, and may remove the copy."""
    if merger is None:
        raise NotPermitted("the vault is locked")
    if other.resolve() == vault.published.resolve():
        raise InvalidInput("that is the vault file itself, not another copy of it")
    if not other.is_file():
        raise NotFound(f"no file at {other}")
    shared = vault.catch_up_with(conn, merger)
    with file_lock(sync.lock_path(vault.vault_id)):
        copy = sync.open_shared(other)
        try:
            done = take_in(conn, copy, merger)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise IntegrityFailure(f"{other.name} is damaged ({one_line(exc)})") from None
        finally:
            copy.close()
        if done.outcome in ("fast-forward", "merged"):
            sync.publish_working_copy(conn, vault.published)
    return shared, done

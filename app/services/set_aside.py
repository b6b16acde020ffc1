"""The way out of a merge that is refused: set this laptop's copy aside and go on from the
shared file.

While this laptop's commits cannot merge with the shared file's (two re-keys of one
environment at once, a write the other copy's revocation forbids), every write is refused, so
that nothing is published over a conflict. Setting aside publishes this laptop's copy, all its
commits signed as they were, to a file of its own beside the vault, and starts the working copy
afresh from the shared file (copied, then fully verified at the next unlock). Nothing is lost:
the set-aside file is a copy of the vault, every commit signed, that `keyledger merge FILE`
takes in once its changes can stand (after what conflicted is undone or redone).

The pin of the last verified head moves to the shared file's head: the member chose to trust
the shared file as it is now over this laptop's unpublished commits.
"""

from __future__ import annotations

from pathlib import Path

from app.core.errors import InvalidInput
from app.services import keychain, paths, sync
from app.services.vault import Vault
from app.storage import ledger
from app.storage.db import file_lock


def set_aside(vault: Vault) -> Path:
    """Publish this laptop's copy beside the vault, lock `vault`, and let the next unlock start
    from the shared file. Returns the set-aside file."""
    if not vault.merge_problem:
        raise InvalidInput(
            "this laptop's copy and the shared file are not in conflict: nothing to set aside"
        )
    day = vault.clock.now().date().isoformat()
    stem, suffix = vault.published.stem, vault.published.suffix
    target = vault.published.with_name(f"{stem} (unmerged, {vault.member.handle} {day}){suffix}")
    n = 2
    while target.exists():
        target = target.with_name(f"{stem} (unmerged, {vault.member.handle} {day} {n}){suffix}")
        n += 1
    with file_lock(sync.lock_path(vault.vault_id)):
        sync.publish_working_copy(vault.conn, target)
        shared = sync.open_shared(vault.published)
        try:
            head = ledger.head(shared)
        finally:
            shared.close()
        vault.lock()
        paths.remove_working_copy(vault.vault_id)
        if head is not None:
            keychain.save_pin(vault.vault_id, keychain.Pin(head.seq, head.hash))
    return target

"""`verify`: check the shared file and this laptop's copy without needing to unlock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import IntegrityFailure
from app.core.model import VerifyReport
from app.services import paths, sync
from app.services.verifications import record_verification
from app.services.verify import identical_to, verify, verify_beside
from app.storage import ledger
from app.storage.db import file_lock, open_reader


def verify_vault(published: Path) -> VerifyReport:
    """Full check of the published file, then of the working copy after catching up.

    The outcome, passed or failed, is remembered for the Overview.
    """
    vault_id, _ = sync.read_identity(published)
    try:
        report = _verify_both(published, vault_id)
    except IntegrityFailure as exc:
        record_verification(vault_id, datetime.now(UTC), 0, "", " ".join(str(exc).split()))
        raise
    record_verification(vault_id, datetime.now(UTC), report.commits, report.head)
    return report


def _verify_both(published: Path, vault_id: str) -> VerifyReport:
    pub = sync.open_shared(published)
    try:
        if _level(pub, vault_id):
            return _verify_side_by_side(pub, published, vault_id)
        report = verify(pub)
    finally:
        pub.close()
    with file_lock(sync.lock_path(vault_id)):
        conn, _ = sync.open_working_copy(published, vault_id)
    try:
        # A working copy identical to the file just verified needs no second replay (if the
        # file was republished from this copy meanwhile, the heads differ: replay in full).
        local_head = ledger.head(conn)
        same_head = local_head is not None and local_head.hash == report.head
        if not (same_head and identical_to(conn, published)):
            report = verify(conn)
    finally:
        conn.close()
    checked = (*report.checked, "pinned head")
    return VerifyReport(report.commits, report.events, report.head, checked)


def _level(pub: sqlite3.Connection, vault_id: str) -> bool:
    """Whether this laptop's copy has the shared file's head already: catching up then changes
    nothing, so the copy can be opened before the shared file is verified rather than after."""
    work = paths.working_copy(vault_id)
    if not work.exists():
        return False
    try:
        peek = open_reader(work)
    except sqlite3.DatabaseError:
        return False
    try:
        mine, theirs = ledger.head(peek), ledger.head(pub)
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return False  # the general path says what is damaged
    finally:
        peek.close()
    return mine is not None and theirs is not None and mine.hash == theirs.hash


def _verify_side_by_side(pub: sqlite3.Connection, published: Path, vault_id: str) -> VerifyReport:
    """The shared file's replay, with the working copy compared to it on the second core.

    Sound as the sequential path: the comparison counts only once the shared file passed, and
    only if the copy still has the head that was verified (another process may have published
    or caught up meanwhile); otherwise the copy is replayed in full.
    """
    with file_lock(sync.lock_path(vault_id)):
        conn, _ = sync.open_working_copy(published, vault_id)
    try:
        report, same = verify_beside(pub, lambda: identical_to(conn, published, beside=False))
        local_head = ledger.head(conn)
        if not (same and local_head is not None and local_head.hash == report.head):
            report = verify(conn)
    finally:
        conn.close()
    checked = (*report.checked, "pinned head")
    return VerifyReport(report.commits, report.events, report.head, checked)

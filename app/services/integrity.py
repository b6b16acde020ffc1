"""`verify`: check the shared file and this laptop's copy without needing to unlock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import IntegrityFailure
from app.core.model import VerifyReport
from app.services import sync
from app.services.verifications import record_verification
from app.services.verify import identical_to, verify
from app.storage import ledger
from app.storage.db import file_lock


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

"""`verify`: check the shared file and this laptop's copy without needing to unlock."""

from __future__ import annotations

from pathlib import Path

from app.core.model import VerifyReport
from app.services import sync
from app.services.verify import verify
from app.storage.db import file_lock


def verify_vault(published: Path) -> VerifyReport:
    """Full check of the published file, then of the working copy after catching up."""
    vault_id, _ = sync.read_identity(published)
    pub = sync._open_published(published)
    try:
        report = verify(pub)
    finally:
        pub.close()
    with file_lock(sync.lock_path(vault_id)):
        conn = sync.open_working_copy(published, vault_id)
    try:
        local = verify(conn)
    finally:
        conn.close()
    checked = (*report.checked, "pinned head")
    return VerifyReport(local.commits, local.events, local.head, checked)

"""Writing one commit: caught up with the shared file, held to the ledger rules, appended with
its projection rows and value blobs in one transaction, pinned, published.

Every change goes through `append_commit`: a member's (Vault.commit) and a joiner's, who is not
a member yet (team.join).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.errors import IntegrityFailure, KeyLedgerError
from app.core.ledger import build_header, check_commit, parse_header, signing_message
from app.crypto.encoding import canonical, sha256_hex
from app.crypto.sign import Signer
from app.services import sync
from app.services.merge import Merger
from app.services.verify import state_from_projection
from app.storage import ledger, projection
from app.storage.db import file_lock, immediate
from app.storage.ledger import CommitRow
from app.storage.publish import FaultHook


class PublishFailed(KeyLedgerError):
    """The change is in the working copy; the shared file could not be replaced yet."""


def append_commit(
    conn: sqlite3.Connection,
    published: Path,
    vault_id: str,
    author: str,
    signer: Signer,
    ts: str,
    events: list[dict[str, Any]],
    blobs: dict[str, bytes],
    fault: FaultHook | None = None,
    after: Callable[[], None] | None = None,
) -> str:
    """Catch up with the shared file, append one signed commit with its projection rows and
    value blobs in one transaction, pin the head, publish. `after` runs once it is appended."""
    bodies = [canonical(e) for e in events]
    with file_lock(sync.lock_path(vault_id)):
        pub = sync.open_shared(published)
        try:
            sync.catch_up(conn, pub, published, Merger(author, signer, ts))
        finally:
            pub.close()
        with immediate(conn):
            head = ledger.head(conn)
            if head is None:
                raise IntegrityFailure("the working copy has an empty ledger")
            # A laptop whose clock is behind the last commit's dates its commit at that time:
            # the ledger refuses commits dated before their parent (no backdating).
            ts = max(ts, parse_header(head.header).ts)
            header = build_header(vault_id, [head.hash], author, ts, bodies)
            commit_hash = sha256_hex(header)
            row = CommitRow(
                head.seq + 1, commit_hash, header, signer.sign(signing_message(commit_hash))
            )
            check_own(conn, row, bodies, events)
            seqs = ledger.append(conn, row, bodies)
            if blobs:
                ledger.store_blobs(conn, blobs)
            projection.apply_all(conn, events, seqs, author=author, ts=ts)
            if any(e["t"] in ledger.DROPS_VALUES for e in events):
                ledger.purge_blobs(conn)
        if after is not None:
            after()
        sync.save_pin(conn, vault_id)
        try:
            sync.publish_working_copy(conn, published, fault)
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())
            raise PublishFailed(
                f"saved on this laptop, but writing {published.name} failed"
                f" ({reason}); it is published the next time the vault opens"
            ) from None
    return commit_hash


def check_own(
    conn: sqlite3.Connection, row: CommitRow, bodies: list[bytes], events: list[dict[str, Any]]
) -> None:
    """Hold a new commit to the rules every other laptop will check it by, before it is written:
    a change the ledger would refuse must never reach the shared file."""
    named = {str(e["secret"]) for e in events if "secret" in e}
    for e in events:
        named.update(str(v[0]) for v in e.get("values", ()) if e["t"] == "env.rekey")
    state = state_from_projection(conn, named)
    try:
        check_commit(state, row.seq, row.hash, row.header, row.sig, bodies)
    except IntegrityFailure as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise IntegrityFailure(
            f"this change breaks a ledger rule ({reason}); nothing was written"
        ) from None

"""Keeping the local working copy and the shared vault file in step.

The shared file is only read here, and only replaced whole by `publish`. On open the working copy
fast-forwards over commits that others published; a working copy that is ahead (a publish that
did not finish) is published; histories that diverged are merged (app/services/merge.py) once a
member who can sign the merge has unlocked.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from app.core.errors import IntegrityFailure, NotFound
from app.services import keychain, merge, paths
from app.services.verify import meta, one_line, verify
from app.storage import ledger
from app.storage.db import StorageError, open_published, open_working
from app.storage.publish import FaultHook, publish


def read_identity(published: Path) -> tuple[str, str]:
    """(vault id, display name) of a published vault file."""
    if not published.exists():
        raise NotFound(f"no vault at {published}")
    conn = open_shared(published)
    try:
        return meta(conn, "vault_id"), meta(conn, "name")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise IntegrityFailure(f"{published.name} is damaged ({one_line(exc)})") from None
    finally:
        conn.close()


MemberRecord = tuple[str, str, str, str, str, bytes]  # id, handle, role, status, kdf, sealed


def member_record(published: Path, handle: str | None) -> MemberRecord | None:
    """The member's unlock record as the shared file has it (None if it is not plain which)."""
    try:
        conn = open_published(published)
    except StorageError:
        return None
    try:
        rows = conn.execute(
            "SELECT id, handle, role, status, kdf, sealed FROM members WHERE status = 'active'"
        ).fetchall()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return None
    finally:
        conn.close()
    if handle is not None:
        rows = [r for r in rows if r[1] == handle]
    if len(rows) != 1:
        return None
    found = rows[0]
    return (
        str(found[0]),
        str(found[1]),
        str(found[2]),
        str(found[3]),
        str(found[4]),
        bytes(found[5]),
    )


def open_shared(published: Path) -> sqlite3.Connection:
    try:
        return open_published(published)
    except StorageError as exc:
        raise IntegrityFailure(one_line(exc)) from None


def lock_path(vault_id: str) -> Path:
    return paths.working_copy(vault_id).with_suffix(".lock")


def open_working_copy(published: Path, vault_id: str) -> tuple[sqlite3.Connection, bool]:
    """The working copy of `published`, brought up to date, and whether the two diverged (this
    laptop's copy is kept until an unlocked member merges them). Call under `file_lock`."""
    work = paths.working_copy(vault_id)
    pub = open_shared(published)
    try:
        if not work.exists():
            _first_copy(pub, work)
        try:
            conn = open_working(work)
        except StorageError as exc:
            raise IntegrityFailure(
                f"this laptop's working copy is damaged: {one_line(exc)}"
            ) from None
        try:
            diverged = catch_up(conn, pub, published).outcome == "diverged"
        except BaseException:
            conn.close()
            raise
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise IntegrityFailure(f"{published.name} is damaged ({one_line(exc)})") from None
    finally:
        pub.close()
    try:
        check_pin(conn, vault_id)
    except BaseException:
        conn.close()
        raise
    save_pin(conn, vault_id)
    return conn, diverged


def _first_copy(pub: sqlite3.Connection, work: Path) -> None:
    """Copy a published file to a new working copy, trusting it only once it fully verifies."""
    work.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = work.with_suffix(".incoming")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    out = sqlite3.connect(tmp, isolation_level=None)
    try:
        pub.backup(out)
        verify(out)
    except BaseException:
        out.close()
        tmp.unlink()
        raise
    out.close()
    os.replace(tmp, work)


def catch_up(
    conn: sqlite3.Connection,
    pub: sqlite3.Connection,
    published: Path,
    merger: merge.Merger | None = None,
) -> merge.TakenIn:
    """Bring the working copy level with the published file: fast-forward over what others
    published, publish what only this laptop has, or merge two histories that diverged and
    publish the merge ('diverged' when there is no `merger` to sign it yet)."""
    mine, theirs = ledger.head(conn), ledger.head(pub)
    if theirs is None or mine is None:
        raise IntegrityFailure(f"{published.name} has an empty ledger")
    if mine.hash == theirs.hash:
        return merge.TakenIn("same")
    # The common cases read only the new commits: one copy's ledger begins with the other's.
    if theirs.seq > mine.seq:
        at = ledger.commit_at(pub, mine.seq)
        if at is not None and at.hash == mine.hash:
            return merge.fast_forward(conn, pub, mine.seq)
    else:
        at = ledger.commit_at(conn, theirs.seq)
        if at is not None and at.hash == theirs.hash:
            publish(conn, published)
            return merge.TakenIn("published")
    done = merge.take_in(conn, pub, merger)
    if done.outcome in ("ahead", "merged"):
        publish(conn, published)
    return merge.TakenIn("published") if done.outcome == "ahead" else done


def check_pin(conn: sqlite3.Connection, vault_id: str) -> None:
    pin = keychain.load_pin(vault_id)
    if pin is None:
        return
    # By hash, not position: merging may replay this laptop's commits further down.
    found = conn.execute("SELECT 1 FROM commits WHERE hash = ?", (pin.hash,)).fetchone()
    if found is None:
        raise IntegrityFailure(
            f"this vault's history does not reach the last state this laptop verified (commit"
            f" #{pin.seq}): the file was rolled back or replaced"
        )


def save_pin(conn: sqlite3.Connection, vault_id: str) -> None:
    head = ledger.head(conn)
    if head is not None:
        keychain.save_pin(vault_id, keychain.Pin(head.seq, head.hash))


def publish_working_copy(
    conn: sqlite3.Connection, published: Path, fault: FaultHook | None = None
) -> None:
    publish(conn, published, fault)

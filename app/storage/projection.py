"""The projection: tables the app reads, derived only from ledger events.

`apply` is the single place that turns an event into table rows. Writing and `verify` both use
it, so a rebuilt projection can be compared row by row with the stored one.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from typing import Any

Event = dict[str, Any]


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def apply(conn: sqlite3.Connection, event: Event, *, seq: int, author: str, ts: str) -> None:
    kind = event["t"]
    handler = _HANDLERS.get(kind)
    if handler is not None:
        handler(conn, event, seq, author, ts)


def _member_add(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO members (id, handle, role, status, kem_suite, kem_pub, sign_pub, kdf, sealed,"
        " added_seq) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
        (
            e["member"],
            e["handle"],
            e["role"],
            e["kem_suite"],
            _raw(e["kem_pub"]),
            _raw(e["sign_pub"]),
            json.dumps(e["kdf"], sort_keys=True),
            _raw(e["sealed"]),
            seq,
        ),
    )


def _key_wrap(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO wraps (member_id, scope, epoch, suite, blob) VALUES (?, ?, ?, ?, ?)",
        (e["member"], e["scope"], e["epoch"], e["suite"], _raw(e["blob"])),
    )


def _env_add(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO environments (id, position, epoch, meta, meta_epoch) VALUES (?, ?, ?, ?, ?)",
        (e["env"], e["position"], e["epoch"], _raw(e["meta"]), e["meta_epoch"]),
    )


def _env_update(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE environments SET meta = ?, meta_epoch = ? WHERE id = ?",
        (_raw(e["meta"]), e["meta_epoch"], e["env"]),
    )


def _secret_add(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO secrets (id, env_id, meta, meta_epoch, version, created_at, updated_at,"
        " rotated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e["secret"], e["env"], _raw(e["meta"]), e["meta_epoch"], e["version"], ts, ts, ts),
    )
    _insert_version(conn, e, author, ts)


def _insert_version(conn: sqlite3.Connection, e: Event, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO versions (secret_id, version, epoch, value, info, info_epoch, author,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e["secret"],
            e["version"],
            e["epoch"],
            _raw(e["value"]),
            _raw(e["info"]),
            e["info_epoch"],
            author,
            ts,
        ),
    )


def _secret_update(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE secrets SET meta = ?, meta_epoch = ?, updated_at = ? WHERE id = ?",
        (_raw(e["meta"]), e["meta_epoch"], ts, e["secret"]),
    )


def _secret_version(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    _insert_version(conn, e, author, ts)
    conn.execute(
        "UPDATE secrets SET version = ?, updated_at = ?, rotated_at = ? WHERE id = ?",
        (e["version"], ts, ts, e["secret"]),
    )


def _secret_delete(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM versions WHERE secret_id = ?", (e["secret"],))
    conn.execute("DELETE FROM secrets WHERE id = ?", (e["secret"],))


def _totp_enroll(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO totp (member_id, enrollment, status, seed, recovery, used,"
        " failures, last_failure, last_step) VALUES (?, ?, 'pending', ?, '[]', '[]', 0, NULL, -1)",
        (e["member"], e["enrollment"], _raw(e["seed"])),
    )


def _totp_confirm(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET status = 'active', recovery = ?, last_step = ?, failures = 0,"
        " last_failure = NULL WHERE member_id = ? AND enrollment = ?",
        (json.dumps(e["recovery"]), e["step"], e["member"], e["enrollment"]),
    )


def _totp_success(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET failures = 0, last_failure = NULL, last_step = max(last_step, ?)"
        " WHERE member_id = ? AND enrollment = ?",
        (e["step"], e["member"], e["enrollment"]),
    )


def _totp_failure(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET failures = failures + 1, last_failure = ? WHERE member_id = ?"
        " AND enrollment = ?",
        (ts, e["member"], e["enrollment"]),
    )


def _totp_recovery(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    row = conn.execute(
        "SELECT used FROM totp WHERE member_id = ? AND enrollment = ?",
        (e["member"], e["enrollment"]),
    ).fetchone()
    used = sorted({*json.loads(row[0]), int(e["index"])}) if row else []
    conn.execute(
        "UPDATE totp SET status = 'recovered', used = ?, failures = 0, last_failure = NULL"
        " WHERE member_id = ? AND enrollment = ?",
        (json.dumps(used), e["member"], e["enrollment"]),
    )


def _totp_reset(conn: sqlite3.Connection, e: Event, seq: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM totp WHERE member_id = ?", (e["member"],))


_HANDLERS = {
    "totp.enroll": _totp_enroll,
    "totp.confirm": _totp_confirm,
    "totp.success": _totp_success,
    "totp.failure": _totp_failure,
    "totp.recovery": _totp_recovery,
    "totp.reset": _totp_reset,
    "member.add": _member_add,
    "key.wrap": _key_wrap,
    "env.add": _env_add,
    "env.update": _env_update,
    "secret.add": _secret_add,
    "secret.update": _secret_update,
    "secret.version": _secret_version,
    "secret.delete": _secret_delete,
}

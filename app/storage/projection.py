"""The projection: tables the app reads, derived only from ledger events.

`apply_all` is the single place that turns a commit's events into table rows. Writing and
`verify` both use it, so a rebuilt projection can be compared row by row with the stored one.
Secrets and versions point at the event that holds their ciphertext (`events.seq`) rather than
copying it.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Handler = Callable[[sqlite3.Connection, Event, int, str, str], None]


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def apply_all(
    conn: sqlite3.Connection, events: list[Event], event_seqs: list[int], *, author: str, ts: str
) -> None:
    """Apply one commit's events in order; runs of additions go in one executemany each."""
    run: list[tuple[Event, int]] = []
    for event, event_seq in zip(events, event_seqs, strict=True):
        if event["t"] == "secret.add":
            run.append((event, event_seq))
            continue
        if run:
            _secret_add_many(conn, run, author, ts)
            run = []
        handler = _HANDLERS.get(event["t"])
        if handler is not None:
            handler(conn, event, event_seq, author, ts)
    if run:
        _secret_add_many(conn, run, author, ts)


_SECRETS_INSERT = (  # the commit time binds once for its three columns: a tenth off a replay
    "INSERT INTO secrets (id, env_id, meta_event, meta_epoch, version, created_at, updated_at,"
    " rotated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)"
)
_VERSION_INSERT = (
    "INSERT INTO versions (secret_id, version, epoch, event, info_epoch, author, created_at,"
    " value_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _secret_add_many(
    conn: sqlite3.Connection, run: list[tuple[Event, int]], author: str, ts: str
) -> None:
    conn.executemany(
        _SECRETS_INSERT,
        [(e["secret"], e["env"], n, e["meta_epoch"], e["version"], ts) for e, n in run],
    )
    conn.executemany(
        _VERSION_INSERT,
        [
            (
                e["secret"],
                e["version"],
                e["epoch"],
                n,
                e["info_epoch"],
                author,
                ts,
                e.get("value_ref"),
            )
            for e, n in run
        ],
    )


def _member_add(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
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
            n,
        ),
    )


def _key_wrap(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO wraps (member_id, scope, epoch, suite, blob) VALUES (?, ?, ?, ?, ?)",
        (e["member"], e["scope"], e["epoch"], e["suite"], _raw(e["blob"])),
    )
    if e["scope"] != "vault":  # a key made with its environment: its holders' write grant
        conn.execute(
            "INSERT OR IGNORE INTO grants (member_id, env_id, access, until, granted_by,"
            " granted_at, event) VALUES (?, ?, 'write', NULL, ?, ?, ?)",
            (e["member"], e["scope"], author, ts, n),
        )


def _env_add(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO environments (id, position, epoch, meta, meta_epoch) VALUES (?, ?, ?, ?, ?)",
        (e["env"], e["position"], e["epoch"], _raw(e["meta"]), e["meta_epoch"]),
    )


def _env_update(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE environments SET meta = ?, meta_epoch = ? WHERE id = ?",
        (_raw(e["meta"]), e["meta_epoch"], e["env"]),
    )


def _secret_update(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE secrets SET meta_event = ?, meta_epoch = ?, updated_at = ? WHERE id = ?",
        (n, e["meta_epoch"], ts, e["secret"]),
    )


def _secret_version(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    """A new value, numbered after the versions already there. Its writer numbered it so too,
    unless the other copy of a merge wrote one concurrently (app/core/concurrency.py): then
    both are kept, the later in the ledger's order current. The number a value was sealed
    under stays in its event (`e["version"]`), which is what decrypting it binds."""
    found = conn.execute(
        "SELECT max(version) FROM versions WHERE secret_id = ?", (e["secret"],)
    ).fetchone()[0]
    number = e["version"] if found is None else int(found) + 1
    conn.execute(
        _VERSION_INSERT,
        (e["secret"], number, e["epoch"], n, e["info_epoch"], author, ts, e.get("value_ref")),
    )
    conn.execute(
        "UPDATE secrets SET version = ?, updated_at = ?, rotated_at = ? WHERE id = ?",
        (number, ts, ts, e["secret"]),
    )
    conn.execute("DELETE FROM flags WHERE secret_id = ?", (e["secret"],))  # a new value


def _secret_delete(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM versions WHERE secret_id = ?", (e["secret"],))
    conn.execute("DELETE FROM secrets WHERE id = ?", (e["secret"],))
    conn.execute("DELETE FROM flags WHERE secret_id = ?", (e["secret"],))


def _secret_flag(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO flags (secret_id, event, info_epoch, author, flagged_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (e["secret"], n, e["info_epoch"], author, ts),
    )


def _secret_unflag(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM flags WHERE secret_id = ?", (e["secret"],))


def _totp_enroll(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO totp (member_id, enrollment, status, seed, recovery, used,"
        " failures, last_failure, last_step) VALUES (?, ?, 'pending', ?, '[]', '[]', 0, NULL, -1)",
        (e["member"], e["enrollment"], _raw(e["seed"])),
    )


def _totp_confirm(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET status = 'active', recovery = ?, last_step = ?, failures = 0,"
        " last_failure = NULL WHERE member_id = ? AND enrollment = ?",
        (json.dumps(e["recovery"]), e["step"], e["member"], e["enrollment"]),
    )


def _totp_success(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET failures = 0, last_failure = NULL, last_step = max(last_step, ?)"
        " WHERE member_id = ? AND enrollment = ?",
        (e["step"], e["member"], e["enrollment"]),
    )


def _totp_failure(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE totp SET failures = failures + 1, last_failure = ? WHERE member_id = ?"
        " AND enrollment = ?",
        (ts, e["member"], e["enrollment"]),
    )


def _totp_recovery(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
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


def _totp_reset(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM totp WHERE member_id = ?", (e["member"],))


def _member_invite(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO invites (id, handle, role, grants, expires, pub, status, member_id,"
        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', NULL, ?, ?)",
        (
            e["invite"],
            e["handle"],
            e["role"],
            json.dumps(e["grants"]),
            e["expires"],
            _raw(e["pub"]),
            author,
            ts,
        ),
    )


def _member_uninvite(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("UPDATE invites SET status = 'cancelled' WHERE id = ?", (e["invite"],))


def _member_join(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    _member_add(conn, e, n, author, ts)
    conn.execute("UPDATE members SET status = 'pending' WHERE id = ?", (e["member"],))
    conn.execute(
        "UPDATE invites SET status = 'joined', member_id = ? WHERE id = ?",
        (e["member"], e["invite"]),
    )


def _member_approve(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("UPDATE members SET status = 'active' WHERE id = ?", (e["member"],))
    conn.execute("UPDATE invites SET status = 'approved' WHERE member_id = ?", (e["member"],))


def _member_remove(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("UPDATE members SET status = 'removed' WHERE id = ?", (e["member"],))
    conn.execute(
        "UPDATE invites SET status = 'refused' WHERE member_id = ? AND status = 'joined'",
        (e["member"],),
    )
    conn.execute("DELETE FROM grants WHERE member_id = ?", (e["member"],))
    conn.execute("DELETE FROM wraps WHERE member_id = ?", (e["member"],))


def _access_grant(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO grants (member_id, env_id, access, until, granted_by, granted_at,"
        " event) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (e["member"], e["env"], e["access"], e.get("until"), author, ts, n),
    )


def _access_revoke(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute("DELETE FROM grants WHERE member_id = ? AND env_id = ?", (e["member"], e["env"]))
    conn.execute("DELETE FROM wraps WHERE member_id = ? AND scope = ?", (e["member"], e["env"]))


def _access_request(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO requests (id, member_id, env_id, access, until, status, event, requested_at,"
        " decided_by, decided_at, decision_event) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, NULL,"
        " NULL, NULL)",
        (e["request"], author, e["env"], e["access"], e.get("until"), n, ts),
    )


def _access_decide(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    status = "approved" if e["t"] == "access.approve" else "denied"
    conn.execute(
        "UPDATE requests SET status = ?, decided_by = ?, decided_at = ?, decision_event = ?"
        " WHERE id = ?",
        (status, author, ts, n, e["request"]),
    )


def _key_rotate(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO chains (scope, epoch, under, blob) VALUES (?, ?, ?, ?)",
        (e["scope"], e["epoch"] - 1, e["epoch"], _raw(e["chain"])),
    )
    if e["scope"] != "vault":
        conn.execute("UPDATE environments SET epoch = ? WHERE id = ?", (e["epoch"], e["scope"]))


def _env_rekey(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.executemany(
        "UPDATE versions SET epoch = ?, value_ref = ? WHERE secret_id = ? AND version = ?",
        [(e["epoch"], ref, secret, version) for secret, version, ref in e["values"]],
    )


def _review_start(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT INTO reviews (id, reviewer, due, status, started_by, started_at, event,"
        " completed_at) VALUES (?, ?, ?, 'open', ?, ?, ?, NULL)",
        (e["review"], e["reviewer"], e["due"], author, ts, n),
    )


def _review_decide(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO review_decisions (review_id, member_id, env_id, decision, access,"
        " decided_by, decided_at, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e["review"], e["member"], e["env"], e["decision"], e.get("access"), author, ts, n),
    )


def _review_complete(conn: sqlite3.Connection, e: Event, n: int, author: str, ts: str) -> None:
    conn.execute(
        "UPDATE reviews SET status = 'completed', completed_at = ? WHERE id = ?",
        (ts, e["review"]),
    )


_HANDLERS: dict[str, Handler] = {
    "review.start": _review_start,
    "review.decide": _review_decide,
    "review.complete": _review_complete,
    "member.invite": _member_invite,
    "member.uninvite": _member_uninvite,
    "member.join": _member_join,
    "member.approve": _member_approve,
    "member.remove": _member_remove,
    "access.grant": _access_grant,
    "access.revoke": _access_revoke,
    "access.request": _access_request,
    "access.approve": _access_decide,
    "access.deny": _access_decide,
    "key.rotate": _key_rotate,
    "env.rekey": _env_rekey,
    "member.add": _member_add,
    "key.wrap": _key_wrap,
    "env.add": _env_add,
    "env.update": _env_update,
    "secret.update": _secret_update,
    "secret.version": _secret_version,
    "secret.delete": _secret_delete,
    "secret.flag": _secret_flag,
    "secret.unflag": _secret_unflag,
    "totp.enroll": _totp_enroll,
    "totp.confirm": _totp_confirm,
    "totp.success": _totp_success,
    "totp.failure": _totp_failure,
    "totp.recovery": _totp_recovery,
    "totp.reset": _totp_reset,
}

"""The rows of each evidence table, streamed: one tuple of cells at a time, never a whole table.

Each function returns the table's header and an iterator of rows. A cell is text, a number,
None or a dict/list (JSON details), ready for JSON as it is: times are already UTC ISO 8601 text
to the second (a datetime per cell costs a tenth of an export). The pack writes the same values
to the .csv (through csvsafe) and the .jsonl file. Values, seeds and codes are never read here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from app.core import rotation
from app.core.model import AuditEntry, Environment
from app.core.rotation import RotationStatus
from app.services import audit
from app.services.catalog import CatalogReader, decode_body
from app.services.environments import list_environments
from app.services.rotation import flags as open_flags
from app.services.rotation import rotation_log
from app.services.rotation_export import LOG_HEADER, log_record
from app.services.vault import Vault

Cell = Any


def utc(ts: str) -> str:
    """A ledger timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ) to the second, as csvsafe writes times."""
    return ts[:19] + "Z"


def _utc_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Rows = Iterator[tuple[Cell, ...]]
Table = tuple[tuple[str, ...], Rows]

ACCESS_HEADER = (
    "account name",
    "account owner",
    "role",
    "status",
    "access appropriate",
    "date created",
    "date deactivated",
    "environment",
    "access",
)
REVIEW_HEADER = ("review", "environment", "member", "reviewer", "decision", "decided at", "note")
INVENTORY_HEADER = (
    "environment",
    "name",
    "env var",
    "provider",
    "owner",
    "tags",
    "created",
    "last rotated",
    "rotation period (days)",
    "next due",
    "status",
    "flag reason",
    "fingerprint",
)
POLICY_HEADER = (
    "environment",
    "step-up",
    "step-up window (s)",
    "clipboard timeout (s)",
    "rotation period (days)",
    "review cadence",
    "keys",
)
POLICY_HISTORY_HEADER = ("time", "actor", "environment", "change", "setting", "old", "new")
MFA_HEADER = (
    "member",
    "role",
    "step-up access",
    "enrolled",
    "enrolled at",
    "recovery codes left",
)


def audit_events(
    vault: Vault, start: date, end: date, tick: Callable[[], None], policy: list[AuditEntry]
) -> Table:
    """Events of the period; policy events (few) are also kept in `policy` for their history."""

    def rows() -> Rows:
        for e in audit.query(vault, audit.AuditFilter(since=start, until=end), tick=tick):
            if e.action in ("env.add", "env.policy"):
                policy.append(e)
            yield (e.seq, utc(e.ts), e.actor, e.action, e.env, e.secret, e.details)

    return audit.HEADER, rows()


def _member_rows(vault: Vault) -> list[tuple[str, str, str, str, str]]:
    """(id, handle, role, status, added at) of every member, in the order they joined."""
    result = []
    for member_id, handle, role, status, header in vault.conn.execute(
        "SELECT m.id, m.handle, m.role, m.status, c.header FROM members m"
        " JOIN events e ON e.seq = m.added_seq JOIN commits c ON c.seq = e.commit_seq"
        " ORDER BY m.added_seq"
    ):
        ts = str(json.loads(bytes(header))["ts"])
        result.append((member_id, handle, role, status, utc(ts)))
    return result


def _scopes(vault: Vault) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for member_id, scope in vault.conn.execute("SELECT DISTINCT member_id, scope FROM wraps"):
        found.setdefault(member_id, set()).add(scope)
    return found


def access_list(vault: Vault, envs: list[Environment]) -> Table:
    """One row per member and key they hold: the vault key (catalog and history) and each
    environment's key. Nobody holds access that is not listed: keys are wrapped per member."""
    scopes = _scopes(vault)

    def rows() -> Rows:
        for member_id, handle, role, status, added in _member_rows(vault):
            held = scopes.get(member_id, set())
            for env in [None, *envs]:
                scope = "vault" if env is None else env.id
                if scope not in held:
                    continue
                if env is None:
                    name, access = "(all)", "catalog and history: read"
                else:
                    name = env.name
                    access = "values: read" if role == "auditor" else "values: read and write"
                    if env.policy.step_up != "none":
                        access += f"; {env.policy.step_up.upper()} step-up"
                yield (handle, handle, role, status, "", added, None, name, access)

    return ACCESS_HEADER, rows()


def access_reviews() -> Table:
    """No review workflow exists yet: the header only (the README says so)."""
    return REVIEW_HEADER, iter(())


def rotation_rows(vault: Vault, start: date, end: date) -> Table:
    def rows() -> Rows:
        for entry in rotation_log(vault, since=start, until=end):
            yield (utc(entry.at), *tuple(log_record(entry).values())[1:])

    return LOG_HEADER, rows()


_INVENTORY_QUERY = (
    "SELECT s.id, s.env_id, json_extract(me.body, '$.meta'), s.meta_epoch, s.version,"
    " s.created_at, s.rotated_at, json_extract(ve.body, '$.info'), v.info_epoch"
    " FROM secrets s LEFT JOIN events me ON me.seq = s.meta_event"
    " LEFT JOIN versions v ON v.secret_id = s.id AND v.version = s.version"
    " LEFT JOIN events ve ON ve.seq = v.event WHERE s.env_id = ? ORDER BY s.env_id, s.rowid"
)


def inventory(
    vault: Vault,
    envs: list[Environment],
    now: datetime,
    counts: Counter[tuple[str, RotationStatus]],
    tick: Callable[[], None],
) -> Table:
    """Every current secret without its value; `counts` gathers (env id, status) for the summary.
    Fingerprints (short unsalted hashes of values) only for environments this member can read."""
    by_id = {e.id: e for e in envs}
    flagged = open_flags(vault)
    reader = CatalogReader(vault)

    def found() -> Iterator[tuple[Any, ...]]:  # by environment, each in the order added
        for env in envs:
            yield from vault.conn.execute(_INVENTORY_QUERY, (env.id,))

    def rows() -> Rows:
        for (
            sid,
            env_id,
            meta_blob,
            meta_epoch,
            version,
            created,
            rotated,
            info,
            info_epoch,
        ) in found():
            tick()
            env = by_id[env_id]
            meta = reader.open(meta_blob, meta_epoch, "secret-meta", sid)
            days = int(meta.get("rotation_days") or env.policy.rotation_days)
            due = rotation.next_due(rotated, days)
            flag = flagged.get(sid)
            status = rotation.status_of(due, now, flagged=flag is not None)
            counts[(env_id, status)] += 1
            fingerprint = ""
            if env.readable and info is not None:
                data = reader.open(info, info_epoch, "version-info", sid, version)
                fingerprint = data["fingerprint"]
            yield (
                env.name,
                meta["name"],
                meta["env_var"],
                meta.get("provider", ""),
                meta.get("owner", ""),
                "; ".join(meta.get("tags", ())),
                utc(created),
                utc(rotated),
                days,
                _utc_of(due),
                status.value,
                flag.reason if flag else "",
                fingerprint,
            )

    return INVENTORY_HEADER, rows()


def policies(envs: list[Environment]) -> Table:
    rows = (
        (
            e.name,
            e.policy.step_up,
            e.policy.step_up_window_s,
            e.policy.clipboard_s,
            e.policy.rotation_days,
            e.policy.review,
            e.secret_count,
        )
        for e in envs
    )
    return POLICY_HEADER, rows


def policy_history(events: list[AuditEntry]) -> Table:
    """One row per setting set or changed in the period (from env.add and env.policy events)."""

    def rows() -> Rows:
        for e in events:
            when = utc(e.ts)
            if e.action == "env.add":
                initial = e.details.get("policy")
                for key, value in sorted(initial.items() if isinstance(initial, dict) else ()):
                    yield (when, e.actor, e.env, "created", key, None, value)
                continue
            changes = e.details.get("changes")
            for key, pair in sorted(changes.items() if isinstance(changes, dict) else ()):
                yield (when, e.actor, e.env, "changed", key, pair[0], pair[1])

    return POLICY_HISTORY_HEADER, rows()


def _enrolled_at(vault: Vault) -> dict[tuple[str, str], str]:
    """(member, enrollment) -> when its first code confirmed it."""
    found = {}
    for header, body in vault.conn.execute(
        "SELECT c.header, e.body FROM events e JOIN commits c ON c.seq = e.commit_seq"
        " WHERE json_extract(e.body, '$.t') = 'totp.confirm'"
    ):
        event = decode_body(bytes(body))
        found[(event["member"], event["enrollment"])] = str(json.loads(bytes(header))["ts"])
    return found


def mfa_enrollment(vault: Vault, envs: list[Environment]) -> Table:
    """Each active member: the step-up environments they hold keys for, and their TOTP state."""
    gated = {e.id: e.name for e in envs if e.policy.step_up != "none"}
    scopes = _scopes(vault)
    confirmed = _enrolled_at(vault)
    totp: dict[str, tuple[str, str, int]] = {}
    for member_id, enrollment, status, recovery, used in vault.conn.execute(
        "SELECT member_id, enrollment, status, recovery, used FROM totp"
    ):
        totp[member_id] = (enrollment, status, len(json.loads(recovery)) - len(json.loads(used)))

    def rows() -> Rows:
        for member_id, handle, role, status, _ in _member_rows(vault):
            if status != "active":
                continue
            access = "; ".join(n for i, n in gated.items() if i in scopes.get(member_id, ()))
            enrollment, state, left = totp.get(member_id, ("", "none", 0))
            enrolled = state in ("active", "recovered")
            at = confirmed.get((member_id, enrollment)) if enrolled else None
            yield (
                handle,
                role,
                access,
                "yes" if enrolled else "no",
                utc(at) if at else None,
                left if enrolled else None,
            )

    return MFA_HEADER, rows()


def environments(vault: Vault) -> list[Environment]:
    return list_environments(vault)

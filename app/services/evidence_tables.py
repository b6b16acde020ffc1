"""The rows of the evidence pack's small tables (policies, their history, TOTP) and the headers
of the access list and the large tables; the three large tables come from one pass over the
ledger (evidence_history), the access list and the access requests from evidence_access, the
reviews from evidence_reviews.

Each function returns the table's header and an iterator of rows. A cell is text, a number,
None or a dict/list (JSON details), ready for JSON as it is: times are already UTC ISO 8601 text
to the second. The pack writes the same values to the .csv (through csvsafe) and the .jsonl
file. Values, seeds and codes are never read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from app.core.model import AuditEntry, Environment
from app.services.environments import list_environments
from app.services.vault import Vault

Cell = Any


def utc(ts: str) -> str:
    """A ledger timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ) to the second, as csvsafe writes times."""
    return ts[:19] + "Z"


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
    "access until",
    "granted by",
    "request",
    "deactivated by",
)
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


def _member_rows(vault: Vault) -> list[tuple[str, str, str, str]]:
    """(id, handle, role, status) of every member, in the order they were added."""
    return vault.conn.execute(
        "SELECT id, handle, role, status FROM members ORDER BY added_seq"
    ).fetchall()


def _step_up_grants(vault: Vault, gated: dict[str, str]) -> dict[str, list[str]]:
    """Each member's step-up environments: those granted to them (and not yet revoked)."""
    found: dict[str, list[str]] = {}
    for member_id, env_id in vault.conn.execute(
        "SELECT g.member_id, g.env_id FROM grants g JOIN environments e ON e.id = g.env_id"
        " ORDER BY e.position"
    ):
        if env_id in gated:
            found.setdefault(member_id, []).append(gated[env_id])
    return found


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


def mfa_enrollment(
    vault: Vault, envs: list[Environment], confirmed: dict[tuple[str, str], str]
) -> Table:
    """Each active member: the step-up environments granted to them, and their TOTP state;
    `confirmed` holds when each (member, enrollment) was confirmed (from the ledger pass)."""
    gated = {e.id: e.name for e in envs if e.policy.step_up != "none"}
    granted = _step_up_grants(vault, gated)
    totp: dict[str, tuple[str, str, int]] = {}
    for member_id, enrollment, status, recovery, used in vault.conn.execute(
        "SELECT member_id, enrollment, status, recovery, used FROM totp"
    ):
        totp[member_id] = (enrollment, status, len(json.loads(recovery)) - len(json.loads(used)))

    def rows() -> Rows:
        for member_id, handle, role, status in _member_rows(vault):
            if status != "active":
                continue
            access = "; ".join(granted.get(member_id, ()))
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

"""The rows of the evidence pack's small tables (members, policies, TOTP), and the headers of
all of them; the three large tables come from one pass over the ledger (evidence_history).

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
    """Each active member: the step-up environments they hold keys for, and their TOTP state;
    `confirmed` holds when each (member, enrollment) was confirmed (from the ledger pass)."""
    gated = {e.id: e.name for e in envs if e.policy.step_up != "none"}
    scopes = _scopes(vault)
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

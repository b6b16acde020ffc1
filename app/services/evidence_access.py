"""The pack's access list and access requests: who could read what, from when until when, and
who asked for what, with the decision.

The access list is folded from the membership and grant events that the ledger pass collects
(`change`), so it holds the history, not only today's grants: one row per member and key they
were given (the vault key, which opens the catalog and the history, and each environment's
key), with the date it was given and the date it was taken away (revoked, expired and revoked,
changed by a later grant, or the member removed), a time-bound grant's end date, the request a
grant came from, and members who joined but were not approved (yet, or ever). What it keeps
grows with the team's changes, never with the number of events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core.clock import iso
from app.core.errors import IntegrityFailure
from app.core.model import Environment
from app.services.catalog import CatalogReader, decode_body
from app.services.evidence_tables import ACCESS_HEADER, Rows, Table, utc
from app.services.vault import Vault

REQUESTS = "access-requests"
REQUESTS_HEADER = (
    "request",
    "requested at",
    "requested by",
    "environment",
    "access",
    "access until",
    "reason",
    "status",
    "decided by",
    "decided at",
    "decision reason",
)
ACCESS_KINDS = frozenset(
    {
        "member.join",
        "member.approve",
        "member.remove",
        "key.wrap",
        "access.grant",
        "access.revoke",
    }
)
VAULT_ACCESS = "catalog and history: read"
PENDING_ACCESS = "none: joined, awaiting approval"
# (commit time, actor's handle, event type, the fields that matter: member first)
Change = tuple[str, str, str, tuple[str, ...]]


def change(event: dict[str, Any], ts: str, actor: str) -> Change:
    """What the access list needs of one event whose type is in ACCESS_KINDS."""
    kind = event["t"]
    member = str(event["member"])
    if kind == "key.wrap":
        return ts, actor, kind, (member, str(event["scope"]))
    if kind == "access.grant":
        until, request = event.get("until") or "", event.get("request") or ""
        return ts, actor, kind, (member, str(event["env"]), str(event["access"]), until, request)
    if kind == "access.revoke":
        return ts, actor, kind, (member, str(event["env"]))
    return ts, actor, kind, (member,)


@dataclass
class _Access:
    member: str
    scope: str  # "vault", an environment id, or "" for a join awaiting approval
    access: str  # read or write for an environment
    created: str
    by: str
    until: str = ""
    request: str = ""
    ended: str = ""
    ended_by: str = ""
    status: str = "active"


def _fold(changes: Iterable[Change]) -> list[_Access]:
    rows: list[_Access] = []
    held: dict[tuple[str, str], _Access] = {}

    def start(row: _Access) -> None:
        rows.append(row)
        held[(row.member, row.scope)] = row

    def end(key: tuple[str, str], ts: str, actor: str, status: str) -> None:
        row = held.pop(key, None)
        if row is not None:
            row.ended, row.ended_by, row.status = ts, actor, status

    for ts, actor, kind, f in changes:
        member = f[0]
        if kind == "member.join":
            start(_Access(member, "", "", ts, actor))
        elif kind == "member.approve":  # the pending row becomes the keys given with it
            pending = held.pop((member, ""), None)
            if pending is not None:
                rows.remove(pending)
        elif kind == "key.wrap" and (member, f[1]) not in held:
            # The vault key at an approval (or creation); an environment's key without a
            # grant event only where the environment was made: its makers' write access.
            start(_Access(member, f[1], "write", ts, actor))
        elif kind == "access.grant":
            end((member, f[1]), ts, actor, "changed")
            start(_Access(member, f[1], f[2], ts, actor, f[3], f[4]))
        elif kind == "access.revoke":
            until = held[(member, f[1])].until if (member, f[1]) in held else ""
            end((member, f[1]), ts, actor, "expired" if until and until <= ts else "revoked")
        elif kind == "member.remove":
            for key in [k for k in held if k[0] == member]:
                end(key, ts, actor, "refused" if key[1] == "" else "removed")
    return rows


def access_list(
    vault: Vault, envs: list[Environment], changes: list[Change], now: datetime
) -> Table:
    """Every key every member was given, in the order members were added: the vault key
    first, then the environments in their order, each by date."""
    members = {
        member_id: (handle, role, n)
        for n, (member_id, handle, role) in enumerate(
            vault.conn.execute("SELECT id, handle, role FROM members ORDER BY added_seq")
        )
    }
    by_id = {e.id: e for e in envs}
    position = {"": -2, "vault": -1, **{e.id: e.position for e in envs}}
    found = [r for r in _fold(changes) if r.member in members and r.scope in position]
    found.sort(key=lambda r: (members[r.member][2], position[r.scope], r.created))
    stamp = iso(now)

    def rows() -> Rows:
        for r in found:
            handle, role, _ = members[r.member]
            status = r.status
            if status == "active" and r.until and r.until < stamp:
                status = "expired, not yet revoked"  # until an admin next unlocks
            elif status == "active" and r.scope == "":
                status = "pending"
            yield (
                handle,
                handle,
                role,
                status,
                "",
                utc(r.created),
                utc(r.ended) if r.ended else None,
                *_what(r, by_id),
                utc(r.until) if r.until else None,
                r.by if r.scope else "",  # a join is the joiner's own
                r.request,
                r.ended_by,
            )

    return ACCESS_HEADER, rows()


def _what(r: _Access, envs: dict[str, Environment]) -> tuple[str, str]:
    """(environment, access) as the table words them."""
    if r.scope == "":
        return "", PENDING_ACCESS
    if r.scope == "vault":
        return "(all)", VAULT_ACCESS
    env = envs[r.scope]
    access = "values: read and write" if r.access == "write" else "values: read"
    if env.policy.step_up != "none":
        access += f"; {env.policy.step_up.upper()} step-up"
    return env.name, access


_REQUESTS = (
    "SELECT r.id, r.requested_at, r.member_id, r.env_id, r.access, r.until, r.status,"
    " r.decided_by, r.decided_at, a.body, d.body FROM requests r JOIN events a ON a.seq = r.event"
    " LEFT JOIN events d ON d.seq = r.decision_event ORDER BY r.event"
)


def access_requests(vault: Vault, envs: list[Environment], start: date, end: date) -> Table:
    """Requests open at some time in the period (made before its end, decided after its start
    or not yet), oldest first, with their reasons (sealed under the vault key)."""
    handles = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
    names = {e.id: e.name for e in envs}
    first, last = start.isoformat(), end.isoformat()
    reader = CatalogReader(vault)

    def rows() -> Rows:
        for (
            rid,
            at,
            member,
            env,
            access,
            until,
            status,
            by,
            decided,
            asked,
            answer,
        ) in vault.conn.execute(_REQUESTS).fetchall():
            if at[:10] > last or (decided is not None and decided[:10] < first):
                continue
            yield (
                rid,
                utc(at),
                handles.get(member, member),
                names.get(env, env),
                access,
                utc(until) if until else None,
                _reason(reader, asked, "request", rid),
                status,
                handles.get(by, by) if by else "",
                utc(decided) if decided else None,
                _reason(reader, answer, "request-decision", rid) if answer is not None else "",
            )

    return REQUESTS_HEADER, rows()


def _reason(reader: CatalogReader, body: bytes, purpose: str, request: str) -> str:
    """A sealed reason ("" for an approval, which has none); one a member sealed wrongly is
    marked, not a failed export."""
    try:
        event = decode_body(bytes(body))
        if "reason" not in event:
            return ""
        return str(
            reader.open(event["reason"], int(event["reason_epoch"]), purpose, request)["reason"]
        )
    except (IntegrityFailure, KeyError, TypeError, ValueError):
        return "(cannot be read)"

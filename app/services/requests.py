"""Access requests: a member asks for an environment with a reason; another admin decides.

The requester can never decide their own request (the ledger refuses it too). An approval is
the request's grant in the same commit, so the access list shows which request a grant came
from. Reasons are sealed under the vault key like the rest of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.clock import iso, parse_iso
from app.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from app.core.team_rules import ACCESS
from app.services import access as access_service
from app.services import team
from app.services.environments import find_environment, list_environments
from app.services.secrets import blob_of
from app.services.team import Grant, find_member
from app.services.vault import Vault, new_id

MAX_REASON = 500


@dataclass(frozen=True)
class AccessRequest:
    id: str
    handle: str
    env_name: str
    access: str
    until: str | None
    reason: str
    status: str  # open, approved, denied
    requested_at: str
    decided_by: str
    decided_at: str | None
    decision_reason: str


def _reason(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("say why (--reason): the approver and the auditor read it")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"the reason is limited to {MAX_REASON} characters")
    return text


def request_access(
    vault: Vault, env_name: str, access: str, reason: str, until: datetime | None = None
) -> AccessRequest:
    """Ask for read or write access to an environment, optionally until a date."""
    if vault.member.role == "auditor":
        raise NotPermitted("auditors do not read values, so they cannot request environments")
    if access not in ACCESS:
        raise InvalidInput("access is read or write")
    env = find_environment(vault, env_name)
    reason = _reason(reason)
    if until is not None and until <= vault.clock.now():
        raise InvalidInput("the end date is in the past")
    held = vault.conn.execute(
        "SELECT access FROM grants WHERE member_id = ? AND env_id = ?", (vault.member.id, env.id)
    ).fetchone()
    if held and (held[0] == "write" or held[0] == access) and until is None:
        raise Conflict(f"you already have {held[0]} access to {env.name}")
    if any(
        r.status == "open" and r.env_name == env.name and r.handle == vault.member.handle
        for r in list_requests(vault)
    ):
        raise Conflict(f"you already asked for {env.name}; wait for an admin's decision")
    request_id = new_id()
    sealed, epoch = vault.seal_catalog({"reason": reason}, "request", request_id)
    vault.commit(
        [
            {
                "t": "access.request",
                "request": request_id,
                "env": env.id,
                "access": access,
                "until": iso(until) if until else None,
                "reason": sealed,
                "reason_epoch": epoch,
            }
        ]
    )
    return find_request(vault, request_id)


def list_requests(vault: Vault, status: str | None = None) -> list[AccessRequest]:
    """Requests, newest first (open ones first of all)."""
    handles = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
    names = {e.id: e.name for e in list_environments(vault)}
    result = []
    for row in vault.conn.execute(
        "SELECT r.id, r.member_id, r.env_id, r.access, r.until, r.status, r.requested_at,"
        " r.decided_by, r.decided_at, json_extract(a.body, '$.reason'),"
        " json_extract(a.body, '$.reason_epoch'), json_extract(d.body, '$.reason'),"
        " json_extract(d.body, '$.reason_epoch') FROM requests r"
        " JOIN events a ON a.seq = r.event LEFT JOIN events d ON d.seq = r.decision_event"
        " ORDER BY r.status != 'open', r.requested_at DESC, r.id"
    ):
        rid, member, env, access, until, state, at, by, decided, reason, epoch = row[:11]
        if status is not None and state != status:
            continue
        decision = ""
        if row[11] is not None:
            decision = _open(vault, row[11], row[12], "request-decision", rid)
        result.append(
            AccessRequest(
                rid,
                handles.get(member, member),
                names.get(env, env),
                access,
                until,
                _open(vault, reason, epoch, "request", rid),
                state,
                at,
                handles.get(by, by) if by else "",
                decided,
                decision,
            )
        )
    return result


def _open(vault: Vault, blob: object, epoch: object, *context: str) -> str:
    data: dict[str, Any] = vault.open_catalog(blob_of(blob), int(str(epoch)), *context)
    return str(data.get("reason", ""))


def find_request(vault: Vault, ident: str) -> AccessRequest:
    """A request by id or a unique prefix of it (at least 4 characters)."""
    ident = ident.strip().lower()
    if len(ident) < 4:
        raise InvalidInput("give at least 4 characters of the request id")
    found = [r for r in list_requests(vault) if r.id.startswith(ident)]
    if not found:
        raise NotFound(f"no access request {ident!r}")
    if len(found) > 1:
        raise InvalidInput(f"{ident!r} matches several requests; give more of the id")
    return found[0]


def _decidable(vault: Vault, ident: str) -> AccessRequest:
    vault.require_admin()
    request = find_request(vault, ident)
    if request.status != "open":
        raise Conflict(f"request {request.id} was already {request.status}")
    if request.handle == vault.member.handle:
        raise NotPermitted(
            "you cannot decide your own request: another admin must (two-person rule)"
        )
    return request


def approve_request(vault: Vault, ident: str) -> Grant:
    """Approve: the grant the request asked for, in the same commit."""
    request = _decidable(vault, ident)
    member = find_member(vault, request.handle)
    env = find_environment(vault, request.env_name)
    until = None
    if request.until is not None:
        until = parse_iso(request.until)
        if until <= vault.clock.now():
            raise Conflict("the access asked for has already ended; deny the request")
    events = [
        {"t": "access.approve", "request": request.id},
        team.grant_event(member.id, env.id, request.access, until, request.id),
        *team.key_for(vault, member.id, env),
    ]
    vault.commit(events)
    return access_service.grant_of(vault, member.id, env.id)


def deny_request(vault: Vault, ident: str, reason: str) -> AccessRequest:
    request = _decidable(vault, ident)
    sealed, epoch = vault.seal_catalog({"reason": _reason(reason)}, "request-decision", request.id)
    vault.commit(
        [{"t": "access.deny", "request": request.id, "reason": sealed, "reason_epoch": epoch}]
    )
    return find_request(vault, request.id)

"""Team events told in words: invites, joins, approvals, removals, grants, revocations, access
requests and their decisions, key epochs and re-encryption.

What each shows: who (by handle), the role, the environment and access, a time-bound grant's
end, the request a grant came from, a request's or denial's reason (sealed under the vault key:
every member can read it, nobody without a key), a joining member's key fingerprint. Never an
invite code or the public key derived from it, never a wrapped key or a value reference.

The little it remembers across events grows with the team, not the history: each invite's
handle, each request's asker, each grant's end date, and the event that last handed out keys
(a key delivery is told as part of the grant, approval, re-key or new environment it serves).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from app.core.errors import IntegrityFailure
from app.crypto.encoding import b64d
from app.services.team import fingerprint

Details = dict[str, object]
Opener = Callable[..., dict[str, Any]]
UNREADABLE = "(cannot be read)"

# What a key delivery can serve; the wrap follows its occasion in the same commit.
_OCCASIONS = frozenset({"member.add", "member.approve", "access.grant", "key.rotate", "env.add"})
TRACKED = _OCCASIONS | {"member.invite", "member.join", "member.remove", "access.revoke"}
DESCRIBED = frozenset(
    {
        "member.invite",
        "member.uninvite",
        "member.join",
        "member.approve",
        "member.remove",
        "access.grant",
        "access.revoke",
        "access.request",
        "access.approve",
        "access.deny",
        "key.rotate",
        "env.rekey",
        "key.wrap",
        "review.start",
        "review.decide",
        "review.complete",
    }
)


def utc(ts: object) -> str:
    """A stored ISO time to the second (YYYY-MM-DDTHH:MM:SSZ), as the audit CSV writes times."""
    text = str(ts)
    return text[:19] + "Z" if len(text) >= 19 else text


class TeamEvents:
    """Follows and describes the team events of one pass over the ledger."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        handle: Callable[[str], str],
        env_name: Callable[[str], str],
        opener: Opener,
    ) -> None:
        self._conn = conn
        self._handle = handle
        self._env_name = env_name
        self._open = opener
        self._roles: dict[str, str] | None = None
        self._invites: dict[str, tuple[str, str]] = {}  # id -> (handle, role)
        self._requests: dict[str, tuple[str, str, str]] = {}  # id -> (member, env, access)
        self._until: dict[tuple[str, str], str | None] = {}  # (member, env) -> grant's end
        self._pending: set[str] = set()  # joined, not yet approved
        self._occasion: dict[str, Any] | None = None
        self._ended: str | None = None  # the end date of the grant the last revocation ended
        self._refused = False  # whether the last removal refused a join

    def role(self, member_id: str) -> str:
        if self._roles is None:  # a role never changes: the projection's is the one it had
            self._roles = dict(self._conn.execute("SELECT id, role FROM members").fetchall())
        return self._roles.get(member_id, "")

    # -- following ------------------------------------------------------------------------
    def track(self, e: dict[str, Any]) -> None:
        kind = e["t"]
        if kind in _OCCASIONS:
            self._occasion = e
        if kind == "member.invite":
            self._invites[e["invite"]] = (str(e["handle"]), str(e["role"]))
        elif kind == "member.join":
            self._pending.add(e["member"])
        elif kind == "member.approve":
            self._pending.discard(e["member"])
        elif kind == "member.remove":
            self._refused = e["member"] in self._pending
            self._pending.discard(e["member"])
        elif kind == "access.grant":
            self._until[(e["member"], e["env"])] = e.get("until")
        elif kind == "access.revoke":
            self._ended = self._until.pop((e["member"], e["env"]), None)

    def requester(self, request_id: str) -> tuple[str, str, str]:
        """(member id, env id, access) of a request. The asker is the request's author, which
        its event does not repeat: the projection has it (requests are never deleted)."""
        found = self._requests.get(request_id)
        if found is None:
            row = self._conn.execute(
                "SELECT member_id, env_id, access FROM requests WHERE id = ?", (request_id,)
            ).fetchone()
            found = (str(row[0]), str(row[1]), str(row[2])) if row else ("", "", "")
            self._requests[request_id] = found
        return found

    # -- describing -------------------------------------------------------------------------
    def describe(self, e: dict[str, Any], ts: str) -> tuple[str, Details]:
        """(environment, details) of a team event already tracked, written at `ts`."""
        kind = e["t"]
        if kind == "member.invite":
            grants = [f"{self._env_name(env)}: {access}" for env, access in e["grants"]]
            details: Details = {"member": e["handle"], "role": e["role"]}
            if grants:
                details["grants"] = grants
            details["expires"] = utc(e["expires"])
            return "", details
        if kind == "member.uninvite":
            handle, role = self._invites.get(e["invite"]) or self._invite_row(e["invite"])
            return "", {"member": handle, "role": role}
        if kind in ("member.join", "member.approve", "member.remove"):
            return "", self._member(kind, e)
        if kind.startswith("access."):
            return self._access(kind, e, ts)
        if kind == "key.rotate":
            scope = e["scope"]
            key = "vault key" if scope == "vault" else "environment key"
            return self._env_name(scope), {"key": key, "epoch": e["epoch"]}
        if kind == "env.rekey":
            return self._env_name(e["env"]), {"values": len(e["values"]), "epoch": e["epoch"]}
        if kind.startswith("review."):
            return self._review(kind, e)
        return self._wrap(e)

    def _review(self, kind: str, e: dict[str, Any]) -> tuple[str, Details]:
        """An access review: its start (reviewer, due date, how many grants), each decision
        (with its comment, sealed under the vault key) and the sign-off."""
        details: Details = {"review": e["review"]}
        if kind == "review.start":
            details["reviewer"] = self._handle(e["reviewer"])
            details["due"] = utc(e["due"])
            details["grants"] = len(e["rows"])
            return "", details
        if kind == "review.complete":
            return "", details
        details["member"] = self._handle(e["member"])
        details["decision"] = e["decision"]
        if e.get("access"):
            details["access"] = e["access"]
        details["comment"] = self._sealed(e, "comment", "review-comment", e["review"])
        return self._env_name(e["env"]), details

    def _invite_row(self, invite_id: str) -> tuple[str, str]:
        row = self._conn.execute(
            "SELECT handle, role FROM invites WHERE id = ?", (invite_id,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else (invite_id, "")

    def _member(self, kind: str, e: dict[str, Any]) -> Details:
        member = e["member"]
        details: Details = {"member": self._handle(member), "role": self.role(member)}
        if kind == "member.join":
            details["role"] = e["role"]
            details["fingerprint"] = fingerprint(b64d(e["kem_pub"]), b64d(e["sign_pub"]))
        elif kind == "member.approve":
            details["fingerprint"] = self._fingerprint(member)
        elif self._refused:  # a removal before approval refuses the join
            details["join_refused"] = True
        return details

    def _fingerprint(self, member_id: str) -> str:
        row = self._conn.execute(
            "SELECT kem_pub, sign_pub FROM members WHERE id = ?", (member_id,)
        ).fetchone()
        return fingerprint(bytes(row[0]), bytes(row[1])) if row else ""

    def _access(self, kind: str, e: dict[str, Any], ts: str) -> tuple[str, Details]:
        if kind in ("access.grant", "access.revoke"):
            member, env = e["member"], e["env"]
            details: Details = {"member": self._handle(member)}
            if kind == "access.grant":
                details["access"] = e["access"]
                if e.get("until"):
                    details["until"] = utc(e["until"])
                if e.get("request"):
                    details["request"] = e["request"]
            else:
                until = self._ended
                if until:
                    details["until"] = utc(until)
                    details["expired"] = str(until) <= ts
            return self._env_name(env), details
        request = e["request"]
        if kind == "access.request":
            details = {"request": request, "access": e["access"]}
            if e.get("until"):
                details["until"] = utc(e["until"])
            details["reason"] = self._reason(e, "request", request)
            return self._env_name(e["env"]), details
        member, env, access = self.requester(request)
        details = {"request": request, "member": self._handle(member), "access": access}
        if kind == "access.deny":
            details["reason"] = self._reason(e, "request-decision", request)
        return self._env_name(env), details

    def _reason(self, e: dict[str, Any], purpose: str, request: str) -> str:
        return self._sealed(e, "reason", purpose, request)

    def _sealed(self, e: dict[str, Any], field: str, purpose: str, ident: str) -> str:
        """A sealed reason or comment; one a member sealed wrongly does not stop the whole
        history."""
        try:
            data = self._open(e[field], int(e[f"{field}_epoch"]), purpose, ident)
            return str(data[field])
        except (IntegrityFailure, KeyError, TypeError, ValueError):
            return UNREADABLE

    def _wrap(self, e: dict[str, Any]) -> tuple[str, Details]:
        member, scope, epoch = e["member"], e["scope"], e["epoch"]
        details: Details = {"member": self._handle(member), "epoch": epoch}
        via = _via(self._occasion, member, scope, epoch)
        if via:
            details["via"] = via
        return self._env_name(scope), details


def _via(o: dict[str, Any] | None, member: str, scope: str, epoch: object) -> str:
    """What a key delivery serves, if the event before it says."""
    if o is None:
        return ""
    kind = o["t"]
    if kind == "key.rotate" and o["scope"] == scope and o["epoch"] == epoch:
        return "re-key"
    if kind == "access.grant" and o["member"] == member and o["env"] == scope:
        return "grant"
    if kind == "member.approve" and o["member"] == member:
        return "approval"
    if kind == "env.add" and o["env"] == scope:
        return "new environment"
    if kind == "member.add" and o["member"] == member:
        return "new member"
    return ""

"""Who may change membership, grants and keys, at each point of the ledger.

Checked by `ledger.check_commit` for every event below; a commit that breaks one is invalid, so
`verify` rejects a grant signed by a plain member or a member row written straight into the file
(the projection would differ from the replay). Roles: owner > admin > member, auditor. Owners and
admins manage the team; only the owner adds, approves or removes admins; nobody grants
themselves access (the two-person rule); auditors read the catalog and history, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.crypto.encoding import b64d, canonical
from app.crypto.errors import SignatureError
from app.crypto.sign import verify as verify_signature

ACCESS = ("read", "write")
INVITE_ROLES = ("admin", "member", "auditor")
HEX_REF_LEN = 64

TEAM_EVENTS = frozenset(
    {
        "member.invite",
        "member.uninvite",
        "member.approve",
        "member.remove",
        "access.grant",
        "access.revoke",
        "access.approve",
        "access.deny",
        "key.rotate",
        "env.rekey",
        "review.start",
        "review.decide",
        "review.complete",
    }
)
# Written by a member for themselves: the join (by someone not yet a member) and a request.
SELF_TEAM_EVENTS = frozenset({"member.join", "access.request"})


class RuleBroken(Exception):
    """An event breaks a rule; the message says which (ledger adds the commit number)."""


@dataclass
class Invite:
    pub: bytes
    role: str
    expires: str
    open: bool


@dataclass
class Request:
    member: str
    env: str
    open: bool


@dataclass
class Review:
    reviewer: str
    rows: set[tuple[str, str]]
    decided: set[tuple[str, str]]
    open: bool


def join_message(vault: str, e: dict[str, Any]) -> bytes:
    """What an invite's key signs to admit one joining member (their identity and keys)."""
    fields = {k: e[k] for k in ("invite", "member", "handle", "role", "kem_pub", "sign_pub")}
    return b"keyledger/v1|join|" + canonical({"vault": vault, **fields})


def check_join(state: Any, author: str, ts: str, events: list[dict[str, Any]]) -> None:
    """A commit by someone who is not a member: exactly their join, proven by the invite code."""
    if len(events) != 1 or events[0]["t"] != "member.join":
        raise RuleBroken("signed by someone who is not an active member")
    e = events[0]
    invite = state.invites.get(e.get("invite"))
    if invite is None or not invite.open:
        raise RuleBroken("a join names no open invite")
    if e.get("member") != author or author in state.members:
        raise RuleBroken("a join must be signed by the joining member's new key")
    if ts > invite.expires:
        raise RuleBroken("a join after its invite expired")
    if e.get("role") != invite.role:
        raise RuleBroken("a join claims another role than its invite")
    try:
        verify_signature(invite.pub, b64d(e["proof"]), join_message(state.vault, e))
    except (SignatureError, ValueError, KeyError, TypeError):
        raise RuleBroken("a join does not prove the invite code") from None


def check_team_event(state: Any, author: str, role: str, ts: str, e: dict[str, Any]) -> None:
    """One team event by an active member."""
    kind = e["t"]
    admin = role in ("owner", "admin")
    if kind == "access.request":
        _request(state, author, role, ts, e)
        return
    if kind == "member.join":
        raise RuleBroken("a join by someone who is already a member")
    if not admin:
        raise RuleBroken(f"{kind} by a member without the admin role")
    if kind == "member.invite":
        if e["role"] not in INVITE_ROLES:
            raise RuleBroken("an invite for an unknown role")
        if e["role"] == "admin" and role != "owner":
            raise RuleBroken("only the owner invites admins")
        if e["invite"] in state.invites or len(b64d(e["pub"])) != 32:
            raise RuleBroken("a malformed or repeated invite")
        for env, access in e["grants"]:
            if env not in state.epochs or access not in ACCESS or e["role"] == "auditor":
                raise RuleBroken("an invite grants what cannot be granted")
        state.invites[e["invite"]] = Invite(b64d(e["pub"]), e["role"], str(e["expires"]), True)
    elif kind == "member.uninvite":
        invite = state.invites.get(e["invite"])
        if invite is None or not invite.open:
            raise RuleBroken("cancelling an invite that is not open")
        invite.open = False
    elif kind == "member.approve":
        target = state.members.get(e["member"])
        if target is None or target.status != "pending":
            raise RuleBroken("approving someone who has not joined")
        _outranks(role, target.role)
        target.status = "active"
    elif kind == "member.remove":
        target = state.members.get(e["member"])
        if target is None or target.status == "removed" or target.role == "owner":
            raise RuleBroken("removing someone who cannot be removed")
        _outranks(role, target.role)
        target.status = "removed"
        state.access.pop(e["member"], None)
        state.grants.pop(e["member"], None)
    elif kind == "access.grant":
        _grant(state, author, e)
    elif kind == "access.revoke":
        held = state.grants.get(e["member"], {})
        if e["env"] not in held:
            raise RuleBroken("revoking a grant that does not exist")
        if e["member"] == author:  # the re-keying that follows needs the author's key
            raise RuleBroken("revoking one's own grant")
        _outranks(role, state.members[e["member"]].role, "revokes")
        del held[e["env"]]
        state.access.get(e["member"], set()).discard(e["env"])
    elif kind in ("access.approve", "access.deny"):
        request = state.requests.get(e["request"])
        if request is None or not request.open:
            raise RuleBroken(f"{kind} of a request that is not open")
        if request.member == author:
            raise RuleBroken("a request decided by its own requester")
        if kind == "access.deny":
            _sealed(e)
        request.open = False
    elif kind == "key.rotate":
        scope, epoch = e["scope"], e["epoch"]
        if state.epochs.get(scope) is None or epoch != state.epochs[scope] + 1:
            raise RuleBroken("a key epoch out of sequence")
        if len(b64d(e["chain"])) < 29 or scope not in state.access.get(author, set()):
            raise RuleBroken("a new key epoch without the previous key chained under it")
        state.epochs[scope] = epoch
    elif kind.startswith("review."):
        _review(state, author, e)
    elif kind == "env.rekey":
        env = e["env"]
        if e["epoch"] != state.epochs.get(env) or env not in state.access.get(author, set()):
            raise RuleBroken("re-encryption under a key epoch the author does not hold")
        for secret, version, ref in e["values"]:
            if state.secret_env.get(secret) != env or type(version) is not int:
                raise RuleBroken("re-encryption of a secret outside its environment")
            check_ref(ref)


def check_wrap(state: Any, e: dict[str, Any], fresh: set[str]) -> None:
    """A key delivered to a member must match a right they hold at that point."""
    member, scope = e["member"], e["scope"]
    target = state.members.get(member)
    if target is None or target.status != "active":
        raise RuleBroken("key wrapped to someone who is not an active member")
    if e["epoch"] != state.epochs.get(scope):
        raise RuleBroken("key wrapped at an epoch that is not the current one")
    if scope != "vault":
        if target.role == "auditor":
            raise RuleBroken(
                "an environment key wrapped to an auditor (auditors never read values)"
            )
        held = state.grants.setdefault(member, {})
        if scope in fresh and scope not in held:  # made with the environment: a write grant
            held[scope] = ("write", None)
        if scope not in held:
            raise RuleBroken("an environment key wrapped to someone without a grant")


def _grant(state: Any, author: str, e: dict[str, Any]) -> None:
    member, env, access, until = e["member"], e["env"], e["access"], e.get("until")
    target = state.members.get(member)
    if target is None or target.status != "active":
        raise RuleBroken("a grant to someone who is not an active member")
    if member == author:
        raise RuleBroken("a grant to its own author (two-person rule)")
    if target.role == "auditor":
        raise RuleBroken("a grant to an auditor (auditors never read values)")
    if env not in state.epochs or env == "vault" or access not in ACCESS:
        raise RuleBroken("a grant of an unknown environment or access")
    if until is not None and type(until) is not str:
        raise RuleBroken("a grant with a malformed end date")
    request = e.get("request")
    if request is not None:
        found = state.requests.get(request)
        if found is None or found.member != member or found.env != env:
            raise RuleBroken("a grant names a request for someone or something else")
    state.grants.setdefault(member, {})[env] = (access, until)


def _request(state: Any, author: str, role: str, ts: str, e: dict[str, Any]) -> None:
    if role == "auditor":
        raise RuleBroken("an access request by an auditor (auditors never read values)")
    if e["env"] not in state.epochs or e["env"] == "vault" or e["access"] not in ACCESS:
        raise RuleBroken("a request for an unknown environment or access")
    if e["request"] in state.requests:
        raise RuleBroken("a request made twice")
    _sealed(e)
    state.requests[e["request"]] = Request(author, e["env"], True)


def _review(state: Any, author: str, e: dict[str, Any]) -> None:
    """A campaign snapshots every grant; nobody decides a row about their own access; only
    its reviewer signs it off, and only when every row is decided."""
    kind = e["t"]
    if kind == "review.start":
        reviewer = state.members.get(e["reviewer"])
        if (
            reviewer is None
            or reviewer.status != "active"
            or reviewer.role not in ("owner", "admin")
        ):
            raise RuleBroken("a review whose reviewer is not an active admin")
        rows = {(str(m), str(env)) for m, env in e["rows"]}
        held = {(m, env) for m, grants in state.grants.items() for env in grants}
        if rows != held or e["review"] in state.reviews or type(e["due"]) is not str:
            raise RuleBroken("a review that does not snapshot exactly the current grants")
        if len(b64d(e["snapshot"])) < 29 or type(e["snapshot_epoch"]) is not int:
            raise RuleBroken("a review without its sealed snapshot")
        state.reviews[e["review"]] = Review(e["reviewer"], rows, set(), True)
        return
    review = state.reviews.get(e["review"])
    if review is None or not review.open:
        raise RuleBroken(f"{kind} of a review that is not open")
    if kind == "review.decide":
        row = (e["member"], e["env"])
        if row not in review.rows:
            raise RuleBroken("a decision about a row the review does not hold")
        if e["member"] == author:
            raise RuleBroken("a reviewer deciding about their own access")
        if e["decision"] not in ("keep", "revoke", "change") or (
            e["decision"] == "change" and e.get("access") not in ACCESS
        ):
            raise RuleBroken("an unknown review decision")
        if len(b64d(e["comment"])) < 29 or type(e["comment_epoch"]) is not int:
            raise RuleBroken("a review decision without its sealed comment")
        review.decided.add(row)
    else:
        if author != review.reviewer:
            raise RuleBroken("a review signed off by someone other than its reviewer")
        if review.decided != review.rows:
            raise RuleBroken("a review signed off with undecided rows")
        review.open = False


def _outranks(role: str, target_role: str, what: str = "approves or removes") -> None:
    if target_role in ("owner", "admin") and role != "owner":
        raise RuleBroken(f"only the owner {what} admins")


def _sealed(e: dict[str, Any]) -> None:
    if type(e["reason_epoch"]) is not int or len(b64d(e["reason"])) < 29:
        raise RuleBroken(f"a {e['t']} without a sealed reason")


def check_ref(ref: object) -> None:
    """A value's address: lowercase hex SHA-256 of its ciphertext."""
    if type(ref) is not str or len(ref) != HEX_REF_LEN or ref.strip("0123456789abcdef"):
        raise RuleBroken("a value reference is not a SHA-256")

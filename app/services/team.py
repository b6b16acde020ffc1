"""The team: members, invites, joining and approval.

An admin invites a teammate by name and role (with the grants they will get); the invite code
is shown once and proves possession at join time through an Ed25519 key derived from it (the
file holds only the public half). The teammate joins on their own laptop with their own
passphrase and Secret Key: a commit signed by their new key, valid only with that proof. An
admin then compares the joiner's key fingerprint out of band and approves, which wraps the
vault key and the granted environments' keys to them.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.clock import Clock, SystemClock, iso, parse_iso
from app.core.errors import AuthFailed, Conflict, InvalidInput, NotFound, NotPermitted
from app.core.model import Environment
from app.core.team_rules import ACCESS, INVITE_ROLES, join_message
from app.crypto import kdf, sign
from app.crypto.encoding import b64e
from app.services import sync
from app.services.commits import append_commit
from app.services.create import check_handle, check_passphrase, new_member, wrap_event
from app.services.environments import find_environment, list_environments
from app.services.vault import Vault, new_id
from app.storage.db import file_lock

INVITE_DAYS = 7
CODE_PREFIX = "KLI"
_CODE_BYTES = 16


@dataclass(frozen=True)
class TeamMember:
    id: str
    handle: str
    role: str
    status: str  # active, pending (joined, awaiting approval), removed
    fingerprint: str
    totp: str  # "" (not enrolled), pending, active, recovered
    last_activity: str | None


@dataclass(frozen=True)
class Grant:
    member_id: str
    handle: str
    env_id: str
    env_name: str
    access: str
    until: str | None
    granted_by: str
    granted_at: str
    request: str | None

    def expired(self, now: datetime) -> bool:
        return self.until is not None and parse_iso(self.until) < now


@dataclass(frozen=True)
class Invite:
    id: str
    handle: str
    role: str
    grants: tuple[tuple[str, str], ...]  # (environment name, access)
    expires: str
    status: str  # open, expired, joined, approved, refused, cancelled
    created_by: str
    created_at: str


@dataclass(frozen=True)
class Joined:
    member_id: str
    handle: str
    role: str
    fingerprint: str
    secret_key: bytes
    vault_id: str
    vault_name: str


def fingerprint(kem_pub: bytes, sign_pub: bytes) -> str:
    """What two people compare out of band: 80 bits of SHA-256 over both public keys."""
    digest = sha256(b"keyledger/v1|fingerprint|" + sign_pub + kem_pub).hexdigest()[:20]
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def _handles(vault: Vault) -> dict[str, str]:
    return dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())


def list_members(
    vault: Vault, *, include_removed: bool = False, activity: bool = True
) -> list[TeamMember]:
    """Every member in the order they were added, with TOTP status and last activity (which
    reads every commit's header: `activity=False` leaves it None)."""
    totp = dict(vault.conn.execute("SELECT member_id, status FROM totp").fetchall())
    last: dict[str, str] = {}
    if activity:
        last = dict(
            vault.conn.execute(
                "SELECT json_extract(CAST(header AS TEXT), '$.author') AS a,"
                " max(json_extract(CAST(header AS TEXT), '$.ts')) FROM commits GROUP BY a"
            ).fetchall()
        )
    result = []
    for member_id, handle, role, status, kem_pub, sign_pub in vault.conn.execute(
        "SELECT id, handle, role, status, kem_pub, sign_pub FROM members ORDER BY added_seq"
    ):
        if status == "removed" and not include_removed:
            continue
        result.append(
            TeamMember(
                member_id,
                handle,
                role,
                status,
                fingerprint(bytes(kem_pub), bytes(sign_pub)),
                totp.get(member_id, ""),
                last.get(member_id),
            )
        )
    return result


def find_member(
    vault: Vault, handle: str, *, statuses: tuple[str, ...] = ("active",)
) -> TeamMember:
    found = [m for m in list_members(vault, activity=False) if m.handle == handle]
    for member in found:
        if member.status in statuses:
            return member
    if any(m.status == "pending" for m in found):
        raise NotPermitted(f"{handle} has joined but waits for approval (member approve {handle})")
    raise NotFound(f"no {' or '.join(statuses)} member named {handle!r}")


def list_grants(vault: Vault) -> list[Grant]:
    """Every grant of an environment's key, by member then environment."""
    handles = _handles(vault)
    envs = {e.id: e for e in list_environments(vault)}
    result = []
    for member_id, env_id, access, until, by, at, event in vault.conn.execute(
        "SELECT g.member_id, g.env_id, g.access, g.until, g.granted_by, g.granted_at,"
        " json_extract(e.body, '$.request') FROM grants g"
        " LEFT JOIN events e ON e.seq = g.event ORDER BY g.member_id, g.env_id"
    ):
        env = envs.get(env_id)
        if env is None:
            continue
        result.append(
            Grant(
                member_id,
                handles.get(member_id, member_id),
                env_id,
                env.name,
                access,
                until,
                handles.get(by, by),
                at,
                event,
            )
        )
    order = {e.id: e.position for e in envs.values()}
    result.sort(key=lambda g: (g.handle, order[g.env_id]))
    return result


def list_invites(vault: Vault, now: datetime | None = None) -> list[Invite]:
    """Invites, newest first; an open invite past its date shows as expired."""
    now = now or vault.clock.now()
    handles = _handles(vault)
    names = {e.id: e.name for e in list_environments(vault)}
    result = []
    for invite_id, handle, role, grants, expires, status, by, at in vault.conn.execute(
        "SELECT id, handle, role, grants, expires, status, created_by, created_at FROM invites"
        " ORDER BY created_at DESC, id"
    ):
        if status == "open" and parse_iso(expires) < now:
            status = "expired"
        result.append(
            Invite(
                invite_id,
                handle,
                role,
                tuple((names.get(env, env), access) for env, access in json.loads(grants)),
                expires,
                status,
                handles.get(by, by),
                at,
            )
        )
    return result


# -- invite ------------------------------------------------------------------------------
def _invite_key(code: bytes) -> sign.Signer:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"keyledger/v1|invite-key"
    ).derive(code)
    return sign.Signer(seed)


def format_code(code: bytes) -> str:
    body = base64.b32encode(code).decode("ascii").rstrip("=")
    return "-".join([CODE_PREFIX, *(body[i : i + 6] for i in range(0, len(body), 6))])


def parse_code(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if not cleaned.startswith(CODE_PREFIX) or len(cleaned) != len(CODE_PREFIX) + 26:
        raise InvalidInput("an invite code looks like KLI-XXXXXX-XXXXXX-XXXXXX-XXXXXX-XX")
    try:
        return base64.b32decode(cleaned[len(CODE_PREFIX) :] + "======")
    except ValueError:
        raise InvalidInput("the invite code has characters outside A-Z and 2-7") from None


def parse_grants(vault: Vault, specs: list[str]) -> list[tuple[str, str]]:
    """`env:read` / `env:write` (or just `env`, read) as (environment id, access)."""
    result: dict[str, str] = {}
    for spec in specs:
        name, _, access = spec.partition(":")
        access = access or "read"
        if access not in ACCESS:
            raise InvalidInput(f"{spec!r}: access is read or write (as in dev:read)")
        result[find_environment(vault, name.strip()).id] = access
    return sorted(result.items())


def _check_new_handle(vault: Vault, handle: str, now: datetime) -> str:
    handle = check_handle(handle)
    taken = vault.conn.execute(
        "SELECT 1 FROM members WHERE handle = ? AND status != 'removed'", (handle,)
    ).fetchone()
    if taken:
        raise Conflict(f"{handle} is already a member of this vault")
    if any(i.handle == handle and i.status == "open" for i in list_invites(vault, now)):
        raise Conflict(f"{handle} already has an open invite (cancel it first)")
    return handle


def invite(
    vault: Vault, handle: str, role: str, grants: list[tuple[str, str]], days: int = INVITE_DAYS
) -> tuple[Invite, str]:
    """Invite a teammate; returns the invite and its one-time code (shown once, never stored)."""
    vault.require_admin()
    if role not in INVITE_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(INVITE_ROLES)}")
    if role == "admin" and vault.member.role != "owner":
        raise NotPermitted("only the owner can invite admins")
    if role == "auditor" and grants:
        raise InvalidInput("auditors are not granted environments: they never read values")
    if not 1 <= days <= 30:
        raise InvalidInput("an invite lasts 1 to 30 days")
    now = vault.clock.now()
    handle = _check_new_handle(vault, handle, now)
    code = os.urandom(_CODE_BYTES)
    invite_id = new_id()
    vault.commit(
        [
            {
                "t": "member.invite",
                "invite": invite_id,
                "handle": handle,
                "role": role,
                "grants": [list(g) for g in grants],
                "expires": iso(now + timedelta(days=days)),
                "pub": b64e(_invite_key(code).public),
            }
        ]
    )
    found = next(i for i in list_invites(vault, now) if i.id == invite_id)
    return found, format_code(code)


def cancel_invite(vault: Vault, handle: str) -> Invite:
    vault.require_admin()
    for found in list_invites(vault):
        if found.handle == handle and found.status in ("open", "expired"):
            vault.commit([{"t": "member.uninvite", "invite": found.id}])
            return found
    raise NotFound(f"no open invite for {handle!r}")


# -- join (on the teammate's laptop) ----------------------------------------------------------
def join(
    published: Path,
    code_text: str,
    handle: str | None,
    passphrase: str,
    *,
    kdf_seconds: float = 0.5,
    clock: Clock | None = None,
) -> Joined:
    """Join with an invite code: new keys sealed under this person's passphrase and a new
    Secret Key, written as a join commit signed by the new key. An admin approves it."""
    code = parse_code(code_text)
    check_passphrase(passphrase)
    clock = clock or SystemClock()
    vault_id, vault_name = sync.read_identity(published)
    key = _invite_key(code)
    with file_lock(sync.lock_path(vault_id)):
        conn, _ = sync.open_working_copy(published, vault_id)
    try:
        row = conn.execute(
            "SELECT id, handle, role, expires, status FROM invites WHERE pub = ?", (key.public,)
        ).fetchone()
        if row is None:
            raise AuthFailed(f"this invite code is not one of {vault_name}'s invites")
        invite_id, invited, role, expires, status = row
        now = clock.now()
        if status != "open":
            raise NotPermitted(f"this invite was already used or cancelled ({status})")
        if parse_iso(expires) < now:
            raise NotPermitted("this invite has expired: ask an admin for a new one")
        if handle is not None and check_handle(handle) != invited:
            raise InvalidInput(f"this invite is for {invited!r}, not {handle!r}")
        from app.crypto import secretkey

        secret = secretkey.new()
        joiner = new_member(vault_id, invited, role, passphrase, secret, kdf.calibrate(kdf_seconds))
        event = dict(joiner.event)
        event["t"] = "member.join"
        event["invite"] = invite_id
        event["proof"] = b64e(key.sign(join_message(vault_id, event)))
        append_commit(
            conn,
            published,
            vault_id,
            joiner.id,
            sign.Signer(joiner.keys.sign_private),
            iso(now),
            [event],
            {},
        )
    finally:
        conn.close()
    return Joined(
        joiner.id,
        invited,
        role,
        fingerprint(joiner.kem_public, sign.Signer(joiner.keys.sign_private).public),
        secret,
        vault_id,
        vault_name,
    )


# -- approval --------------------------------------------------------------------------------
def _normalise(text: str) -> str:
    return "".join(text.lower().split())


def approve(vault: Vault, handle: str, fingerprint_text: str | None) -> TeamMember:
    """Admit a joined teammate: check the fingerprint they read out, wrap them the vault key and
    the keys their invite grants (a step-up environment needs the approver's open step-up)."""
    vault.require_admin()
    member = find_member(vault, handle, statuses=("pending",))
    if member.role == "admin" and vault.member.role != "owner":
        raise NotPermitted("only the owner can approve admins")
    if fingerprint_text is None or _normalise(fingerprint_text) != _normalise(member.fingerprint):
        raise AuthFailed(
            f"the fingerprint does not match {handle}'s key ({member.fingerprint}): compare it"
            " with what they see, over a channel you trust"
        )
    row = vault.conn.execute(
        "SELECT grants FROM invites WHERE member_id = ?", (member.id,)
    ).fetchone()
    grants = [tuple(g) for g in json.loads(row[0])] if row else []
    envs = {e.id: e for e in list_environments(vault)}
    epoch = vault.vault_epoch()
    key = vault.scope_key("vault", epoch)
    events = [
        {"t": "member.approve", "member": member.id},
        wrap_event(vault.vault_id, recipient(vault, member.id), "vault", epoch, key),
    ]
    for env_id, access in grants:
        env = envs.get(env_id)
        if env is None:
            continue
        if not env.readable:
            raise NotPermitted(
                f"the invite grants {env.name}, whose key you do not hold: an admin with"
                f" {env.name} access must approve {handle}"
            )
        events.append(grant_event(member.id, env_id, access, None, None))
        events += key_for(vault, member.id, env)
    vault.commit(events)
    return find_member(vault, handle)


def grant_event(
    member_id: str, env_id: str, access: str, until: datetime | None, request: str | None
) -> dict[str, Any]:
    return {
        "t": "access.grant",
        "member": member_id,
        "env": env_id,
        "access": access,
        "until": iso(until) if until else None,
        "request": request,
    }


def key_for(vault: Vault, member_id: str, env: Environment) -> list[dict[str, Any]]:
    """The environment's current key wrapped to a member, unless they hold it already (a
    step-up environment's key needs the giver's open step-up)."""
    held = vault.conn.execute(
        "SELECT 1 FROM wraps WHERE member_id = ? AND scope = ? AND epoch = ?",
        (member_id, env.id, env.epoch),
    ).fetchone()
    if held:
        return []
    if not env.readable:
        raise NotPermitted(
            f"you do not hold {env.name}'s key, so you cannot hand it on: an admin with"
            f" {env.name} access must grant it"
        )
    key = vault.scope_key(env.id, env.epoch)
    return [wrap_event(vault.vault_id, recipient(vault, member_id), env.id, env.epoch, key)]


def recipient(vault: Vault, member_id: str) -> tuple[str, str, bytes]:
    """(id, KEM suite, KEM public key) of a member, to wrap a key to them."""
    suite, public = vault.conn.execute(
        "SELECT kem_suite, kem_pub FROM members WHERE id = ?", (member_id,)
    ).fetchone()
    return member_id, str(suite), bytes(public)

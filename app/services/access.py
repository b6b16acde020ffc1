"""Grants, revocation with re-keying, removing a member, and grants that run out.

Taking access away starts a new epoch: a fresh key for every scope concerned, wrapped only to
the members who keep access, the retired key chained under the new one (so they still read
history), every value of the environment re-encrypted under the new key and the old ciphertext
purged from the file, and every key the person could read flagged "rotation required" — they may
have copied values while they had access, and only a new value at the provider fixes that.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.clock import iso
from app.core.errors import Conflict, IntegrityFailure, InvalidInput, NotFound, NotPermitted
from app.core.model import Environment
from app.core.team_rules import ACCESS
from app.crypto import aead
from app.crypto.encoding import b64e, canonical
from app.crypto.errors import DecryptError
from app.services import secrets as secret_service
from app.services.create import wrap_event
from app.services.environments import find_environment, list_environments
from app.services.team import (
    Grant,
    TeamMember,
    find_member,
    grant_event,
    key_for,
    list_grants,
)
from app.services.vault import Vault, chain_info


@dataclass(frozen=True)
class Revoked:
    """What a revocation did: the grants ended and the keys that now need a new value."""

    handle: str
    environments: tuple[str, ...]
    flagged: tuple[tuple[str, str], ...]  # (environment, secret name)
    kept_inline: int  # values written before format 4, still in the ledger's history


def grant(
    vault: Vault, handle: str, env_name: str, access: str, until: datetime | None = None
) -> Grant:
    """Give a member read or write access to an environment (or change it), optionally until
    a date. Handing out a step-up environment's key needs the granter's open step-up."""
    vault.require_admin()
    if access not in ACCESS:
        raise InvalidInput("access is read or write")
    member = find_member(vault, handle)
    _check_grantee(vault, member)
    env = find_environment(vault, env_name)
    if until is not None and until <= vault.clock.now():
        raise InvalidInput("the end date is in the past")
    held = [g for g in list_grants(vault) if g.member_id == member.id and g.env_id == env.id]
    if held and (held[0].access, held[0].until) == (access, iso(until) if until else None):
        raise Conflict(f"{handle} already has {access} access to {env.name}")
    events = [grant_event(member.id, env.id, access, until, None)]
    events += key_for(vault, member.id, env)
    vault.commit(events)
    return grant_of(vault, member.id, env.id)


def _check_grantee(vault: Vault, member: TeamMember) -> None:
    if member.id == vault.member.id:
        raise NotPermitted("nobody grants themselves access: another admin must (two-person rule)")
    if member.role == "auditor":
        raise InvalidInput("auditors are not granted environments: they never read values")


def grant_of(vault: Vault, member_id: str, env_id: str) -> Grant:
    for found in list_grants(vault):
        if found.member_id == member_id and found.env_id == env_id:
            return found
    raise NotFound("the grant was not recorded")


def revoke(vault: Vault, handle: str, env_name: str) -> Revoked:
    """End a member's access to one environment and re-key it."""
    vault.require_admin()
    member = find_member(vault, handle)
    check_revocable(vault, member)
    env = find_environment(vault, env_name)
    if not any(g.member_id == member.id and g.env_id == env.id for g in list_grants(vault)):
        raise NotFound(f"{handle} has no grant on {env.name}")
    events: list[dict[str, Any]] = [{"t": "access.revoke", "member": member.id, "env": env.id}]
    return _rekey_commit(vault, member, [env], events, "revocation", f"{handle} lost access")


def check_revocable(vault: Vault, member: TeamMember) -> None:
    """Nobody revokes their own access (another admin does), and only the owner revokes an
    admin's: an admin could otherwise strip the keys the owner needs to remove them."""
    if member.id == vault.member.id:
        raise NotPermitted("you cannot revoke your own access: another admin must")
    if member.role in ("owner", "admin") and vault.member.role != "owner":
        raise NotPermitted(
            f"only the owner revokes an admin's access ({member.handle} is {member.role})"
        )


def remove_member(vault: Vault, handle: str) -> Revoked:
    """Remove a member (or refuse a pending join): their grants end, the vault key and every
    environment they could read are re-keyed, and what they could read is flagged."""
    vault.require_admin()
    member = find_member(vault, handle, statuses=("active", "pending"))
    if member.id == vault.member.id:
        raise NotPermitted("you cannot remove yourself: another admin must")
    if member.role == "owner":
        raise NotPermitted("the owner cannot be removed")
    if member.role == "admin" and vault.member.role != "owner":
        raise NotPermitted("only the owner can remove admins")
    events: list[dict[str, Any]] = [{"t": "member.remove", "member": member.id}]
    if member.status == "pending":  # never held a key: nothing to re-key
        vault.commit(events)
        return Revoked(handle, (), (), 0)
    envs = {e.id: e for e in list_environments(vault)}
    theirs = [envs[g.env_id] for g in list_grants(vault) if g.member_id == member.id]
    rotation, catalog = _new_vault_epoch(vault, member.id)
    return _rekey_commit(
        vault, member, theirs, events + rotation, "offboarding", f"{handle} was removed", catalog
    )


def expire_grants(vault: Vault) -> list[Revoked]:
    """Revoke every grant past its end date (run when an admin unlocks). A grant on an
    environment whose key this admin does not hold stays until one who does unlocks; those are
    in `waiting_expiries`."""
    if vault.member.role not in ("owner", "admin"):
        return []
    done = []
    for found in waiting_expiries(vault):
        try:
            check_revocable(vault, find_member(vault, found.handle))
        except NotPermitted:
            continue  # the owner, or another admin, revokes it
        if vault.can_read(found.env_id):
            done.append(revoke(vault, found.handle, found.env_name))
    return done


def waiting_expiries(vault: Vault) -> list[Grant]:
    """Grants past their end date that are not revoked yet."""
    now = vault.clock.now()
    return [g for g in list_grants(vault) if g.expired(now)]


def preview(vault: Vault, handle: str, env_name: str | None = None) -> list[tuple[str, str]]:
    """The (environment, secret) pairs a revocation or removal would flag."""
    member = find_member(vault, handle, statuses=("active", "pending"))
    envs = {e.id for e in list_environments(vault) if env_name is None or e.name == env_name}
    theirs = {g.env_id for g in list_grants(vault) if g.member_id == member.id} & envs
    return [(s.env_name, s.name) for s in secret_service.list_secrets(vault) if s.env_id in theirs]


# -- re-keying -------------------------------------------------------------------------------
def _new_vault_epoch(
    vault: Vault, leaving: str
) -> tuple[list[dict[str, Any]], tuple[aead.Sealer, int]]:
    """A new vault key for everyone but `leaving`; returns the events and (sealer, epoch)."""
    old = vault.vault_epoch()
    new_key = os.urandom(32)
    events = [_rotate_event(vault, "vault", old, new_key)]
    for member_id, suite, public in vault.conn.execute(
        "SELECT id, kem_suite, kem_pub FROM members WHERE status = 'active' AND id != ?"
        " ORDER BY added_seq",
        (leaving,),
    ):
        events.append(
            wrap_event(vault.vault_id, (member_id, suite, bytes(public)), "vault", old + 1, new_key)
        )
    return events, (aead.Sealer(new_key), old + 1)


def _rotate_event(vault: Vault, scope: str, old: int, new_key: bytes) -> dict[str, Any]:
    chain = aead.Sealer(new_key).seal(
        vault.scope_key(scope, old, gated=False), chain_info(vault.vault_id, scope, old)
    )
    return {"t": "key.rotate", "scope": scope, "epoch": old + 1, "chain": b64e(chain)}


def _rekey_commit(
    vault: Vault,
    member: TeamMember,
    envs: list[Environment],
    events: list[dict[str, Any]],
    reason: str,
    note: str,
    catalog: tuple[aead.Sealer, int] | None = None,
) -> Revoked:
    built = rekey(vault, {e.id: {member.id} for e in envs}, envs, reason, note, catalog)
    vault.commit(events + built.events, built.blobs)
    names = tuple(e.name for e in envs)
    return Revoked(member.handle, names, tuple(built.flagged), built.inline)


@dataclass
class Rekeyed:
    """The events of a re-keying, ready to commit with others (an access review's sign-off)."""

    events: list[dict[str, Any]]
    blobs: dict[str, bytes]
    flagged: list[tuple[str, str]]
    inline: int


def check_rekeyable(envs: list[Environment]) -> None:
    for env in envs:
        if not env.readable:
            raise NotPermitted(
                f"re-keying {env.name} needs its key, which you do not hold: an admin with"
                f" {env.name} access must do this"
            )


def rekey(
    vault: Vault,
    leaving: dict[str, set[str]],
    envs: list[Environment],
    reason: str,
    note: str,
    catalog: tuple[aead.Sealer, int] | None = None,
) -> Rekeyed:
    """A new epoch for each environment: its key wrapped to its grantees but `leaving[env]`,
    every value re-encrypted, and each of its keys flagged with `reason`."""
    check_rekeyable(envs)
    out = Rekeyed([], {}, [], 0)
    for env in envs:
        new_key = os.urandom(32)
        out.events.append(_rotate_event(vault, env.id, env.epoch, new_key))
        gone = leaving.get(env.id, set())
        for member_id, suite, public in vault.conn.execute(
            "SELECT m.id, m.kem_suite, m.kem_pub FROM grants g JOIN members m ON m.id = g.member_id"
            " WHERE g.env_id = ? AND m.status = 'active' ORDER BY m.added_seq",
            (env.id,),
        ):
            if member_id in gone:
                continue
            public_key = (member_id, suite, bytes(public))
            out.events.append(
                wrap_event(vault.vault_id, public_key, env.id, env.epoch + 1, new_key)
            )
        values, count = _reencrypt(vault, env, new_key, out.blobs)
        out.inline += count
        out.events.append(
            {"t": "env.rekey", "env": env.id, "epoch": env.epoch + 1, "values": values}
        )
    info = {"reason": reason, "note": note}
    out.events += _flag_events(vault, envs, info, catalog, out.flagged)
    return out


def _reencrypt(
    vault: Vault, env: Environment, new_key: bytes, blobs: dict[str, bytes]
) -> tuple[list[list[Any]], int]:
    """Every version of every secret in `env` sealed under the new epoch's key."""
    new = aead.Sealer(new_key)
    values: list[list[Any]] = []
    inline = 0
    rows = vault.conn.execute(
        "SELECT v.secret_id, v.version, v.epoch, v.value_ref, b.data,"
        " CASE WHEN v.value_ref IS NULL THEN json_extract(e.body, '$.value') END,"
        " json_extract(e.body, '$.version')"  # the number it was sealed under (secrets.py)
        " FROM versions v JOIN secrets s ON s.id = v.secret_id"
        " LEFT JOIN blobs b ON b.hash = v.value_ref LEFT JOIN events e ON e.seq = v.event"
        " WHERE s.env_id = ? ORDER BY v.secret_id, v.version",
        (env.id,),
    ).fetchall()
    old: dict[int, aead.Sealer] = {}
    for secret_id, version, epoch, ref, stored, text, sealed_as in rows:
        sealer = old.get(epoch) or old.setdefault(
            epoch, aead.Sealer(vault.scope_key(env.id, epoch, gated=False))
        )
        blob = bytes(stored) if ref is not None else secret_service.blob_of(text)
        inline += ref is None
        context = secret_service.value_context
        try:
            plain = sealer.open(blob, context(vault.vault_id, env.id, epoch, secret_id, sealed_as))
        except DecryptError:
            raise IntegrityFailure("a value failed to decrypt: the file was altered") from None
        sealed = new.seal(
            plain, context(vault.vault_id, env.id, env.epoch + 1, secret_id, sealed_as)
        )
        digest = hashlib.sha256(sealed).hexdigest()
        blobs[digest] = sealed
        values.append([secret_id, version, digest])
    return values, inline


def _flag_events(
    vault: Vault,
    envs: list[Environment],
    info: dict[str, str],
    catalog: tuple[aead.Sealer, int] | None,
    flagged: list[tuple[str, str]],
) -> list[dict[str, Any]]:
    """A "rotation required" flag per secret of `envs`, sealed under the new vault key when the
    vault key changes in the same commit (the leaving member cannot read the reason)."""
    events = []
    ids = {e.id for e in envs}
    for secret in secret_service.list_secrets(vault):
        if secret.env_id not in ids:
            continue
        if catalog is None:
            sealed, epoch = vault.seal_catalog(info, "secret-flag", secret.id)
        else:
            sealer, epoch = catalog
            context = aead.context(vault.vault_id, "secret-flag", secret.id, epoch)
            sealed = b64e(sealer.seal(canonical(info), context))
        events.append(
            {"t": "secret.flag", "secret": secret.id, "info": sealed, "info_epoch": epoch}
        )
        flagged.append((secret.env_name, secret.name))
    return events

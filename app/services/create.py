"""Creating a team vault: genesis commit with the owner, the vault key and dev/staging/prod."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.clock import Clock, SystemClock, iso
from app.core.errors import Conflict, InvalidInput
from app.core.ledger import FORMAT, build_header, signing_message
from app.core.model import Member
from app.core.policy import Policy, default_for
from app.crypto import aead, kdf, secretkey, sign, wrap
from app.crypto.encoding import b64e, canonical, sha256_hex
from app.services import paths, sync
from app.services.vault import (
    MemberKeys,
    Vault,
    muk_info,
    new_id,
    sealed_keys_context,
    wrap_info,
)
from app.storage import ledger, projection
from app.storage.db import file_lock, immediate, open_working
from app.storage.ledger import CommitRow

DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")
MIN_PASSPHRASE = 10


@dataclass(frozen=True)
class NewMember:
    """A member's fresh key pairs, their sealed form and the public event that adds them."""

    id: str
    keys: MemberKeys
    event: dict[str, Any]
    kem_public: bytes


def emergency_kit(vault_name: str, vault_path: Path, handle: str, secret_key_text: str) -> str:
    return "\n".join(
        [
            "KeyLedger Emergency Kit",
            "=======================",
            f"Vault:       {vault_name}",
            f"File:        {vault_path}",
            f"Member:      {handle}",
            f"Secret Key:  {secret_key_text}",
            "",
            "Print this or store it offline. Your passphrase and this Secret Key together open the",
            "vault; nobody can recover either for you. This is the only time the key is shown.",
        ]
    )


def check_handle(handle: str) -> str:
    handle = handle.strip()
    if not re.fullmatch(r"[a-z][a-z0-9._-]{0,31}", handle):
        raise InvalidInput(
            "a member name is 1-32 characters: lowercase letters, digits, '.', '_' or '-',"
            " starting with a letter"
        )
    return handle


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def new_member(
    vault_id: str,
    handle: str,
    role: str,
    passphrase: str,
    secret_key: bytes,
    params: kdf.KdfParams,
    suite: str = wrap.HYBRID,
) -> NewMember:
    member_id = new_id()
    kem = wrap.generate(suite)
    sign_private, sign_public = sign.generate()
    keys = MemberKeys(kem.suite, kem.private, sign_private)
    kdf_dict = params.to_dict()
    muk = kdf.member_unlock_key(passphrase, secret_key, params, muk_info(vault_id, member_id))
    sealed = aead.seal(muk, keys.to_bytes(), sealed_keys_context(vault_id, member_id, kdf_dict))
    event = {
        "t": "member.add",
        "member": member_id,
        "handle": handle,
        "role": role,
        "kem_suite": kem.suite,
        "kem_pub": b64e(kem.public),
        "sign_pub": b64e(sign_public),
        "kdf": kdf_dict,
        "sealed": b64e(sealed),
    }
    return NewMember(member_id, keys, event, kem.public)


def wrap_event(
    vault_id: str, member: NewMember | tuple[str, str, bytes], scope: str, epoch: int, key: bytes
) -> dict[str, Any]:
    if isinstance(member, NewMember):
        member_id, suite, public = member.id, member.keys.kem_suite, member.kem_public
    else:
        member_id, suite, public = member
    blob = wrap.wrap(suite, public, key, wrap_info(vault_id, member_id, scope, epoch))
    return {
        "t": "key.wrap",
        "member": member_id,
        "scope": scope,
        "epoch": epoch,
        "suite": suite,
        "blob": b64e(blob),
    }


def env_meta(name: str, policy: Policy) -> dict[str, Any]:
    return {"name": name, "policy": policy.to_dict()}


def create_vault(
    published: Path,
    name: str,
    handle: str,
    passphrase: str,
    *,
    kdf_seconds: float = 0.5,
    clock: Clock | None = None,
    suite: str = wrap.HYBRID,
) -> tuple[Vault, bytes]:
    """Create the vault file; returns the unlocked vault and the owner's new Secret Key."""
    name = name.strip()
    if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise InvalidInput("the vault name must be 1-100 printable characters")
    handle = check_handle(handle)
    check_passphrase(passphrase)
    if published.exists():
        raise Conflict(f"{published} already exists; choose another path")
    if not published.parent.is_dir():
        raise InvalidInput(f"the folder {published.parent} does not exist")
    clock = clock or SystemClock()
    vault_id = new_id() + new_id()
    secret = secretkey.new()
    owner = new_member(
        vault_id, handle, "owner", passphrase, secret, kdf.calibrate(kdf_seconds), suite
    )
    vault_key = os.urandom(32)
    vault_sealer = aead.Sealer(vault_key)
    events: list[dict[str, Any]] = [
        {"t": "vault.init", "vault": vault_id, "name": name, "format": FORMAT},
        owner.event,
        wrap_event(vault_id, owner, "vault", 1, vault_key),
    ]
    for position, env_name in enumerate(DEFAULT_ENVIRONMENTS):
        env_id = new_id()
        meta = vault_sealer.seal(
            canonical(env_meta(env_name, default_for(env_name))),
            aead.context(vault_id, "env-meta", env_id, 1),
        )
        events.append(
            {
                "t": "env.add",
                "env": env_id,
                "position": position,
                "epoch": 1,
                "meta": b64e(meta),
                "meta_epoch": 1,
            }
        )
        events.append(wrap_event(vault_id, owner, env_id, 1, os.urandom(32)))
    work = paths.working_copy(vault_id)
    with file_lock(sync.lock_path(vault_id)):
        conn = open_working(work, create=True)
        try:
            _write_genesis(conn, vault_id, name, owner, events, iso(clock.now()))
            sync.publish_working_copy(conn, published)
            sync.save_pin(conn, vault_id)
        except BaseException:
            conn.close()
            paths.remove_working_copy(vault_id)
            raise
    member = Member(owner.id, handle, "owner", "active")
    return Vault(published, conn, vault_id, name, member, owner.keys, clock), secret


def _write_genesis(
    conn: Any, vault_id: str, name: str, owner: NewMember, events: list[dict[str, Any]], ts: str
) -> None:
    bodies = [canonical(e) for e in events]
    header = build_header(vault_id, [], owner.id, ts, bodies)
    commit_hash = sha256_hex(header)
    signature = sign.Signer(owner.keys.sign_private).sign(signing_message(commit_hash))
    with immediate(conn):
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("vault_id", vault_id), ("name", name), ("format", str(FORMAT))],
        )
        seqs = ledger.append(conn, CommitRow(1, commit_hash, header, signature), bodies)
        projection.apply_all(conn, events, seqs, author=owner.id, ts=ts)

"""The audit history, read back from the ledger and decrypted for display."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from app.core.errors import IntegrityFailure
from app.core.ledger import parse_header
from app.core.model import AuditEntry
from app.crypto import aead
from app.crypto.encoding import b64d
from app.crypto.errors import DecryptError
from app.services.vault import Vault
from app.storage import ledger

_LABELS = {
    "vault.init": "vault.create",
    "member.add": "member.add",
    "key.wrap": "key.grant",
    "env.add": "env.add",
    "env.update": "env.policy",
    "secret.add": "secret.create",
    "secret.update": "secret.update",
    "secret.version": "secret.rotate",
    "secret.delete": "secret.delete",
    "secret.flag": "secret.flag",
    "secret.unflag": "secret.unflag",
}


def entries(vault: Vault) -> Iterator[AuditEntry]:
    """Every event in ledger order, with names resolved where this member can read them."""
    handles = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
    env_names: dict[str, str] = {}
    secret_names: dict[str, str] = {}
    secret_env: dict[str, str] = {}
    for row, bodies, _ in ledger.commits(vault.conn):
        header = parse_header(row.header)
        actor = handles.get(header.author, header.author)
        for body in bodies:
            event: dict[str, Any] = json.loads(body)
            yield _entry(
                vault,
                row.seq,
                header.ts,
                actor,
                event,
                handles,
                env_names,
                secret_names,
                secret_env,
            )


def _open(vault: Vault, blob: str, epoch: int, *context: str | int) -> dict[str, Any]:
    try:
        plain = vault.sealer("vault", epoch).open(
            b64d(blob), aead.context(vault.vault_id, *context, epoch)
        )
    except DecryptError:
        raise IntegrityFailure("an audit record failed to decrypt: the file was altered") from None
    data: dict[str, Any] = json.loads(plain)
    return data


def _entry(
    vault: Vault,
    seq: int,
    ts: str,
    actor: str,
    e: dict[str, Any],
    handles: dict[str, str],
    env_names: dict[str, str],
    secret_names: dict[str, str],
    secret_env: dict[str, str],
) -> AuditEntry:
    kind = e["t"]
    details: dict[str, object] = {}
    env = secret = ""
    if kind == "vault.init":
        details = {"name": e["name"]}
    elif kind == "member.add":
        details = {"member": e["handle"], "role": e["role"]}
    elif kind == "key.wrap":
        env = "vault" if e["scope"] == "vault" else env_names.get(e["scope"], e["scope"])
        details = {"member": handles.get(e["member"], e["member"]), "epoch": e["epoch"]}
    elif kind in ("env.add", "env.update"):
        meta = _open(vault, e["meta"], e["meta_epoch"], "env-meta", e["env"])
        env_names[e["env"]] = env = meta["name"]
        details = {"policy": meta["policy"]}
    elif kind in ("secret.add", "secret.update"):
        meta = _open(vault, e["meta"], e["meta_epoch"], "secret-meta", e["secret"])
        secret_names[e["secret"]] = secret = meta["name"]
        if kind == "secret.add":
            secret_env[e["secret"]] = e["env"]
        env = env_names.get(secret_env.get(e["secret"], ""), "")
        details = {"env_var": meta["env_var"], "provider": meta.get("provider", "")}
    elif kind in ("secret.version", "secret.delete"):
        secret = secret_names.get(e["secret"], e["secret"])
        env = env_names.get(secret_env.get(e["secret"], ""), "")
        if kind == "secret.version":
            info = _open(
                vault, e["info"], e["info_epoch"], "version-info", e["secret"], e["version"]
            )
            details = {
                "version": e["version"],
                "reason": info["reason"],
                "ticket": info.get("ticket", ""),
            }
            # Unsalted: only for members who may read the value (see history()).
            if vault.can_read(secret_env.get(e["secret"], "")):
                details["fingerprint"] = info["fingerprint"]
    elif kind in ("secret.flag", "secret.unflag"):
        secret = secret_names.get(e["secret"], e["secret"])
        env = env_names.get(secret_env.get(e["secret"], ""), "")
        context = "secret-flag" if kind == "secret.flag" else "secret-unflag"
        details = dict(_open(vault, e["info"], e["info_epoch"], context, e["secret"]))
    elif kind == "audit":
        body = _open(vault, e["body"], e["epoch"], "audit")
        kind = str(body.pop("action"))
        env = env_names.get(str(body.pop("env", "")), "")
        sid = str(body.pop("secret", ""))
        secret = secret_names.get(sid, sid)
        body.pop("secrets", None)
        details = body
    return AuditEntry(seq, ts, actor, _LABELS.get(kind, kind), env, secret, details)

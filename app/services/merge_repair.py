"""After a merge: what the merging admin puts right with keys that the ledger's rules cannot.

A merge can join two copies where one re-keyed an environment (a revocation) while the other
went on writing under the key it replaced, or handed that key to someone. The rules make such
a key delivery void (app/core/concurrency.py) and leave the values readable (the replaced key
is chained under the new one), but the values are still sealed under a key the revoked person
may hold. So the merging member, when an admin holding the environment's key:

- re-encrypts every value still under a replaced key with the current one (an `env.rekey` of
  the current epoch naming only those values; the old ciphertext is purged), and
- delivers the current key to every active member holding a grant without it.

What they cannot do (not an admin, or no key for that environment) stays listed in `waiting`
and is shown, for an admin with access to finish: any later merge or `keyledger merge` does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from app.core.errors import IntegrityFailure
from app.crypto import aead
from app.crypto.errors import DecryptError
from app.services import secrets as secret_service
from app.services.create import wrap_event
from app.services.environments import list_environments
from app.services.team import recipient
from app.services.vault import Vault


@dataclass(frozen=True)
class Repair:
    resealed: int = 0  # values re-encrypted under their environment's current key
    delivered: int = 0  # current keys wrapped to members who held a grant without one
    waiting: tuple[str, ...] = ()  # environments left for an admin with their key


_STALE = (
    "SELECT v.secret_id, v.version, v.epoch, b.data,"
    " json_extract(ev.body, '$.version') FROM versions v"
    " JOIN secrets s ON s.id = v.secret_id JOIN environments e ON e.id = s.env_id"
    " LEFT JOIN blobs b ON b.hash = v.value_ref LEFT JOIN events ev ON ev.seq = v.event"
    " WHERE s.env_id = ? AND v.epoch < e.epoch ORDER BY v.secret_id, v.version"
)
_KEYLESS = (
    "SELECT g.member_id FROM grants g JOIN members m ON m.id = g.member_id"
    " JOIN environments e ON e.id = g.env_id WHERE g.env_id = ? AND m.status = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM wraps w WHERE w.member_id = g.member_id"
    " AND w.scope = g.env_id AND w.epoch = e.epoch) ORDER BY m.added_seq"
)


def needed(vault: Vault) -> list[str]:
    """Ids of environments with a value under a replaced key or a grantee without the key."""
    return [
        env_id
        for (env_id,) in vault.conn.execute(
            "SELECT e.id FROM environments e WHERE EXISTS (SELECT 1 FROM versions v JOIN"
            " secrets s ON s.id = v.secret_id WHERE s.env_id = e.id AND v.epoch < e.epoch)"
            " OR EXISTS (SELECT 1 FROM grants g JOIN members m ON m.id = g.member_id"
            " WHERE g.env_id = e.id AND m.status = 'active' AND NOT EXISTS (SELECT 1 FROM"
            " wraps w WHERE w.member_id = g.member_id AND w.scope = e.id AND w.epoch = e.epoch))"
            " ORDER BY e.position"
        )
    ]


def repair(vault: Vault, todo_ids: list[str] | None = None) -> Repair:
    """Re-encrypt and deliver what this member can, in one commit; what is left waiting.
    `todo_ids`: `needed(vault)` as a worker thread already found it (a query over every
    version: ~0.4 s at 100k keys)."""
    todo = set(needed(vault) if todo_ids is None else todo_ids)
    if not todo:
        return Repair()
    events: list[dict[str, Any]] = []
    blobs: dict[str, bytes] = {}
    resealed = delivered = 0
    waiting = []
    admin = vault.member.role in ("owner", "admin")
    for env in list_environments(vault):
        if env.id not in todo:
            continue
        if not (admin and env.readable):
            waiting.append(env.name)
            continue
        values = _reseal(vault, env.id, env.epoch, blobs)
        if values:
            events.append({"t": "env.rekey", "env": env.id, "epoch": env.epoch, "values": values})
            resealed += len(values)
        keyless = vault.conn.execute(_KEYLESS, (env.id,)).fetchall()
        if keyless:  # as a re-key wraps the new key to the grantees: past the step-up gate
            key = vault.scope_key(env.id, env.epoch, gated=False)
            for (member_id,) in keyless:
                public = recipient(vault, member_id)
                events.append(wrap_event(vault.vault_id, public, env.id, env.epoch, key))
                delivered += 1
    if events:
        vault.commit(events, blobs)
    return Repair(resealed, delivered, tuple(waiting))


def _reseal(vault: Vault, env_id: str, epoch: int, blobs: dict[str, bytes]) -> list[list[Any]]:
    """The env's values sealed under an older epoch, re-sealed under `epoch`'s key."""
    current = aead.Sealer(vault.scope_key(env_id, epoch, gated=False))
    older: dict[int, aead.Sealer] = {}
    context = secret_service.value_context
    values: list[list[Any]] = []
    for secret_id, version, old, stored, sealed_as in vault.conn.execute(_STALE, (env_id,)):
        if stored is None:  # written since format 4 (so its ciphertext is a blob), or re-keyed
            raise IntegrityFailure("a value that the ledger names is missing from the file")
        sealer = older.get(old) or older.setdefault(
            old, aead.Sealer(vault.scope_key(env_id, old, gated=False))
        )
        try:
            plain = sealer.open(
                bytes(stored), context(vault.vault_id, env_id, old, secret_id, sealed_as)
            )
        except DecryptError:
            raise IntegrityFailure("a value failed to decrypt: the file was altered") from None
        blob = current.seal(plain, context(vault.vault_id, env_id, epoch, secret_id, sealed_as))
        digest = hashlib.sha256(blob).hexdigest()
        blobs[digest] = blob
        values.append([secret_id, version, digest])
    return values

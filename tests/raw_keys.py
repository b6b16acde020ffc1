"""What a member's private keys open in a published vault file, read with sqlite3 alone.

No KeyLedger service runs here: the file is opened read-only, every `key.wrap` event addressed
to the member is unwrapped with their KEM private key, retired keys are opened from the chains
(the `chains` table and every `key.rotate` event) as far as the keys in hand allow, and every
value ciphertext in the file is tried under every key held for its environment, with every
(secret, version) the ledger ever named. An attacker with a copy of the file and one member's
keys can do no better without breaking HPKE or AES-GCM.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from app.crypto import aead, wrap
from app.crypto.encoding import b64d
from app.crypto.errors import DecryptError
from app.services.secrets import value_context
from app.services.vault import MemberKeys, chain_info, open_member_keys, wrap_info

KeyId = tuple[str, int]  # (scope: 'vault' or an environment id, epoch)


@dataclass(frozen=True)
class RawFile:
    vault_id: str
    data: bytes  # the whole file, for byte searches
    events: tuple[dict, ...]  # every event body in ledger order
    blobs: dict[str, bytes]  # value ciphertexts by their hash
    versions: tuple[tuple[str, int, int, str | None], ...]  # secret, version, epoch, value_ref
    chains: tuple[tuple[str, int, int, bytes], ...]  # scope, retired epoch, under, sealed key
    members: dict[str, tuple[str, str, str, bytes]]  # id -> handle, status, kdf, sealed

    def secret_env(self) -> dict[str, str]:
        """Every secret the ledger ever added, with its environment."""
        return {e["secret"]: e["env"] for e in self.events if e["t"] == "secret.add"}

    def named_versions(self) -> set[tuple[str, int]]:
        """Every (secret, version) any event names: candidate contexts for any ciphertext."""
        found = {(s, v) for s, v, _, _ in self.versions}
        for e in self.events:
            if e["t"] in ("secret.add", "secret.version"):
                found.add((e["secret"], e["version"]))
            elif e["t"] == "env.rekey":
                found.update((s, v) for s, v, _ in e["values"])
        return found

    def member_id(self, handle: str) -> str:
        ids = [m for m, (h, *_rest) in self.members.items() if h == handle]
        assert len(ids) == 1, f"{handle} is not one member of the file"
        return ids[0]


def read_raw(path: Path) -> RawFile:
    uri = "file:" + urllib.parse.quote(str(path)) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        (vault_id,) = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
        events = tuple(
            json.loads(b) for (b,) in conn.execute("SELECT body FROM events ORDER BY seq")
        )
        blobs = {h: bytes(d) for h, d in conn.execute("SELECT hash, data FROM blobs")}
        versions = tuple(
            conn.execute("SELECT secret_id, version, epoch, value_ref FROM versions").fetchall()
        )
        chains = tuple(
            (s, e, u, bytes(b))
            for s, e, u, b in conn.execute("SELECT scope, epoch, under, blob FROM chains")
        )
        members = {
            m: (h, s, k, bytes(sealed))
            for m, h, s, k, sealed in conn.execute(
                "SELECT id, handle, status, kdf, sealed FROM members"
            )
        }
    finally:
        conn.close()
    return RawFile(vault_id, path.read_bytes(), events, blobs, versions, chains, members)


def member_keys(raw: RawFile, handle: str, passphrase: str, secret_key: bytes) -> MemberKeys:
    """A member's private keys, opened from their sealed record in the file."""
    member = raw.member_id(handle)
    _, _, kdf_text, sealed = raw.members[member]
    return open_member_keys(raw.vault_id, member, kdf_text, sealed, passphrase, secret_key)


def wrapped_keys(
    raw: RawFile,
    member: str,
    keys: MemberKeys,
    *,
    others: bool = True,
    opened: dict[tuple[str, str], bytes | None] | None = None,
) -> dict[KeyId, bytes]:
    """Keys from the `key.wrap` events the member's KEM key opens (their rows may be gone from
    `wraps`: the events stay in the ledger for good). With `others`, wraps addressed to other
    members are tried too. `opened` remembers unwrap results across calls (events never
    change, so a state machine need not open the same wrap at every step)."""
    found: dict[KeyId, bytes] = {}
    memo = {} if opened is None else opened
    for e in raw.events:
        if e["t"] != "key.wrap" or not (others or e["member"] == member):
            continue
        slot = (member, e["blob"])
        if slot not in memo:
            info = wrap_info(raw.vault_id, e["member"], e["scope"], e["epoch"])
            try:
                memo[slot] = wrap.unwrap(e["suite"], keys.kem_private, b64d(e["blob"]), info)
            except DecryptError:
                memo[slot] = None
        key = memo[slot]
        if key is None:
            assert e["member"] != member, "a key wrapped to the member does not open"
            continue
        found[(e["scope"], e["epoch"])] = key
    return found


def _all_chains(raw: RawFile) -> set[tuple[str, int, int, bytes]]:
    chains = set(raw.chains)
    for e in raw.events:
        if e["t"] == "key.rotate":
            chains.add((e["scope"], e["epoch"] - 1, e["epoch"], b64d(e["chain"])))
    return chains


def follow_chains(raw: RawFile, wrapped: dict[KeyId, bytes]) -> dict[KeyId, bytes]:
    """The wrapped keys plus every retired key that a held key opens, to a fixed point. Every
    chain is tried under every key held for its scope, not only under the epoch it names."""
    held = dict(wrapped)
    chains = sorted(_all_chains(raw))
    grown = True
    while grown:
        grown = False
        for scope, epoch, _under, blob in chains:
            if (scope, epoch) in held:
                continue
            for (s, e), key in list(held.items()):
                if s != scope:
                    continue
                try:
                    opened = aead.open_(key, blob, chain_info(raw.vault_id, scope, epoch))
                except DecryptError:
                    continue
                assert e == epoch + 1, "a retired key opened under another epoch than its next"
                held[(scope, epoch)] = opened
                grown = True
                break
    return held


def obtainable_keys(raw: RawFile, member: str, keys: MemberKeys) -> dict[KeyId, bytes]:
    """Everything the member's keys reach in the file: wraps, then chains."""
    return follow_chains(raw, wrapped_keys(raw, member, keys))


def readable_values(raw: RawFile, held: dict[KeyId, bytes]) -> dict[str, str]:
    """Every value ciphertext in the file that the keys open: hash -> plaintext."""
    env_of = raw.secret_env()
    candidates = raw.named_versions()
    opened: dict[str, str] = {}
    for ref, blob in raw.blobs.items():
        for secret, version in candidates:
            env = env_of.get(secret)
            for (scope, epoch), key in held.items():
                if scope != env:
                    continue
                context = value_context(raw.vault_id, env, epoch, secret, version)
                try:
                    opened[ref] = aead.open_(key, blob, context).decode("utf-8")
                except DecryptError:
                    continue
    return opened


def current_values(raw: RawFile) -> dict[str, tuple[str, int]]:
    """Each value the file's versions point at: hash -> (environment, epoch it is sealed under)."""
    env_of = raw.secret_env()
    return {ref: (env_of[s], epoch) for s, _, epoch, ref in raw.versions if ref is not None}

"""This laptop's cache of the secrets' decrypted metadata, sealed under the vault key.

Listing 100k keys decrypts 100k metadata records, each read out of its event: most of the time
from unlock to a full table. The cache keeps what those records said, for the next unlock, in
one AES-256-GCM envelope beside the working copy (`<vault id>.catalog`, mode 0600): opening it
is one decryption.

What it holds: per secret, the event whose record it decrypted (`secrets.meta_event`), that
record's epoch, and the fields (name, variable, provider, owner, tags, notes, rotation period).
Never a value. It is sealed under the vault key with the vault id and epoch as associated data,
so it opens only for a member who holds that key, and a changed byte makes it fail whole.

Why an entry can be trusted: an event's body never changes, so the record at `meta_event`
decrypts to what the cache says for as long as the working copy's events keep their numbers.
They do while the commits the cache was written after stay the first ones in the same order
(a merge that reorders commits renumbers what follows them); the cache holds a digest of those
commits' hashes and is ignored when the working copy's differ. A secret whose record moved on
(renamed, re-encrypted, added since) is decrypted from the ledger as if there were no cache.

A cache that is missing, damaged, of another vault or under a key this member no longer holds
is ignored and written anew; it is never needed to read the vault.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import struct
import threading
from typing import NamedTuple

import orjson

from app.core.errors import KeyLedgerError
from app.core.model import SecretMeta
from app.crypto import aead
from app.crypto.errors import DecryptError
from app.services import paths
from app.services.vault import Vault

_MAGIC = b"KLC1"
# magic, vault key epoch, commits it was written after, digest of their hashes
_HEAD = struct.Struct(">4sIQ32s")
_LABEL = "catalog-cache"


class Entry(NamedTuple):
    meta_event: int
    meta_epoch: int
    env_id: str
    meta: SecretMeta


class Cached(NamedTuple):
    """A cache file whose commits are still the working copy's first ones; not yet opened."""

    epoch: int
    commits: int
    prefix: bytes
    blob: bytes


def read(conn: sqlite3.Connection, vault_id: str) -> Cached | None:
    """The cache, if there is one that fits the working copy `conn` (no key needed: an unlock
    reads it while Argon2 runs)."""
    try:
        raw = paths.catalog_cache(vault_id).read_bytes()
    except OSError:
        return None
    if len(raw) < _HEAD.size:
        return None
    magic, epoch, commits, prefix = _HEAD.unpack_from(raw)
    if magic != _MAGIC or commits >= 1 << 62 or prefix != _prefix(conn, commits):
        return None  # (SQLite's integers stop at 2**63)
    return Cached(epoch, commits, prefix, raw[_HEAD.size :])


def load(vault: Vault, cached: Cached | None) -> dict[str, Entry]:
    """The entries of a cache that `read` found, by secret id; none if it does not open or
    was sealed under an earlier epoch of the vault key (a member who left still holds those).
    (Its callers pause the cyclic collector: secrets.collector_paused.)"""
    if cached is None:
        return {}
    try:
        if cached.epoch != vault.vault_epoch():
            return {}
        sealer = vault.sealer("vault", cached.epoch)
        rows = orjson.loads(sealer.open(cached.blob, _context(vault, cached)))
        found: dict[str, Entry] = {}
        new = tuple.__new__  # skips the NamedTuples' Python-level __new__: a third of the time
        for sid, env_id, event, epoch, name, var, provider, owner, tags, notes, days in rows:
            meta = new(SecretMeta, (name, var, provider, owner, tuple(tags), notes, days))
            found[sid] = new(Entry, (event, epoch, env_id, meta))
        return found
    except (KeyLedgerError, DecryptError, ValueError, TypeError):
        return {}


def save(vault: Vault, entries: dict[str, Entry]) -> None:
    """Write `entries` as the cache, replacing the file whole; a failure leaves no cache."""
    conn = vault.conn
    commits = int(conn.execute("SELECT count(*) FROM commits").fetchone()[0])
    target = paths.catalog_cache(vault.vault_id)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        epoch = vault.vault_epoch()
        head = Cached(epoch, commits, _prefix(conn, commits), b"")
        plain = orjson.dumps(
            [[sid, e.env_id, e.meta_event, e.meta_epoch, *e.meta] for sid, e in entries.items()]
        )
        blob = vault.sealer("vault", epoch).seal(plain, _context(vault, head))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(_HEAD.pack(_MAGIC, epoch, commits, head.prefix) + blob)
        os.replace(tmp, target)
    except (KeyLedgerError, OSError):
        with contextlib.suppress(OSError):
            tmp.unlink()
        remove(vault.vault_id)


def remove(vault_id: str) -> None:
    with contextlib.suppress(OSError):
        paths.catalog_cache(vault_id).unlink()


def _context(vault: Vault, head: Cached) -> bytes:
    return aead.context(vault.vault_id, _LABEL, head.epoch, head.commits, head.prefix.hex())


def _prefix(conn: sqlite3.Connection, commits: int) -> bytes:
    """A digest of the first `commits` commits' hashes, in their order."""
    digest = hashlib.sha256()
    for (commit_hash,) in conn.execute(
        "SELECT hash FROM commits WHERE seq <= ? ORDER BY seq", (commits,)
    ):
        digest.update(str(commit_hash).encode("ascii") + b"\n")
    return digest.digest()

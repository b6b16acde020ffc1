"""Secrets: add, list, read, update, rotate, delete, history, .env import and `run` values.

Names, notes and the rest of a secret's metadata are sealed under the vault key; values under
their environment's key, bound to (vault, environment, epoch, secret, version).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import sqlite3
from binascii import a2b_base64
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from app.core import names, providers
from app.core.clock import parse_iso
from app.core.errors import (
    Conflict,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    NotPermitted,
    checked,
)
from app.core.ledger import decode_event
from app.core.model import Environment, Secret, SecretMeta, Version
from app.crypto import aead
from app.crypto.encoding import b64d
from app.crypto.errors import DecryptError
from app.services import catalog_cache
from app.services.environments import find_environment, list_environments
from app.services.vault import Vault, new_id

MAX_VALUE_BYTES = 64 * 1024
MAX_TICKET = 200
REASONS = ("created", "scheduled", "exposure", "offboarding", "incident", "update", "other")


def _meta_dict(meta: SecretMeta) -> dict[str, Any]:
    return {
        "name": meta.name,
        "env_var": meta.env_var,
        "provider": meta.provider,
        "owner": meta.owner,
        "tags": list(meta.tags),
        "notes": meta.notes,
        "rotation_days": meta.rotation_days,
    }


def _meta_from(data: dict[str, Any]) -> SecretMeta:
    return SecretMeta(
        data["name"],
        data["env_var"],
        data.get("provider", ""),
        data.get("owner", ""),
        tuple(data.get("tags", ())),
        data.get("notes", ""),
        data.get("rotation_days"),
    )


def check_value(value: str) -> str:
    if not value or not value.strip():
        raise InvalidInput("the secret value is empty")
    if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise InvalidInput("the secret value is larger than 64 KiB")
    if "\x00" in value:
        raise InvalidInput("the secret value contains a NUL character")
    return value


# The metadata ciphertext lives in the event that set it (secrets.meta_event -> events.seq).
_RECORD = (
    "s.id, s.env_id, s.meta_event, s.meta_epoch, s.version, s.created_at, s.updated_at,"
    " s.rotated_at"
)
_SELECT_RECORDS = f"SELECT {_RECORD} FROM secrets s"  # noqa: S608 - constant text
# The same with the metadata's ciphertext last, read out of the event that holds it.
_SELECT_SECRETS = (
    f"SELECT {_RECORD}, json_extract(e.body, '$.meta') FROM secrets s"  # noqa: S608
    " LEFT JOIN events e ON e.seq = s.meta_event"
)


def blob_of(text: object) -> bytes:
    """A ciphertext field read out of an event body."""
    if not isinstance(text, str):
        raise IntegrityFailure("a record points at an event that does not hold it")
    try:
        return b64d(text)
    except ValueError:
        raise IntegrityFailure("a ciphertext in the ledger is not valid base64url") from None


_URLSAFE = bytes.maketrans(b"-_", b"+/")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Around building 100k acyclic records: the cyclic collector would otherwise rescan the
    growing list again and again (a third of the time of listing them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _secret_by_id(vault: Vault, secret_id: str) -> Secret:
    """One secret, decrypting only its own record (list_secrets decrypts every one)."""
    sealed = read_sealed(vault.conn, _SELECT_SECRETS + " WHERE s.id = ?", (secret_id,))
    if not sealed:
        raise NotFound(f"no secret with id {secret_id}")
    ((row, data),) = _opened_metas(vault, sealed)
    return _build(vault, [row], [_meta_from(data)])[0]


# Rows of a _SELECT_SECRETS query, each with its metadata ciphertext decoded.
Sealed = list[tuple[tuple[Any, ...], bytes]]


class Listing(NamedTuple):
    """Every secret's record (of one environment), as read with no key."""

    records: list[tuple[Any, ...]]  # _RECORD's columns
    sealed: dict[str, bytes]  # metadata ciphertexts by secret id, where read with the records
    cached: catalog_cache.Cached | None  # this laptop's cache, if it fits the working copy
    env_id: str | None  # None: every environment


def read_listing(conn: sqlite3.Connection, env_id: str | None = None) -> Listing:
    """The records `list_secrets` needs, read with no key (an unlock reads them while Argon2
    runs). With no cache that fits, each record's metadata ciphertext is read too."""
    where, args = (" WHERE s.env_id = ?", (env_id,)) if env_id is not None else ("", ())
    (vault_id,) = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
    cached = catalog_cache.read(conn, str(vault_id))
    if cached is None:
        sealed = read_sealed(conn, _SELECT_SECRETS + where, args)
        return Listing([r for r, _ in sealed], {r[0]: m for r, m in sealed}, None, env_id)
    with collector_paused():
        records = conn.execute(_SELECT_RECORDS + where, args).fetchall()
    return Listing(records, {}, cached, env_id)


def list_secrets(
    vault: Vault,
    env_name: str | None = None,
    *,
    ordered: bool = True,
    sealed: Listing | None = None,
) -> list[Secret]:
    """Every secret (of one environment), by environment and name unless `ordered` is False.

    `sealed`: what `read_listing` took from this vault's working copy while its key was
    derived (nothing can change the copy in between); read now if None.
    """
    if sealed is None:
        env_id = find_environment(vault, env_name).id if env_name is not None else None
        sealed = read_listing(vault.conn, env_id)
    elif env_name is not None:
        raise ValueError("sealed records are every environment's")
    with collector_paused():
        return _build(vault, sealed.records, _metas(vault, sealed), ordered)


def read_sealed(
    conn: sqlite3.Connection, query: str = _SELECT_SECRETS, args: tuple[str, ...] = ()
) -> Sealed:
    """The secrets' records, metadata still sealed: no key needed."""
    sealed = []
    with collector_paused():
        for row in conn.execute(query, args):
            text = row[8]
            if not isinstance(text, str):
                raise IntegrityFailure("a record points at an event that does not hold it")
            # The event body passed its hash check when it entered this copy: decode directly.
            sealed.append((row, a2b_base64(text.encode("ascii").translate(_URLSAFE) + b"==")))
    return sealed


# A check of one environment's names (an add, an edit) leaves a cache that lacks or holds
# fewer records than this as it is: decrypting them again costs a millisecond, rewriting the
# cache of 100k keys 0.25 s, which was a sixth of adding a key. A listing rewrites it for one.
_CHECK_REWRITES_AT = 256


def _metas(vault: Vault, listing: Listing, *, rewrite_at: int = 1) -> list[SecretMeta]:
    """Each record's metadata: from the cache where it holds that record, else decrypted; the
    cache is written anew when `rewrite_at` or more of its records were missing, stale or of
    secrets that are gone."""
    cached = catalog_cache.load(vault, listing.cached)
    hit = cached.get
    metas: list[SecretMeta | None] = []
    missing = []
    for r in listing.records:
        entry = hit(r[0])
        if entry is not None and entry.meta_event == r[2] and entry.meta_epoch == r[3]:
            metas.append(entry.meta)
        else:
            metas.append(None)
            missing.append(r)
    if missing:
        sealed = listing.sealed or _read_metas(vault.conn, missing)
        opened = {
            row[0]: _meta_from(data)
            for row, data in _opened_metas(vault, [(r, sealed[r[0]]) for r in missing])
        }
        metas = [
            m if m is not None else opened[r[0]]
            for m, r in zip(metas, listing.records, strict=True)
        ]
    found: list[SecretMeta] = metas  # type: ignore[assignment]  # every None was filled
    scope = listing.env_id
    kept = {sid: e for sid, e in cached.items() if scope is not None and e.env_id != scope}
    changed = len(missing) + abs(len(cached) - len(kept) - len(listing.records))
    if changed >= rewrite_at:
        for r, meta in zip(listing.records, found, strict=True):
            kept[r[0]] = catalog_cache.Entry(r[2], r[3], r[1], meta)
        catalog_cache.save(vault, kept)
    return found


def _read_metas(conn: sqlite3.Connection, records: list[tuple[Any, ...]]) -> dict[str, bytes]:
    """The metadata ciphertexts of `records`, by secret id."""
    found: dict[str, bytes] = {}
    ids = [r[0] for r in records]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = _SELECT_SECRETS + f" WHERE s.id IN ({','.join('?' * len(chunk))})"
        found.update((row[0], meta) for row, meta in read_sealed(conn, query, tuple(chunk)))
    return found


def _opened_metas(vault: Vault, sealed: Sealed) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Each record with its decrypted metadata."""
    opened: dict[int, aead.Sealer] = {}
    prefix = aead.context(vault.vault_id, "secret-meta") + b"|"
    for row, meta in sealed:
        sid, meta_epoch = row[0], row[3]
        sealer = opened.get(meta_epoch) or opened.setdefault(
            meta_epoch, vault.sealer("vault", meta_epoch)
        )
        try:
            plain = sealer.open(meta, b"%s%s|%d" % (prefix, sid.encode(), meta_epoch))
        except DecryptError:
            raise IntegrityFailure(
                "a secret's record failed to decrypt: the file was altered"
            ) from None
        yield row, decode_event(plain)


def _build(
    vault: Vault,
    records: list[tuple[Any, ...]],
    metas: list[SecretMeta],
    ordered: bool = True,
) -> list[Secret]:
    envs = {e.id: e for e in list_environments(vault)}
    named = {e.id: (e.name, e.policy.rotation_days) for e in envs.values()}
    result = []
    new = tuple.__new__  # the NamedTuple's own __new__ is Python code: a third of the loop
    for row, meta in zip(records, metas, strict=True):
        sid, env_id, _, _, version, created, updated, rotated = row[:8]
        env_name, env_days = named[env_id]
        days = meta.rotation_days or env_days
        result.append(
            new(Secret, (sid, env_id, env_name, meta, version, created, updated, rotated, days))
        )
    if ordered:
        order = {e.id: e.position for e in envs.values()}
        result.sort(key=lambda s: (order[s.env_id], s.name.casefold(), s.id))
    return result


def find_secret(vault: Vault, env_name: str, name: str) -> Secret:
    for secret in list_secrets(vault, env_name):
        if secret.name == name:
            return secret
    raise NotFound(f"no secret named {name!r} in {env_name}")


def _check_unique(vault: Vault, env: Environment, meta: SecretMeta, skip: str | None) -> None:
    # Metadata only: building, then sorting, every Secret costs as much again.
    listing = read_listing(vault.conn, env.id)
    metas = _metas(vault, listing, rewrite_at=_CHECK_REWRITES_AT)
    for row, other in zip(listing.records, metas, strict=True):
        if row[0] == skip:
            continue
        if other.name == meta.name:
            raise Conflict(f"{env.name} already has a secret named {meta.name!r}")
        if other.env_var == meta.env_var:
            raise Conflict(
                f"{env.name} already uses the variable {meta.env_var} (for {other.name!r})"
            )


def build_meta(
    name: str,
    value: str | None,
    *,
    env_var: str | None = None,
    provider: str | None = None,
    owner: str = "",
    tags: Iterable[str] = (),
    notes: str = "",
    rotation_days: int | None = None,
) -> SecretMeta:
    name = checked(names.check_secret_name, name)
    found = None
    if provider:
        found = providers.by_id(provider)
        if found is None:
            known = ", ".join(p.id for p in providers.PROVIDERS)
            raise InvalidInput(f"unknown provider {provider!r} (known: {known})")
    elif value is not None:
        found = providers.recognise(value) or providers.guess_from_name(name)
    if env_var:
        env_var = checked(names.check_env_var, env_var)
    else:
        env_var = found.env_var if found and found.id != "generic" else names.suggest_env_var(name)
    if rotation_days is not None and not 1 <= rotation_days <= 3650:
        raise InvalidInput("the rotation period must be between 1 and 3650 days")
    clean_tags = tuple(sorted({t.strip() for t in tags if t.strip()}))
    if len(notes) > 10_000:
        raise InvalidInput("notes are limited to 10,000 characters")
    return SecretMeta(
        name, env_var, found.id if found else "", owner.strip(), clean_tags, notes, rotation_days
    )


def value_context(vault_id: str, env_id: str, epoch: int, secret_id: str, version: int) -> bytes:
    return aead.context(vault_id, "value", env_id, epoch, secret_id, version)


def _version_events(
    vault: Vault,
    env: Environment,
    secret_id: str,
    version: int,
    value: str,
    reason: str,
    ticket: str,
    blobs: dict[str, bytes],
) -> dict[str, Any]:
    """A version's event fields; its value's ciphertext goes into `blobs` under its SHA-256."""
    value_blob = vault.sealer(env.id, env.epoch).seal(
        value.encode("utf-8"), value_context(vault.vault_id, env.id, env.epoch, secret_id, version)
    )
    ref = hashlib.sha256(value_blob).hexdigest()
    blobs[ref] = value_blob
    info = {"reason": reason, "ticket": ticket, "fingerprint": providers.fingerprint(value)}
    info_blob, info_epoch = vault.seal_catalog(info, "version-info", secret_id, version)
    return {
        "secret": secret_id,
        "version": version,
        "epoch": env.epoch,
        "value_ref": ref,
        "info": info_blob,
        "info_epoch": info_epoch,
    }


def _add_event(
    vault: Vault, env: Environment, meta: SecretMeta, value: str, blobs: dict[str, bytes]
) -> dict[str, Any]:
    secret_id = new_id()
    meta_blob, meta_epoch = vault.seal_catalog(_meta_dict(meta), "secret-meta", secret_id)
    event = {"t": "secret.add", "env": env.id, "meta": meta_blob, "meta_epoch": meta_epoch}
    event.update(_version_events(vault, env, secret_id, 1, value, "created", "", blobs))
    return event


def writable(vault: Vault, env_name: str) -> Environment:
    """An environment this member may change now: write role, its key, an open step-up."""
    vault.require_writer()
    env = find_environment(vault, env_name)
    if not env.readable:
        raise NotPermitted(f"you have no access to {env.name}")
    grant = vault.conn.execute(
        "SELECT access, until FROM grants WHERE member_id = ? AND env_id = ?",
        (vault.member.id, env.id),
    ).fetchone()
    if grant is None or grant[0] != "write":
        raise NotPermitted(f"you have read access to {env.name}, not write")
    if grant[1] is not None and parse_iso(grant[1]) <= vault.clock.now():
        raise NotPermitted(f"your access to {env.name} ended on {grant[1][:10]}")
    vault.require_step_up(env.id, env.name)
    return env


def add_secret(vault: Vault, env_name: str, name: str, value: str, **fields: Any) -> Secret:
    env = writable(vault, env_name)
    meta = build_meta(name, check_value(value), **fields)
    _check_unique(vault, env, meta, None)
    blobs: dict[str, bytes] = {}
    event = _add_event(vault, env, meta, value, blobs)
    vault.commit([event], blobs)
    return _secret_by_id(vault, event["secret"])


def update_secret(
    vault: Vault, env_name: str, name: str, *, new_name: str | None = None, **changes: Any
) -> Secret:
    """Change metadata: new_name, env_var, provider, owner, tags, notes, rotation_days.

    rotation_days=0 goes back to the environment's period.
    """
    env = writable(vault, env_name)
    secret = find_secret(vault, env_name, name)
    clean = {k: v for k, v in changes.items() if v is not None}
    if new_name is not None:
        clean["name"] = new_name
    if "name" in clean:
        clean["name"] = checked(names.check_secret_name, clean["name"])
    if "env_var" in clean:
        clean["env_var"] = checked(names.check_env_var, clean["env_var"])
    if "provider" in clean and clean["provider"]:
        found = providers.by_id(clean["provider"])
        if found is None:
            raise InvalidInput(f"unknown provider {clean['provider']!r}")
        clean["provider"] = found.id
    if "tags" in clean:
        clean["tags"] = tuple(sorted({t.strip() for t in clean["tags"] if t.strip()}))
    if clean.get("rotation_days") == 0:
        clean["rotation_days"] = None
    elif "rotation_days" in clean and not 1 <= clean["rotation_days"] <= 3650:
        raise InvalidInput("the rotation period must be between 1 and 3650 days")
    meta = secret.meta._replace(**clean)
    if meta == secret.meta:
        return secret
    _check_unique(vault, env, meta, secret.id)
    blob, epoch = vault.seal_catalog(_meta_dict(meta), "secret-meta", secret.id)
    vault.commit([{"t": "secret.update", "secret": secret.id, "meta": blob, "meta_epoch": epoch}])
    return find_secret(vault, env.name, meta.name)


def rotate_secret(
    vault: Vault, env_name: str, name: str, value: str, reason: str, ticket: str = ""
) -> Secret:
    env = writable(vault, env_name)
    if reason not in REASONS or reason == "created":
        raise InvalidInput(f"reason must be one of {', '.join(REASONS[1:])}")
    secret = find_secret(vault, env_name, name)
    check_value(value)
    ticket = ticket.strip()
    if len(ticket) > MAX_TICKET:
        raise InvalidInput(f"the ticket is limited to {MAX_TICKET} characters")
    if value == reveal(vault, env_name, name, channel=None):
        raise InvalidInput("the new value is the same as the current one")
    blobs: dict[str, bytes] = {}
    event = {"t": "secret.version"}
    event.update(
        _version_events(vault, env, secret.id, secret.version + 1, value, reason, ticket, blobs)
    )
    vault.commit([event], blobs)
    return find_secret(vault, env.name, name)


def delete_secret(vault: Vault, env_name: str, name: str) -> None:
    writable(vault, env_name)
    secret = find_secret(vault, env_name, name)
    vault.commit([{"t": "secret.delete", "secret": secret.id}])


# A version's ciphertext: in `blobs` by its hash, or inline in its event (files before v4).
# `sealed`: the number the value was sealed under, its event's; the row's number differs only
# for a version written concurrently with another and numbered after it by a merge.
_SELECT_VALUE = (
    "SELECT v.epoch, v.value_ref, b.data, CASE WHEN v.value_ref IS NULL THEN"
    " json_extract(e.body, '$.value') END, json_extract(e.body, '$.version') FROM versions v"
    " LEFT JOIN blobs b ON b.hash = v.value_ref LEFT JOIN events e ON e.seq = v.event"
    " WHERE v.secret_id = ? AND v.version = ?"
)


def _decrypt_value(vault: Vault, secret: Secret, version: int) -> str:
    row = vault.conn.execute(_SELECT_VALUE, (secret.id, version)).fetchone()
    if row is None:
        raise NotFound(f"{secret.name!r} has no version {version}")
    epoch, ref, stored, inline, sealed = row
    if ref is not None and stored is None:
        raise IntegrityFailure(f"the value of {secret.name!r} is missing from the file")
    blob = bytes(stored) if ref is not None else blob_of(inline)
    sealer = vault.sealer(secret.env_id, epoch)
    try:
        plain = sealer.open(
            blob, value_context(vault.vault_id, secret.env_id, epoch, secret.id, sealed)
        )
    except DecryptError:
        raise IntegrityFailure(
            f"the value of {secret.name!r} failed to decrypt: the file was altered"
        ) from None
    return plain.decode("utf-8")


def audit_event(vault: Vault, action: str, **details: Any) -> dict[str, Any]:
    body, epoch = vault.seal_catalog({"action": action, **details}, "audit")
    return {"t": "audit", "body": body, "epoch": epoch}


def reveal(
    vault: Vault, env_name: str, name: str, *, channel: str | None, version: int | None = None
) -> str:
    """A secret's value. With a channel ('get', 'copy', …) the read is recorded in the ledger."""
    env = find_environment(vault, env_name)
    if not env.readable:
        raise NotPermitted(f"you have no access to {env.name}")
    secret = find_secret(vault, env_name, name)
    value = _decrypt_value(vault, secret, version or secret.version)
    if channel is not None:
        action = "secret.copy" if channel == "copy" else "secret.reveal"
        vault.commit(
            [
                audit_event(
                    vault,
                    action,
                    env=env.id,
                    secret=secret.id,
                    version=version or secret.version,
                    channel=channel,
                )
            ]
        )
    return value


def history(vault: Vault, env_name: str, name: str) -> list[Version]:
    secret = find_secret(vault, env_name, name)
    # A fingerprint is a short unsalted hash of the value: members who cannot read the
    # environment do not get it (it would let them test guesses at a weak value).
    readable = vault.can_read(secret.env_id)
    handles = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
    result = []
    for version, sealed, info, info_epoch, author, created in vault.conn.execute(
        "SELECT v.version, json_extract(e.body, '$.version'), json_extract(e.body, '$.info'),"
        " v.info_epoch, v.author, v.created_at"
        " FROM versions v LEFT JOIN events e ON e.seq = v.event WHERE v.secret_id = ?"
        " ORDER BY v.version DESC",
        (secret.id,),
    ):
        data = vault.open_catalog(blob_of(info), info_epoch, "version-info", secret.id, sealed)
        result.append(
            Version(
                version,
                created,
                handles.get(author, author),
                data["reason"],
                data.get("ticket", ""),
                data["fingerprint"] if readable else "",
                version == secret.version,
            )
        )
    return result


def import_dotenv(
    vault: Vault, env_name: str, pairs: list[tuple[str, str]], on_conflict: str = "fail"
) -> dict[str, int]:
    """Import KEY=value pairs as secrets named after their keys, in one commit."""
    env = writable(vault, env_name)
    existing = {s.meta.env_var: s for s in list_secrets(vault, env.name)}
    names_taken = {s.name for s in existing.values()}
    events: list[dict[str, Any]] = []
    blobs: dict[str, bytes] = {}
    counts = {"added": 0, "updated": 0, "skipped": 0}
    for key, value in pairs:
        current = existing.get(key)
        if current is not None or key in names_taken:
            if on_conflict == "fail":
                raise Conflict(
                    f"{env.name} already has {key}; nothing was imported (use --on-conflict"
                    " skip or update)"
                )
            if on_conflict == "skip" or current is None:
                counts["skipped"] += 1
                continue
            if _decrypt_value(vault, current, current.version) == value:
                counts["skipped"] += 1
                continue
            event = {"t": "secret.version"}
            event.update(
                _version_events(
                    vault,
                    env,
                    current.id,
                    current.version + 1,
                    check_value(value),
                    "update",
                    "import",
                    blobs,
                )
            )
            events.append(event)
            counts["updated"] += 1
            continue
        meta = build_meta(key, check_value(value), env_var=key)
        events.append(_add_event(vault, env, meta, value, blobs))
        names_taken.add(key)
        counts["added"] += 1
    if events:
        events.append(audit_event(vault, "import", env=env.id, **counts))
        vault.commit(events, blobs)
    return counts


def run_environment(vault: Vault, env_name: str, program: str) -> dict[str, str]:
    """The variables to inject for `run`; the run is recorded (program name only, no args)."""
    env = find_environment(vault, env_name)
    if not env.readable:
        raise NotPermitted(f"you have no access to {env.name}")
    secrets = list_secrets(vault, env.name)
    values = {s.meta.env_var: _decrypt_value(vault, s, s.version) for s in secrets}
    vault.commit(
        [
            audit_event(
                vault,
                "env.run",
                env=env.id,
                program=os.path.basename(program),
                secrets=sorted(s.id for s in secrets),
            )
        ]
    )
    return values

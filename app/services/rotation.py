"""Rotation: what is due, "rotation required" flags, and the log of every key's versions.

A flag's reason and note are sealed under the vault key like the rest of the catalog; the
projection keeps only which secret, who and when. A new version of the secret clears its flag.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core import generate, rotation
from app.core.errors import Conflict, IntegrityFailure, InvalidInput, NotPermitted
from app.core.ledger import parse_header
from app.core.model import Secret
from app.core.rotation import FLAG_REASONS, Flag, RotationItem
from app.services import secrets as secret_service
from app.services.catalog import CatalogReader, decode_body
from app.services.environments import find_environment, list_environments
from app.services.vault import Vault
from app.storage import ledger

MAX_NOTE = 500


def _handles(vault: Vault) -> dict[str, str]:
    return dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())


def flags(vault: Vault) -> dict[str, Flag]:
    """Every open flag, by secret id."""
    handles = _handles(vault)
    result = {}
    for secret_id, info, info_epoch, author, flagged_at in vault.conn.execute(
        "SELECT f.secret_id, json_extract(e.body, '$.info'), f.info_epoch, f.author,"
        " f.flagged_at FROM flags f LEFT JOIN events e ON e.seq = f.event"
    ):
        by = handles.get(author, "?")
        try:
            data = vault.open_catalog(
                secret_service.blob_of(info), info_epoch, "secret-flag", secret_id
            )
            reason, note = str(data["reason"]), str(data.get("note", ""))
        except (IntegrityFailure, KeyError, TypeError):
            # A signed flag whose reason cannot be read still flags the key; one bad record
            # must not hide every other key's status.
            reason, note = "other", f"the reason {by} gave cannot be read"
        result[secret_id] = Flag(secret_id, reason, note, flagged_at, by)
    return result


def rotation_items(
    vault: Vault,
    now: datetime,
    *,
    env_name: str | None = None,
    due_soon_days: int = rotation.DUE_SOON_DAYS,
) -> list[RotationItem]:
    """Every secret (of one environment) with its due date and status."""
    found = secret_service.list_secrets(vault, env_name, ordered=False)
    return rotation.items(found, flags(vault), now, due_soon_days)


def _note(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is limited to {MAX_NOTE} characters")
    return text


def flag_secret(vault: Vault, env_name: str, name: str, reason: str, note: str = "") -> Flag:
    """Mark a key "rotation required". Needs the write role and the environment's key; no
    step-up, because a flag exposes nothing and only asks for work."""
    if reason not in FLAG_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(FLAG_REASONS)}")
    vault.require_writer()
    env = find_environment(vault, env_name)
    if not env.readable:
        raise NotPermitted(f"you have no access to {env.name}")
    secret = secret_service.find_secret(vault, env.name, name)
    info, epoch = vault.seal_catalog(
        {"reason": reason, "note": _note(note)}, "secret-flag", secret.id
    )
    vault.commit([{"t": "secret.flag", "secret": secret.id, "info": info, "info_epoch": epoch}])
    return flags(vault)[secret.id]


def unflag_secret(vault: Vault, env_name: str, name: str, note: str) -> None:
    """Withdraw a flag without rotating (a false alarm); the note says why and is audited."""
    env = secret_service.writable(vault, env_name)
    secret = secret_service.find_secret(vault, env.name, name)
    if secret.id not in flags(vault):
        raise Conflict(f"{name!r} in {env.name} is not flagged")
    note = _note(note)
    if not note:
        raise InvalidInput("say why the flag is withdrawn (--note)")
    info, epoch = vault.seal_catalog({"note": note}, "secret-unflag", secret.id)
    vault.commit([{"t": "secret.unflag", "secret": secret.id, "info": info, "info_epoch": epoch}])


def generated_value(secret: Secret, length: int = generate.DEFAULT_LENGTH) -> str:
    """A new random value for a secret that no provider issues (webhook secrets, tokens)."""
    provider = rotation.issuer(secret)
    if provider is not None:
        where = f" ({provider.console_url})" if provider.console_url else ""
        raise InvalidInput(
            f"{provider.name} issues {secret.name!r}: create a new key in its console{where}"
            " and store that; --generate is for secrets no provider issues"
        )
    return generate.token(length)


@dataclass(frozen=True)
class LogEntry:
    """One line of the rotation log: a version created, a flag raised or withdrawn."""

    at: str
    env: str
    secret: str
    env_var: str
    action: str  # created, rotated, flagged, unflagged
    version: int  # the version created, or the current one when flagged
    reason: str
    ticket: str
    note: str
    by: str
    fingerprint: str


_LOG_KINDS = {
    "secret.add": "created",
    "secret.version": "rotated",
    "secret.flag": "flagged",
    "secret.unflag": "unflagged",
}
_LOG_QUERY = (
    "SELECT e.commit_seq, e.seq, e.body, s.id, s.env_id, s.meta_event, s.meta_epoch"
    " FROM events e JOIN secrets s ON s.id = json_extract(e.body, '$.secret')"
    " WHERE json_extract(e.body, '$.t') IN"
    " ('secret.add', 'secret.version', 'secret.flag', 'secret.unflag')"
)


def rotation_log(
    vault: Vault,
    env_name: str | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[LogEntry]:
    """Every version, flag and withdrawal of the current secrets, oldest first, optionally
    only those on UTC days from `since` to `until`.

    Deleted secrets are left out (their history stays in the audit ledger); names are the
    current ones. Fingerprints appear only for environments this member can read. Streams:
    a few recent secrets' metadata are kept, never the whole catalog.
    """
    envs = {e.id: e for e in list_environments(vault)}
    query = _LOG_QUERY
    args: tuple[str, ...] = ()
    if env_name is not None:
        query, args = query + " AND s.env_id = ?", (find_environment(vault, env_name).id,)
    readable = {env_id: vault.can_read(env_id) for env_id in envs}
    handles = _handles(vault)
    reader = CatalogReader(vault)
    metas: OrderedDict[str, dict[str, Any]] = OrderedDict()
    first = since.isoformat() if since else ""
    last = until.isoformat() if until else "9999"
    versions: dict[str, int] = {}
    seen, ts, author = 0, "", ""
    rows = vault.conn.execute(query + " ORDER BY e.seq", args)
    for commit_seq, event_seq, body, sid, env_id, meta_event, meta_epoch in rows:
        event = decode_body(bytes(body))
        if seen != commit_seq:  # a commit's header lists every event hash: read it once
            found = ledger.commit_at(vault.conn, commit_seq)
            if found is None:
                raise IntegrityFailure("an event belongs to no commit")
            parsed = parse_header(bytes(found.header))
            seen, ts, author = commit_seq, parsed.ts, parsed.author
        kind = _LOG_KINDS[event["t"]]
        if kind in ("created", "rotated"):
            versions[sid] = int(event["version"])
        if not first <= ts[:10] <= last:
            continue
        meta = metas.get(sid)
        if meta is None:
            source = event if meta_event == event_seq else _event_at(vault, meta_event)
            meta = metas[sid] = reader.open(source["meta"], meta_epoch, "secret-meta", sid)
            if len(metas) > 1024:
                metas.popitem(last=False)
        reason = ticket = note = fingerprint = ""
        if kind in ("created", "rotated"):
            version = versions[sid]
            data = reader.open(event["info"], event["info_epoch"], "version-info", sid, version)
            reason, ticket = data["reason"], data.get("ticket", "")
            if readable.get(env_id):
                fingerprint = data["fingerprint"]
        else:
            version = versions.get(sid, 0)
            context = "secret-flag" if kind == "flagged" else "secret-unflag"
            data = reader.open(event["info"], event["info_epoch"], context, sid)
            reason, note = data.get("reason", ""), data.get("note", "")
        yield LogEntry(
            ts,
            envs[env_id].name,
            meta["name"],
            meta["env_var"],
            kind,
            version,
            reason,
            ticket,
            note,
            handles.get(author, "?"),
            fingerprint,
        )


def _event_at(vault: Vault, seq: int) -> dict[str, Any]:
    row = vault.conn.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        raise IntegrityFailure("a secret's record points at a missing event")
    return decode_body(bytes(row[0]))

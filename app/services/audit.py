"""The audit history, read back from the ledger and decrypted for display, filtered as it streams.

Every event in ledger order becomes an AuditEntry (time, actor, action, environment, secret,
details). Nothing is collected: `query` yields entries one at a time, so a history of any length
costs the same memory (see audit_events for what does grow: one small record per secret).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.core import csvsafe
from app.core.clock import parse_iso
from app.core.errors import InvalidInput, NotFound
from app.core.ledger import parse_header
from app.core.model import AuditEntry
from app.services import files
from app.services.audit_events import LABELS, Describer
from app.services.catalog import decode_body
from app.services.secrets import audit_event
from app.services.vault import Vault
from app.storage import ledger

HEADER = ("seq", "time", "actor", "action", "environment", "secret", "details")
_UPDATES = ("secret.update", "env.update")


@dataclass(frozen=True)
class AuditFilter:
    """What to show. Dates are UTC calendar days, both ends included; text matches any column
    (case-insensitive); an action matches itself and, given as 'secret', every 'secret.*'."""

    since: date | None = None
    until: date | None = None
    actor: str = ""
    action: str = ""
    env: str = ""
    text: str = ""

    def period(self) -> dict[str, str | None]:
        return {
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }


def entries(vault: Vault) -> Iterator[AuditEntry]:
    """Every event in ledger order, with names resolved where this member can read them."""
    return query(vault, AuditFilter())


def check_filter(vault: Vault, flt: AuditFilter) -> None:
    """Refuse a filter that can match nothing for a plain reason: a reversed period, a member
    or environment that does not exist."""
    if flt.since and flt.until and flt.since > flt.until:
        raise InvalidInput(f"the period starts ({flt.since}) after it ends ({flt.until})")
    if flt.actor:
        handles = [h for (h,) in vault.conn.execute("SELECT handle FROM members ORDER BY handle")]
        if flt.actor not in handles:
            raise NotFound(f"no member named {flt.actor!r} (members: {', '.join(handles)})")
    if flt.env:
        from app.services.environments import find_environment

        find_environment(vault, flt.env)


def query(
    vault: Vault, flt: AuditFilter, *, tick: Callable[[], None] | None = None
) -> Iterator[AuditEntry]:
    """The events that pass `flt`, oldest first, decrypted one at a time. `tick` is called
    once per ledger event read (shown or not), for progress and cancelling."""
    check_filter(vault, flt)
    return _stream(vault, flt, tick)


def _matches(action: str, wanted: str) -> bool:
    return not wanted or action == wanted or action.startswith(wanted + ".")


def _stream(
    vault: Vault, flt: AuditFilter, tick: Callable[[], None] | None
) -> Iterator[AuditEntry]:
    d = Describer(vault)
    first = flt.since.isoformat() if flt.since else ""
    last = flt.until.isoformat() if flt.until else "9999"
    action = flt.action
    text = flt.text.casefold()
    for row, bodies, seqs in ledger.commits(vault.conn):
        header = parse_header(bytes(row.header))
        actor = d.handle(header.author)
        shown = first <= header.ts[:10] <= last and (not flt.actor or flt.actor == actor)
        for body, seq in zip(bodies, seqs, strict=True):
            event = decode_body(body)
            before = d.previous(event) if shown and event["t"] in _UPDATES else None
            d.track(seq, event)
            if tick is not None:
                tick()
            kind = event["t"]
            if not shown or (kind != "audit" and not _matches(LABELS.get(kind, kind), action)):
                continue  # left out before anything is decrypted
            act, env, secret, details = d.describe(seq, event, before, header.ts)
            if not _matches(act, action):
                continue
            if flt.env and env != flt.env:
                continue
            entry = AuditEntry(
                row.seq, header.ts, d.handle(header.author), act, env, secret, details
            )
            if text and text not in _search_text(entry):
                continue
            yield entry


def _search_text(e: AuditEntry) -> str:
    return " ".join([e.actor, e.action, e.env, e.secret, details_text(e)]).casefold()


def details_text(e: AuditEntry) -> str:
    return json.dumps(e.details, sort_keys=True, ensure_ascii=False) if e.details else ""


def csv_row(e: AuditEntry) -> tuple[csvsafe.Cell, ...]:
    return (e.seq, parse_iso(e.ts), e.actor, e.action, e.env, e.secret, details_text(e))


def record_export(vault: Vault, kind: str, **details: Any) -> None:
    """Record that a file left the vault: kind, period, files, sha256 (never its contents)."""
    vault.commit([audit_event(vault, "export", kind=kind, **details)])


def export_csv(vault: Vault, flt: AuditFilter, out: Path, *, force: bool = False) -> int:
    """Write the filtered history to a CSV file (streamed, whole or not at all) and record the
    export. Returns how many events it holds."""
    check_filter(vault, flt)
    with files.replacing(out, force=force) as raw:
        text = files.HashedText(raw)
        text.write("\ufeff")  # csvsafe.ENCODING: Excel reads UTF-8 only with it
        writer = csvsafe.Writer(text)
        writer.row(HEADER)
        writer.rows(csv_row(e) for e in _stream(vault, flt, None))
        digest = text.hexdigest()
        record_export(vault, "audit-csv", period=flt.period(), files=[out.name], sha256=digest)
    return writer.count - 1

"""The signed evidence pack: one zip an auditor opens in a spreadsheet and verifies alone.

`export_pack` streams: one pass over the ledger writes the three large tables (audit events,
rotation log, secret inventory; see evidence_history) in blocks into temporary files beside the
pack, which are then copied into the zip and hashed, so memory does not grow with the number
of events or keys. The zip is written to a temporary file in the target folder and renamed
into place only when complete and recorded in the ledger; a cancel or an error leaves nothing
behind (the temporary files have no name). `verify_pack` (in evidence_verify) needs no vault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.core import csvsafe
from app.core import evidence as layout
from app.core.clock import iso
from app.core.errors import Cancelled, InvalidInput
from app.core.model import Environment
from app.crypto.encoding import b64e
from app.crypto.sign import public_pem
from app.services import evidence_access, evidence_reviews, evidence_split, evidence_zip, files
from app.services import evidence_tables as tables
from app.services.audit import HEADER as AUDIT_HEADER
from app.services.audit import record_export
from app.services.evidence_docs import readme, summary
from app.services.evidence_history import Found, Outputs, Period
from app.services.evidence_verify import PackReport, verify_pack
from app.services.evidence_zip import PackWriter
from app.services.overview import overview
from app.services.rotation_export import LOG_HEADER
from app.services.vault import Vault
from app.storage import ledger

__all__ = ["Cancelled", "ExportResult", "PackReport", "export_pack", "verify_pack"]

TABLES = layout.TABLES
DATA_FILES = layout.DATA_FILES

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]
    events: int  # audit events in the period
    head: str


class _Steps:
    """Progress in ledger events read (reported every few hundred), and cancel polls."""

    def __init__(self, total: int, progress: Progress | None, cancelled: Callable[[], bool] | None):
        self.total = max(total, 1)
        self.done = 0
        self._progress = progress
        self._cancelled = cancelled

    def at(self, done: int) -> None:
        self.done = done
        if self._progress is not None:
            self._progress(min(done, self.total), self.total)

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise Cancelled()


_to_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_details_text = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False).encode


def _csv_cell(value: Any) -> csvsafe.Cell:
    """Rows hold JSON-ready values; details (dict or list) become their JSON text in a CSV."""
    if type(value) is dict or type(value) is list:
        return _details_text(value)
    cell: csvsafe.Cell = value
    return cell


def _table(pack: PackWriter, stem: str, table: tables.Table) -> int:
    """A small table, written whole from memory."""
    header, rows = table
    pack.check()
    found = list(rows)
    text = csvsafe.to_bytes(header, ([_csv_cell(v) for v in row] for row in found))
    lines = "".join(_to_json(dict(zip(header, row, strict=True))) + "\n" for row in found)
    pack.data(f"{stem}.csv", text)
    pack.data(f"{stem}.jsonl", lines.encode("utf-8"))
    return len(found)


def export_pack(
    vault: Vault,
    start: date,
    end: date,
    out: Path,
    *,
    now: datetime,
    force: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    record: bool = True,
) -> ExportResult:
    """Write the pack for the UTC days `start`..`end` to `out`; records an `export` event
    (`record=False`: the caller records it with `record_pack`, as the GUI does on its own
    thread after exporting over a reader)."""
    if start > end:
        raise InvalidInput(f"the period starts ({start}) after it ends ({end})")
    files.check_target(out, force=force)
    head = ledger.head(vault.conn)
    if head is None:
        raise InvalidInput("the vault has no history to export")
    steps = _Steps(ledger.event_count(vault.conn), progress, cancelled)
    envs = tables.environments(vault)
    period = Period(start, end, now)
    steps.check()
    tables_pass = evidence_split.passes(vault, period, envs, out.parent, steps.at, steps.check)
    with (
        tables_pass as (parts, found),
        files.replacing(out, force=force) as raw,
        evidence_zip.writing(raw, now, steps.check, hash_zip=record) as pack,
    ):
        _write_tables(pack, vault, envs, period, head.hash, parts, found)
        sha256 = pack.finish()
        steps.check()  # the last moment a cancel leaves nothing behind
        if record:
            result = ExportResult(out, (), 0, head.hash)
            record_pack(vault, start, end, result, sha256)
    if progress is not None:
        progress(steps.total, steps.total)
    names = (*pack.digests, layout.MANIFEST, layout.SIGNATURE)
    return ExportResult(out, tuple(names), found.events, head.hash)


def record_pack(vault: Vault, start: date, end: date, result: ExportResult, sha256: str) -> None:
    """The `export` event of a pack: its period, file name, SHA-256 and the head it covers."""
    record_export(
        vault,
        "evidence",
        period={"from": start.isoformat(), "to": end.isoformat()},
        files=[result.path.name],
        sha256=sha256,
        head=result.head,
    )


def _write_tables(
    pack: PackWriter,
    vault: Vault,
    envs: list[Environment],
    period: Period,
    head: str,
    parts: list[Outputs],
    found: Found,
) -> None:
    start, end, now = period.start, period.end, period.now
    pack.spooled("audit-events", AUDIT_HEADER, [p.audit for p in parts])
    _table(pack, "access-list", evidence_access.access_list(vault, envs, found.access, now))
    requests = evidence_access.access_requests(vault, envs, start, end)
    _table(pack, evidence_access.REQUESTS, requests)
    _table(pack, "access-reviews", evidence_reviews.access_reviews(vault, start, end))
    pack.spooled("rotation-log", LOG_HEADER, [p.log for p in parts])
    inventory = [p.inventory[e.id] for e in envs for p in parts]
    pack.spooled("secret-inventory", tables.INVENTORY_HEADER, inventory)
    _table(pack, "policies", tables.policies(envs))
    _table(pack, "policy-history", tables.policy_history(found.policy))
    _table(pack, "mfa-enrollment", tables.mfa_enrollment(vault, envs, found.confirmed))
    commits = ledger.count(vault.conn)
    key = vault.sign_public
    info: dict[str, object] = {
        "vault": vault.name,
        "vault_id": vault.vault_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "generated_at": iso(now),
        "handle": vault.member.handle,
        "head": head,
        "commits": commits,
        "events": found.events,
        "fingerprint": layout.key_fingerprint(key),
    }
    first, last = start.isoformat()[:7], end.isoformat()[:7]
    months = {m: n for m, n in sorted(found.step_ups.items()) if first <= m <= last}
    figures = overview(vault, now, counts=found.counts, step_ups=found.step_ups)
    pack.data(layout.README, readme(info).encode("utf-8"))
    pack.data(layout.SUMMARY, summary(figures, info, months).encode("utf-8"))
    pack.data(layout.SIGNER, public_pem(key))
    manifest = layout.manifest_bytes(
        {
            "format": layout.FORMAT,
            "vault_id": vault.vault_id,
            "vault_name": vault.name,
            "period": {"from": start.isoformat(), "to": end.isoformat()},
            "generated_at": iso(now),
            "generated_by": {"handle": vault.member.handle, "member_id": vault.member.id},
            "ledger": {"head": head, "commits": commits},
            "files": dict(pack.digests),
            "members": _members(vault),
        }
    )
    pack.data(layout.MANIFEST, manifest, listed=False)
    pack.data(
        layout.SIGNATURE, vault.sign_statement(layout.signing_message(manifest)), listed=False
    )


def _members(vault: Vault) -> list[dict[str, str]]:
    return [
        {"handle": h, "role": r, "status": s, "sign_pub": b64e(bytes(k))}
        for h, r, s, k in vault.conn.execute(
            "SELECT handle, role, status, sign_pub FROM members ORDER BY added_seq"
        )
    ]

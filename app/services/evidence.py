"""The signed evidence pack: one zip an auditor opens in a spreadsheet and verifies alone.

`export_pack` streams: each table's rows go straight into their zip member (the .jsonl twin
through a temporary file beside the pack), hashed as they are written, so memory does not grow
with the number of events. The zip is written to a temporary file in the target folder and
renamed into place only when complete and recorded in the ledger; a cancel or an error leaves
nothing behind. `verify_pack` (in evidence_verify) needs no vault.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.core import csvsafe
from app.core import evidence as layout
from app.core.clock import iso
from app.core.errors import Cancelled, InvalidInput
from app.core.model import AuditEntry
from app.core.rotation import RotationStatus
from app.crypto.encoding import b64e
from app.crypto.sign import public_pem
from app.services import evidence_tables as tables
from app.services import files
from app.services.audit import record_export
from app.services.evidence_docs import readme, summary
from app.services.evidence_verify import PackReport, verify_pack
from app.services.overview import overview, step_up_uses
from app.services.vault import Vault
from app.storage import ledger

__all__ = ["Cancelled", "ExportResult", "PackReport", "export_pack", "verify_pack"]

Progress = Callable[[int, int], None]
_EVERY = 256  # rows between progress reports and cancel polls


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]
    events: int  # audit events in the period
    head: str


class _Steps:
    """Progress in units of work (ledger events read, then keys listed) and cancel polls."""

    def __init__(self, total: int, progress: Progress | None, cancelled: Callable[[], bool] | None):
        self.total = max(total, 1)
        self.done = 0
        self._rows = 0
        self._progress = progress
        self._cancelled = cancelled

    def advance(self) -> None:
        self.done += 1
        if self.done % _EVERY == 0 and self._progress is not None:
            self._progress(min(self.done, self.total), self.total)

    def poll(self) -> None:
        self._rows += 1
        if self._rows % _EVERY == 0:
            self.check()

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


class _PackWriter:
    def __init__(self, zf: zipfile.ZipFile, folder: Path, when: datetime, steps: _Steps):
        self.zf = zf
        self.folder = folder
        self.stamp = when.timetuple()[:6]
        self.steps = steps
        self.digests: dict[str, str] = {}

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def table(self, stem: str, table: tables.Table) -> int:
        header, rows = table
        self.steps.check()
        with tempfile.TemporaryFile(dir=self.folder) as spool:
            jsonl = files.HashedText(spool)
            with self.zf.open(self._info(f"{stem}.csv"), "w", force_zip64=True) as member:
                text = files.HashedText(member)
                text.write("\ufeff")  # csvsafe.ENCODING: Excel reads UTF-8 only with it
                writer = csvsafe.Writer(text)
                writer.row(header)
                for values in rows:
                    writer.row([_csv_cell(v) for v in values])
                    jsonl.write(_to_json(dict(zip(header, values, strict=True))) + "\n")
                    self.steps.poll()
                self.digests[f"{stem}.csv"] = text.hexdigest()
            self.digests[f"{stem}.jsonl"] = jsonl.hexdigest()
            spool.seek(0)
            with self.zf.open(self._info(f"{stem}.jsonl"), "w", force_zip64=True) as member:
                shutil.copyfileobj(spool, member, 1 << 16)
        return writer.count - 1

    def data(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zf.writestr(self._info(name), data)
        if listed:
            self.digests[name] = layout.digest(data)


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
) -> ExportResult:
    """Write the pack for the UTC days `start`..`end` to `out`; records an `export` event."""
    if start > end:
        raise InvalidInput(f"the period starts ({start}) after it ends ({end})")
    files.check_target(out, force=force)
    head = ledger.head(vault.conn)
    if head is None:
        raise InvalidInput("the vault has no history to export")
    secrets = int(vault.conn.execute("SELECT count(*) FROM secrets").fetchone()[0])
    steps = _Steps(ledger.event_count(vault.conn) + secrets, progress, cancelled)
    envs = tables.environments(vault)
    with files.replacing(out, force=force) as raw:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            pack = _PackWriter(zf, out.parent, now, steps)
            info, events = _write_tables(pack, vault, envs, start, end, now, head.hash)
        steps.check()  # the last moment a cancel leaves nothing behind
        record_export(
            vault,
            "evidence",
            period={"from": start.isoformat(), "to": end.isoformat()},
            files=[out.name],
            sha256=files.sha256_file(raw),
            head=head.hash,
        )
    if progress is not None:
        progress(steps.total, steps.total)
    names = (*pack.digests, layout.MANIFEST, layout.SIGNATURE)
    return ExportResult(out, tuple(names), events, head.hash)


def _write_tables(
    pack: _PackWriter,
    vault: Vault,
    envs: list[Any],
    start: date,
    end: date,
    now: datetime,
    head: str,
) -> tuple[dict[str, object], int]:
    policy: list[AuditEntry] = []
    counts: Counter[tuple[str, RotationStatus]] = Counter()
    advance = pack.steps.advance
    events = pack.table("audit-events", tables.audit_events(vault, start, end, advance, policy))
    pack.table("access-list", tables.access_list(vault, envs))
    pack.table("access-reviews", tables.access_reviews())
    pack.table("rotation-log", tables.rotation_rows(vault, start, end))
    pack.table("secret-inventory", tables.inventory(vault, envs, now, counts, advance))
    pack.table("policies", tables.policies(envs))
    pack.table("policy-history", tables.policy_history(policy))
    pack.table("mfa-enrollment", tables.mfa_enrollment(vault, envs))
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
        "events": events,
        "fingerprint": layout.key_fingerprint(key),
    }
    months = {m: n for m, n in step_up_uses(vault).items() if start.isoformat()[:7] <= m}
    months = {m: n for m, n in months.items() if m <= end.isoformat()[:7]}
    figures = overview(vault, now, counts=counts)
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
    return info, events


def _members(vault: Vault) -> list[dict[str, str]]:
    return [
        {"handle": h, "role": r, "status": s, "sign_pub": b64e(bytes(k))}
        for h, r, s, k in vault.conn.execute(
            "SELECT handle, role, status, sign_pub FROM members ORDER BY added_seq"
        )
    ]

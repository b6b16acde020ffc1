"""Rotation exports: due dates as a calendar file, the rotation log as CSV. Never values."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from app.core import csvsafe, ical
from app.core.clock import parse_iso
from app.core.rotation import DUE_SOON_DAYS
from app.crypto.encoding import sha256_hex
from app.services import files
from app.services.audit import record_export
from app.services.environments import find_environment
from app.services.rotation import LogEntry, rotation_items, rotation_log
from app.services.vault import Vault

LOG_HEADER = (
    "at",
    "environment",
    "secret",
    "env_var",
    "action",
    "version",
    "reason",
    "ticket",
    "note",
    "by",
    "fingerprint",
)


def log_record(entry: LogEntry) -> dict[str, csvsafe.Cell]:
    """One log entry keyed by LOG_HEADER, the same shape for CSV and JSON."""
    values: tuple[csvsafe.Cell, ...] = (
        parse_iso(entry.at),
        entry.env,
        entry.secret,
        entry.env_var,
        entry.action,
        entry.version,
        entry.reason,
        entry.ticket,
        entry.note,
        entry.by,
        entry.fingerprint,
    )
    return dict(zip(LOG_HEADER, values, strict=True))


def calendar_file(
    vault: Vault,
    now: datetime,
    tz: tzinfo | None,
    *,
    env_name: str | None = None,
    due_soon_days: int = DUE_SOON_DAYS,
) -> tuple[bytes, int]:
    """The .ics file's bytes (UTF-8, CRLF) and how many events it holds: one per key."""
    found = rotation_items(vault, now, env_name=env_name, due_soon_days=due_soon_days)
    return ical.calendar(vault.name, found, now, tz).encode("utf-8"), len(found)


def write_log_csv(
    vault: Vault, out: Path, *, env_name: str | None = None, force: bool = False
) -> int:
    """Write the rotation log to a CSV file (streamed, whole or not at all) and record the
    export. Returns how many entries it holds."""
    with files.replacing(out, force=force) as raw:
        text = files.HashedText(raw)
        text.write("\ufeff")  # csvsafe.ENCODING
        writer = csvsafe.Writer(text)
        writer.row(LOG_HEADER)
        writer.rows(log_record(e).values() for e in rotation_log(vault, env_name))
        digest = text.hexdigest()
        env_id = find_environment(vault, env_name).id if env_name else None
        record_export(vault, "rotation-log-csv", files=[out.name], sha256=digest, env=env_id)
    return writer.count - 1


def write_calendar(
    vault: Vault,
    out: Path,
    now: datetime,
    tz: tzinfo | None,
    *,
    env_name: str | None = None,
    due_soon_days: int = DUE_SOON_DAYS,
    force: bool = False,
) -> int:
    """Write the due-date calendar to an .ics file and record the export; returns its events."""
    files.check_target(out, force=force)
    data, count = calendar_file(vault, now, tz, env_name=env_name, due_soon_days=due_soon_days)
    with files.replacing(out, force=force) as raw:
        raw.write(data)
        record_export(vault, "rotation-calendar", files=[out.name], sha256=sha256_hex(data))
    return count

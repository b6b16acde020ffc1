"""Rotation exports: due dates as a calendar file, the rotation log as CSV. Never values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from app.core import csvsafe, ical
from app.core.clock import parse_iso
from app.core.rotation import DUE_SOON_DAYS
from app.services.rotation import LogEntry, rotation_items
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


def log_csv(entries: Iterable[LogEntry]) -> tuple[bytes, int]:
    """The CSV file's bytes (header row first) and how many entries it holds."""
    rows = [list(log_record(e).values()) for e in entries]
    return csvsafe.to_bytes(LOG_HEADER, rows), len(rows)


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

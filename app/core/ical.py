"""Rotation due dates as an iCalendar file (RFC 5545) that any calendar app imports.

One all-day event per key on its due date in the user's time zone; keys already overdue or
flagged "rotation required" are dated today. An event's UID is the secret's id and its SEQUENCE
grows with every export, so importing a newer export (after a rotation, a flag, or a key falling
overdue) moves the key's one event instead of adding another. Never holds a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo

from app.core.rotation import RotationItem, RotationStatus, issuer, local_date

PRODID = "-//KeyLedger//KeyLedger rotations//EN"
LINE_OCTETS = 75
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
REMINDER = "-P7D"  # a week ahead of the due date
REMINDER_TODAY = "PT9H"  # 09:00 on the day, for what is due already


def escape(text: str) -> str:
    """A TEXT value: backslash, ';' and ',' escaped, line breaks as \\n, other controls dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\n", "\\n")
    return "".join(c for c in text if c == "\t" or not (ord(c) < 32 or ord(c) == 127))


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character.

    Each continuation line starts with one space, which counts towards its 75.
    """
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _date(day: date) -> str:
    return day.strftime("%Y%m%d")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _summary(item: RotationItem) -> str:
    s = item.secret
    text = f"Rotate {s.name} ({s.env_name})"
    if item.status in (RotationStatus.OVERDUE, RotationStatus.REQUIRED):
        text += f" — {item.status.value}"
    return text


def _description(item: RotationItem, tz: tzinfo | None) -> tuple[str, str]:
    """The event's description and the provider console's address ("" when not known)."""
    s, meta = item.secret, item.secret.meta
    provider = issuer(s)
    lines = [f"Variable: {meta.env_var}"]
    if provider is not None:
        lines.append(f"Provider: {provider.name}")
    if meta.owner:
        lines.append(f"Owner: {meta.owner}")
    lines.append(f"Rotation period: {s.rotation_days} days")
    lines.append(f"Due: {local_date(item.due, tz).isoformat()}")
    status = item.status.value
    if item.flag is not None:
        status += f" ({item.flag.reason})"
    lines.append(f"Status: {status}")
    url = provider.console_url if provider is not None else ""
    if url:
        lines.append(f"Console: {url}")
    return "\n".join(lines), url


def _sequence(now: datetime) -> int:
    """Minutes since 2026-01-01 UTC: larger in every later export, as RFC 5545 asks of a
    revised event (the due date may move without a new version: a flag, an overdue key)."""
    return max(0, int((now - _EPOCH).total_seconds()) // 60)


def _event(item: RotationItem, now: datetime, tz: tzinfo | None) -> list[str]:
    s = item.secret
    today = local_date(now, tz)
    due_now = item.status in (RotationStatus.OVERDUE, RotationStatus.REQUIRED)
    day = today if due_now else local_date(item.due, tz)
    description, url = _description(item, tz)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{s.id}@keyledger",
        f"SEQUENCE:{_sequence(now)}",
        f"DTSTAMP:{_stamp(now)}",
        f"LAST-MODIFIED:{_stamp(now)}",
        f"DTSTART;VALUE=DATE:{_date(day)}",
        f"DTEND;VALUE=DATE:{_date(day + timedelta(days=1))}",
        f"SUMMARY:{escape(_summary(item))}",
        f"DESCRIPTION:{escape(description)}",
        f"CATEGORIES:KeyLedger,{escape(s.env_name)}",
        "TRANSP:TRANSPARENT",
    ]
    if url:
        lines.append(f"URL:{url}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:{REMINDER_TODAY if due_now else REMINDER}",
        f"DESCRIPTION:{escape(_summary(item))}",
        "END:VALARM",
        "END:VEVENT",
    ]
    return lines


def calendar(
    vault_name: str, found: Iterable[RotationItem], now: datetime, tz: tzinfo | None
) -> str:
    """The whole file as text with CRLF line ends (write it as UTF-8).

    `tz` is the user's time zone; None means this computer's local time.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(f'KeyLedger rotations — {vault_name}')}",
    ]
    for item in found:
        lines += _event(item, now, tz)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

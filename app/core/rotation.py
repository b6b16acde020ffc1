"""When a key falls due for rotation, and what its status is at a given moment."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from app.core.clock import parse_iso

DUE_SOON_DAYS = 14


class RotationStatus(Enum):
    OK = "ok"
    DUE_SOON = "due soon"
    OVERDUE = "overdue"


def next_due(rotated_at: str, rotation_days: int) -> datetime:
    return parse_iso(rotated_at) + timedelta(days=rotation_days)


def status(
    rotated_at: str, rotation_days: int, now: datetime, due_soon_days: int = DUE_SOON_DAYS
) -> RotationStatus:
    due = next_due(rotated_at, rotation_days)
    if due <= now:
        return RotationStatus.OVERDUE
    if due - now <= timedelta(days=due_soon_days):
        return RotationStatus.DUE_SOON
    return RotationStatus.OK

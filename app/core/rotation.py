"""When a key falls due for rotation, its status at a given moment, and what falls due when.

Every rule takes `now` (from an injected clock) and, where a calendar date is shown, the time
zone to show it in: due moments are UTC instants, but "due on Tuesday" and "this week" belong to
the user's own calendar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum

from app.core import providers
from app.core.clock import parse_iso
from app.core.model import Secret
from app.core.providers import Provider

DUE_SOON_DAYS = 14

# Why a key must be rotated before its date. "revocation": someone who could read it lost access.
FLAG_REASONS = ("exposure", "incident", "offboarding", "revocation", "other")
# Why a key is given a new value by hand ("created" and "update" are the app's own).
ROTATE_REASONS = ("scheduled", "exposure", "offboarding", "incident", "other")


class RotationStatus(Enum):
    OK = "ok"
    DUE_SOON = "due soon"
    OVERDUE = "overdue"
    REQUIRED = "rotation required"


# Index = severity, the order a Status column sorts in.
BY_SEVERITY = (
    RotationStatus.OK,
    RotationStatus.DUE_SOON,
    RotationStatus.OVERDUE,
    RotationStatus.REQUIRED,
)


@dataclass(frozen=True)
class Flag:
    """A key marked "rotation required" until its next new version."""

    secret_id: str
    reason: str
    note: str
    flagged_at: str
    by: str


@dataclass(frozen=True)
class RotationItem:
    secret: Secret
    due: datetime
    status: RotationStatus
    flag: Flag | None = None

    def days_left(self, now: datetime, tz: tzinfo | None = UTC) -> int:
        """Days from today to the due date on the user's calendar (negative once overdue).

        Calendar days, not 24-hour periods: a key due tomorrow at 01:00 has 1 day left at
        23:00 today, so the count always agrees with the due date shown beside it.
        """
        return (local_date(self.due, tz) - local_date(now, tz)).days


def issuer(secret: Secret) -> Provider | None:
    """The provider that issues this key, or None for secrets that no provider issues."""
    found = providers.by_id(secret.meta.provider) if secret.meta.provider else None
    return None if found is None or found.id == providers.GENERIC.id else found


def next_due(rotated_at: str, rotation_days: int) -> datetime:
    return parse_iso(rotated_at) + timedelta(days=rotation_days)


def status_of(
    due: datetime, now: datetime, due_soon_days: int = DUE_SOON_DAYS, flagged: bool = False
) -> RotationStatus:
    if flagged:
        return RotationStatus.REQUIRED
    if due <= now:
        return RotationStatus.OVERDUE
    if due - now <= timedelta(days=due_soon_days):
        return RotationStatus.DUE_SOON
    return RotationStatus.OK


def status(
    rotated_at: str,
    rotation_days: int,
    now: datetime,
    due_soon_days: int = DUE_SOON_DAYS,
    flagged: bool = False,
) -> RotationStatus:
    return status_of(next_due(rotated_at, rotation_days), now, due_soon_days, flagged)


def items(
    secrets: Iterable[Secret],
    flags: Mapping[str, Flag],
    now: datetime,
    due_soon_days: int = DUE_SOON_DAYS,
) -> list[RotationItem]:
    """Every secret with its due date and status: flagged first, then by due date."""
    result = []
    for s in secrets:
        due = next_due(s.rotated_at, s.rotation_days)
        flag = flags.get(s.id)
        result.append(
            RotationItem(s, due, status_of(due, now, due_soon_days, flag is not None), flag)
        )
    result.sort(key=lambda i: (i.flag is None, i.due, i.secret.env_name, i.secret.name))
    return result


def due_within(
    found: Iterable[RotationItem], now: datetime, days: int, tz: tzinfo | None = UTC
) -> list[RotationItem]:
    """Items with at most `days` days left (as `days_left` counts), overdue and flagged ones."""
    return [
        i
        for i in found
        if i.flag is not None or i.status is RotationStatus.OVERDUE or i.days_left(now, tz) <= days
    ]


# -- the timeline ----------------------------------------------------------------------------

UNITS = ("week", "month")


def local_date(moment: datetime, tz: tzinfo | None) -> date:
    """The calendar date of a moment in `tz`; None is this computer's local time (with DST)."""
    return moment.astimezone(tz).date()


def bucket_start(day: date, unit: str) -> date:
    """The Monday of its ISO week, or the first of its month."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    raise ValueError(f"unit must be one of {', '.join(UNITS)}")


def next_bucket(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Timeline:
    """What falls due per period and environment.

    `overdue` counts keys already past due or flagged; `later` those beyond the last period.
    """

    unit: str
    periods: tuple[date, ...]
    envs: tuple[str, ...]
    counts: Mapping[tuple[date, str], int] = field(default_factory=dict)
    overdue: Mapping[str, int] = field(default_factory=dict)
    later: Mapping[str, int] = field(default_factory=dict)

    def total(self, period: date) -> int:
        return sum(self.counts.get((period, env), 0) for env in self.envs)

    @property
    def peak(self) -> int:
        totals = [self.total(p) for p in self.periods]
        return max([*totals, sum(self.overdue.values())], default=0)


def timeline(
    found: Iterable[RotationItem],
    now: datetime,
    tz: tzinfo,
    unit: str = "month",
    periods: int = 12,
    env_order: Iterable[str] = (),
) -> Timeline:
    """Counts by the period the due date falls in, in the user's time zone, from this one on."""
    first = bucket_start(local_date(now, tz), unit)
    starts = [first]
    for _ in range(periods - 1):
        starts.append(next_bucket(starts[-1], unit))
    end = next_bucket(starts[-1], unit)
    counts: Counter[tuple[date, str]] = Counter()
    overdue: Counter[str] = Counter()
    later: Counter[str] = Counter()
    envs = list(dict.fromkeys(env_order))
    for item in found:
        env = item.secret.env_name
        if env not in envs:
            envs.append(env)
        if item.status in (RotationStatus.OVERDUE, RotationStatus.REQUIRED):
            overdue[env] += 1
            continue
        day = local_date(item.due, tz)
        if day >= end:
            later[env] += 1
        else:
            counts[(bucket_start(day, unit), env)] += 1
    return Timeline(unit, tuple(starts), tuple(envs), dict(counts), dict(overdue), dict(later))

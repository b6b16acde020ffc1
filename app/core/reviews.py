"""Access review campaigns: a snapshot of every grant, a decision per row, sign-off, cadence.

A campaign freezes who could read what when it starts (with how each grant came about and when
it was last used). The reviewer decides keep, revoke or change for every row; nobody decides a
row about their own access. Sign-off needs every row decided; the revocations and changes are
then carried out. Rows whose grant changed while the campaign ran are shown as changed.
Everything here is computed from plain values with `now` given, so it is tested without a vault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from app.core.clock import parse_iso
from app.core.policy import REVIEW_CADENCES

DECISIONS = ("keep", "revoke", "change")
UNUSED_DAYS = 90


class RowState(Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed since the snapshot"
    ENDED = "ended since the snapshot"


@dataclass(frozen=True)
class SnapshotRow:
    """One grant as it stood when the campaign started."""

    member_id: str
    handle: str
    role: str
    env_id: str
    env_name: str
    access: str
    until: str | None
    granted_by: str
    granted_at: str
    justification: str
    last_used: str | None
    last_used_how: str  # reveal, copy, run or ""

    @property
    def key(self) -> tuple[str, str]:
        return self.member_id, self.env_id

    def unused(self, started_at: str) -> bool:
        """No reveal, copy or run in the 90 days before the snapshot, by a grant older than that."""
        start = parse_iso(started_at)
        window = start - timedelta(days=UNUSED_DAYS)
        if parse_iso(self.granted_at) > window:
            return False
        return self.last_used is None or parse_iso(self.last_used) < window


@dataclass(frozen=True)
class Decision:
    decision: str  # keep, revoke, change
    access: str | None  # the new access of a "change"
    comment: str
    decided_by: str
    decided_at: str


@dataclass(frozen=True)
class CurrentGrant:
    access: str
    until: str | None
    granted_at: str


@dataclass(frozen=True)
class Row:
    snapshot: SnapshotRow
    decision: Decision | None
    state: RowState
    unused: bool


@dataclass(frozen=True)
class Campaign:
    id: str
    reviewer: str
    started_by: str
    started_at: str
    due: str
    completed_at: str | None
    rows: tuple[Row, ...]

    @property
    def decided(self) -> int:
        return sum(r.decision is not None for r in self.rows)

    @property
    def status(self) -> str:
        return "completed" if self.completed_at else "open"

    def overdue(self, now: datetime) -> bool:
        return self.completed_at is None and parse_iso(self.due) < now

    def undecided(self) -> list[Row]:
        return [r for r in self.rows if r.decision is None]


def row_state(row: SnapshotRow, current: CurrentGrant | None) -> RowState:
    if current is None:
        return RowState.ENDED
    if (current.access, current.until, current.granted_at) != (
        row.access,
        row.until,
        row.granted_at,
    ):
        return RowState.CHANGED
    return RowState.UNCHANGED


def build(
    campaign_id: str,
    reviewer: str,
    started_by: str,
    started_at: str,
    due: str,
    completed_at: str | None,
    snapshot: list[SnapshotRow],
    decisions: dict[tuple[str, str], Decision],
    current: dict[tuple[str, str], CurrentGrant],
) -> Campaign:
    """A campaign's rows with their decisions and how each grant stands now. A completed
    campaign keeps the states it had at sign-off (the executions would all read as changed)."""
    rows = tuple(
        Row(
            s,
            decisions.get(s.key),
            RowState.UNCHANGED if completed_at else row_state(s, current.get(s.key)),
            s.unused(started_at),
        )
        for s in snapshot
    )
    return Campaign(campaign_id, reviewer, started_by, started_at, due, completed_at, rows)


def cadence_days(cadences: list[str]) -> int:
    """The shortest review cadence among the environments' policies (quarterly if none)."""
    return min((REVIEW_CADENCES[c] for c in cadences), default=REVIEW_CADENCES["quarterly"])


def next_review_due(created_at: str, last_completed: str | None, cadence: int) -> datetime:
    """When the next review falls due: a cadence after the last sign-off, or after creation."""
    return parse_iso(last_completed or created_at) + timedelta(days=cadence)


def access_appropriate(decision: Decision | None) -> str:
    """Vanta's "access appropriate" column: keep is Yes; revoke and change say it was not."""
    if decision is None:
        return ""
    return "Yes" if decision.decision == "keep" else "No"

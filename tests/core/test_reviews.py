"""The campaign model with plain values: unused access, changed grants, progress, cadence."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.clock import iso
from app.core.reviews import (
    CurrentGrant,
    Decision,
    RowState,
    SnapshotRow,
    access_appropriate,
    build,
    cadence_days,
    next_review_due,
)

START = "2026-12-01T09:00:00.000000Z"


def row(member: str = "m1", env: str = "dev", **more: object) -> SnapshotRow:
    fields: dict[str, object] = {
        "member_id": member,
        "handle": member,
        "role": "member",
        "env_id": env,
        "env_name": env,
        "access": "read",
        "until": None,
        "granted_by": "alice",
        "granted_at": "2026-01-01T00:00:00.000000Z",
        "justification": "granted by alice",
        "last_used": "2026-11-20T00:00:00.000000Z",
        "last_used_how": "copy",
    }
    fields.update(more)
    return SnapshotRow(**fields)  # type: ignore[arg-type]


def test_unused_means_no_use_in_the_90_days_before_the_snapshot():
    assert not row().unused(START)
    assert row(last_used=None).unused(START)
    assert row(last_used="2026-09-01T00:00:00.000000Z").unused(START)  # 91 days before
    assert not row(last_used="2026-09-03T00:00:00.000000Z").unused(START)
    # a grant younger than the window is not "unused for 90 days", even if never used
    assert not row(last_used=None, granted_at="2026-11-01T00:00:00.000000Z").unused(START)


def test_rows_show_how_each_grant_stands_now():
    same, changed, ended, extended = row("a"), row("b"), row("c"), row("d")
    current = {
        same.key: CurrentGrant("read", None, same.granted_at),
        changed.key: CurrentGrant("write", None, "2026-12-02T00:00:00.000000Z"),
        extended.key: CurrentGrant("read", "2027-01-01T00:00:00.000000Z", extended.granted_at),
    }
    campaign = build(
        "r1", "alice", "alice", START, START, None, [same, changed, ended, extended], {}, current
    )
    assert [r.state for r in campaign.rows] == [
        RowState.UNCHANGED,
        RowState.CHANGED,
        RowState.ENDED,
        RowState.CHANGED,
    ]
    # once signed off, the rows keep the states they were decided in
    done = build("r1", "alice", "alice", START, START, START, [changed], {}, {})
    assert [r.state for r in done.rows] == [RowState.UNCHANGED]


def test_progress_undecided_rows_and_overdue():
    a, b = row("a"), row("b")
    keep = Decision("keep", None, "", "alice", START)
    campaign = build(
        "r1",
        "alice",
        "alice",
        START,
        "2026-12-31T22:59:59.000000Z",
        None,
        [a, b],
        {a.key: keep},
        {},
    )
    assert (campaign.decided, campaign.status) == (1, "open")
    assert [r.snapshot.handle for r in campaign.undecided()] == ["b"]
    assert not campaign.overdue(datetime(2026, 12, 31, tzinfo=UTC))
    assert campaign.overdue(datetime(2027, 1, 1, tzinfo=UTC))


def test_the_next_review_falls_due_by_the_shortest_cadence():
    assert cadence_days(["semiannual", "quarterly", "annual"]) == 91
    assert cadence_days([]) == 91
    due = next_review_due("2026-01-01T00:00:00.000000Z", None, 91)
    assert iso(due) == "2026-04-02T00:00:00.000000Z"
    due = next_review_due("2026-01-01T00:00:00.000000Z", "2026-06-30T12:00:00.000000Z", 30)
    assert iso(due) == "2026-07-30T12:00:00.000000Z"


def test_access_appropriate_in_vantas_words():
    assert access_appropriate(None) == ""
    assert access_appropriate(Decision("keep", None, "", "a", START)) == "Yes"
    assert access_appropriate(Decision("revoke", None, "left", "a", START)) == "No"
    assert access_appropriate(Decision("change", "read", "less", "a", START)) == "No"

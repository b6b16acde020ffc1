from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.core.clock import iso
from app.core.model import Secret, SecretMeta
from app.core.rotation import (
    Flag,
    RotationStatus,
    bucket_start,
    due_within,
    issuer,
    items,
    local_date,
    next_bucket,
    next_due,
    status,
    timeline,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_next_due_adds_the_period():
    assert next_due("2026-09-01T12:00:00.000000Z", 90) == datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rotated", "days", "expected"),
    [
        ("2026-11-29T12:00:00.000000Z", 90, RotationStatus.OK),
        ("2026-09-15T12:00:00.000000Z", 90, RotationStatus.DUE_SOON),  # due 2026-12-14
        ("2026-09-17T12:00:00.000000Z", 90, RotationStatus.OK),  # due in 16 days
        ("2026-09-01T12:00:00.000000Z", 90, RotationStatus.OVERDUE),  # due exactly now
        ("2025-01-01T00:00:00.000000Z", 180, RotationStatus.OVERDUE),
    ],
)
def test_status_at_a_moment(rotated, days, expected):
    assert status(rotated, days, NOW) is expected


# -- flags, lists and the timeline -------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def secret(name, env, rotated, days=90, sid=None):
    return Secret(
        sid or name, env, env, SecretMeta(name, name.upper()), 1, rotated, rotated, rotated, days
    )


def flag(sid, reason="exposure"):
    return Flag(sid, reason, "", "2026-11-29T10:00:00.000000Z", "alice")


def test_a_flag_outranks_any_date():
    fresh = "2026-11-29T12:00:00.000000Z"
    assert status(fresh, 90, NOW, flagged=True) is RotationStatus.REQUIRED
    assert status("2020-01-01T00:00:00.000000Z", 90, NOW, flagged=True) is RotationStatus.REQUIRED


@pytest.mark.parametrize(
    ("window", "expected"), [(13, RotationStatus.OK), (14, RotationStatus.DUE_SOON)]
)
def test_the_due_soon_window_is_a_setting(window, expected):
    # due 2026-12-14T12:00Z: exactly 14 days after NOW
    assert status("2026-09-15T12:00:00.000000Z", 90, NOW, window) is expected


def test_month_ends_and_leap_days_count_whole_days():
    # 30 days after 31 January is 2 March in a common year, 1 March in a leap year.
    assert next_due("2026-01-31T23:30:00.000000Z", 30).date() == date(2026, 3, 2)
    assert next_due("2028-01-31T23:30:00.000000Z", 30).date() == date(2028, 3, 1)
    assert next_due("2026-12-31T00:00:00.000000Z", 1).date() == date(2027, 1, 1)


def test_the_due_day_is_the_users_own_calendar_day():
    due = next_due("2026-01-31T23:30:00.000000Z", 30)  # 2026-03-02T23:30Z
    assert local_date(due, UTC) == date(2026, 3, 2)
    assert local_date(due, TOKYO) == date(2026, 3, 3)  # already the next morning
    assert local_date(due, LOS_ANGELES) == date(2026, 3, 2)


def test_status_does_not_depend_on_the_zone_now_is_given_in():
    rotated = "2026-09-01T12:00:00.000000Z"  # due exactly at NOW
    for zone in (UTC, TOKYO, LOS_ANGELES, timezone(timedelta(hours=-12))):
        local_now = NOW.astimezone(zone)
        assert status(rotated, 90, local_now) is RotationStatus.OVERDUE
        assert status(rotated, 90, local_now - timedelta(microseconds=1)) is RotationStatus.DUE_SOON


def test_items_put_flagged_first_then_by_due_date():
    found = items(
        [
            secret("late", "prod", "2026-01-01T00:00:00.000000Z"),
            secret("soon", "dev", "2026-09-10T00:00:00.000000Z"),
            secret("fresh", "dev", "2026-11-20T00:00:00.000000Z"),
            secret("leaked", "prod", "2026-11-25T00:00:00.000000Z"),
        ],
        {"leaked": flag("leaked")},
        NOW,
    )
    assert [(i.secret.name, i.status) for i in found] == [
        ("leaked", RotationStatus.REQUIRED),
        ("late", RotationStatus.OVERDUE),
        ("soon", RotationStatus.DUE_SOON),
        ("fresh", RotationStatus.OK),
    ]
    assert found[0].flag is not None
    assert found[0].flag.reason == "exposure"
    assert found[1].days_left(NOW) < 0 < found[2].days_left(NOW)
    assert [i.secret.name for i in due_within(found, NOW, 30)] == ["leaked", "late", "soon"]
    assert [i.secret.name for i in due_within(found, NOW, 0)] == ["leaked", "late"]


def test_bucket_starts_on_monday_or_the_first():
    assert bucket_start(date(2026, 11, 30), "week") == date(2026, 11, 30)  # a Monday
    assert bucket_start(date(2026, 12, 6), "week") == date(2026, 11, 30)  # the Sunday after
    assert bucket_start(date(2027, 1, 1), "week") == date(2026, 12, 28)  # across the year
    assert bucket_start(date(2026, 2, 28), "month") == date(2026, 2, 1)
    assert next_bucket(date(2026, 12, 1), "month") == date(2027, 1, 1)
    assert next_bucket(date(2026, 1, 1), "month") == date(2026, 2, 1)
    with pytest.raises(ValueError):
        bucket_start(date(2026, 1, 1), "fortnight")


def test_timeline_counts_by_month_per_environment_in_the_users_zone():
    # Due 2026-12-31T20:00Z: still December in UTC and Los Angeles, January in Tokyo.
    new_year = secret("ny", "prod", iso(datetime(2026, 12, 31, 20, tzinfo=UTC) - timedelta(90)))
    found = items(
        [
            new_year,
            secret("a", "dev", iso(NOW - timedelta(days=80))),  # due 2026-12-10
            secret("b", "dev", iso(NOW - timedelta(days=200))),  # overdue
            secret("c", "staging", iso(NOW), days=3650),  # far beyond the chart
            secret("d", "prod", iso(NOW), days=40),  # due 2027-01-09
            secret("e", "dev", iso(NOW), days=100, sid="e"),  # flagged
        ],
        {"e": flag("e")},
        NOW,
    )
    utc = timeline(found, NOW, UTC, "month", 3, env_order=["dev", "staging", "prod"])
    assert utc.periods == (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1))
    assert utc.envs == ("dev", "staging", "prod")
    assert utc.counts == {
        (date(2026, 12, 1), "prod"): 1,
        (date(2026, 12, 1), "dev"): 1,
        (date(2027, 1, 1), "prod"): 1,
    }
    assert utc.overdue == {"dev": 2}
    assert utc.later == {"staging": 1}
    assert utc.total(date(2026, 12, 1)) == 2
    assert utc.peak == 2
    tokyo = timeline(found, NOW, TOKYO, "month", 3, env_order=["dev", "staging", "prod"])
    assert tokyo.counts[(date(2027, 1, 1), "prod")] == 2
    assert (date(2026, 12, 1), "prod") not in tokyo.counts


def test_timeline_by_week_starts_with_this_week():
    found = items([secret("a", "dev", iso(NOW - timedelta(days=85)))], {}, NOW)  # due Dec 5
    weeks = timeline(found, NOW, UTC, "week", 4)
    assert weeks.periods[0] == date(2026, 11, 30)
    assert weeks.periods[-1] == date(2026, 12, 21)
    assert weeks.counts == {(date(2026, 11, 30), "dev"): 1}
    empty = timeline([], NOW, UTC, "week", 4)
    assert empty.peak == 0
    assert empty.envs == ()


def test_days_left_counts_calendar_days_in_the_users_zone():
    late_evening = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    tomorrow_early = secret(
        "k", "dev", iso(datetime(2026, 12, 1, 1, 0, tzinfo=UTC) - timedelta(90))
    )
    (item,) = items([tomorrow_early], {}, late_evening)
    assert item.days_left(late_evening) == 1  # due tomorrow, though only 2 hours away
    assert item.days_left(late_evening, TOKYO) == 0  # already 1 December in Tokyo
    after_due = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    assert item.days_left(after_due) == 0  # overdue since 01:00, but due today
    assert due_within([item], late_evening, 1) == [item]
    assert due_within([item], late_evening, 0) == []
    assert due_within([item], late_evening, 0, TOKYO) == [item]


def test_issuer_is_a_known_provider_only():
    def with_provider(provider):
        return Secret("s", "dev", "dev", SecretMeta("k", "K", provider), 1, "", "", "", 90)

    found = issuer(with_provider("openai"))
    assert found is not None
    assert found.console_url.startswith("https://")
    assert issuer(with_provider("")) is None
    assert issuer(with_provider("generic")) is None
    assert issuer(with_provider("no-such-provider")) is None

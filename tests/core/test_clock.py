from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.clock import FixedClock, iso, parse_iso


def test_iso_round_trips_in_utc_whatever_the_zone_given():
    tokyo = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=9)))
    text = iso(tokyo)
    assert text == "2026-02-28T23:30:00.123456Z"
    assert parse_iso(text) == tokyo
    assert parse_iso(text).tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-28 23:30:00.123456Z",
        "2026-02-28T23:30:00.123456+00:00",
        "2026-02-28T23:30:00Z",
        "2026-02-30T23:30:00.123456Z",
        "",
        "x" * 27,
    ],
)
def test_only_the_ledger_form_is_read(text):
    with pytest.raises(ValueError):
        parse_iso(text)


def test_fixed_clock_moves_only_when_told():
    clock = FixedClock(datetime(2026, 11, 30, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(days=1, seconds=5)
    assert clock.now() == datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC)


def test_the_local_zone_keeps_its_summer_time_rules(monkeypatch):
    from zoneinfo import ZoneInfo

    from app.core.clock import local_zone

    monkeypatch.setenv("TZ", "Europe/Berlin")
    zone = local_zone()
    assert zone == ZoneInfo("Europe/Berlin")
    winter = datetime(2027, 1, 10, 12, tzinfo=UTC).astimezone(zone)
    summer = datetime(2027, 7, 10, 12, tzinfo=UTC).astimezone(zone)
    assert (winter.hour, summer.hour) == (13, 14)
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone().utcoffset(datetime(2027, 1, 1)) is not None

from datetime import UTC, datetime

import pytest

from app.core.rotation import RotationStatus, next_due, status

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

"""The banner after unlock that an access review is overdue: when it shows, what it says, and
that it opens the Reviews view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services import reviews
from app.ui.review_sample import review_sample
from app.ui.views.review_banner import banner_text
from tests.ui.conftest import unlock
from tests.ui.review_team import open_as, review_team, reviews_of

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overdue", "running", "now", "text"),
    [
        (True, False, NOW, "An access review is overdue since 2026-11-01: nobody has confirmed"
         " who holds which keys."),
        (False, False, NOW, ""),
        (True, True, NOW, ""),  # a review under way and in time silences the cadence
        (True, True, NOW + timedelta(days=20),
         "The access review due 2026-12-14 is overdue: 6 of 11 rows decided."),
    ],
)  # fmt: skip
def test_banner_text(qapp, overdue: bool, running: bool, now: datetime, text: str) -> None:
    campaign = review_sample(NOW)[0] if running else None
    assert banner_text(DUE, overdue, campaign, now, UTC) == text


def test_no_banner_when_no_review_is_due(qtbot, window, team_vault):
    controller = reviews_of(window)
    unlock(qtbot, window, *team_vault)
    assert controller.banner.isHidden()


def test_an_overdue_review_shows_on_unlock(qtbot, window, team_vault, clock):
    controller = reviews_of(window)
    banner = window.console.review_banner
    with review_team(*team_vault, clock) as world:
        open_as(qtbot, window, world, "alice", world.alice_key)  # 100 days on: overdue
        assert banner.isVisible()
        assert banner.text.text() == (
            "An access review is overdue since 2027-03-01: nobody has confirmed who holds"
            " which keys."
        )
        window.console.nav["overview"].click()
        with qtbot.waitSignal(controller.show_requested):
            banner.show_button.click()
        assert window.console.current_view() == "reviews"
        made = reviews.start(world.dora, clock.now() + timedelta(days=30), "alice")
        window.controller.load()  # a review under way and in time: no banner
        assert banner.isHidden()
        clock.advance(days=31)
        controller.check_due()
        due = made.due[:10]
        assert banner.text.text() == f"The access review due {due} is overdue: 0 of 6 rows decided."
        banner.close_button.click()
        assert banner.isHidden()
        controller.check_due()
        assert banner.isHidden()  # until the vault locks
        window.lock()
        open_as(qtbot, window, world, "alice", world.alice_key)
        assert not banner.isHidden()

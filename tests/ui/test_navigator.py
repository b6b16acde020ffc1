"""Moving between the console's views: home after unlock, the rail, the Overview's links."""

from __future__ import annotations

from app.services.rotation import flag_secret
from tests.ui.conftest import unlock
from tests.ui.test_main_window import names_shown


def test_every_overview_link_lands_where_it_says(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    console, follow = window.console, window.navigator.follow
    assert console.current_view() == "overview"
    assert console.nav["overview"].isChecked()

    follow("secrets:env:prod")
    assert console.current_view() == "secrets"
    assert console.env_view.selectionModel().selectedRows()[0].row() == 3
    assert sorted(names_shown(window)) == ["AWS deploy", "Anthropic prod"]
    console.filter.setText("aws")
    follow("secrets")
    assert console.filter.text() == ""
    assert len(names_shown(window)) == 5

    follow("rotation")
    assert console.current_view() == "rotation"
    assert console.nav["rotation"].isChecked()
    flag_secret(window.session.vault, "dev", "Groq dev", "exposure")
    window.controller.load()
    follow("rotation:required")
    assert console.current_view() == "secrets"
    assert names_shown(window) == ["Groq dev"]
    console.nav["audit"].click()
    assert console.secrets.status_filter() is None  # leaving Secrets ends the filter

    follow("reviews")
    assert console.current_view() == "reviews"
    assert console.nav["reviews"].isChecked()

    follow("verify")
    assert console.audit.badge.text() == "Verifying…"
    qtbot.waitUntil(lambda: "History verified" in console.audit.badge.text(), timeout=15_000)

    managed: list[bool] = []
    monkeypatch.setattr(window.controller.step_up, "manage", lambda: managed.append(True))
    follow("step-up")
    assert managed == [True]


def test_the_banner_stands_above_every_view_and_show_lists_the_keys(
    qtbot, window, team_vault, clock
):
    path, key = team_vault
    clock.advance(days=100)  # the two prod keys are overdue
    unlock(qtbot, window, path, key)
    banner = window.console.rotation_banner
    assert window.console.current_view() == "overview"
    assert banner.isVisible()
    window.console.nav["audit"].click()
    assert banner.isVisible()
    window.controller.show_needing_rotation()
    assert window.console.current_view() == "secrets"
    assert sorted(names_shown(window)) == ["AWS deploy", "Anthropic prod"]

"""The Overview page over a real vault: its figures, its links, and what changes them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool

from app.core import totp
from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services import stepup
from app.services.create import create_vault
from app.services.integrity import verify_vault
from app.services.rotation import flag_secret
from app.services.secrets import add_secret
from app.ui.overview_controller import OverviewController
from app.ui.views.overview_view import OverviewView
from app.ui.views.step_up_chart import MonthBars, last_months
from tests.conftest import PASSPHRASE, open_step_ups
from tests.ui.conftest import unlock

TARGETS = [
    "secrets", "secrets:env:dev", "secrets:env:staging", "secrets:env:prod",
    "rotation", "rotation:overdue", "rotation:required", "rotation",
    "reviews", "reviews", "step-up", "audit", "verify", "audit",
]  # fmt: skip


@pytest.fixture
def page(qtbot, window):
    """An Overview page and its controller around the window's console, not yet shown."""
    view = OverviewView()
    qtbot.addWidget(view)
    view.resize(1276, 790)
    controller = OverviewController(view, window.controller, window.settings, window)
    return view, controller


def show(qtbot, view: OverviewView, controller: OverviewController) -> None:
    with qtbot.waitSignal(controller.refreshed, timeout=10_000):
        view.show()


def reload(qtbot, window, controller: OverviewController) -> None:
    with qtbot.waitSignal(controller.refreshed, timeout=10_000):
        window.controller.load()  # what every change in the console ends with


def texts(view: OverviewView) -> list[str]:
    return [link.text() for link in view.links()]


@pytest.fixture
def bare_vault(tmp_path: Path, clock: FixedClock) -> tuple[Path, str]:
    """Two keys in prod, nobody enrolled in TOTP."""
    path = tmp_path / "bare.kl"
    vault, key = create_vault(path, "Bare", "alice", PASSPHRASE, kdf_seconds=0, clock=clock)
    open_step_ups(vault)
    add_secret(vault, "prod", "OpenAI prod", "sk-proj-" + "B" * 40)
    add_secret(vault, "prod", "Groq prod", "gsk_" + "B" * 40)
    vault.lock()
    return path, secretkey.format_key(key)


def test_the_figures_of_a_team_vault(qtbot, window, page, team_vault, clock):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    flag_secret(window.session.vault, "dev", "Groq dev", "exposure", "pasted in a ticket")
    window.controller.load()  # as after every change made in the console
    clock.advance(days=110)  # prod (90 d) overdue, staging (120 d) due soon, dev (180 d) ok
    view, controller = page
    show(qtbot, view, controller)
    assert view.subtitle.text() == "Acme AI · figures as of 20 Mar 2027 09:00"
    assert (view.keys.figure.text(), view.keys.caption.text()) == ("5", "keys in 3 environments")
    assert (view.rotation.figure.text(), view.rotation.caption.text()) == (
        "40%",
        "of keys rotated on time",
    )
    assert texts(view) == [
        "5", "dev: 2", "staging: 1", "prod: 2 · step-up",
        "40%", "2 overdue", "1 rotation required", "1 due soon",
        "None yet", "Overdue since 2027-03-01",
        "1 of 1", "0 step-ups this month", "Not verified", "Audit history",
    ]  # fmt: skip
    assert view.reviews.caption.text() == "No access review completed"
    assert view.step_up.caption.text() == "members with access to prod enrolled in TOTP"
    assert view.history.caption.text() == "Not verified on this computer yet"
    assert view.status_bars.accessibleDescription() == (
        "dev: 2 keys (1 OK, 1 rotation required). staging: 1 key (1 due soon)."
        " prod: 2 keys (2 overdue)."
    )
    description = view.accessibleDescription()
    assert "Rotation: 40% of keys rotated on time; 2 overdue; 1 rotation required; 1 due soon." in (
        description
    )
    assert "Access reviews: None yet No access review completed; Overdue since 2027-03-01." in (
        description
    )


def test_the_first_review_is_due_a_quarter_after_the_vault_was_made(
    qtbot, window, page, team_vault, clock
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    clock.advance(days=85)  # prod's keys are due in 5 days; nothing is late
    view, controller = page
    show(qtbot, view, controller)
    assert view.review_due.text() == "First review due 2027-03-01"
    assert texts(view)[4:8] == ["100%", "0 overdue", "0 rotation required", "2 due soon"]


def test_every_figure_is_a_link_to_its_view(qtbot, window, page, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    show(qtbot, view, controller)
    followed: list[str] = []
    controller.navigate.connect(followed.append)
    for link in view.links():
        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert followed == TARGETS
    followed.clear()
    for link in view.links():  # Enter follows a link, as in a browser
        qtbot.keyClick(link, Qt.Key.Key_Return)
    assert followed == TARGETS
    # Tab goes from each figure to the next, in reading order.
    links = view.links()
    for first, second in zip(links, links[1:], strict=False):
        assert first.nextInFocusChain() is second
    assert all(link.focusPolicy() == Qt.FocusPolicy.StrongFocus for link in links)
    followed.clear()
    prod = view.status_bars.row_rect(2).center().toPoint()
    qtbot.mouseClick(view.status_bars, Qt.MouseButton.LeftButton, pos=prod)
    assert followed == ["secrets:env:prod"]


def test_step_up_coverage_follows_enrollment(qtbot, window, page, bare_vault, clock):
    path, key = bare_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    show(qtbot, view, controller)
    assert view.step_up.figure.text() == "0 of 1"
    assert view.step_up.figure.colour().name() == "#e53935"  # red while anyone is missing
    assert view.step_up.figure.accessibleName() == (
        "0 of 1 members with access to prod enrolled in TOTP"
    )
    vault = window.session.vault
    pending = stepup.begin_enrollment(vault)
    stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    reload(qtbot, window, controller)
    assert view.step_up.figure.text() == "1 of 1"
    assert view.step_up.figure.colour() == view.palette().color(view.palette().ColorRole.Link)


def test_a_verification_of_the_history_shows(qtbot, window, page, team_vault, clock):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    show(qtbot, view, controller)
    assert view.history.figure.text() == "Not verified"
    report = verify_vault(window.session.vault.published)
    reload(qtbot, window, controller)
    assert view.history.figure.text() == "Verified"
    caption = view.history.caption.text()
    assert caption.endswith(f", {report.commits:,} commits")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}( \d{4})? \d\d:\d\d, .*", caption)
    assert "History: Verified " + caption in view.accessibleDescription()
    from app.services.overview import record_verification

    record_verification(
        window.session.vault.vault_id, clock.now(), 0, "", "ledger commit #3: signature fails"
    )
    reload(qtbot, window, controller)
    assert view.history.figure.text() == "Failed"
    assert view.history.caption.text().endswith(": ledger commit #3: signature fails")


def test_an_empty_vault(qtbot, window, page, tmp_path, clock):
    vault, key = create_vault(
        tmp_path / "empty.kl", "Empty", "alice", PASSPHRASE, kdf_seconds=0, clock=clock
    )
    vault.lock()
    unlock(qtbot, window, tmp_path / "empty.kl", secretkey.format_key(key))
    view, controller = page
    show(qtbot, view, controller)
    assert texts(view)[:8] == [
        "0", "dev: 0", "staging: 0", "prod: 0 · step-up",
        "Nothing due", "0 overdue", "0 rotation required", "0 due soon",
    ]  # fmt: skip
    assert view.keys.caption.text() == "No keys yet"
    assert view.status_bars.is_empty()
    assert view.status_bars.accessibleDescription() == "No keys yet."
    assert view.month_bars.accessibleDescription() == "No step-ups in the last 12 months."


def test_figures_wait_until_the_page_is_shown(qtbot, window, page, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    assert controller.stale
    assert not controller.busy()
    show(qtbot, view, controller)
    assert not controller.stale
    view.hide()
    window.controller.load()
    assert controller.stale
    assert not controller.busy()
    show(qtbot, view, controller)


def test_locking_clears_the_page_and_drops_late_figures(qtbot, window, page, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    show(qtbot, view, controller)
    assert view.accessibleDescription()
    window.controller.load()  # figures being read again …
    assert controller.busy()
    with qtbot.assertNotEmitted(controller.refreshed, wait=100):
        window.lock()
        controller.unload()  # … when the vault locks: they are never shown
        QThreadPool.globalInstance().waitForDone(5000)
    assert texts(view) == [""] * 11
    assert view.keys.caption.text() == ""
    assert view.accessibleDescription() == ""
    assert not view.content.isVisible()
    assert view.status_bars.is_empty()
    assert view.month_bars.is_empty()


@pytest.mark.parametrize(("size", "columns"), [((1276, 790), 5), ((940, 650), 3), ((600, 500), 2)])
def test_cards_wrap_rather_than_clip(qtbot, window, page, team_vault, size, columns):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    view, controller = page
    view.resize(*size)
    show(qtbot, view, controller)
    assert view.cards.columns == columns

    def whole() -> None:  # every figure's text fits once the new rows are laid out
        for link in view.links():
            assert link.width() >= link.sizeHint().width(), link.text()

    qtbot.waitUntil(whole, timeout=2000)


def test_step_ups_by_month_cover_the_last_twelve_months(qtbot):
    assert last_months(date(2026, 2, 28), 3) == ["2025-12", "2026-01", "2026-02"]
    chart = MonthBars()
    qtbot.addWidget(chart)
    chart.set_counts({"2025-11": 9, "2025-12": 1, "2026-01": 3}, date(2026, 11, 30))
    assert chart.total() == 4  # November 2025 is thirteen months back
    assert chart.accessibleDescription() == (
        "Step-ups by month: December 2025: 1, January 2026: 3."
    )

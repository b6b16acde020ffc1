"""The Rotation view: its table model, the timeline chart and the view's controls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QLocale, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget

from app.core.model import Secret, SecretMeta
from app.core.rotation import Flag, RotationStatus, Timeline, items, timeline
from app.ui.models.rotation_model import RotationColumn as Col
from app.ui.models.rotation_model import RotationModel, RotationRole
from app.ui.models.secrets_model import DUE_SOON_COLOUR, OVERDUE_COLOUR
from app.ui.views import rotation_view
from app.ui.views.rotation_view import RotationView
from app.ui.views.timeline_chart import TimelineChart

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ENVS = ("dev", "staging", "prod")
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def make_secret(sid: str, name: str, env: str, provider: str, owner: str, rotated: str,
                days: int) -> Secret:  # fmt: skip
    meta = SecretMeta(name, name.upper().replace(" ", "_"), provider, owner)
    at = f"{rotated}.000000Z"
    return Secret(sid, f"env-{env}", env, meta, 1, at, at, at, days)


# Due at NOW: A 2026-12-30 ok, B 2026-08-28 overdue, C 2026-12-08 due soon, D 2027-02-18 ok,
# E 2026-12-01 flagged (rotation required), F 2025-07-14 overdue.
SECRETS = [
    make_secret("A", "Vision dev", "dev", "google", "alice", "2026-10-01T12:00:00", 90),
    make_secret("B", "Groq dev", "dev", "groq", "bob", "2026-03-01T23:30:00", 180),
    make_secret("C", "stripe staging", "staging", "stripe", "carol", "2026-08-10T12:00:00", 120),
    make_secret("D", "Anthropic prod", "prod", "anthropic", "Erin", "2026-11-20T12:00:00", 90),
    make_secret("E", "AWS deploy", "prod", "aws", "dave", "2025-12-01T12:00:00", 365),
    make_secret("F", "legacy webhook", "dev", "", "", "2025-01-15T12:00:00", 180),
]
FLAGS = {"E": Flag("E", "exposure", "leaked in CI log", "2026-11-28T10:00:00.000000Z", "alice")}
ITEMS = items(SECRETS, FLAGS, NOW)


def shown(model: RotationModel) -> str:
    return "".join(model.index(r, 0).data(RotationRole.SECRET_ID) for r in range(model.rowCount()))


@pytest.fixture
def model(qtmodeltester) -> RotationModel:
    m = RotationModel()
    qtmodeltester.check(m)  # stays attached: every later change is checked too
    m.set_items(ITEMS, NOW, UTC, ENVS)
    qtmodeltester.check(m)
    return m


@pytest.fixture
def view(qtbot) -> RotationView:
    v = RotationView()
    v.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    qtbot.addWidget(v)
    v.resize(1200, 760)
    v.set_items(ITEMS, NOW, UTC, ENVS)
    v.show()
    return v


def test_cells_of_a_flagged_and_an_overdue_row(model: RotationModel) -> None:
    assert model.columnCount() == 9
    assert shown(model) == "EFBCAD"  # as rotation.items gives them: flagged first, then by due
    texts = [model.index(0, c).data() for c in Col]
    assert texts == ["AWS deploy", "prod", "AWS", "dave", "2025-12-01", "2026-12-01", "1",
                     "Rotation required", "Exposure: leaked in CI log"]  # fmt: skip
    overdue = model.index_of("B")
    assert model.index(overdue.row(), Col.DAYS_LEFT).data() == "\N{MINUS SIGN}94"
    assert model.index(overdue.row(), Col.STATUS).data() == "Overdue"
    assert overdue.data(RotationRole.STATUS) is RotationStatus.OVERDUE
    assert overdue.data(RotationRole.ITEM).secret is SECRETS[1]
    tip = model.index(0, Col.REASON).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Rotation required (exposure), flagged by alice on 2026-11-28\nleaked in CI log"


def test_status_colours_go_with_text(model: RotationModel) -> None:
    def colour(sid: str) -> object:
        return model.index(model.index_of(sid).row(), Col.STATUS).data(
            Qt.ItemDataRole.ForegroundRole
        )

    assert (colour("B"), colour("E"), colour("C"), colour("A")) == (
        OVERDUE_COLOUR, OVERDUE_COLOUR, DUE_SOON_COLOUR, None,
    )  # fmt: skip
    assert model.index(0, Col.NAME).data(Qt.ItemDataRole.ForegroundRole) is None


def test_dates_are_shown_in_the_users_time_zone(model: RotationModel) -> None:
    model.set_items(ITEMS, NOW, ZoneInfo("Pacific/Auckland"), ENVS)
    row = model.index_of("B").row()
    # Rotated 23:30 UTC on 1 March, due 23:30 UTC on 28 August: the next day in Auckland.
    assert model.index(row, Col.LAST_ROTATED).data() == "2026-03-02"
    assert model.index(row, Col.NEXT_DUE).data() == "2026-08-29"
    assert model.index(row, Col.DAYS_LEFT).data() == "\N{MINUS SIGN}93"  # 29 Aug to 30 Nov


ORDERS = {
    Col.NAME: "DEBFCA",
    Col.ENVIRONMENT: "FBACED",  # in the vault's order: dev, staging, prod
    Col.PROVIDER: "FDEABC",  # no provider first
    Col.OWNER: "FABCED",  # case-insensitive: "Erin" after "dave"
    Col.LAST_ROTATED: "FEBCAD",
    Col.NEXT_DUE: "FBECAD",
    Col.DAYS_LEFT: "FBECAD",
    Col.STATUS: "ADCFBE",  # ok, due soon, overdue, rotation required
    Col.REASON: "FBCADE",
}


@pytest.mark.parametrize("column", list(Col))
def test_sort_by_every_column(model: RotationModel, column: Col, qtbot) -> None:
    with qtbot.waitSignal(model.layoutChanged):
        model.sort(column, ASC)
    assert shown(model) == ORDERS[column]


def test_sort_descending_keeps_ties_in_due_order_and_minus_one_restores(model) -> None:
    model.sort(Col.STATUS, DESC)
    assert shown(model) == "EFBCAD"
    model.sort(Col.NEXT_DUE, DESC)
    assert shown(model) == "DACEBF"
    model.sort(-1, ASC)
    assert shown(model) == "EFBCAD"


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("", {"env": "prod"}, "ED"),
        ("", {"owner": "alice"}, "A"),
        ("", {"owner": ""}, "F"),  # "no owner" is a choice too
        ("", {"provider": "Groq"}, "B"),
        ("", {"provider": ""}, "F"),
        ("exposure", {}, "E"),  # the flag's reason
        ("OVERDUE", {}, "FB"),  # the status text, any case
        ("dev", {}, "FBA"),
        ("groq", {"env": "dev"}, "B"),
        ("groq", {"env": "prod"}, ""),
    ],
)
def test_filters(model: RotationModel, text: str, choices: dict, expected: str) -> None:
    model.sort(Col.NEXT_DUE, ASC)
    model.set_filter(text, **choices)
    assert shown(model) == "".join(s for s in ORDERS[Col.NEXT_DUE] if s in expected)
    assert model.is_filtered()
    assert (model.shown_count, model.total_count) == (len(expected), 6)
    model.set_filter("")
    assert shown(model) == ORDERS[Col.NEXT_DUE]


def test_summary_counts_what_is_shown(view: RotationView) -> None:
    assert view.summary.text() == "2 overdue · 1 rotation required · 1 due soon · 2 ok"
    view.env_filter.setCurrentIndex(view.env_filter.findText("prod"))
    assert view.summary.text() == (
        "0 overdue · 1 rotation required · 0 due soon · 1 ok (2 of 6 keys shown)"
    )
    assert [view.env_filter.itemText(i) for i in range(4)] == ["All", "dev", "staging", "prod"]
    owners = [view.owner_filter.itemText(i) for i in range(view.owner_filter.count())]
    assert owners == ["All", "(no owner)", "alice", "bob", "carol", "dave", "Erin"]
    assert view.provider_filter.itemText(3) == "AWS"  # by display name, any case


def test_chart_shows_the_timeline_and_describes_it(view: RotationView) -> None:
    shown_timeline = view.chart.timeline()
    assert shown_timeline == timeline(ITEMS, NOW, UTC, "month", 12, ENVS)
    description = view.chart.accessibleDescription()
    assert description.startswith("Overdue or rotation required: 3 (dev: 2, prod: 1). ")
    assert "November 2026: 0. December 2026: 2 (dev: 1, staging: 1). " in description
    assert "February 2027: 1 (prod: 1)." in description
    view.filter.setText("groq")
    assert view.chart.accessibleDescription().startswith("Overdue or rotation required: 1 (dev")


def test_week_toggle_changes_the_periods(view: RotationView) -> None:
    view.by_week.click()
    chart_timeline = view.chart.timeline()
    assert chart_timeline is not None
    assert (chart_timeline.unit, len(chart_timeline.periods)) == ("week", 13)
    assert chart_timeline.periods[0] == date(2026, 11, 30)  # the Monday of this week
    assert "Week 50, 7 Dec – 13 Dec 2026: 1 (staging: 1)" in view.chart.accessibleDescription()
    view.by_month.click()
    assert view.chart.timeline().periods[:2] == (date(2026, 11, 1), date(2026, 12, 1))


def test_empty_states(view: RotationView) -> None:
    view.filter.setText("nothing matches this")
    assert view.chart.is_empty()
    assert view.chart.accessibleDescription() == "No keys match the filters."
    view.clear()
    assert view.model.rowCount() == 0
    assert view.chart.accessibleDescription() == "No keys yet: nothing falls due."
    assert view.summary.text() == "No keys."
    assert not view.rotate.isEnabled()
    assert not view.export.isEnabled()
    assert not view.env_filter.isEnabled()
    view.chart.grab()  # paints the centred message


def test_rotate_needs_a_selection_and_sends_its_id(view: RotationView, qtbot) -> None:
    assert not view.rotate.isEnabled()
    view.table.selectRow(view.model.index_of("C").row())
    assert view.rotate.isEnabled()
    assert view.selected_secret_id() == "C"
    with qtbot.waitSignal(view.rotate_requested) as sent:
        view.rotate.click()
    assert sent.args == ["C"]
    view.env_filter.setCurrentIndex(view.env_filter.findText("staging"))
    assert view.selected_secret_id() == "C"  # still shown: still selected
    view.env_filter.setCurrentIndex(view.env_filter.findText("prod"))
    assert view.selected_secret_id() is None
    assert not view.rotate.isEnabled()


def test_double_click_activates_and_export_asks(view: RotationView, qtbot) -> None:
    rect = view.table.visualRect(view.model.index_of("D"))
    viewport, left = view.table.viewport(), Qt.MouseButton.LeftButton
    qtbot.mousePress(viewport, left, pos=rect.center())  # QTest's double click has no press
    with qtbot.waitSignal(view.secret_activated) as activated:
        qtbot.mouseDClick(viewport, left, pos=rect.center())
    assert activated.args == ["D"]
    with qtbot.waitSignal(view.export_calendar_requested):
        view.export.click()


def test_controls_are_named_and_in_tab_order(view: RotationView) -> None:
    for widget in view.findChildren(QWidget):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            assert widget.accessibleName(), widget
    chain, widget = [view.by_month], view.by_month.nextInFocusChain()
    while widget is not view.by_month:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    wanted = view._tab_chain()
    assert [w for w in chain if w in wanted] == wanted


def test_typing_redraws_the_chart_after_a_pause_on_big_vaults(view, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(rotation_view, "CHART_DEFER_ABOVE", 0)
    before = view.chart.accessibleDescription()
    view.filter.setText("groq")
    assert view.model.rowCount() == 1  # the table follows at once
    assert view.chart.accessibleDescription() == before
    qtbot.waitUntil(lambda: view.chart.accessibleDescription() != before)


def test_one_huge_bar_beside_small_ones_keeps_labels_inside(qtbot) -> None:
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.resize(640, 220)
    dec, jan = date(2026, 12, 1), date(2027, 1, 1)
    counts = {(dec, "dev"): 100_000, (jan, "dev"): 1}
    chart.set_timeline(Timeline("month", (dec, jan), ("dev",), counts, {}, {"dev": 4}))
    line = chart.fontMetrics().height()
    assert chart.bar_rect(1).top() >= 2 * line  # room for the legend and the value above it
    assert chart.bar_rect(2).height() >= 2  # the 1 still shows
    assert chart.bar_rect(0).height() == 0  # nothing overdue
    assert chart.accessibleDescription().endswith("Later: 4 (dev: 4).")
    chart.grab()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the tooltip, offscreen
def test_bar_tooltip(qtbot) -> None:
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.resize(640, 220)
    chart.show()
    chart.set_timeline(timeline(ITEMS, NOW, UTC, "month", 3, ENVS))
    centre = chart.bar_rect(0).center().toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, centre, chart.mapToGlobal(centre))
    chart.event(event)
    assert QToolTip.text() == "Overdue or rotation required: 3 (dev: 2, prod: 1)"
    assert chart.bar_at(QPointF(QPoint(1, 1))) is None
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible())


def test_header_clicks_sort_and_a_third_click_restores_due_order(view: RotationView, qtbot) -> None:
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == -1
    x = header.sectionViewportPosition(Col.NAME) + 10
    orders = []
    for _ in range(3):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        orders.append(shown(view.model))
    assert orders == ["DEBFCA", "ACFBED", "EFBCAD"]

"""The Audit view: its table model (cells, filters, sorting) and the view's controls and badge."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QLocale, QPoint, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

from app.core.model import AuditEntry
from app.ui.models.audit_details import details_text
from app.ui.models.audit_model import AuditColumn as Col
from app.ui.models.audit_model import AuditModel, AuditRole, build_rows
from app.ui.views.audit_view import AuditView

AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+12 in June, +13 from 27 September 2026
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
PROD = {"step_up": "totp", "step_up_window_s": 300, "clipboard_s": 10, "rotation_days": 90,
        "review": "quarterly"}  # fmt: skip
ROTATED = {"version": 3, "reason": "scheduled", "ticket": "CHG-1", "fingerprint": "sha256:9bbd6d"}
ENTRIES = {
    "A": AuditEntry(1, "2026-06-30T11:30:00.000000Z", "alice", "vault.create", "", "",
                    {"name": "Acme AI"}),
    "B": AuditEntry(1, "2026-06-30T11:30:00.000000Z", "alice", "env.add", "prod", "",
                    {"policy": PROD}),
    "C": AuditEntry(2, "2026-06-30T12:30:00.000000Z", "alice", "secret.create", "prod",
                    "Anthropic prod", {"env_var": "ANTHROPIC_API_KEY", "provider": "anthropic"}),
    "D": AuditEntry(3, "2026-09-30T10:59:00.000000Z", "bob", "secret.copy", "dev", "OpenAI dev",
                    {"channel": "copy", "version": 2}),
    "E": AuditEntry(4, "2026-09-30T11:00:00.000000Z", "carol", "secret.rotate", "prod",
                    "Anthropic prod", ROTATED),
    "F": AuditEntry(5, "2026-11-30T09:15:00.000000Z", "alice", "env.policy", "prod", "",
                    {"policy": {**PROD, "step_up": "none"}}),
    "G": AuditEntry(6, "2026-11-30T09:20:00.000000Z", "Erin", "totp.success", "prod", "",
                    {"member": "Erin"}),
}  # fmt: skip
LETTERS = {id(e): letter for letter, e in ENTRIES.items()}
NEWEST_FIRST = "GFEDCBA"


def shown(model: AuditModel) -> str:
    rows = range(model.rowCount())
    return "".join(LETTERS[id(model.index(r, 0).data(AuditRole.ENTRY))] for r in rows)


@pytest.fixture
def model(qtmodeltester) -> AuditModel:
    m = AuditModel()
    qtmodeltester.check(m)  # stays attached: every later change is checked too
    m.set_entries(list(ENTRIES.values()), AUCKLAND)
    qtmodeltester.check(m)
    return m


@pytest.fixture
def view(qtbot) -> AuditView:
    v = AuditView()
    v.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    qtbot.addWidget(v)
    v.resize(1300, 700)
    v.set_entries(list(ENTRIES.values()), AUCKLAND)
    v.show()
    return v


def test_cells_show_local_time_and_readable_details(model: AuditModel) -> None:
    assert model.columnCount() == 6
    assert shown(model) == NEWEST_FIRST
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Col] == [
        "Time", "Actor", "Action", "Environment", "Secret", "Details",
    ]  # fmt: skip
    rotated = model.index(2, 0)
    assert [model.index(2, c).data() for c in Col] == [
        "2026-10-01 00:00", "carol", "secret.rotate", "prod", "Anthropic prod",
        "version 3 · scheduled · CHG-1",
    ]  # fmt: skip
    assert rotated.data(Qt.ItemDataRole.ToolTipRole) == "2026-09-30 11:00:00 UTC, commit 4"
    assert model.index(2, Col.DETAILS).data(Qt.ItemDataRole.ToolTipRole) == (
        "version: 3\nreason: scheduled\nticket: CHG-1\nfingerprint: sha256:9bbd6d"
    )
    assert rotated.data(AuditRole.DAY) == "2026-10-01"
    details = [model.index(r, Col.DETAILS).data() for r in range(7)]
    assert details == [
        "member Erin",
        "policy: step-up totp → none",
        "version 3 · scheduled · CHG-1",
        "channel copy · version 2",
        "ANTHROPIC_API_KEY · Anthropic",
        "policy: step-up totp · step-up window 5 min · clipboard 10 s · rotation 90 days"
        " · review quarterly",
        "Acme AI",
    ]
    tip = model.headerData(Col.TIME, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip == "Local time (Pacific/Auckland)"


@pytest.mark.parametrize(
    ("action", "details", "text"),
    [
        ("env.policy", {"changes": {"clipboard_s": [10, 30], "step_up": ["totp", "none"]}},
         "policy: step-up totp → none, clipboard 10 s → 30 s"),
        ("secret.update", {"changed": ["name", "owner"], "renamed_from": "Old"},
         "changed name, owner · renamed from Old"),
        ("secret.flag", {"reason": "exposure", "note": "in a\nCI log"}, "exposure: in a CI log"),
        ("secret.unflag", {"note": "false alarm"}, "withdrawn: false alarm"),
        ("member.add", {"member": "bob", "role": "admin"}, "bob as admin"),
        ("key.grant", {"member": "bob", "epoch": 2}, "bob · key epoch 2"),
        ("import", {"added": 3, "updated": 0, "skipped": 1}, "added 3 · updated 0 · skipped 1"),
        ("totp.confirm", {"member": "al", "recovery_codes": 10}, "member al · recovery codes 10"),
        ("export", {"kind": "evidence", "period": {"from": "2026-07-01", "to": "2026-09-30"},
                    "files": ["q3.zip"], "sha256": "ab" * 32},
         "evidence · 2026-07-01 – 2026-09-30 · q3.zip"),
        ("export", {"kind": "audit-csv", "period": {"from": None, "to": "2026-09-30"},
                    "files": ["a.csv"]}, "audit-csv · … – 2026-09-30 · a.csv"),
    ],
)  # fmt: skip
def test_details_of_other_events(action: str, details: dict, text: str) -> None:
    assert details_text(action, details) == text


@pytest.mark.parametrize(
    ("action", "details", "text"),
    [
        ("member.invite", {"member": "bob", "role": "member",
                           "grants": ["dev: read", "prod: write"],
                           "expires": "2026-12-07T09:00:00Z"},
         "bob as member · grants dev: read, prod: write · expires 2026-12-07 09:00 UTC"),
        ("member.invite", {"member": "dave", "role": "auditor", "expires": "2026-12-07T09:00:00Z"},
         "dave as auditor · grants no environments · expires 2026-12-07 09:00 UTC"),
        ("member.uninvite", {"member": "erin", "role": "member"},
         "invite of erin (member) cancelled"),
        ("member.join", {"member": "bob", "role": "member", "fingerprint": "0574 9223 0f0d"},
         "bob as member · fingerprint 0574 9223 0f0d"),
        ("member.approve", {"member": "bob", "role": "admin", "fingerprint": "0574 9223"},
         "bob as admin · fingerprint 0574 9223"),
        ("member.remove", {"member": "bob", "role": "member"}, "bob (member)"),
        ("member.remove", {"member": "frank", "role": "member", "join_refused": True},
         "frank (member) · join refused"),
        ("access.grant", {"member": "bob", "access": "read"}, "bob · read"),
        ("access.grant", {"member": "bob", "access": "write", "until": "2026-12-06T09:00:00Z",
                          "request": "283bc5e71301e650"},
         "bob · write · until 2026-12-06 09:00 UTC · from request 283bc5e71301e650"),
        ("access.revoke", {"member": "carol"}, "carol"),
        ("access.revoke", {"member": "bob", "until": "2026-12-06T09:00:00Z", "expired": True},
         "bob · expired (until 2026-12-06 09:00 UTC)"),
        ("access.request", {"request": "283b", "access": "write", "reason": "incident\n42"},
         "write · incident 42 · request 283b"),
        ("access.approve", {"request": "283b", "member": "bob", "access": "write"},
         "bob · write · request 283b"),
        ("access.deny", {"request": "9663", "member": "carol", "access": "read",
                         "reason": "not needed"}, "carol · read · not needed · request 9663"),
        ("key.rotate", {"key": "vault key", "epoch": 2}, "new vault key · key epoch 2"),
        ("key.rotate", {"key": "environment key", "epoch": 3}, "new environment key · key epoch 3"),
        ("env.reencrypt", {"values": 12, "epoch": 3}, "12 values re-encrypted · key epoch 3"),
        ("env.reencrypt", {"values": 1, "epoch": 2}, "1 value re-encrypted · key epoch 2"),
        ("key.grant", {"member": "bob", "epoch": 2, "via": "re-key"}, "bob · key epoch 2 · re-key"),
        ("review.start", {"review": "ab12", "reviewer": "alice", "due": "2026-12-30T09:00:00Z",
                          "grants": 5}, "reviewer alice · 5 grants · due 2026-12-30 09:00 UTC"),
        ("review.decide", {"review": "ab12", "member": "bob", "decision": "revoke",
                           "comment": "left the project"}, "bob · revoke · left the project"),
        ("review.decide", {"review": "ab12", "member": "carol", "decision": "change",
                           "access": "read", "comment": ""}, "carol · change → read"),
        ("review.complete", {"review": "ab12"}, "signed off"),
    ],
)  # fmt: skip
def test_details_of_team_events(action: str, details: dict, text: str) -> None:
    assert details_text(action, details) == text


def test_dates_in_another_zone_move_the_day() -> None:
    rows = build_rows(ENTRIES.values(), ZoneInfo("America/New_York"))
    assert [r.display[Col.TIME] for r in rows][-3:] == [
        "2026-06-30 08:30", "2026-06-30 07:30", "2026-06-30 07:30",
    ]  # fmt: skip


@pytest.fixture
def in_berlin() -> Iterator[None]:
    """This computer's local time zone is Berlin for the test."""
    if not hasattr(time, "tzset"):
        pytest.skip("setting the local time zone needs time.tzset (POSIX)")
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_this_computers_zone_keeps_summer_time(in_berlin, model: AuditModel) -> None:
    model.set_entries(list(ENTRIES.values()), None)
    times = [model.index(r, Col.TIME).data() for r in range(7)]
    # 09:15 UTC in November is 10:15 (CET); 11:00 UTC in September is 13:00 (CEST).
    assert times[1:3] == ["2026-11-30 10:15", "2026-09-30 13:00"]
    assert model.zone == "CET/CEST"


# In Auckland B is 23:30 on 30 June, C 00:30 on 1 July, D 23:59 on 30 September and E
# 00:00 on 1 October: the third quarter holds C and D only.
@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("", {"actor": "bob"}, "D"),
        ("", {"action": "secret.rotate"}, "E"),
        ("", {"env": ""}, "A"),  # "no environment" is a choice too
        ("", {"env": "prod"}, "GFECB"),
        ("", {"start": date(2026, 7, 1), "end": date(2026, 9, 30)}, "DC"),
        ("", {"start": date(2026, 10, 1)}, "GFE"),
        ("", {"end": date(2026, 6, 30)}, "BA"),
        ("", {"start": date(2026, 11, 30), "end": date(2026, 11, 30)}, "GF"),
        ("", {"start": date(2026, 10, 1), "end": date(2026, 9, 30)}, ""),
        ("chg-1", {}, "E"),
        ("SHA256:9BB", {}, "E"),  # a detail the line leaves out
        ("anthropic", {}, "EC"),
        ("anthropic 2026-07", {}, "C"),  # every term must match
        ("anthropic", {"actor": "alice"}, "C"),
        ("alice prod", {"action": "env.policy"}, "F"),
    ],
)
def test_filters(model: AuditModel, text: str, choices: dict, expected: str) -> None:
    model.set_filter(text, **choices)
    assert shown(model) == expected
    assert model.is_filtered()
    assert (model.shown_count, model.total_count) == (len(expected), 7)
    model.set_filter("")
    assert shown(model) == NEWEST_FIRST
    assert not model.is_filtered()


ORDERS = {
    Col.TIME: "ABCDEFG",
    Col.ACTOR: "FCBADEG",  # any case: "Erin" after "carol"; ties newest first
    Col.ACTION: "BFDCEGA",
    Col.ENVIRONMENT: "ADGFECB",
    Col.SECRET: "GFBAECD",
    Col.DETAILS: "ACDGBFE",
}


@pytest.mark.parametrize("column", list(Col))
def test_sort_by_every_column(model: AuditModel, column: Col, qtbot) -> None:
    with qtbot.waitSignal(model.layoutChanged):
        model.sort(column, ASC)
    assert shown(model) == ORDERS[column]


def test_sort_descending_filtered_and_back_to_newest_first(model: AuditModel) -> None:
    model.sort(Col.TIME, DESC)
    assert shown(model) == NEWEST_FIRST
    model.set_filter(env="prod")
    model.sort(Col.ACTOR, DESC)
    assert shown(model) == "GEFCB"
    model.sort(-1, ASC)
    assert shown(model) == "GFECB"


def test_choices_and_summary(view: AuditView) -> None:
    combos = (view.actor_filter, view.action_filter, view.env_filter)
    items = [[c.itemText(i) for i in range(c.count())] for c in combos]
    assert items[0] == ["All", "alice", "bob", "carol", "Erin"]
    assert items[1][:3] == ["All", "env.add", "env.policy"]
    assert items[2] == ["All", "(none)", "dev", "prod"]
    assert view.summary.text() == "7 of 7 events · times in Pacific/Auckland"
    assert not view.reset.isEnabled()
    view.env_filter.setCurrentIndex(view.env_filter.findText("prod"))
    view.actor_filter.setCurrentIndex(view.actor_filter.findText("alice"))
    assert shown(view.model) == "FCB"
    assert view.summary.text() == "3 of 7 events · times in Pacific/Auckland"
    view.filter.setText("totp →")
    assert shown(view.model) == "F"
    view.set_entries(list(ENTRIES.values())[:4], AUCKLAND)  # a reload keeps the filters
    assert view.env_filter.currentText() == "prod"
    assert shown(view.model) == ""
    view.reset.click()
    assert (view.env_filter.currentIndex(), view.filter.text()) == (0, "")
    assert shown(view.model) == "DCBA"


def test_date_fields_are_inclusive_and_clear_to_any(view: AuditView, qtbot) -> None:
    assert view.from_date.text() == "Any"
    view.from_date.set_day(date(2026, 7, 1))
    view.to_date.set_day(date(2026, 9, 30))
    assert shown(view.model) == "DC"
    assert view.from_date.text() == "2026-07-01"
    view.from_date.set_day(date(2026, 10, 1))
    assert view.summary.text() == "No events: From is after To."
    view.to_date.setFocus()
    qtbot.keyClick(view.to_date, Qt.Key.Key_Delete)
    assert view.to_date.day() is None
    assert view.to_date.text() == "Any"
    assert shown(view.model) == "GFE"
    view.reset.click()
    assert view.from_date.day() is None


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # popup, offscreen
def test_the_calendar_opens_on_this_month_when_any(view: AuditView, qtbot) -> None:
    field = view.from_date
    calendar = field.calendarWidget()
    arrow = QPoint(field.width() - 6, field.height() // 2)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=arrow)
    qtbot.waitUntil(calendar.isVisible)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    calendar.window().hide()
    assert field.day() is None  # looking is not picking


@pytest.mark.parametrize(
    ("state", "text", "mark", "colour"),
    [
        ("unknown", "Not verified yet", "", "#8a9099"),  # grey
        ("running", "Verifying…", "", "#3d7fd1"),  # blue
        ("ok", "History verified 10:42 — 1,234 commits", "✓ ", "#2e9d4f"),  # green
        ("failed", "Verification failed: commit 7 was altered", "✗ ", "#e53935"),  # red
    ],
)
def test_badge_states(view: AuditView, state: str, text: str, mark: str, colour: str) -> None:
    view.set_verification(state, text)
    assert f"color: {colour};" in view.badge.styleSheet()
    shown_text = mark + text
    assert view.badge.text() == shown_text
    assert view.verification_state() == state
    assert view.verify.isEnabled() == (state != "running")
    assert view.badge.accessibleDescription() == shown_text


def test_badge_elides_a_long_reason_and_refuses_unknown_states(view: AuditView) -> None:
    reason = "Verification failed: " + "the signature of commit 12 does not verify " * 5
    view.set_verification("failed", reason)
    assert view.badge.text().endswith("…")
    assert view.badge.toolTip() == "✗ " + reason
    with pytest.raises(ValueError, match="state"):
        view.set_verification("green", "fine")


def test_buttons_signal_and_clear_disables_them(view: AuditView, qtbot) -> None:
    with qtbot.waitSignal(view.verify_requested):
        view.verify.click()
    with qtbot.waitSignal(view.export_requested):
        view.export.click()
    view.env_filter.setCurrentIndex(1)
    view.clear()
    assert view.model.rowCount() == 0
    assert view.summary.text() == "No events."
    assert view.badge.text() == "Not verified yet"
    assert not view.verify.isEnabled()
    assert not view.export.isEnabled()
    assert not view.env_filter.isEnabled()
    assert view.env_filter.currentIndex() == 0
    view.set_note("Reading the history…")
    assert view.summary.text() == "Reading the history…"


def test_controls_are_named_and_in_tab_order(view: AuditView) -> None:
    view.env_filter.setCurrentIndex(1)  # the clear button is enabled, so in the chain
    for widget in view.findChildren(QWidget):
        inner = isinstance(widget.parent(), QAbstractSpinBox)  # a date field's own text
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and not inner:
            assert widget.accessibleName(), widget
    chain, widget = [view.verify], view.verify.nextInFocusChain()
    while widget is not view.verify:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    wanted = view._tab_chain()
    assert [w for w in chain if w in wanted] == wanted


def test_header_clicks_sort_and_a_third_click_restores_newest_first(view, qtbot) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(Col.ACTOR) + 10
    orders = []
    for _ in range(3):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        orders.append(shown(view.model))
    assert orders == [ORDERS[Col.ACTOR], "GEDFCBA", NEWEST_FIRST]

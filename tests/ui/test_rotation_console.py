"""The Rotation view inside the console: reached from the rail, fed by the loaded vault."""

from __future__ import annotations

from icalendar import Calendar
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.services.rotation import flag_secret
from app.ui.dialogs.rotate_wizard import RotateWizard
from app.ui.models.rotation_model import RotationColumn
from tests.ui.conftest import SECRETS, unlock
from tests.ui.test_main_window import names_shown


def names_in_rotation(window) -> list[str]:
    model = window.console.rotation.model
    return [model.index(r, RotationColumn.NAME).data() for r in range(model.rowCount())]


def shortcut(window, text: str):
    return next(a for a in window.actions() if a.text() == text)


def row_of(window, name: str) -> int:
    return names_in_rotation(window).index(name)


def test_the_rail_opens_the_rotation_view_with_every_key(qtbot, window, team_vault, clock):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    console = window.console
    assert console.current_view() == "overview"
    assert console.rotation.model.rowCount() == 0  # laid out only when first shown
    clock.advance(days=80)  # dev (180 d), staging (120 d) ok; prod (90 d) due in 10 days
    console.rotation_nav.click()
    assert console.current_view() == "rotation"
    assert console.rotation_nav.isChecked()
    assert not console.secrets_nav.isChecked()
    assert sorted(names_in_rotation(window)) == sorted(s[1] for s in SECRETS)
    assert console.rotation.summary.text() == "0 overdue · 0 rotation required · 2 due soon · 3 ok"
    assert names_in_rotation(window)[:2] == ["AWS deploy", "Anthropic prod"]  # by due date
    shortcut(window, "Secrets table").trigger()
    assert console.current_view() == "secrets"
    shortcut(window, "Rotation view").trigger()
    assert console.current_view() == "rotation"
    shortcut(window, "Audit view").trigger()
    assert console.current_view() == "audit"
    shortcut(window, "Overview").trigger()
    assert console.current_view() == "overview"


def test_a_flag_shows_at_the_top_and_a_change_refreshes_the_view(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.rotation_nav.click()
    assert window.console.rotation.summary.text().endswith(" 0 due soon · 5 ok")
    flag_secret(window.session.vault, "dev", "Groq dev", "exposure", "pasted in a ticket")
    window.controller.load()  # what every change in the console ends with
    assert names_in_rotation(window)[0] == "Groq dev"
    model = window.console.rotation.model
    status = model.index(0, RotationColumn.STATUS).data()
    assert status == "Rotation required"
    assert "pasted in a ticket" in model.index(0, RotationColumn.REASON).data()
    assert (
        window.console.rotation.summary.text()
        == "0 overdue · 1 rotation required · 0 due soon · 4 ok"
    )


def test_double_click_opens_the_key_in_the_secrets_view(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.secrets_nav.click()
    window.console.env_view.selectRow(1)  # dev only: the key asked for is in prod
    window.console.filter.setText("groq")
    window.console.rotation_nav.click()
    view = window.console.rotation
    index = view.model.index(row_of(window, "Anthropic prod"), RotationColumn.NAME)
    view.table.selectRow(index.row())
    with qtbot.waitSignal(view.secret_activated):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    console = window.console
    assert console.current_view() == "secrets"
    assert console.filter.text() == ""
    assert sorted(names_shown(window)) == sorted(s[1] for s in SECRETS)
    assert window.controller.current().name == "Anthropic prod"
    assert "Anthropic prod" in console.detail.title.text()


def test_rotate_from_the_rotation_view_opens_the_wizard_for_that_key(
    qtbot, window, team_vault, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.rotation_nav.click()
    view = window.console.rotation
    assert not view.rotate.isEnabled()
    view.table.selectRow(row_of(window, "Stripe staging"))
    shown: list[str] = []

    def run(wizard: RotateWizard) -> int:
        shown.append(wizard.windowTitle())
        return 0

    monkeypatch.setattr(RotateWizard, "exec", run)
    view.rotate.click()
    assert shown == ["Rotate Stripe staging"]


def test_export_calendar_writes_every_due_date(qtbot, window, team_vault, tmp_path, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.rotation_nav.click()
    target = tmp_path / "due"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "iCalendar files (*.ics)")
    )
    with qtbot.waitSignal(window.rotation.message) as said:
        window.console.rotation.export.click()
    written = tmp_path / "due.ics"
    events = Calendar.from_ical(written.read_bytes()).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted(
        f"Rotate {name} ({env})" for env, name, *_ in SECRETS
    )
    assert said.args == ["Wrote 5 due dates to due.ics; it lists key names, never values."]
    for _, _, value, *_ in SECRETS:
        assert value.encode() not in written.read_bytes()
    from app.services.audit import entries

    export = [e for e in entries(window.session.vault) if e.action == "export"][-1]
    assert export.details["kind"] == "rotation-calendar"
    assert export.details["files"] == ["due.ics"]
    (tmp_path / "again").write_text("keep me")
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "again"), "")
    )
    (tmp_path / "again.ics").write_text("keep me too")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text: warned.append(text))
    window.console.rotation.export.click()
    assert (tmp_path / "again.ics").read_text() == "keep me too"  # not asked about: kept
    assert len(warned) == 1
    assert "already exists" in warned[0]


def test_locking_clears_the_view_and_unlocking_lands_on_the_overview(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.rotation_nav.click()
    assert window.console.rotation.model.rowCount() == 5
    window.lock()
    assert window.console.rotation.model.rowCount() == 0
    unlock(qtbot, window, path, key)
    assert window.console.current_view() == "overview"
    shortcut(window, "Rotation view").trigger()
    assert window.console.rotation.model.rowCount() == 5

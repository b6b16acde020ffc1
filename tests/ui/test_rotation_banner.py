"""The banner after unlock about keys that are overdue or flagged, and its Show filter."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QWizard

from app.services import rotation
from app.ui.dialogs.rotate_wizard import RotateWizard
from app.ui.models.secrets_model import Column
from app.ui.views.rotation_banner import banner_text
from tests.ui.conftest import unlock
from tests.ui.test_main_window import names_shown


@pytest.mark.parametrize(
    ("overdue", "reasons", "text"),
    [
        (
            3,
            ["exposure"],
            "3 keys are overdue for rotation and 1 needs rotation after an exposure.",
        ),
        (1, [], "1 key is overdue for rotation."),
        (0, ["incident", "incident"], "2 keys need rotation after an incident."),
        (0, ["other"], "1 key needs rotation."),
        (0, ["revocation"], "1 key needs rotation after access was revoked."),
        (2, ["exposure", "offboarding"], "2 keys are overdue for rotation and 2 need rotation."),
        (0, [], ""),
    ],
)
def test_banner_text(qapp, overdue: int, reasons: list[str], text: str) -> None:
    assert banner_text(overdue, reasons) == text


def status_of(window, name: str) -> str:
    model = window.console.secrets
    row = names_shown(window).index(name)
    return model.index(row, Column.STATUS).data()


def test_no_banner_when_nothing_is_due(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    assert not window.console.rotation_banner.isVisible()


def test_banner_counts_overdue_and_flagged_keys_and_shows_them(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    clock.advance(days=100)  # prod rotates every 90 days: its two keys are overdue
    unlock(qtbot, window, path, key)
    banner = window.console.rotation_banner
    assert banner.isVisible()
    assert banner.text.text() == "2 keys are overdue for rotation."
    rotation.flag_secret(window.session.vault, "dev", "OpenAI dev", "exposure", "in a gist")
    window.lock()
    unlock(qtbot, window, path, key)
    assert banner.text.text() == (
        "2 keys are overdue for rotation and 1 needs rotation after an exposure."
    )
    assert status_of(window, "OpenAI dev") == "Rotation required"
    assert status_of(window, "AWS deploy") == "Overdue"
    assert status_of(window, "Groq dev") == "OK"
    window.console.env_view.selectRow(2)  # staging: Show looks across every environment
    window.console.filter.setText("stripe")
    with qtbot.waitSignal(window.controller.rotation_banner_clicked):
        banner.show_button.click()
    assert window.console.env_view.selectionModel().selectedRows()[0].row() == 0
    assert names_shown(window) == ["OpenAI dev", "Anthropic prod", "AWS deploy"]  # flagged first
    assert window.console.filter.text() == ""
    assert window.console.count.text() == "3 of 5 secrets"
    assert banner.text.text() == "Showing only keys that are overdue or flagged."
    assert banner.show_button.text() == "Show a&ll"

    # Rotating one from the filtered list takes it off the list.
    def rotate(wizard: RotateWizard) -> int:
        wizard.show()
        wizard.button(QWizard.WizardButton.NextButton).click()
        wizard.value_page.value.setText("sk-proj-" + "R" * 40)
        wizard.button(QWizard.WizardButton.NextButton).click()
        assert wizard.reason_page.reason.currentData() == "exposure"
        wizard.button(QWizard.WizardButton.FinishButton).click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RotateWizard, "exec", rotate)
    openai = next(s for s in window.controller.all_secrets if s.name == "OpenAI dev")
    assert window.controller.rotate_secret(openai.id)
    assert names_shown(window) == ["Anthropic prod", "AWS deploy"]
    assert window.console.count.text() == "2 of 5 secrets"

    banner.show_button.click()  # Show all
    assert len(names_shown(window)) == 5
    assert banner.text.text() == "2 keys are overdue for rotation."
    banner.show_button.click()
    banner.close_button.click()
    assert not banner.isVisible()
    assert len(names_shown(window)) == 5  # dismissing drops the filter too
    window.controller.load()
    assert not banner.isVisible()  # for the rest of the session
    window.lock()
    unlock(qtbot, window, path, key)
    assert banner.isVisible()


def test_due_soon_window_follows_the_setting(qtbot, window, team_vault, clock, monkeypatch):
    from app.ui.dialogs.settings_dialog import SettingsDialog

    path, key = team_vault
    clock.advance(days=80)  # prod falls due in ten days
    unlock(qtbot, window, path, key)
    assert status_of(window, "AWS deploy") == "Due soon"

    def choose(dialog: SettingsDialog) -> int:
        assert dialog.due_soon.value() == 14
        dialog.due_soon.setValue(7)
        dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", choose)
    window.settings_action.trigger()
    assert window.settings.get("due_soon_days") == 7
    assert status_of(window, "AWS deploy") == "OK"

"""The detail pane's history: old values behind the same gates and audit, and the flag."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QInputDialog

from app.core import providers
from app.services import audit, rotation
from app.services.secrets import rotate_secret
from app.ui.dialogs.step_up_dialog import StepUpDialog
from tests.conftest import open_step_ups
from tests.ui.conftest import SECRETS, unlock
from tests.ui.test_main_window import names_shown, select, type_code

OLD_OPENAI, OLD_AWS = SECRETS[0][2], SECRETS[4][2]


def test_reveal_and_copy_an_old_version_are_audited(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    rotate_secret(window.session.vault, "dev", "OpenAI dev", "sk-proj-" + "2" * 40, "scheduled")
    window.controller.load()
    select(window, 1, "OpenAI dev")
    detail = window.console.detail
    assert not detail.reveal_version.isEnabled()
    assert not detail.version_value.isVisible()
    assert detail.version_info.text() == "Select a version to reveal or copy its value."
    detail.select_version(1)
    assert detail.version_info.text() == (
        f"v1: 2026-11-30 09:00:00 UTC, alice, created, {providers.fingerprint(OLD_OPENAI)}"
    )
    assert detail.reveal_version.isEnabled()
    detail.reveal_version.click()
    assert detail.version_value.isVisible()
    assert detail.version_value.text() == OLD_OPENAI
    last = list(audit.entries(window.session.vault))[-1]
    assert (last.action, last.secret, last.details) == (
        "secret.reveal",
        "OpenAI dev",
        {"version": 1, "channel": "reveal"},
    )
    detail.reveal_version.click()
    assert not detail.version_value.isVisible()
    detail.copy_version.click()
    assert QGuiApplication.clipboard().text() == OLD_OPENAI
    last = list(audit.entries(window.session.vault))[-1]
    assert (last.action, last.details) == ("secret.copy", {"version": 1, "channel": "copy"})
    assert "version 1" in window.statusBar().currentMessage()
    detail.select_version(2)
    assert not detail.reveal_version.isChecked()  # another row hides what was shown
    window.clipboard.clear_now()


def test_old_versions_of_prod_need_a_code(qtbot, window, team_vault, clock, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    vault = window.session.vault
    prod = window.controller.envs[2]
    open_step_ups(vault)
    rotate_secret(vault, "prod", "AWS deploy", "AKIA" + "2" * 16, "scheduled")
    vault.close_step_up(prod.id)
    window.controller.load()
    select(window, 3, "AWS deploy")
    detail = window.console.detail
    detail.select_version(1)
    count = len(list(audit.entries(vault)))
    monkeypatch.setattr(StepUpDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    detail.reveal_version.click()
    detail.copy_version.click()
    assert not detail.reveal_version.isChecked()
    assert detail.version_value.text() == ""
    assert QGuiApplication.clipboard().text() == ""
    assert len(list(audit.entries(vault))) == count
    type_code(monkeypatch, path, clock)
    detail.reveal_version.click()
    assert detail.version_value.text() == OLD_AWS
    actions = [e.action for e in audit.entries(vault)][count:]
    assert actions == ["totp.success", "secret.reveal"]


def test_a_flag_shows_in_the_detail_pane_and_can_be_withdrawn(
    qtbot, window, team_vault, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    vault = window.session.vault
    rotation.flag_secret(vault, "dev", "Groq dev", "incident", "found in CI logs")
    window.controller.load()
    select(window, 1, "OpenAI dev")
    detail = window.console.detail
    assert not detail.flag_box.isVisible()
    select(window, 1, "Groq dev")
    assert detail.flag_box.isVisible()
    assert "(incident) · flagged by alice on 2026-11-30" in detail.flag_text.text()
    assert "found in CI logs" in detail.flag_text.text()
    assert detail.unflag.isVisible()
    asked: list[str] = []

    def answer(parent, title: str, label: str, *args, **kwargs) -> tuple[str, bool]:
        asked.append(label)
        return "a revoked test key, not a live one", True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    detail.unflag.click()
    assert asked == ["Why does Groq dev not need rotating after all?"]
    assert rotation.flags(vault) == {}
    assert not detail.flag_box.isVisible()
    row = names_shown(window).index("Groq dev")
    assert window.console.secrets.row_at(row).flag is None

"""Rotating a key from the console: the wizard's pages, its checks, step-up and the result."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QLineEdit, QWizard

from app.core import generate, providers
from app.services import audit
from app.services.secrets import add_secret, history, reveal
from app.ui.dialogs.rotate_wizard import RotateWizard
from app.ui.dialogs.step_up_dialog import StepUpDialog
from tests.ui.conftest import SECRETS, unlock
from tests.ui.test_main_window import select, type_code

NEXT, FINISH = QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton
OLD_OPENAI = SECRETS[0][2]


def drive(monkeypatch, steps: Callable[[RotateWizard], None]) -> list[str]:
    """Answer the wizard with `steps` (it is shown meanwhile); returns the pages' errors."""
    errors: list[str] = []

    def run(wizard: RotateWizard) -> int:
        wizard.show()
        steps(wizard)
        errors.append(wizard.reason_page.error.text())
        if wizard.isVisible():
            wizard.reject()
        return wizard.result()

    monkeypatch.setattr(RotateWizard, "exec", run)
    return errors


def rotate_action(window):
    return next(a for a in window.actions() if a.text() == "Rotate secret…")


def test_rotate_a_provider_key(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "OpenAI dev")
    new = "sk-proj-" + "N" * 40
    seen: dict[str, object] = {}

    def steps(wizard: RotateWizard) -> None:
        seen["fingerprint"] = wizard.key_page.fields["fingerprint"].text()
        seen["link"] = wizard.key_page.instructions.text()
        wizard.button(NEXT).click()
        page = wizard.value_page
        seen["next_when_empty"] = wizard.button(NEXT).isEnabled()
        seen["masked"] = page.value.echoMode() == QLineEdit.EchoMode.Password
        seen["generate"] = page.generate.isVisible()
        page.value.setText(new)
        seen["recognised"] = page.recognised.text()
        page.show_value.setChecked(True)
        seen["shown"] = page.value.echoMode() == QLineEdit.EchoMode.Normal
        wizard.button(NEXT).click()
        reason = wizard.reason_page
        seen["default_reason"] = reason.reason.currentData()
        seen["version"] = reason.summary["version"].text()
        seen["reminder"] = reason.reminder.text()
        reason.reason.setCurrentIndex(reason.reason.findData("incident"))
        reason.ticket.setText("INC-42")
        wizard.button(FINISH).click()

    errors = drive(monkeypatch, steps)
    with qtbot.waitSignal(window.controller.secret_rotated) as rotated:
        window.console.detail.rotate.click()
    vault = window.session.vault
    old_fp, new_fp = providers.fingerprint(OLD_OPENAI), providers.fingerprint(new)
    assert seen == {
        "fingerprint": old_fp,
        "link": seen["link"],
        "next_when_empty": False,
        "masked": True,
        "generate": False,
        "recognised": f"Recognised: a key from OpenAI · {new_fp}",
        "shown": True,
        "default_reason": "scheduled",
        "version": "1 → 2",
        "reminder": seen["reminder"],
    }
    assert 'href="https://platform.openai.com/api-keys"' in str(seen["link"])
    assert "revoke the old key" in str(seen["reminder"])
    assert errors == [""]
    secret_id = window.controller.current().id
    assert rotated.args == [secret_id]
    assert reveal(vault, "dev", "OpenAI dev", channel=None) == new
    latest = history(vault, "dev", "OpenAI dev")[0]
    assert (latest.version, latest.reason, latest.ticket, latest.fingerprint) == (
        2,
        "incident",
        "INC-42",
        new_fp,
    )
    event = [e for e in audit.entries(vault) if e.action == "secret.rotate"][-1]
    assert (event.secret, event.actor) == ("OpenAI dev", "alice")
    assert event.details == {"version": 2, "reason": "incident", "ticket": "INC-42",
                             "fingerprint": new_fp}  # fmt: skip
    assert new_fp in window.statusBar().currentMessage()
    detail = window.console.detail
    assert detail.fields["fingerprint"].text() == new_fp
    assert detail.versions.rowCount() == 2


def test_generate_a_value_for_a_secret_no_provider_issues(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    add_secret(window.session.vault, "dev", "Webhook signing", "whsec-" + "w" * 30)
    window.controller.load()
    select(window, 1, "Webhook signing")
    seen: dict[str, object] = {}

    def steps(wizard: RotateWizard) -> None:
        seen["instructions"] = wizard.key_page.instructions.text()
        wizard.button(NEXT).click()
        page = wizard.value_page
        seen["generate"] = page.generate.isVisible()
        page.generate.click()
        seen["value"] = page.value.text()
        seen["masked"] = page.value.echoMode() == QLineEdit.EchoMode.Password
        seen["warning"] = page.warning.text()
        wizard.button(NEXT).click()
        seen["reminder"] = wizard.reason_page.reminder.text()
        wizard.button(FINISH).click()

    drive(monkeypatch, steps)
    action = rotate_action(window)
    assert action.shortcut().toString() == "Ctrl+Shift+R"
    action.trigger()
    value = seen["value"]
    assert isinstance(value, str)
    assert len(value) == generate.DEFAULT_LENGTH
    assert value.isalnum()
    assert (seen["generate"], seen["masked"], seen["warning"]) == (True, True, "")
    assert "generate a new value" in str(seen["instructions"])
    assert "href" not in str(seen["reminder"])
    assert reveal(window.session.vault, "dev", "Webhook signing", channel=None) == value
    assert history(window.session.vault, "dev", "Webhook signing")[0].reason == "scheduled"


def test_the_current_value_is_refused_where_it_is_typed(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "OpenAI dev")
    seen: dict[str, object] = {}

    def steps(wizard: RotateWizard) -> None:
        wizard.button(NEXT).click()
        page = wizard.value_page
        page.value.setText(OLD_OPENAI)
        seen["problem"] = page.problem.text()
        seen["next"] = wizard.button(NEXT).isEnabled()
        page.value.setText("sk-ant-api03-" + "Z" * 40)
        seen["warning"] = page.warning.text()
        seen["next_after"] = wizard.button(NEXT).isEnabled()
        wizard.reject()

    drive(monkeypatch, steps)
    assert window.controller.rotate_secret(window.controller.current().id) is False
    assert seen["problem"] == "This is the current value; paste the new one."
    assert seen["next"] is False
    assert "looks like a key from Anthropic" in str(seen["warning"])
    assert seen["next_after"] is True  # a warning, not a refusal
    assert history(window.session.vault, "dev", "OpenAI dev")[0].version == 1


def test_prod_asks_for_a_code_before_the_wizard_opens(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "AWS deploy")
    opened: list[RotateWizard] = []
    monkeypatch.setattr(RotateWizard, "exec", lambda wizard: opened.append(wizard) or 0)
    monkeypatch.setattr(StepUpDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    window.console.detail.rotate.click()
    assert opened == []
    errors = type_code(monkeypatch, path, clock)
    window.console.detail.rotate.click()
    assert errors == [""]
    assert len(opened) == 1


def test_an_error_at_the_end_keeps_the_wizard_and_its_values(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "AWS deploy")
    prod_id = window.controller.envs[2].id
    new = "AKIA" + "N" * 16
    seen: dict[str, object] = {}

    def steps(wizard: RotateWizard) -> None:
        wizard.button(NEXT).click()
        wizard.value_page.value.setText(new)
        wizard.button(NEXT).click()
        wizard.reason_page.ticket.setText("CHG-9")
        # The user took longer than the step-up window at the provider's console.
        clock.advance(minutes=6)
        window.session.vault.close_expired_step_ups()
        monkeypatch.setattr(StepUpDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
        wizard.button(FINISH).click()
        seen["error"] = wizard.reason_page.error.text()
        seen["open"] = wizard.isVisible()
        seen["kept"] = (wizard.value_page.value.text(), wizard.reason_page.ticket.text())
        type_code(monkeypatch, path, clock)
        wizard.button(FINISH).click()

    errors = drive(monkeypatch, steps)
    type_code(monkeypatch, path, clock)
    window.console.detail.rotate.click()
    assert seen == {
        "error": "prod needs a TOTP code first",
        "open": True,
        "kept": (new, "CHG-9"),
    }
    assert errors == [""]
    vault = window.session.vault
    assert vault.step_up_remaining(prod_id)
    latest = history(vault, "prod", "AWS deploy")[0]
    assert (latest.version, latest.ticket) == (2, "CHG-9")


def test_rotate_any_secret_by_id(qtbot, window, team_vault, monkeypatch):
    """The Rotation view's entry point: no selection needed in the console."""
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.env_view.selectRow(2)  # staging: Groq dev is not even shown
    groq = next(s for s in window.controller.all_secrets if s.name == "Groq dev")

    def steps(wizard: RotateWizard) -> None:
        wizard.button(NEXT).click()
        wizard.value_page.value.setText("gsk_" + "R" * 40)
        wizard.button(NEXT).click()
        wizard.button(FINISH).click()

    drive(monkeypatch, steps)
    with qtbot.waitSignal(window.controller.loaded):
        assert window.controller.rotate_secret(groq.id) is True
    assert window.controller.rotate_secret("no-such-id") is False
    assert history(window.session.vault, "dev", "Groq dev")[0].version == 2


def test_locking_closes_the_wizard(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "OpenAI dev")
    seen: dict[str, object] = {}

    def steps(wizard: RotateWizard) -> None:
        wizard.button(NEXT).click()
        wizard.value_page.value.setText("sk-proj-" + "L" * 40)
        window.lock()  # e.g. idle while the user was away
        seen["open"] = wizard.isVisible()

    drive(monkeypatch, steps)
    assert window.controller.rotate_secret(window.controller.current().id) is False
    assert seen == {"open": False}

"""Step-up in the console: enrolling, the code prompt, the window countdown and its end."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from app.core import totp
from app.crypto import secretkey
from app.services import audit, stepup
from app.services.create import create_vault
from app.ui.dialogs.enroll_dialog import EnrollDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock
from tests.ui.test_main_window import select, type_code


@pytest.fixture
def fresh_vault(tmp_path: Path, clock) -> tuple[Path, str]:
    path = tmp_path / "fresh.kl"
    vault, key = create_vault(path, "Fresh", "alice", PASSPHRASE, kdf_seconds=0, clock=clock)
    vault.lock()
    return path, secretkey.format_key(key)


def test_enrollment_shows_a_qr_code_and_confirms_with_a_first_code(
    qtbot, window, fresh_vault, clock, monkeypatch
):
    path, key = fresh_vault
    unlock(qtbot, window, path, key)
    seen: dict[str, object] = {}

    def scan_and_confirm(dialog: EnrollDialog) -> int:
        seen["qr"] = not dialog.qr.pixmap().isNull()
        seen["qr_size"] = dialog.qr.pixmap().width()
        pending = stepup.pending_enrollment(window.session.vault)
        seen["seed_shown"] = pending.seed_text[:4] in dialog.seed.text()
        dialog.code.setText(
            "000000" if totp.code_at(pending.seed, clock.now()) != "000000" else "111111"
        )
        dialog.confirm.click()
        seen["error"] = dialog.error.text()
        dialog.code.setText(totp.code_at(pending.seed, clock.now()))
        dialog.confirm.click()
        seen["codes"] = dialog.codes.toPlainText().splitlines()
        seen["done_enabled_before"] = dialog.done_button.isEnabled()
        dialog.saved.setChecked(True)
        dialog.done_button.click()
        return dialog.result()

    monkeypatch.setattr(EnrollDialog, "exec", scan_and_confirm)
    window.console.step_up_nav.click()
    assert seen["qr"] is True
    assert seen["qr_size"] > 100
    assert seen["seed_shown"] is True
    assert "does not match" in seen["error"]
    assert len(seen["codes"]) == 10
    assert seen["done_enabled_before"] is False
    assert stepup.state(window.session.vault).status == "active"


def test_prod_without_enrollment_offers_to_enroll(qtbot, window, fresh_vault, monkeypatch):
    path, key = fresh_vault
    unlock(qtbot, window, path, key)
    asked: list[str] = []

    def decline(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", decline)
    prod = window.controller.envs[2]
    assert window.controller.step_up.ensure_open(prod) is False
    assert len(asked) == 1
    assert "have not enrolled" in asked[0]


def test_wrong_code_then_right_code_opens_prod_and_counts_down(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "Anthropic prod")
    detail = window.console.detail
    assert detail.value.text().startswith("Locked")
    errors = type_code(monkeypatch, path, clock, offset_s=90)  # outside the ±1 step window
    detail.reveal.click()
    assert errors == ["wrong TOTP code"]
    assert not detail.reveal.isChecked()
    assert detail.value.text().startswith("Locked")
    errors = type_code(monkeypatch, path, clock)
    detail.reveal.click()
    assert errors == [""]
    assert detail.value.text() == "sk-ant-api03-" + "P" * 40
    window._on_idle_timer_timeout()
    assert window.step_up_label.text() == "prod open 5:00"
    clock.advance(minutes=2, seconds=30)
    window.session.touch()
    window._on_idle_timer_timeout()
    assert window.step_up_label.text() == "prod open 2:30"
    actions = [e.action for e in audit.entries(window.session.vault)]
    assert actions[-3:] == ["totp.failure", "totp.success", "secret.reveal"]


def test_window_expiry_drops_the_keys_and_locks_the_value_again(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "AWS deploy")
    type_code(monkeypatch, path, clock)
    window.console.detail.reveal.click()
    assert window.console.detail.value.text() == "AKIA" + "Q" * 16
    prod_id = window.controller.envs[2].id
    clock.advance(minutes=4, seconds=59)
    window.session.touch()
    with qtbot.assertNotEmitted(window.controller.step_up.step_up_expired):
        window._on_idle_timer_timeout()
    clock.advance(seconds=1)
    window.session.touch()
    with qtbot.waitSignal(window.controller.step_up.step_up_expired) as expired:
        window._on_idle_timer_timeout()
    assert expired.args == [prod_id]
    assert window.step_up_label.text() == ""
    assert window.console.detail.value.text().startswith("Locked")
    assert not any(scope == prod_id for scope, _ in window.session.vault._sealers)


def test_a_used_code_is_refused_in_the_dialog(qtbot, window, team_vault, clock, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "AWS deploy")
    type_code(monkeypatch, path, clock)
    window.console.detail.copy.click()
    window.session.vault.close_step_up(window.controller.envs[2].id)
    errors = type_code(monkeypatch, path, clock)
    window.console.detail.copy.click()
    assert errors == ["that code was already used; wait for the next one"]
    window.clipboard.clear_now()


def test_step_up_dialog_rejects_short_codes(qtbot):
    from app.ui.dialogs.step_up_dialog import StepUpDialog

    dialog = StepUpDialog("prod", 5)
    qtbot.addWidget(dialog)
    sent: list[tuple[str, bool]] = []
    dialog.submitted.connect(lambda code, rec: sent.append((code, rec)))
    dialog.code.setText("123")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert sent == []
    assert "6-digit" in dialog.error.text()
    dialog.recovery.setChecked(True)
    dialog.code.setText("ABCD-EFGH")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert sent == [("ABCD-EFGH", True)]
    assert dialog.result() != QDialog.DialogCode.Accepted

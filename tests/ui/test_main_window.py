"""The console as the admin uses it: unlock, browse, filter, reveal, copy, change, lock."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox

from app.services import audit
from app.ui.main_window import page_name
from app.ui.models.secrets_model import Column
from tests.conftest import PASSPHRASE
from tests.ui.conftest import SECRETS, unlock


def names_shown(window) -> list[str]:
    model = window.console.secrets
    return [model.index(r, Column.NAME).data() for r in range(model.rowCount())]


def select(window, env_row: int, name: str) -> None:
    window.console.secrets_nav.click()
    window.console.env_view.selectRow(env_row)
    row = names_shown(window).index(name)
    window.console.table.selectRow(row)


def test_starts_on_the_welcome_page(window):
    assert page_name(window) == "welcome"
    assert window.welcome.demo_button.isVisible()


def test_unlock_shows_every_secret(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    assert page_name(window) == "console"
    assert sorted(names_shown(window)) == sorted(s[1] for s in SECRETS)
    assert window.console.count.text() == "5 of 5 secrets"
    assert "alice (owner)" in window.who_label.text()


def test_wrong_passphrase_stays_on_unlock_with_an_error(qtbot, window, team_vault):
    path, key = team_vault
    window.open_vault(path)
    page = window.unlock_page
    page.passphrase.setText("not the passphrase")
    page.secret_key.setText(key)
    page.unlock.click()
    qtbot.waitUntil(lambda: page.error.text() != "", timeout=15_000)
    assert "wrong passphrase or Secret Key" in page.error.text()
    assert page_name(window) == "unlock"
    assert page.unlock.isEnabled()


def test_missing_or_mistyped_secret_key(qtbot, window, team_vault):
    path, key = team_vault
    window.open_vault(path)
    page = window.unlock_page
    assert page.secret_key.isVisible()  # the test keychain holds no key for alice
    page.passphrase.setText(PASSPHRASE)
    page.unlock.click()
    assert "Secret Key" in page.error.text()
    page.secret_key.setText(key[:-1] + ("A" if key[-1] != "A" else "B"))
    page.unlock.click()
    qtbot.waitUntil(lambda: "Secret Key" in page.error.text() and page.unlock.isEnabled())
    assert page_name(window) == "unlock"


def test_unlock_never_freezes_the_window(qtbot, window, team_vault):
    path, key = team_vault
    window.open_vault(path)
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.secret_key.setText(key)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    import time

    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    with qtbot.waitSignal(window.vault_unlocked, timeout=15_000):
        window.unlock_page.unlock.click()
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 5
    assert max(gaps) < 0.100, f"longest gap {max(gaps) * 1000:.0f} ms"


def test_environments_and_filter(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    envs = window.console.environments
    assert [envs.index(r, 0).data() for r in range(envs.rowCount())] == [
        "All environments",
        "dev",
        "staging",
        "prod",
    ]
    assert window.console.current_view() == "overview"  # home after unlock
    window.console.secrets_nav.click()
    window.console.env_view.selectRow(3)
    assert sorted(names_shown(window)) == ["AWS deploy", "Anthropic prod"]
    assert window.console.step_up_banner.isVisible()
    window.console.env_view.selectRow(0)
    qtbot.keyClicks(window.console.filter, "llm alice")
    assert sorted(names_shown(window)) == ["Anthropic prod", "OpenAI dev"]
    window.console.filter.setText("nothing matches this")
    assert names_shown(window) == []
    assert window.console.count.text() == "0 of 5 secrets"


def test_reveal_shows_the_value_and_is_recorded(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "OpenAI dev")
    detail = window.console.detail
    assert detail.value.text() == "sk-proj-…DDDD"
    detail.reveal.click()
    assert detail.value.text() == "sk-proj-" + "D" * 40
    detail.reveal.click()
    assert detail.value.text() == "sk-proj-…DDDD"
    last = list(audit.entries(window.session.vault))[-1]
    assert (last.action, last.secret) == ("secret.reveal", "OpenAI dev")


def type_code(monkeypatch, path, clock, offset_s: int = 0) -> list[str]:
    """Answer the step-up dialog with alice's current code; returns the errors it showed."""
    from app.core import totp
    from app.ui.dialogs.step_up_dialog import StepUpDialog
    from tests.ui.conftest import SEEDS

    errors: list[str] = []

    def answer(dialog: StepUpDialog) -> int:
        from datetime import timedelta

        code = totp.code_at(SEEDS[path], clock.now() + timedelta(seconds=offset_s))
        dialog.code.setText(code)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        errors.append(dialog.error.text())
        return dialog.result()

    monkeypatch.setattr(StepUpDialog, "exec", answer)
    return errors


def test_copy_sets_hints_and_clears_after_the_policy_timeout(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "Anthropic prod")
    type_code(monkeypatch, path, clock)
    window.console.detail.copy.click()
    board = QGuiApplication.clipboard()
    value = "sk-ant-api03-" + "P" * 40
    assert board.text() == value
    assert board.mimeData().data("x-kde-passwordManagerHint").data() == b"secret"
    assert window.clipboard.seconds_left == 10  # prod's policy
    assert "Clipboard clears in 10 s" in window.clipboard_label.text()
    for _ in range(10):
        window.clipboard._on_timer_tick()
    assert board.text() == ""
    last = list(audit.entries(window.session.vault))[-1]
    assert last.action == "secret.copy"


def test_copy_then_lock_clears_the_clipboard(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "Groq dev")
    window.console.detail.copy.click()
    assert QGuiApplication.clipboard().text().startswith("gsk_")
    window.lock()
    assert QGuiApplication.clipboard().text() == ""
    assert page_name(window) == "unlock"


def test_idle_lock_keeps_the_window_state(qtbot, window, team_vault, clock):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 3, "AWS deploy")
    clock.advance(minutes=4)
    window._on_idle_timer_timeout()
    assert page_name(window) == "console"
    clock.advance(minutes=1)
    with qtbot.waitSignal(window.vault_locked) as locked:
        window._on_idle_timer_timeout()
    assert locked.args == ["idle"]
    assert page_name(window) == "unlock"
    assert window.session.vault is None
    assert window.console.secrets.rowCount() == 0
    unlock(qtbot, window, path, key)
    assert window.console.detail.title.text() == "<h3>AWS deploy</h3>"


def test_ctrl_l_locks(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.lock_action.trigger()
    assert page_name(window) == "unlock"


def test_add_edit_delete(qtbot, window, team_vault, monkeypatch):
    from app.ui.dialogs.secret_dialog import SecretDialog

    path, key = team_vault
    unlock(qtbot, window, path, key)
    window.console.env_view.selectRow(1)

    def fill_and_accept(dialog: SecretDialog) -> int:
        dialog.name.setText("Mistral dev")
        dialog.value.setText("m" * 32)
        dialog.provider.setCurrentIndex(dialog.provider.findData("mistral"))
        dialog.owner.setText("erin")
        assert dialog.env_var.text() == "MISTRAL_API_KEY"
        assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SecretDialog, "exec", fill_and_accept)
    window.console.add.click()
    assert "Mistral dev" in names_shown(window)
    assert window.console.detail.title.text() == "<h3>Mistral dev</h3>"

    def rename(dialog: SecretDialog) -> int:
        dialog.name.setText("Mistral research")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SecretDialog, "exec", rename)
    window.console.detail.edit.click()
    assert "Mistral research" in names_shown(window)
    assert "Mistral dev" not in names_shown(window)

    def confirm(box: QMessageBox) -> int:
        next(b for b in box.buttons() if b.text() == "Delete").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", confirm)
    window.console.detail.delete.click()
    assert "Mistral research" not in names_shown(window)
    assert window.console.count.text() == "2 of 2 secrets"


def test_add_dialog_validates_as_you_type(qtbot, team_vault):
    from app.ui.dialogs.secret_dialog import SecretDialog

    taken = {"dev": {("OpenAI dev", "OPENAI_API_KEY")}}
    dialog = SecretDialog(["dev", "prod"], taken, env="dev")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.name.setText("OpenAI dev")
    dialog.value.setText("sk-proj-" + "Z" * 40)
    assert "already has a secret named" in dialog.error.text()
    dialog.name.setText("OpenAI batch")
    assert dialog.provider.currentData() == "openai"
    assert "already uses the variable OPENAI_API_KEY" in dialog.error.text()
    dialog.env_var.setText("OPENAI_BATCH_KEY")
    assert dialog.error.text() == ""
    assert ok.isEnabled()
    dialog.env_var.setText("1-bad")
    assert not ok.isEnabled()
    assert dialog.value.echoMode() == dialog.value.EchoMode.Password


def test_settings_change_idle_lock_and_theme(qtbot, window, monkeypatch):
    from app.ui.dialogs.settings_dialog import SettingsDialog

    def choose(dialog: SettingsDialog) -> int:
        dialog.idle.setValue(12)
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", choose)
    window.settings_action.trigger()
    assert window.settings.get("idle_lock_min") == 12
    assert window.session.idle.total_seconds() == 12 * 60
    from app.ui.theme import is_dark

    assert is_dark(QGuiApplication.instance())
    from app.ui.theme import apply_theme

    apply_theme(QGuiApplication.instance(), "light")


def test_keys_typed_in_the_filter_stay_in_the_filter(qtbot, window, team_vault, monkeypatch):
    from PySide6.QtCore import Qt

    path, key = team_vault
    unlock(qtbot, window, path, key)
    select(window, 1, "OpenAI dev")
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or 0)
    window.console.filter.setFocus()
    qtbot.keyClicks(window.console.filter, "openai")
    window.console.filter.setCursorPosition(0)
    qtbot.keyClick(window.console.filter, Qt.Key.Key_Delete)
    assert window.console.filter.text() == "penai"
    assert asked == []  # the Delete key edited the text; it did not offer to delete a secret


def test_every_console_action_has_a_shortcut(window):
    actions = window.actions()
    assert len(actions) >= 12
    assert all(a.shortcut().toString() for a in actions)
    assert {a.text() for a in actions} >= {
        "Find", "Add secret", "Rotate secret…", "Lock", "Step-up", "Settings…",
    }  # fmt: skip

"""`keyledger --self-test`: checks that this installation works, whatever it was installed from.

Offscreen, in a throw-away data and config folder and with no OS keychain (the user's vaults,
settings and keychain are never touched): the shipped style sheets and icons load, the demo vault
opens and unlocks in the console, a dev key copied to the clipboard is the key's value, the
clipboard clears itself when its countdown ends, and locking clears it and locks the vault.
Returns 0, or 1 after one line on stderr that names the step that failed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from app.core import providers
from app.services import demo, secrets
from app.services.settings import Settings
from app.ui import self_test_checks as checks
from app.ui.main_window import MainWindow

CLIPBOARD_S = 5  # the shortest clipboard timeout the settings allow
UNLOCK_S = 60


class Failed(Exception):
    """A check did not hold; the message says which and why."""


def run_self_test() -> int:
    started = time.monotonic()
    step = "setup"
    try:
        with _scratch_environment(), checks.quiet_qt():
            app = checks.start_app()
            step = "resources"
            checks.resources()
            step = "themes"
            checks.themes(app)
            window = _open_demo()
            try:
                step = "unlock"
                _unlock(window)
                step = "copy"
                value = _copy_dev_key(window)
                step = "clipboard clear"
                _wait(
                    lambda: not window.clipboard.active, CLIPBOARD_S + 5, "it still holds the key"
                )
                _expect(checks.clipboard_text() == "", "the clipboard was not emptied")
                step = "lock"
                _lock(window, value)
            finally:
                window.close()
                window.deleteLater()
                checks.settle()
    except Exception as exc:  # one line whatever broke: that is the self-test's promise
        detail = str(exc) if isinstance(exc, Failed) else f"{exc.__class__.__name__}: {exc}"
        print(f"keyledger: self-test failed at {step}: {detail}", file=sys.stderr)  # noqa: T201
        return 1
    seconds = time.monotonic() - started
    print(  # noqa: T201 - the command's report
        f"keyledger: self-test passed in {seconds:.1f} s (resources, themes, demo vault: "
        "unlock, copy, clipboard clear, lock)"
    )
    return 0


@contextmanager
def _scratch_environment() -> Iterator[None]:
    scratch = Path(tempfile.mkdtemp(prefix="keyledger-self-test-"))
    changes = {
        "KEYLEDGER_DATA_DIR": str(scratch / "data"),
        "KEYLEDGER_CONFIG_DIR": str(scratch / "config"),
    }
    if QApplication.instance() is None:
        changes["QT_QPA_PLATFORM"] = "offscreen"
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    keychain = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # never the user's keychain
    try:
        yield
    finally:
        keyring.set_keyring(keychain)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(scratch, ignore_errors=True)


def _open_demo() -> MainWindow:
    settings = Settings()
    settings.set("clipboard_max_s", CLIPBOARD_S)
    window = MainWindow(settings)
    window.show()
    if not window.open_vault(demo.ensure_demo()):
        window.close()
        raise Failed(f"the demo vault did not open ({window.statusBar().currentMessage()})")
    return window


def _unlock(window: MainWindow) -> None:
    page = window.unlock_page
    _expect(page.secret_key.text() != "", "the demo's Secret Key was not filled in")
    page.passphrase.setText(demo.PASSPHRASE)
    page.unlock.click()
    _wait(
        lambda: window.session.vault is not None or page.error.text() != "",
        UNLOCK_S,
        "no answer from the unlock worker",
    )
    _expect(page.error.text() == "", page.error.text())
    _expect(window.pages.currentWidget() is window.console, "the console is not shown")


def _copy_dev_key(window: MainWindow) -> str:
    console = window.console
    console.secrets_nav.click()
    envs = console.env_view.model()
    rows = [r for r in range(envs.rowCount()) if envs.index(r, 0).data() == "dev"]
    _expect(bool(rows), "the demo vault shows no dev environment")
    console.env_view.selectRow(rows[0])
    console.table.selectRow(0)
    secret = window.controller.current()
    _expect(secret is not None and secret.env_name == "dev", "no dev key could be selected")
    assert secret is not None
    console.detail.copy.click()
    value = checks.clipboard_text()
    vault = window.session.vault
    assert vault is not None
    expected = secrets.history(vault, "dev", secret.name)[0].fingerprint
    _expect(value != "", "the clipboard is empty after Copy")
    _expect(providers.fingerprint(value) == expected, "the clipboard holds another value")
    _expect(checks.has_manager_hint(), "the copy lacks the password-manager hint")
    _expect(window.clipboard.active, "no clipboard countdown runs")
    return value


def _lock(window: MainWindow, value: str) -> None:
    window.console.detail.copy.click()
    _expect(checks.clipboard_text() == value, "the second copy did not reach the clipboard")
    window.lock()
    _expect(window.session.vault is None, "the vault is still open")
    _expect(checks.clipboard_text() == "", "locking left the key on the clipboard")
    _expect(window.pages.currentWidget() is window.unlock_page, "the unlock screen is not shown")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def _wait(condition: Callable[[], bool], seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise Failed(f"{message} after {seconds:g} s")
        checks.pump(20)

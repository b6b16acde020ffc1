"""GUI tests: a small vault, a window on an injected clock, and no leftovers afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from app.core import totp
from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services import stepup
from app.services.create import create_vault
from app.services.secrets import add_secret
from app.services.settings import Settings
from tests.conftest import PASSPHRASE, open_step_ups

SECRETS = [
    ("dev", "OpenAI dev", "sk-proj-" + "D" * 40, "alice", ("llm",)),
    ("dev", "Groq dev", "gsk_" + "G" * 40, "bob", ("llm", "fast")),
    ("staging", "Stripe staging", "sk_test_" + "S" * 30, "carol", ("billing",)),
    ("prod", "Anthropic prod", "sk-ant-api03-" + "P" * 40, "alice", ("llm",)),
    ("prod", "AWS deploy", "AKIA" + "Q" * 16, "dave", ("cloud",)),
]


@pytest.fixture(autouse=True)
def no_leftovers(qapp: QApplication) -> Iterator[None]:
    yield
    QThreadPool.globalInstance().waitForDone(5000)
    for _ in range(3):
        QApplication.sendPostedEvents(None, 0)
        QApplication.processEvents()
    # Destroy what the test closed now, on this thread, while the application lives: outside an
    # event loop Qt delivers deferred deletions only when asked for them by type, and a widget
    # left to the cyclic collector is destroyed whenever, and on whichever thread, it next runs
    # (a full run once crashed in this fixture).
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert visible == [], f"widgets left open: {visible}"
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    running = [t for t in gc.get_objects() if isinstance(t, QTimer) and _alive(t) and t.isActive()]
    assert running == [], f"timers left running: {running}"


def _alive(obj: object) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


@pytest.fixture
def team_vault(tmp_path: Path, clock: FixedClock) -> tuple[Path, str]:
    """A vault with five secrets, alice enrolled for step-up; its path and Secret Key text.

    Alice's TOTP seed is kept in `SEEDS[path]` for tests that type codes.
    """
    path = tmp_path / "team.kl"
    vault, key = create_vault(path, "Acme AI", "alice", PASSPHRASE, kdf_seconds=0, clock=clock)
    pending = stepup.begin_enrollment(vault)
    stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    SEEDS[path] = pending.seed
    open_step_ups(vault)
    for env, name, value, owner, tags in SECRETS:
        add_secret(vault, env, name, value, owner=owner, tags=tags)
    vault.lock()
    clock.advance(seconds=30)  # the enrollment's code is spent
    return path, secretkey.format_key(key)


SEEDS: dict[Path, bytes] = {}


@pytest.fixture
def window(qtbot, clock: FixedClock):
    from app.ui.main_window import MainWindow

    win = MainWindow(Settings(), clock)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def unlock(qtbot, window, path: Path, key_text: str, passphrase: str = PASSPHRASE) -> None:
    window.open_vault(path)
    window.unlock_page.passphrase.setText(passphrase)
    window.unlock_page.secret_key.setText(key_text)
    with qtbot.waitSignal(window.vault_unlocked, timeout=15_000):
        window.unlock_page.unlock.click()

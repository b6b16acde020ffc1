"""ClipboardService: hints on the mime data, a countdown, and clearing only what is still ours."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QTimer
from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui.clipboard import (
    KDE_MANAGER_HINT,
    MAC_CONCEALED_TYPE,
    WIN_CAN_INCLUDE_IN_HISTORY,
    WIN_CAN_UPLOAD_TO_CLOUD,
    WIN_EXCLUDE_FROM_MONITORS,
    ClipboardService,
)

SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
CLIPBOARD = QClipboard.Mode.Clipboard
SELECTION = QClipboard.Mode.Selection


class FakeClipboard:
    """Stands in for QClipboard where the platform decides: with or without a selection."""

    def __init__(self, selection: bool) -> None:
        self.selection = selection
        self.held: dict[QClipboard.Mode, QMimeData] = {}
        self.calls: list[tuple[str, QClipboard.Mode]] = []

    def setMimeData(self, src: QMimeData, mode: QClipboard.Mode = CLIPBOARD) -> None:
        self.calls.append(("setMimeData", mode))
        self.held[mode] = src

    def mimeData(self, mode: QClipboard.Mode = CLIPBOARD) -> QMimeData | None:
        return self.held.get(mode)

    def text(self, mode: QClipboard.Mode = CLIPBOARD) -> str:
        self.calls.append(("text", mode))
        mime = self.held.get(mode)
        return mime.text() if mime is not None else ""

    def clear(self, mode: QClipboard.Mode = CLIPBOARD) -> None:
        self.calls.append(("clear", mode))
        self.held.pop(mode, None)

    def supportsSelection(self) -> bool:
        return self.selection

    def user_copies(self, text: str, mode: QClipboard.Mode = CLIPBOARD) -> None:
        mime = QMimeData()
        mime.setText(text)
        self.held[mode] = mime


def _dispose(service: ClipboardService, qtbot: QtBot) -> None:
    """Nothing may outlive a test: no running timer, the object really deleted."""
    service.clear_now()
    assert not any(timer.isActive() for timer in service.findChildren(QTimer))
    with qtbot.waitSignal(service.destroyed, timeout=1000):
        service.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert QApplication.topLevelWidgets() == []


@pytest.fixture
def system_clipboard(qapp: QApplication) -> Iterator[QClipboard]:
    clipboard = qapp.clipboard()
    clipboard.clear(CLIPBOARD)
    yield clipboard
    clipboard.clear(CLIPBOARD)
    if clipboard.supportsSelection():
        clipboard.clear(SELECTION)


@pytest.fixture
def service(system_clipboard: QClipboard, qtbot: QtBot) -> Iterator[ClipboardService]:
    svc = ClipboardService()
    yield svc
    _dispose(svc, qtbot)


@pytest.fixture
def recorded(service: ClipboardService) -> list[int]:
    values: list[int] = []
    service.countdown.connect(values.append)
    return values


def _tick(service: ClipboardService, times: int) -> None:
    for _ in range(times):
        service._on_timer_tick()


def test_copy_puts_the_text_with_every_password_manager_hint(
    service: ClipboardService, system_clipboard: QClipboard
) -> None:
    service.copy(SECRET, 30)

    mime = system_clipboard.mimeData(CLIPBOARD)
    assert mime is not None
    assert system_clipboard.text(CLIPBOARD) == SECRET
    assert set(mime.formats()) >= {
        "text/plain",
        KDE_MANAGER_HINT,
        WIN_EXCLUDE_FROM_MONITORS,
        WIN_CAN_INCLUDE_IN_HISTORY,
        WIN_CAN_UPLOAD_TO_CLOUD,
        MAC_CONCEALED_TYPE,
    }
    assert bytes(mime.data(KDE_MANAGER_HINT).data()) == b"secret"
    assert bytes(mime.data(WIN_EXCLUDE_FROM_MONITORS).data()) == b"1"
    assert bytes(mime.data(WIN_CAN_INCLUDE_IN_HISTORY).data()) == b"\x00\x00\x00\x00"
    assert bytes(mime.data(WIN_CAN_UPLOAD_TO_CLOUD).data()) == b"\x00\x00\x00\x00"
    assert bytes(mime.data(MAC_CONCEALED_TYPE).data()) == SECRET.encode()


def test_windows_format_names_are_the_ones_windows_registers() -> None:
    assert WIN_EXCLUDE_FROM_MONITORS == (
        'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"'
    )
    assert WIN_CAN_INCLUDE_IN_HISTORY == (
        'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"'
    )
    assert WIN_CAN_UPLOAD_TO_CLOUD == (
        'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"'
    )


def test_countdown_runs_down_once_a_tick_then_clears(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy(SECRET, 3)
    assert recorded == [3]
    assert service.active
    assert service.seconds_left == 3

    with qtbot.waitSignals([service.countdown, service.countdown], timeout=100):
        _tick(service, 2)
    assert recorded == [3, 2, 1]
    assert service.seconds_left == 1
    assert system_clipboard.text(CLIPBOARD) == SECRET

    with (
        qtbot.waitSignal(service.cleared, timeout=100),
        qtbot.waitSignal(service.countdown, timeout=100, check_params_cb=lambda s: s == 0),
    ):
        _tick(service, 1)
    assert recorded == [3, 2, 1, 0]
    assert system_clipboard.text(CLIPBOARD) == ""
    assert not service.active
    assert service.seconds_left == 0


def test_not_cleared_before_the_timeout(
    service: ClipboardService, system_clipboard: QClipboard, qtbot: QtBot
) -> None:
    service.copy(SECRET, 3)
    with qtbot.assertNotEmitted(service.cleared):
        _tick(service, 2)
    assert system_clipboard.text(CLIPBOARD) == SECRET
    assert service.active


def test_what_the_user_copied_meanwhile_is_left_untouched(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy(SECRET, 2)
    system_clipboard.setText("meeting notes", CLIPBOARD)

    with qtbot.assertNotEmitted(service.cleared):
        _tick(service, 2)

    assert recorded == [2, 1, 0]
    assert system_clipboard.text(CLIPBOARD) == "meeting notes"
    assert not service.active
    assert service._text is None  # forgotten, not kept for later
    with qtbot.assertNotEmitted(service.countdown), qtbot.assertNotEmitted(service.cleared):
        _tick(service, 1)
        service.clear_now()
    assert system_clipboard.text(CLIPBOARD) == "meeting notes"


def test_clear_now_clears_at_once_and_stops_the_countdown(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy(SECRET, 30)
    with qtbot.waitSignal(service.cleared, timeout=100):
        service.clear_now()

    assert recorded == [30, 0]
    assert system_clipboard.text(CLIPBOARD) == ""
    assert not service.active
    assert not any(timer.isActive() for timer in service.findChildren(QTimer))
    with qtbot.assertNotEmitted(service.countdown):
        _tick(service, 1)


def test_clear_now_leaves_what_the_user_copied(
    service: ClipboardService, system_clipboard: QClipboard, qtbot: QtBot
) -> None:
    service.copy(SECRET, 30)
    system_clipboard.setText("meeting notes", CLIPBOARD)
    with qtbot.assertNotEmitted(service.cleared):
        service.clear_now()
    assert system_clipboard.text(CLIPBOARD) == "meeting notes"
    assert not service.active


def test_clear_now_without_a_countdown_does_nothing(
    service: ClipboardService, system_clipboard: QClipboard, qtbot: QtBot
) -> None:
    system_clipboard.setText("meeting notes", CLIPBOARD)
    with qtbot.assertNotEmitted(service.countdown), qtbot.assertNotEmitted(service.cleared):
        service.clear_now()
    assert system_clipboard.text(CLIPBOARD) == "meeting notes"


def test_quitting_clears_our_text(
    service: ClipboardService, system_clipboard: QClipboard, qapp: QApplication, qtbot: QtBot
) -> None:
    service.copy(SECRET, 30)
    with qtbot.waitSignal(service.cleared, timeout=100):
        qapp.aboutToQuit.emit()
    assert system_clipboard.text(CLIPBOARD) == ""


def test_a_new_copy_restarts_the_countdown_for_the_new_text(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy("first-secret", 3)
    _tick(service, 1)
    service.copy(SECRET, 5)
    assert recorded == [3, 2, 5]
    assert service.seconds_left == 5

    with qtbot.assertNotEmitted(service.cleared):
        _tick(service, 2)
    with qtbot.waitSignal(service.cleared, timeout=100):
        _tick(service, 3)
    assert recorded == [3, 2, 5, 4, 3, 2, 1, 0]
    assert system_clipboard.text(CLIPBOARD) == ""


def test_zero_timeout_copies_without_a_countdown(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy("first-secret", 3)
    service.copy(SECRET, 0)
    assert recorded == [3, 0]  # the earlier countdown ends
    assert system_clipboard.text(CLIPBOARD) == SECRET
    assert not service.active
    with qtbot.assertNotEmitted(service.cleared):
        _tick(service, 5)
        service.clear_now()
    assert system_clipboard.text(CLIPBOARD) == SECRET


def test_negative_timeout_is_refused(
    service: ClipboardService, system_clipboard: QClipboard
) -> None:
    with pytest.raises(ValueError, match="negative"):
        service.copy(SECRET, -1)
    assert system_clipboard.text(CLIPBOARD) == ""


def test_the_real_timer_clears_after_one_second(
    service: ClipboardService, system_clipboard: QClipboard, recorded: list[int], qtbot: QtBot
) -> None:
    service.copy(SECRET, 1)
    with qtbot.waitSignal(service.cleared, timeout=3000):
        pass
    assert recorded == [1, 0]
    assert system_clipboard.text(CLIPBOARD) == ""


def test_the_text_never_reaches_the_log(
    service: ClipboardService, system_clipboard: QClipboard, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="app.ui.clipboard"):
        service.copy(SECRET, 2)
        _tick(service, 2)
        service.copy(SECRET, 2)
        system_clipboard.setText("meeting notes", CLIPBOARD)
        service.clear_now()
    assert caplog.records  # the service does log; just never the secret
    assert SECRET not in caplog.text


def test_system_selection_follows_what_the_platform_supports(
    service: ClipboardService, system_clipboard: QClipboard, qtbot: QtBot
) -> None:
    if system_clipboard.supportsSelection():
        service.copy(SECRET, 1)
        selection = system_clipboard.mimeData(SELECTION)
        assert selection is not None
        assert system_clipboard.text(SELECTION) == SECRET
        assert bytes(selection.data(KDE_MANAGER_HINT).data()) == b"secret"
        with qtbot.waitSignal(service.cleared, timeout=100):
            _tick(service, 1)
        assert system_clipboard.text(SELECTION) == ""
    else:
        with qtbot.assertNotEmitted(system_clipboard.selectionChanged):
            service.copy(SECRET, 1)
            _tick(service, 1)
        assert system_clipboard.mimeData(SELECTION) is None
        assert system_clipboard.text(SELECTION) == ""


def test_selection_gets_the_hints_and_is_cleared_when_supported(qtbot: QtBot) -> None:
    fake = FakeClipboard(selection=True)
    svc = ClipboardService(clipboard=fake)
    svc.copy(SECRET, 1)

    selection = fake.mimeData(SELECTION)
    assert selection is not None
    assert selection is not fake.mimeData(CLIPBOARD)
    assert selection.text() == SECRET
    assert bytes(selection.data(KDE_MANAGER_HINT).data()) == b"secret"
    assert bytes(selection.data(WIN_EXCLUDE_FROM_MONITORS).data()) == b"1"

    with qtbot.waitSignal(svc.cleared, timeout=100):
        _tick(svc, 1)
    assert fake.held == {}
    _dispose(svc, qtbot)


def test_selection_and_clipboard_are_judged_separately(qtbot: QtBot) -> None:
    fake = FakeClipboard(selection=True)
    svc = ClipboardService(clipboard=fake)
    svc.copy(SECRET, 1)
    fake.user_copies("a highlighted word", SELECTION)

    with qtbot.waitSignal(svc.cleared, timeout=100):
        _tick(svc, 1)
    assert fake.mimeData(CLIPBOARD) is None
    assert fake.text(SELECTION) == "a highlighted word"
    _dispose(svc, qtbot)


def test_selection_is_never_touched_when_unsupported(qtbot: QtBot) -> None:
    fake = FakeClipboard(selection=False)
    svc = ClipboardService(clipboard=fake)
    svc.copy(SECRET, 1)
    with qtbot.waitSignal(svc.cleared, timeout=100):
        _tick(svc, 1)

    assert fake.calls  # the clipboard itself was used
    assert all(mode == CLIPBOARD for _, mode in fake.calls)
    assert fake.held == {}
    _dispose(svc, qtbot)

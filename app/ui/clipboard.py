"""Copies secrets to the system clipboard and takes them back, with KeePassXC's semantics
(src/gui/Clipboard.cpp): password-manager hints on the mime data, the X11 selection too, and a
countdown that clears only what is still ours."""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QMimeData, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard, QGuiApplication

log = logging.getLogger(__name__)

# Linux/BSD: clipboard managers (Klipper, CopyQ, fcitx5's clipboard, clipcat when configured)
# skip or hide an entry that offers this target. KeePassXC writes the value "secret".
KDE_MANAGER_HINT = "x-kde-passwordManagerHint"

# Windows clipboard formats are registered by name; Qt maps a mime type of the form
# application/x-qt-windows-mime;value="<Name>" to the registered format <Name> with the bytes
# passed through raw (QMimeData docs). KeePassXC (PR #5853) uses the bare mime name
# "ExcludeClipboardContentFromMonitorProcessing" with the value "1"; the prefixed spelling here
# is the one Qt documents for naming a Windows format, so it cannot depend on a fallback.
# Microsoft: the mere presence of this format keeps the clipboard out of history, cloud sync
# and clipboard monitors; its value is not read.
WIN_EXCLUDE_FROM_MONITORS = (
    'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"'
)
# These two hold a DWORD; 0 forbids Win+V history and cloud upload. KeePassXC does not set
# them (the exclude format covers both); classic KeePass does, and some clipboard tools
# (CLCL, CopyQ) honour them as well.
WIN_CAN_INCLUDE_IN_HISTORY = 'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"'
WIN_CAN_UPLOAD_TO_CLOUD = 'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"'
_DWORD_ZERO = b"\x00\x00\x00\x00"

# macOS: the nspasteboard.org marker is the UTI org.nspasteboard.ConcealedType. KeePassXC names
# it with this mime type (holding the text as UTF-8) and registers its own converter
# (src/gui/osutils/macutils/MacPasteboard.cpp) that maps it to that UTI. Stock Qt 6 has no such
# mapping: its QMacMimeAny fallback publishes it as
# "com.trolltech.anymime.application--x-nspasteboard-concealed-type", which pasteboard
# managers do not recognise. The same name is kept so a UTI converter can be added on macOS
# without touching callers.
MAC_CONCEALED_TYPE = "application/x-nspasteboard-concealed-type"

_CLIPBOARD = QClipboard.Mode.Clipboard
_SELECTION = QClipboard.Mode.Selection


class ClipboardLike(Protocol):
    """The part of QClipboard the service uses; tests pass a double for the selection cases."""

    def setMimeData(self, src: QMimeData, mode: QClipboard.Mode = ...) -> None: ...

    def text(self, mode: QClipboard.Mode = ...) -> str: ...

    def clear(self, mode: QClipboard.Mode = ...) -> None: ...

    def supportsSelection(self) -> bool: ...


def secret_mime_data(text: str) -> QMimeData:
    """The text with every platform's password-manager hint (a target a system does not know
    is inert there). A fresh object per clipboard mode: the clipboard takes ownership."""
    mime = QMimeData()
    mime.setText(text)
    mime.setData(KDE_MANAGER_HINT, b"secret")
    mime.setData(WIN_EXCLUDE_FROM_MONITORS, b"1")
    mime.setData(WIN_CAN_INCLUDE_IN_HISTORY, _DWORD_ZERO)
    mime.setData(WIN_CAN_UPLOAD_TO_CLOUD, _DWORD_ZERO)
    mime.setData(MAC_CONCEALED_TYPE, text.encode("utf-8"))
    return mime


class ClipboardService(QObject):
    """Puts a secret on the clipboard and clears it after a countdown, if it is still ours.

    Only the last copied text is kept, and only while a countdown runs, to recognise it on the
    clipboard; anything the user copied since is never touched. Clearing also runs on
    clear_now() (lock) and when the application is about to quit, so the secret is not handed
    to an X11 clipboard manager at exit.

    Signals:
        countdown(int): seconds left before clearing: timeout_s on copy(), then once a second
            down to 0. 0 means the countdown is over, whether or not anything was cleared.
        cleared(): the clipboard and/or selection still held our text and were emptied.
    """

    countdown = Signal(int)
    cleared = Signal()

    def __init__(self, parent: QObject | None = None, clipboard: ClipboardLike | None = None):
        super().__init__(parent)
        if clipboard is None:
            clipboard = QGuiApplication.clipboard()
            if clipboard is None:
                raise RuntimeError("ClipboardService needs a QGuiApplication")
        self._clipboard: ClipboardLike = clipboard
        self._text: str | None = None
        self._seconds_left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_tick)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_about_to_quit)

    @property
    def seconds_left(self) -> int:
        return self._seconds_left

    @property
    def active(self) -> bool:
        """Whether a countdown runs (and our text is remembered)."""
        return self._text is not None

    def copy(self, text: str, timeout_s: int) -> None:
        """Put text on the clipboard (and the selection) and clear it after timeout_s seconds.

        timeout_s == 0 copies without clearing, like KeePassXC with clearing turned off; the
        text is then not remembered, so clear_now() leaves it too.
        """
        if timeout_s < 0:
            raise ValueError("timeout_s must not be negative")
        was_active = self.active
        self._timer.stop()
        self._text = None
        self._seconds_left = 0

        self._clipboard.setMimeData(secret_mime_data(text), _CLIPBOARD)
        if self._clipboard.supportsSelection():
            self._clipboard.setMimeData(secret_mime_data(text), _SELECTION)

        if timeout_s == 0:
            if was_active:
                self.countdown.emit(0)
            return
        self._text = text
        self._seconds_left = timeout_s
        self._timer.start()
        log.debug("copied a secret; clearing in %d s", timeout_s)
        self.countdown.emit(timeout_s)

    def clear_now(self) -> None:
        """Clear at once if the clipboard still holds our text (on lock and on quit)."""
        if self.active:
            self._finish()

    @Slot()
    def _on_timer_tick(self) -> None:
        if not self.active:
            self._timer.stop()
            return
        self._seconds_left -= 1
        if self._seconds_left > 0:
            self.countdown.emit(self._seconds_left)
        else:
            self._finish()

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        self.clear_now()

    def _finish(self) -> None:
        self._timer.stop()
        ours = self._clear_if_ours()
        self._text = None
        self._seconds_left = 0
        self.countdown.emit(0)
        if ours:
            log.debug("cleared the copied secret")
            self.cleared.emit()
        else:
            log.debug("clipboard changed since the copy; left untouched")

    def _clear_if_ours(self) -> bool:
        text = self._text
        if not text:
            return False
        cleared = False
        if self._clipboard.text(_CLIPBOARD) == text:
            self._clipboard.clear(_CLIPBOARD)
            cleared = True
        if self._clipboard.supportsSelection() and self._clipboard.text(_SELECTION) == text:
            self._clipboard.clear(_SELECTION)
            cleared = True
        return cleared

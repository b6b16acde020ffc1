"""The one-time invite code, shown once, with the command the teammate runs to join."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def join_command(path: Path, code: str, handle: str) -> str:
    """`keyledger join PATH --invite CODE --name NAME`, quoted for a POSIX shell."""
    try:
        quoted = "~/" + shlex.quote(str(path.relative_to(Path.home())))
    except ValueError:
        quoted = shlex.quote(str(path))
    return f"keyledger join {quoted} --invite {code} --name {shlex.quote(handle)}"


class InviteCodeDialog(QDialog):
    """`copy(text)` puts a text on the clipboard (the console's clipboard service, which
    clears it again) and returns the seconds until it clears."""

    def __init__(
        self,
        handle: str,
        code: str,
        command: str,
        expires: str,
        copy: Callable[[str], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._copy = copy
        self.setWindowTitle(self.tr("Invite code for %s") % handle)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Send <b>%s</b> this code over a channel you trust. It is shown only now,"
                " works once and expires on %s."
            )
            % (handle, expires)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        grid = QGridLayout()
        self.code = QLineEdit(code)
        self.code.setReadOnly(True)
        self.code.setFont(mono)
        self.code.setAccessibleName(self.tr("Invite code"))
        self.copy_code = QPushButton(self.tr("&Copy code"))
        self.copy_code.clicked.connect(self._on_copy_code_clicked)
        grid.addWidget(QLabel(self.tr("Code:")), 0, 0)
        grid.addWidget(self.code, 0, 1)
        grid.addWidget(self.copy_code, 0, 2)
        self.command = QPlainTextEdit(command)
        self.command.setReadOnly(True)
        self.command.setFont(mono)
        self.command.setAccessibleName(self.tr("Join command"))
        self.command.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        lines = self.command.fontMetrics().lineSpacing()
        self.command.setFixedHeight(lines * 3 + 12)
        self.copy_command = QPushButton(self.tr("Copy co&mmand"))
        self.copy_command.clicked.connect(self._on_copy_command_clicked)
        grid.addWidget(QLabel(self.tr("They run:")), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.command, 1, 1)
        grid.addWidget(self.copy_command, 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        steps = QLabel(
            self.tr(
                "On their laptop, with their copy of the shared vault file (the path may differ"
                " there), the command asks for a new passphrase and prints their key's"
                " fingerprint. Their join then shows under Pending: approve it after they read"
                " that fingerprint out to you."
            )
        )
        steps.setWordWrap(True)
        layout.addWidget(steps)
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Copy status"))
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.accept)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    @Slot()
    def _on_copy_code_clicked(self) -> None:
        seconds = self._copy(self.code.text())
        self.status.setText(self.tr("Code copied; the clipboard clears in %d s.") % seconds)

    @Slot()
    def _on_copy_command_clicked(self) -> None:
        seconds = self._copy(self.command.toPlainText())
        self.status.setText(self.tr("Command copied; the clipboard clears in %d s.") % seconds)

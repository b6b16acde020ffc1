"""Decide one or many rows of an access review: keep, revoke, or change to read or write, with a
comment (needed for revoke and change: the auditor reads why). The dialog stays open until the
decision is recorded (an error shows in place)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.reviews import Row
from app.services.reviews import MAX_COMMENT


class DecideForm(NamedTuple):
    decision: str  # keep, revoke, change
    access: str | None  # the new access of a change
    comment: str


def row_label(row: Row) -> str:
    s = row.snapshot
    used = f"last used {s.last_used[:10]}" if s.last_used else "never used"
    return f"{s.handle} · {s.env_name} · {s.access} · {used}"


class DecideDialog(QDialog):
    """`preset`: '' (keep, or the row's decision so far) or 'revoke'.

    Signals:
        submitted(object): a DecideForm; the caller records it, then accept()s or
            show_error()s.
    """

    submitted = Signal(object)

    def __init__(self, rows: Sequence[Row], preset: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.rows = list(rows)
        one = len(self.rows) == 1
        first = self.rows[0].snapshot
        self.setWindowTitle(
            self.tr("Decide %1 on %2").replace("%1", first.handle).replace("%2", first.env_name)
            if one
            else self.tr("Decide %1 rows").replace("%1", str(len(self.rows)))
        )
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("Your decision for this grant:")
            if one
            else self.tr("One decision and comment for these %1 grants:").replace(
                "%1", str(len(self.rows))
            )
        )
        layout.addWidget(intro)
        self.listing = QListWidget()
        self.listing.setAccessibleName(self.tr("Rows to decide"))
        self.listing.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.listing.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row in self.rows:
            self.listing.addItem(row_label(row))
        self.listing.setMaximumHeight(24 + 20 * min(len(self.rows), 6))
        layout.addWidget(self.listing)
        grid = QGridLayout()
        self.keep = QRadioButton(self.tr("&Keep: the access is still needed"))
        self.revoke = QRadioButton(self.tr("&Revoke: sign-off ends it and re-keys"))
        self.change = QRadioButton(self.tr("C&hange the access to"))
        self.access = QComboBox()
        self.access.setAccessibleName(self.tr("New access"))
        self.access.addItem(self.tr("read"), "read")
        self.access.addItem(self.tr("write"), "write")
        self.choice = QButtonGroup(self)
        for button in (self.keep, self.revoke, self.change):
            self.choice.addButton(button)
        # Keep and Revoke span the row, so the combo sits right after "Change the access to".
        grid.addWidget(self.keep, 0, 0, 1, 3)
        grid.addWidget(self.revoke, 1, 0, 1, 3)
        grid.addWidget(self.change, 2, 0)
        grid.addWidget(self.access, 2, 1)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        self.comment = QLineEdit()
        self.comment.setAccessibleName(self.tr("Comment"))
        self.comment.setMaxLength(MAX_COMMENT)
        self.comment.setPlaceholderText(
            self.tr("Why? Needed for revoke and change; the auditor reads it")
        )
        label = QLabel(self.tr("&Comment"))
        label.setBuddy(self.comment)
        layout.addWidget(label)
        layout.addWidget(self.comment)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e53935;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = QPushButton(self.tr("Record decision"))
        self.ok.setDefault(True)
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.clicked.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._preset(preset)
        self.choice.buttonToggled.connect(self._validate)
        self.access.currentIndexChanged.connect(self._validate)
        self.comment.textChanged.connect(self._validate)
        self._validate()

    def _preset(self, preset: str) -> None:
        decided = self.rows[0].decision if len(self.rows) == 1 else None
        chosen = preset or (decided.decision if decided else "keep")
        {"keep": self.keep, "revoke": self.revoke, "change": self.change}[chosen].setChecked(True)
        other = "read" if self.rows[0].snapshot.access == "write" else "write"
        wanted = decided.access if decided and decided.access else other
        self.access.setCurrentIndex(max(self.access.findData(wanted), 0))
        if decided and not preset:
            self.comment.setText(decided.comment)

    def form(self) -> DecideForm:
        decision = "revoke" if self.revoke.isChecked() else "keep"
        if self.change.isChecked():
            decision = "change"
        access = str(self.access.currentData()) if decision == "change" else None
        return DecideForm(decision, access, " ".join(self.comment.text().split()))

    def problem(self) -> str | None:
        """Why the decision cannot be recorded as it stands (None: it can)."""
        form = self.form()
        if form.decision == "change":
            same = [r.snapshot.handle for r in self.rows if r.snapshot.access == form.access]
            if same:
                return (
                    self.tr("%1 already has %2 access: a change needs a different one.")
                    .replace("%1", ", ".join(same))
                    .replace("%2", form.access or "")
                )
        if form.decision != "keep" and not form.comment:
            return self.tr("Say why: revocations and changes need a comment.")
        return None

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @Slot()
    def _validate(self, *_: object) -> None:
        self.access.setEnabled(self.change.isChecked())
        problem = self.problem()
        self.ok.setEnabled(problem is None)
        self.ok.setToolTip(problem or "")
        self.hint.setText(problem or "")

    @Slot()
    def _on_ok_clicked(self) -> None:
        if self.problem() is None:
            self.error.hide()
            self.submitted.emit(self.form())

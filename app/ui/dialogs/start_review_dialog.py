"""Start an access review: its due date and the admin who signs it off. The dialog stays open
until the review started (an error shows in place)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DEFAULT_DAYS = 14  # two weeks to decide: a quarterly review is a short job, not a project


class StartForm(NamedTuple):
    due: date
    reviewer: str


class StartReviewDialog(QDialog):
    """Signals:
    submitted(object): a StartForm; the caller starts the review, then accept()s or
        show_error()s.
    """

    submitted = Signal(object)

    def __init__(
        self,
        admins: list[str],
        me: str,
        today: date,
        grants: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Start an access review"))
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The review snapshots all %1 grants as they stand now: who holds which"
                " environment, who granted it and why, and when each was last used. Grants"
                " unused for 90 days are highlighted. Each gets a decision: keep, revoke or"
                " change."
            ).replace("%1", str(grants))
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setAccessibleName(self.tr("Due date"))
        first = today + timedelta(days=1)
        self.due.setMinimumDate(QDate(first.year, first.month, first.day))
        later = today + timedelta(days=DEFAULT_DAYS)
        self.due.setDate(QDate(later.year, later.month, later.day))
        form.addRow(self.tr("&Due by the end of"), self.due)
        self.reviewer = QComboBox()
        self.reviewer.setAccessibleName(self.tr("Reviewer"))
        for handle in admins:
            label = self.tr("%1 (you)").replace("%1", handle) if handle == me else handle
            self.reviewer.addItem(label, handle)
        self.reviewer.setCurrentIndex(max(self.reviewer.findData(me), 0))
        form.addRow(self.tr("&Reviewer"), self.reviewer)
        layout.addLayout(form)
        hint = QLabel(
            self.tr(
                "The reviewer signs the review off, which carries out its revocations and"
                " changes. Nobody decides a row about their own access: another admin does."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e53935;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = QPushButton(self.tr("Start review"))
        self.ok.setDefault(True)
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.clicked.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def form(self) -> StartForm:
        picked = self.due.date()
        return StartForm(
            date(picked.year(), picked.month(), picked.day()), str(self.reviewer.currentData())
        )

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @Slot()
    def _on_ok_clicked(self) -> None:
        self.error.hide()
        self.submitted.emit(self.form())

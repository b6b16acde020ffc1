"""Grant a member read or write access to one environment, or change it, optionally until a
date (the grant is revoked at an admin's first unlock after it)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.clock import parse_iso
from app.services.team import Grant


class UntilField(QWidget):
    """An optional last day: a check box and a date, no earlier than tomorrow."""

    def __init__(self, today: date, tz: tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bounded = QCheckBox(self.tr("Until the end of"))
        self.bounded.setAccessibleName(self.tr("Time-bound"))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setAccessibleName(self.tr("Last day"))
        first = today + timedelta(days=1)
        self.day.setMinimumDate(QDate(first.year, first.month, first.day))
        later = today + timedelta(days=30)
        self.day.setDate(QDate(later.year, later.month, later.day))
        self.day.setEnabled(False)
        self.bounded.toggled.connect(self.day.setEnabled)
        row.addWidget(self.bounded)
        row.addWidget(self.day)
        row.addStretch(1)

    def set_until(self, until: str | None) -> None:
        if until is not None:
            day = parse_iso(until).astimezone(self.tz).date()
            self.day.setDate(QDate(day.year, day.month, day.day))
        self.bounded.setChecked(until is not None)

    def value(self) -> datetime | None:
        """The last second of the chosen day in the shown zone, or None (no end)."""
        if not self.bounded.isChecked():
            return None
        chosen = self.day.date().toPython()
        assert isinstance(chosen, date)
        end = datetime.combine(chosen, time(23, 59, 59)).replace(tzinfo=self.tz)
        return end.astimezone() if self.tz is None else end


class GrantForm(NamedTuple):
    access: str
    until: datetime | None


class GrantDialog(QDialog):
    """Signals:
    submitted(object): a GrantForm; the dialog stays open until `accept` or an error.
    """

    submitted = Signal(object)

    def __init__(
        self,
        handle: str,
        env_name: str,
        current: Grant | None,
        today: date,
        tz: tzinfo | None = None,
        step_up: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        title = self.tr("Change %s's access to %s") if current else self.tr("Grant %s %s")
        self.setWindowTitle(title % (handle, env_name))
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        text = (
            self.tr("%s has %s access to %s now.") % (handle, current.access, env_name)
            if current
            else self.tr("%s gets %s's key, wrapped to their own key.") % (handle, env_name)
        )
        if step_up:
            text += " " + self.tr("%s asks for your TOTP code first.") % env_name
        intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.read = QRadioButton(self.tr("&Read: see and copy values"))
        self.write = QRadioButton(self.tr("&Write: also add, edit and rotate keys"))
        self.access = QButtonGroup(self)
        box = QVBoxLayout()
        for button in (self.read, self.write):
            self.access.addButton(button)
            box.addWidget(button)
        (self.write if current and current.access == "write" else self.read).setChecked(True)
        form.addRow(self.tr("Access:"), box)
        self.until = UntilField(today, tz)
        self.until.set_until(current.until if current else None)
        form.addRow(self.tr("Ends:"), self.until)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Grant error"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Save") if current else self.tr("Grant"))
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def form(self) -> GrantForm:
        return GrantForm("write" if self.write.isChecked() else "read", self.until.value())

    @Slot()
    def _on_ok_clicked(self) -> None:
        self.error.setText("")
        self.submitted.emit(self.form())

    def show_error(self, text: str) -> None:
        self.error.setText(text)

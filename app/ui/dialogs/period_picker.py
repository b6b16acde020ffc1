"""An audit period: two days (inclusive) with one-click choices of the usual periods."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

Period = tuple[date, date]


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def last_quarter(today: date) -> Period:
    """The last complete calendar quarter: on 2026-11-30, 2026-07-01 to 2026-09-30."""
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return _month_start(this_quarter, 3), this_quarter - timedelta(days=1)


def last_six_months(today: date) -> Period:
    """The last six complete months: on 2026-11-30, 2026-05-01 to 2026-10-31."""
    return _month_start(today, 6), _month_start(today) - timedelta(days=1)


def year_to_date(today: date) -> Period:
    return date(today.year, 1, 1), today


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class PeriodPicker(QWidget):
    """Signals:
    changed(): either day changed.
    """

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        days = QHBoxLayout()
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit, name in ((self.start, self.tr("First day")), (self.end, self.tr("Last day"))):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.setMaximumDate(_qdate(today))  # no evidence of days to come
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self._on_date_changed)
        to = QLabel(self.tr("&to"))
        to.setBuddy(self.end)
        note = QLabel(self.tr("whole days in UTC, both included"))
        for widget in (self.start, to, self.end, note):
            days.addWidget(widget)
        days.addStretch(1)
        quick = QHBoxLayout()
        self.quick: list[QPushButton] = []
        for text, pick in (
            (self.tr("Last &quarter"), last_quarter),
            (self.tr("Last &6 months"), last_six_months),
            (self.tr("&Year to date"), year_to_date),
        ):
            first, last = pick(today)
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", ""))
            button.setToolTip(f"{first.isoformat()} \N{EN DASH} {last.isoformat()}")
            button.clicked.connect(lambda _=False, p=(first, last): self.set_period(*p))
            quick.addWidget(button)
            self.quick.append(button)
        quick.addStretch(1)
        layout.addLayout(days)
        layout.addLayout(quick)
        self.set_period(*last_quarter(today))

    def period(self) -> Period:
        return _day(self.start.date()), _day(self.end.date())

    def set_period(self, first: date, last: date) -> None:
        for edit, day in ((self.start, first), (self.end, last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self.changed.emit()

    @Slot()
    def _on_date_changed(self) -> None:
        self.changed.emit()

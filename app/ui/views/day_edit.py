"""A date field that may also say "Any": a filter bound that is off until a day is picked."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QWidget

# The minimum date stands for "any" (Qt shows the special value text there).
ANY = QDate(2000, 1, 1)


class DayEdit(QDateEdit):
    """ISO dates with a calendar popup; Delete (or Backspace over the whole text) goes back
    to "Any"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setCalendarPopup(True)
        self.setMinimumDate(ANY)
        self.setSpecialValueText(self.tr("Any"))
        self.setDate(ANY)
        self.calendarWidget().installEventFilter(self)

    def day(self) -> date | None:
        picked = self.date()
        return None if picked == ANY else date(picked.year(), picked.month(), picked.day())

    def set_day(self, day: date | None) -> None:
        self.setDate(ANY if day is None else QDate(day.year, day.month, day.day))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        edit = self.lineEdit()
        whole = edit.selectedText() == edit.text()
        key = event.key()
        if key == Qt.Key.Key_Delete or (key == Qt.Key.Key_Backspace and whole):
            self.set_day(None)
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # "Any" is 1 January 2000: open the calendar on this month instead.
        if event.type() == QEvent.Type.Show and self.day() is None:
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return False

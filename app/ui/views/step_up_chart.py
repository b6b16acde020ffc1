"""The Overview's chart of step-ups by month: the last twelve months, a count on each bar."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QWidget

from app.ui.views.overview_charts import Chart

_PAD = 6


def _tr(text: str) -> str:
    return QCoreApplication.translate("MonthBars", text)


def last_months(today: date, count: int = 12) -> list[str]:
    """The "YYYY-MM" of the `count` months up to and including today's, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


class MonthBars(Chart):
    """Step-ups by month, the last twelve months, a count above each bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_tr("Step-up use by month"), parent)
        self._empty = _tr("No step-ups in the last 12 months.")
        self._months: list[tuple[str, int]] = []
        self._bars: list[tuple[QRectF, QRectF, QRectF, str, str]] = []  # slot, bar, label, ...
        self.set_counts({}, date.today())

    def set_counts(self, uses: Mapping[str, int], today: date) -> None:
        self._months = [(m, uses.get(m, 0)) for m in last_months(today)]
        if self.is_empty():
            self.setAccessibleDescription(self._empty)
        else:
            said = [f"{self._long(m)}: {n}" for m, n in self._months if n]
            self.setAccessibleDescription(_tr("Step-ups by month") + ": " + ", ".join(said) + ".")
        self._layout()
        self.update()

    def total(self) -> int:
        return sum(n for _, n in self._months)

    def is_empty(self) -> bool:
        return not self.total()

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 4 * self.fontMetrics().height() + 24)

    def _long(self, month: str) -> str:
        return self.locale().toString(QDate(int(month[:4]), int(month[5:]), 1), "MMMM yyyy")

    def _layout(self) -> None:
        self._bars = []
        if self.is_empty():
            return
        fm = self.fontMetrics()
        line = fm.height()
        top, bottom = _PAD + line + 2, self.height() - line - _PAD - 2
        slot = (self.width() - 2 * _PAD) / len(self._months)
        peak = max(n for _, n in self._months)
        # One-letter months when three letters would touch (J F M A …).
        letters = 3 if fm.horizontalAdvance("May") + 6 <= slot else 1
        for i, (month, n) in enumerate(self._months):
            x = _PAD + i * slot
            height = max((bottom - top) * n / peak, 2.0) if n else 0.0
            width = min(slot * 0.6, 28.0)
            bar = QRectF(x + (slot - width) / 2, bottom - height, width, height)
            label = QRectF(x, bottom + 2, slot, line)
            first = QDate(int(month[:4]), int(month[5:]), 1)
            self._bars.append(
                (QRectF(x, 0, slot, self.height()), bar, label,
                 self.locale().toString(first, "MMM")[:letters], str(n) if n else "")
            )  # fmt: skip

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        if self.is_empty():
            self._paint_empty(painter)
            return
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        fill = palette.color(QPalette.ColorRole.Highlight)
        line = self.fontMetrics().height()
        centre = Qt.AlignmentFlag.AlignCenter
        for slot, bar, label, month, value in self._bars:
            painter.fillRect(bar, fill)
            painter.setPen(text)
            painter.drawText(label, centre, month)
            if value:
                painter.drawText(
                    QRectF(slot.left(), bar.top() - line - 1, slot.width(), line), centre, value
                )

    def _tip_at(self, pos: QPointF) -> tuple[QRectF, str] | None:
        for (slot, *_), (month, n) in zip(self._bars, self._months, strict=True):
            if slot.contains(pos):
                return slot, f"{self._long(month)}: {n}"
        return None

"""The Overview's chart of keys by environment and status, and the base of its small charts.

Geometry is worked out on resize and on new data; paintEvent only draws. Bars carry their
numbers as text and the figures are the chart's accessible description, so no colour has to
be told apart to read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.core.rotation import BY_SEVERITY, RotationStatus
from app.services.overview import EnvFigures
from app.ui.models.secrets_model import (
    DUE_SOON_COLOUR,
    OVERDUE_COLOUR,
    REQUIRED_COLOUR,
    STATUS_LABELS,
)

OK_COLOUR = QColor("#43a047")  # about 3:1 on both themes' bases, like the other three
STATUS_COLOURS = {
    RotationStatus.OK: OK_COLOUR,
    RotationStatus.DUE_SOON: DUE_SOON_COLOUR,
    RotationStatus.OVERDUE: OVERDUE_COLOUR,
    RotationStatus.REQUIRED: REQUIRED_COLOUR,
}
_PAD = 6
_BAR = 20  # height of a bar


def _tr(text: str) -> str:
    return QCoreApplication.translate("OverviewCharts", text)


def status_label(status: RotationStatus, in_text: bool = False) -> str:
    """The status's name; lower-case within a sentence ("due soon"), except "OK"."""
    label = _tr(STATUS_LABELS[BY_SEVERITY.index(status)])
    return label.lower() if in_text and status is not RotationStatus.OK else label


def env_summary(env: EnvFigures) -> str:
    """E.g. "prod: 58 keys (50 OK, 4 due soon, 3 overdue, 1 rotation required)"."""
    parts = [
        f"{env.by_status[s]} {status_label(s, in_text=True)}" for s in BY_SEVERITY
        if env.by_status[s]
    ]  # fmt: skip
    keys = _tr("1 key") if env.keys == 1 else _tr("%1 keys").replace("%1", str(env.keys))
    tail = f" ({', '.join(parts)})" if parts and env.keys else ""
    return f"{env.name}: {keys}{tail}"


class Chart(QWidget):
    """A small painted chart: the text it shows when empty, tooltips by area."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._empty = ""

    def resizeEvent(self, event: object) -> None:
        self._layout()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LocaleChange):
            self._layout()
        super().changeEvent(event)

    def _layout(self) -> None:
        """Work out the geometry for the current size and data (each chart has its own)."""

    def _paint_empty(self, painter: QPainter) -> None:
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty)

    def _tip_at(self, pos: QPointF) -> tuple[QRectF, str] | None:
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            found = self._tip_at(QPointF(event.pos()))
            if found is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), found[1], self, found[0].toRect())
            return True
        return super().event(event)


class StatusBars(Chart):
    """One horizontal bar per environment, as long as its number of keys, split by status.

    Signals:
    env_clicked(str): the bar of this environment was clicked.
    """

    env_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_tr("Keys by environment and status"), parent)
        self._envs: tuple[EnvFigures, ...] = ()
        self._empty = _tr("No keys yet.")
        # (row, segments by status, total's and note's rectangles, name, note) per environment
        self._rows: list[
            tuple[QRectF, list[tuple[QRectF, RotationStatus]], QRectF, QRectF, str, str]
        ] = []
        self._legend: list[tuple[QRectF, RotationStatus, str]] = []
        self.set_envs(())

    def set_envs(self, envs: Sequence[EnvFigures]) -> None:
        self._envs = tuple(envs)
        if self.is_empty():
            self.setAccessibleDescription(self._empty)
        else:
            self.setAccessibleDescription(". ".join(env_summary(e) for e in self._envs) + ".")
        self.setCursor(
            Qt.CursorShape.ArrowCursor if self.is_empty() else Qt.CursorShape.PointingHandCursor
        )
        self.updateGeometry()
        self._layout()
        self.update()

    def is_empty(self) -> bool:
        return not any(e.keys for e in self._envs)

    def row_rect(self, n: int) -> QRectF:
        return self._rows[n][0]

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        rows = max(len(self._envs), 3)
        return QSize(560, 2 * _PAD + 2 * line + 10 + (_BAR + line + 8) * rows)

    def minimumSizeHint(self) -> QSize:
        return QSize(300, self.sizeHint().height())

    def _layout(self) -> None:
        self._rows, self._legend = [], []
        if self.is_empty():
            return
        fm = self.fontMetrics()
        line = fm.height()
        x, y = float(_PAD), float(_PAD)
        for status in BY_SEVERITY:
            n = sum(e.by_status[status] for e in self._envs)
            text = f"{status_label(status)} {n}"
            item = 14 + fm.horizontalAdvance(text)
            if x > _PAD and x + item > self.width() - _PAD:  # wrap the legend
                x, y = float(_PAD), y + line + 2
            self._legend.append((QRectF(x, y, item, line), status, text))
            x += item + 16
        room = self.width() - 2 * _PAD
        name_width = min(max(fm.horizontalAdvance(e.name) for e in self._envs), room // 4) + 12
        total_width = max(fm.horizontalAdvance(str(e.keys)) for e in self._envs) + 10
        left = _PAD + name_width
        span = max(room - name_width - total_width, 10)
        peak = max(e.keys for e in self._envs)
        y += line + 10
        for env in self._envs:
            # The bar, and under it in words what its colours say.
            row = QRectF(0, y, self.width(), _BAR + line + 8)
            bar_x = float(left)
            segments = []
            for status in BY_SEVERITY:
                count = env.by_status[status]
                if count:
                    width = max(span * count / peak, 3.0)  # one key beside thousands still shows
                    segments.append((QRectF(bar_x, y + 2, width, _BAR), status))
                    bar_x += width
            name = fm.elidedText(env.name, Qt.TextElideMode.ElideRight, name_width - 8)
            total = QRectF(bar_x + 6, y + 2, total_width, _BAR)
            note_box = QRectF(left, y + _BAR + 4, room - name_width, line)
            note = fm.elidedText(self._note(env), Qt.TextElideMode.ElideRight, int(span))
            self._rows.append((row, segments, total, note_box, name, note))
            y += row.height()

    def _note(self, env: EnvFigures) -> str:
        late = [
            f"{env.by_status[s]} {status_label(s, in_text=True)}" for s in BY_SEVERITY[1:]
            if env.by_status[s]
        ]  # fmt: skip
        return ", ".join(late) if late else _tr("all OK") if env.keys else _tr("no keys")

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        if self.is_empty():
            self._paint_empty(painter)
            return
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for box, status, label in self._legend:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(STATUS_COLOURS[status])
            painter.drawRoundedRect(QRectF(box.left(), box.center().y() - 5, 10, 10), 2, 2)
            painter.setPen(text)
            painter.drawText(box.adjusted(14, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
        seam = QPen(palette.color(QPalette.ColorRole.Base), 1)  # cards are Base-coloured
        fm = self.fontMetrics()
        left_v = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        quiet = palette.color(QPalette.ColorRole.PlaceholderText)
        rows = zip(self._envs, self._rows, strict=True)
        for env, (row, segments, total, note_box, name, note) in rows:
            painter.setPen(text)
            painter.drawText(QRectF(_PAD, total.top(), row.width(), total.height()), left_v, name)
            for rect, status in segments:
                painter.setPen(seam)
                painter.setBrush(STATUS_COLOURS[status])
                painter.drawRect(rect)
                count = str(env.by_status[status])
                if fm.horizontalAdvance(count) + 6 <= rect.width():
                    painter.setPen(QColor("#ffffff"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, count)
            painter.setPen(text)
            painter.drawText(total, left_v, str(env.keys))
            painter.setPen(quiet)
            painter.drawText(note_box, left_v, note)

    def _tip_at(self, pos: QPointF) -> tuple[QRectF, str] | None:
        for env, (row, *_) in zip(self._envs, self._rows, strict=True):
            if row.contains(pos):
                return row, env_summary(env)
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for env, (row, *_) in zip(self._envs, self._rows, strict=True):
                if row.contains(event.position()):
                    self.env_clicked.emit(env.name)
                    return
        super().mouseReleaseEvent(event)

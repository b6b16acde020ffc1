"""What falls due when: stacked bars per week or month, one colour per environment.

Geometry is worked out on resize and on new data, never in paintEvent, which only draws.
Screen readers cannot see bars, so the figures are also the widget's accessible description.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.core.rotation import Timeline
from app.ui.models.secrets_model import OVERDUE_COLOUR

# Mid-lightness hues that keep 3:1 against both themes' backgrounds; none is red or orange,
# which mean "overdue" and "due soon" elsewhere.
ENV_COLOURS = tuple(
    QColor(c) for c in ("#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f", "#edc948")
)
_GAP = 18  # between the Overdue bar and the periods
_PAD = 8


@dataclass(frozen=True)
class _Bar:
    label: str
    tip: str
    counts: tuple[int, ...]  # by environment, in the timeline's order
    overdue: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts)


def env_colour(index: int) -> QColor:
    return ENV_COLOURS[index % len(ENV_COLOURS)]


def _short(n: int) -> str:
    return f"{n / 1000:.0f}k" if n >= 10_000 else f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def _nice_step(peak: int) -> int:
    """A 1, 2 or 5 times a power of ten giving at most four grid lines above zero."""
    rough = max(1.0, peak / 4)
    power = 10 ** math.floor(math.log10(rough))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


class TimelineChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline: Timeline | None = None
        self._bars: list[_Bar] = []
        self._later = 0
        self._legend: list[tuple[int, str]] = []  # (colour index, environment) of those shown
        self._empty_text = self.tr("No keys to show.")
        # Worked out by _layout: (slot, segment rectangles, label rectangle, value text) per bar.
        self._slots: list[tuple[QRectF, list[QRectF], QRectF, str]] = []
        self._ticks: list[tuple[float, str]] = []
        self._label_step = 1
        self._plot = QRectF()
        self._tint = QColor(OVERDUE_COLOUR)
        self._tint.setAlpha(28)
        self._bold = QFont()
        self.setAccessibleName(self.tr("Rotation timeline"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._describe()

    # --- public API -------------------------------------------------------------------------

    def set_timeline(self, timeline: Timeline | None) -> None:
        self._timeline = timeline
        self._bars = [] if timeline is None else self._bars_of(timeline)
        self._later = 0 if timeline is None else sum(timeline.later.values())
        # Colours follow the timeline's order, so they stay put when a filter hides one.
        envs = () if timeline is None else timeline.envs
        used = [bar.counts for bar in self._bars]
        later = [timeline.later.get(env, 0) for env in envs] if timeline is not None else []
        self._legend = [
            (n, env) for n, env in enumerate(envs) if later[n] or any(c[n] for c in used)
        ]
        self._describe()
        self._layout()
        self.update()

    def timeline(self) -> Timeline | None:
        return self._timeline

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self._describe()
        self.update()

    def is_empty(self) -> bool:
        return not any(bar.total for bar in self._bars) and not self._later

    def bar_rect(self, n: int) -> QRectF:
        """Where bar n (0 is Overdue) is drawn, all its segments together."""
        segments = self._slots[n][1]
        top = min(rect.top() for rect in segments)
        return QRectF(segments[0].left(), top, segments[0].width(), self._plot.bottom() - top)

    def bar_at(self, pos: QPointF) -> int | None:
        """The bar whose column (bar, value and label) holds pos."""
        return next((n for n, slot in enumerate(self._slots) if slot[0].contains(pos)), None)

    def sizeHint(self) -> QSize:
        return QSize(720, 240)

    def minimumSizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(320, 4 * line + 80)

    # --- figures ----------------------------------------------------------------------------

    def _bars_of(self, timeline: Timeline) -> list[_Bar]:
        envs = timeline.envs
        overdue = tuple(timeline.overdue.get(env, 0) for env in envs)
        title = self.tr("Overdue or rotation required")
        bars = [_Bar(self.tr("Overdue"), self._tip(title, envs, overdue), overdue, True)]
        for start in timeline.periods:
            counts = tuple(timeline.counts.get((start, env), 0) for env in envs)
            label, long = self._period_names(start, timeline.unit)
            bars.append(_Bar(label, self._tip(long, envs, counts), counts))
        return bars

    def _period_names(self, start: date, unit: str) -> tuple[str, str]:
        locale = self.locale()
        first = QDate(start.year, start.month, start.day)
        if unit == "month":
            return locale.toString(first, "MMM yy"), locale.toString(first, "MMMM yyyy")
        week = start.isocalendar().week
        end = start + timedelta(days=6)
        last = QDate(end.year, end.month, end.day)
        span = f"{locale.toString(first, 'd MMM')} – {locale.toString(last, 'd MMM yyyy')}"
        return f"W{week}", self.tr("Week %1, %2").replace("%1", str(week)).replace("%2", span)

    def _tip(self, title: str, envs: tuple[str, ...], counts: tuple[int, ...]) -> str:
        parts = [f"{env}: {n}" for env, n in zip(envs, counts, strict=True) if n]
        total = sum(counts)
        return f"{title}: {total}" + (f" ({', '.join(parts)})" if parts else "")

    def _describe(self) -> None:
        if self.is_empty():
            self.setAccessibleDescription(self._empty_text)
            return
        lines = [bar.tip for bar in self._bars]
        if self._later and self._timeline is not None:
            envs = self._timeline.envs
            later = tuple(self._timeline.later.get(env, 0) for env in envs)
            lines.append(self._tip(self.tr("Later"), envs, later))
        self.setAccessibleDescription(". ".join(lines) + ".")

    # --- geometry ---------------------------------------------------------------------------

    def resizeEvent(self, event: object) -> None:
        self._layout()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LocaleChange):
            self.set_timeline(self._timeline)
        super().changeEvent(event)

    def _layout(self) -> None:
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._slots = []
        if self.is_empty():
            return
        fm = self.fontMetrics()
        line = fm.height()
        peak = max(bar.total for bar in self._bars)
        step = _nice_step(peak)
        top_value = max(step, math.ceil(peak / step) * step)
        values = range(0, top_value + 1, step)
        left = _PAD + max(fm.horizontalAdvance(_short(v)) for v in values) + 6
        plot = QRectF(left, 2 * line + 14, self.width() - left - _PAD, 0)
        plot.setBottom(self.height() - line - 10)
        self._plot = plot
        # Each non-empty segment is at least 2 px, so keep that much headroom for the peak.
        scale = max(plot.height() - 2 * len(self._bars[0].counts), 1.0) / top_value
        self._ticks = [(plot.bottom() - scale * v, _short(v)) for v in values]
        periods = max(len(self._bars) - 1, 1)
        first = fm.horizontalAdvance(self._bars[0].label) + 12
        slot = (plot.width() - _GAP) / (periods + 1)
        if first > slot:
            slot = (plot.width() - _GAP - first) / periods
        widest = max((fm.horizontalAdvance(bar.label) for bar in self._bars[1:]), default=0) + 8
        self._label_step = max(1, math.ceil(widest / max(slot, 1)))
        x = plot.left()
        for n, bar in enumerate(self._bars):
            width = max(first, slot) if bar.overdue else slot
            area = QRectF(x, plot.top() - line - 4, width, plot.height() + 2 * line + 14)
            bar_width = min(width * 0.64, 64.0)
            left_edge = x + (width - bar_width) / 2
            y = plot.bottom()
            segments = []
            for count in bar.counts:
                height = max(scale * count, 2.0) if count else 0.0  # a 1 beside 100k shows
                segments.append(QRectF(left_edge, y - height, bar_width, height))
                y -= height
            value = str(bar.total)
            if fm.horizontalAdvance(value) >= width:
                value = _short(bar.total)
            label = QRectF(x, plot.bottom() + 4, width, line + 4)
            if not bar.overdue and (n - 1) % self._label_step:
                label = QRectF()  # no room for every label: every step-th one
            self._slots.append((area, segments, label, value))
            x += width + (_GAP if bar.overdue else 0)

    # --- painting and tooltips --------------------------------------------------------------

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        if self.is_empty():
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        plot = self._plot
        overdue_area = self._slots[0][0]
        painter.fillRect(QRectF(overdue_area.left(), plot.top(), overdue_area.width(),
                                plot.height()), self._tint)  # fmt: skip
        painter.setPen(QPen(OVERDUE_COLOUR, 1, Qt.PenStyle.DashLine))
        x = overdue_area.right() + _GAP / 2
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_legend(painter, text)
        grid = QColor(text)
        grid.setAlpha(48)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for y, value in self._ticks:
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 10, plot.left() - 6, 20), right, value)
        base = QPen(palette.color(QPalette.ColorRole.Window), 1)  # a seam between segments
        line = self.fontMetrics().height()
        centre = Qt.AlignmentFlag.AlignCenter
        for bar, (area, segments, label, value) in zip(self._bars, self._slots, strict=True):
            painter.setPen(base)
            for n, rect in enumerate(segments):
                if rect.height():
                    painter.setBrush(env_colour(n))
                    painter.drawRect(rect)
            painter.setPen(text)
            if bar.total:
                top = min(rect.top() for rect in segments)
                painter.drawText(QRectF(area.left(), top - line - 2, area.width(), line),
                                 centre, value)  # fmt: skip
            if label.isValid():
                if bar.overdue:
                    painter.setPen(OVERDUE_COLOUR)
                    painter.setFont(self._bold)
                painter.drawText(label, centre, bar.label)
                painter.setFont(self.font())

    def _paint_legend(self, painter: QPainter, text: QColor) -> None:
        fm = self.fontMetrics()
        line = fm.height()
        x = self._plot.left()
        for n, env in self._legend:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(env_colour(n))
            painter.drawRoundedRect(QRectF(x, _PAD + (line - 10) / 2, 10, 10), 2, 2)
            painter.setPen(text)
            painter.drawText(QPointF(x + 15, _PAD + fm.ascent()), env)
            x += 15 + fm.horizontalAdvance(env) + 16
        if self._later:
            later = self.tr("Later: %1").replace("%1", str(self._later))
            box = QRectF(x, _PAD, self.width() - _PAD - x, line)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, later
            )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            n = self.bar_at(QPointF(event.pos()))
            if n is not None:
                area = self._slots[n][0].toRect()
                QToolTip.showText(event.globalPos(), self._bars[n].tip, self, area)
                return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().event(event)

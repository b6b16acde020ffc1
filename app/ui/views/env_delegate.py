"""Draws a small padlock beside environments that ask for a step-up before keys open."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.ui.models.environments_model import EnvColumn, EnvRole

BADGE = 14


class EnvironmentDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        if index.column() != EnvColumn.NAME or not index.data(EnvRole.STEP_UP):
            return
        rect = option.rect  # type: ignore[attr-defined]
        size = min(BADGE, rect.height() - 6)
        x = rect.right() - size - 6
        y = rect.top() + (rect.height() - size) / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = (
            option.palette.highlightedText().color()
            # type: ignore[attr-defined]
            if (
                option.state & option.state.State_Selected  # type: ignore[attr-defined]
            )
            else option.palette.text().color()
        )  # type: ignore[attr-defined]
        pen = QPen(colour, max(1.5, size / 8))
        painter.setPen(pen)
        body = QRectF(x, y + size * 0.45, size, size * 0.55)
        painter.setBrush(colour)
        painter.drawRoundedRect(body, 2, 2)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        shackle = QRectF(x + size * 0.2, y, size * 0.6, size * 0.8)
        painter.drawArc(shackle, 0, 180 * 16)
        painter.drawLine(shackle.left(), y + size * 0.4, shackle.left(), y + size * 0.5)
        painter.drawLine(shackle.right(), y + size * 0.4, shackle.right(), y + size * 0.5)
        painter.restore()

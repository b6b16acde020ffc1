"""The Overview's pieces: a figure that is a link, the cards that hold figures, and the rows
of cards, which wrap when the window is narrow.

Links and cards paint with the palette at paint time, so a theme switch recolours them (a style
sheet's palette(link) is resolved once and would keep the old theme's colour).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

_PAD = 2


class LinkButton(QAbstractButton):
    """A figure drawn as link text; Enter, Space or a click follow it.

    Signals:
    followed(str): its target, e.g. "rotation:overdue".
    """

    followed = Signal(str)

    def __init__(self, target: str, scale: float = 1.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self._colour: QColor | None = None
        if scale != 1.0:
            font = self.font()
            font.setPointSizeF(font.pointSizeF() * scale)
            font.setBold(True)
            self.setFont(font)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)  # hug the text
        self.clicked.connect(self._on_clicked)

    def set_link(self, text: str, target: str, colour: QColor | None = None) -> None:
        """Show `text` leading to `target`; `colour` for a warning, else the palette's link."""
        self.setText(text)
        self.target = target
        self._colour = colour
        self.updateGeometry()
        self.update()

    def colour(self) -> QColor:
        return self._colour or self.palette().color(QPalette.ColorRole.Link)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self.text()) + 2 * _PAD + 2, fm.height() + 2 * _PAD)

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(
            min(self.sizeHint().width(), 8 * fm.averageCharWidth()), self.sizeHint().height()
        )

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        font = self.font()
        font.setUnderline(self.underMouse() or self.hasFocus())
        painter.setFont(font)
        painter.setPen(self.colour())
        box = QRectF(self.rect()).adjusted(_PAD, _PAD, -_PAD, -_PAD)
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, int(box.width()) + 1
        )
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if self.hasFocus():
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1)
            painter.setPen(pen)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)

    @Slot()
    def _on_clicked(self) -> None:
        self.followed.emit(self.target)


class Card(QFrame):
    """A rounded panel with a title; what it holds goes into `body`."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(1)
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setContentsMargins(_PAD, 0, 0, 0)  # text in line with the links' text
        layout.addWidget(self.title)
        layout.addSpacing(4)
        self.body = layout

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        edge = QColor(palette.color(QPalette.ColorRole.WindowText))
        edge.setAlpha(40)
        painter.setPen(QPen(edge, 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)


class FigureCard(Card):
    """A card with one large figure, a caption under it and a few smaller figures."""

    def __init__(self, title: str, target: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.figure = LinkButton(target, scale=1.9)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setContentsMargins(_PAD, 0, 0, 4)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.figure)
        self.body.addWidget(self.caption)
        self.links = QVBoxLayout()
        self.links.setSpacing(1)
        self._small: list[LinkButton] = []
        self.body.addLayout(self.links)
        self.body.addStretch(1)

    def set_figure(self, text: str, caption: str, colour: QColor | None = None) -> None:
        self.figure.set_link(text, self.figure.target, colour)
        self.caption.setText(caption)
        self.figure.setAccessibleName(f"{text} {caption}".strip())

    def link(self, target: str) -> LinkButton:
        button = LinkButton(target)
        self.add_link(button)
        return button

    def add_link(self, button: LinkButton) -> None:
        self.links.addWidget(button)
        self._small.append(button)

    def remove_links(self) -> None:
        for button in self._small:
            self.links.removeWidget(button)
            button.deleteLater()
        self._small = []

    def small_figures(self) -> list[LinkButton]:
        return list(self._small)

    def needed_width(self) -> int:
        """The width at which every figure shows whole."""
        margins = self.body.contentsMargins()
        links = [self.figure, *self._small]
        return max(link.sizeHint().width() for link in links) + margins.left() + margins.right()

    def summary(self) -> str:
        """The card as a sentence, for screen readers: "Rotation: 95% of keys …; 4 overdue."""
        parts = [self.figure.accessibleName()] + [
            link.accessibleName() or link.text() for link in self.small_figures()
        ]
        return f"{self.title.text()}: " + "; ".join(p for p in parts if p) + "."


class CardRows(QWidget):
    """Cards in one row when each gets a readable width and shows its figures whole, else in
    rows of three, two or one; the cards of a shorter last row share its width."""

    CARD_WIDTH = 200  # the narrowest a card reads well at

    def __init__(
        self, cards: list[FigureCard], spacing: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.cards, self.spacing = cards, spacing
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)
        self.columns = 0
        self._rows: list[QHBoxLayout] = []
        self._place(len(cards))

    def _place(self, columns: int) -> None:
        if columns == self.columns:
            return
        for old in self._rows:
            for card in self.cards:
                old.removeWidget(card)
            self.box.removeItem(old)
            old.deleteLater()
        self._rows = []
        for start in range(0, len(self.cards), columns):
            row = QHBoxLayout()
            row.setSpacing(self.spacing)
            for card in self.cards[start : start + columns]:
                row.addWidget(card, 1)
            self.box.addLayout(row)
            self._rows.append(row)
        self.columns = columns

    def fitting(self, width: int) -> int:
        card = max(self.CARD_WIDTH, *(c.needed_width() for c in self.cards))
        for columns in (len(self.cards), 3, 2):
            if columns * card + (columns - 1) * self.spacing <= width:
                return columns
        return 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._place(self.fitting(event.size().width()))
        super().resizeEvent(event)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.CARD_WIDTH, super().minimumSizeHint().height())

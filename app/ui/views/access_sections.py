"""The Access view's three parts, each a titled table with the buttons that act on it: the
members, the member × environment matrix, and what is pending. They only lay out; the view
connects them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.models.grants_model import MEMBER_COLUMN, GrantsModel
from app.ui.models.members_model import MemberColumn, MembersModel
from app.ui.models.pending_model import PendingColumn, PendingModel

# At 1366 wide the members table and the matrix share about 1250 px: these widths leave the
# matrix room for "read until 2026-12-30" in each of three environments.
_MEMBER_WIDTHS = {
    MemberColumn.NAME: 75,
    MemberColumn.ROLE: 65,
    MemberColumn.STATUS: 120,
    MemberColumn.FINGERPRINT: 185,
    MemberColumn.TOTP: 110,
}
_PENDING_WIDTHS = {
    PendingColumn.KIND: 80,
    PendingColumn.WHO: 90,
    PendingColumn.WHAT: 330,
    PendingColumn.WHEN: 130,
}


Margins = tuple[int, int, int, int]


def _table(name: str, behaviour: QAbstractItemView.SelectionBehavior) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSelectionBehavior(behaviour)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    return button


class _Section(QWidget):
    """A bold title, a table, and a row of buttons at the bottom right."""

    def __init__(
        self, title: str, table: QTableView, buttons: list[QPushButton], margins: Margins
    ) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(*margins)
        self.title = QLabel(f"<b>{title}</b>")
        column.addWidget(self.title)
        self.table = table
        column.addWidget(table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        column.addLayout(row)

    def set_title(self, text: str) -> None:
        self.title.setText(f"<b>{text}</b>")


class MembersSection(_Section):
    def __init__(self, model: MembersModel, margins: Margins) -> None:
        self.remove = _button(self.tr("Re&move member…"), self.tr("Remove member"))
        rows = QAbstractItemView.SelectionBehavior.SelectRows
        table = _table(self.tr("Members"), rows)
        super().__init__(self.tr("Members"), table, [self.remove], margins)
        table.setModel(model)
        header = table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the order they were added
        table.setSortingEnabled(True)
        header.setStretchLastSection(True)
        for col, width in _MEMBER_WIDTHS.items():
            table.setColumnWidth(col, width)


class MatrixSection(_Section):
    def __init__(self, model: GrantsModel, margins: Margins) -> None:
        self.grant = _button(self.tr("&Grant…"), self.tr("Grant or change access"))
        self.revoke = _button(self.tr("Re&voke…"), self.tr("Revoke access"))
        cells = QAbstractItemView.SelectionBehavior.SelectItems
        table = _table(self.tr("Access by environment"), cells)
        super().__init__(
            self.tr("Access by environment"), table, [self.grant, self.revoke], margins
        )
        self.model = model
        table.setModel(model)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        model.modelReset.connect(self._on_model_reset)

    @Slot()
    def _on_model_reset(self) -> None:
        # The member column as wide as its names; the environments share the rest.
        if self.model.columnCount() > MEMBER_COLUMN:
            self.table.horizontalHeader().setSectionResizeMode(
                MEMBER_COLUMN, QHeaderView.ResizeMode.ResizeToContents
            )


class PendingSection(_Section):
    def __init__(self, model: PendingModel, margins: Margins) -> None:
        self.approve = _button(self.tr("&Approve…"), self.tr("Approve"))
        self.decline = _button(self.tr("&Deny…"), self.tr("Deny"))
        rows = QAbstractItemView.SelectionBehavior.SelectRows
        table = _table(self.tr("Pending"), rows)
        super().__init__(self.tr("Pending"), table, [self.approve, self.decline], margins)
        table.setModel(model)
        table.horizontalHeader().setStretchLastSection(True)
        for col, width in _PENDING_WIDTHS.items():
            table.setColumnWidth(col, width)

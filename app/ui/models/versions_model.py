"""A secret's version history: version, when, by whom, why, ticket and fingerprint."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.model import Version

_Index = QModelIndex | QPersistentModelIndex


class VersionColumn(enum.IntEnum):
    VERSION = 0
    WHEN = 1
    BY = 2
    REASON = 3
    FINGERPRINT = 4


_HEADERS = ("Ver.", "Date", "By", "Why", "Fingerprint")


class VersionsModel(QAbstractTableModel):
    """Newest first, as services.secrets.history returns them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Version, ...] = ()

    def set_versions(self, versions: Sequence[Version]) -> None:
        self.beginResetModel()
        self._rows = tuple(versions)
        self.endResetModel()

    def version_at(self, row: int) -> Version:
        return self._rows[row]

    def row_of(self, version: int) -> int | None:
        return next((n for n, v in enumerate(self._rows) if v.version == version), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(VersionColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return self.tr(_HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            current = self.tr(" (current)") if row.current else ""
            ticket = f" · {row.ticket}" if row.ticket else ""
            return (
                f"v{row.version}{current}: {row.created_at[:19].replace('T', ' ')} UTC,"
                f" {row.author}, {row.reason}{ticket}, {row.fingerprint}"
            )
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = VersionColumn(index.column())
        if column is VersionColumn.VERSION:
            return f"{row.version}{' ✓' if row.current else ''}"
        if column is VersionColumn.WHEN:
            return row.created_at[:10]
        if column is VersionColumn.REASON:
            return f"{row.reason} · {row.ticket}" if row.ticket else row.reason
        if column is VersionColumn.FINGERPRINT:
            return row.fingerprint.removeprefix("sha256:")
        return row.author

"""The team's members: name, role, status, key fingerprint, TOTP enrolment, last activity."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QFontDatabase

from app.services.team import TeamMember
from app.ui.models.relayout import reorder

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class MemberColumn(enum.IntEnum):
    NAME = 0
    ROLE = 1
    STATUS = 2
    FINGERPRINT = 3
    TOTP = 4
    LAST_ACTIVITY = 5


class MemberRole(enum.IntEnum):
    HANDLE = Qt.ItemDataRole.UserRole + 1
    MEMBER = enum.auto()
    STATUS = enum.auto()


_HEADERS = ("Name", "Role", "Status", "Fingerprint", "TOTP", "Last activity")
_ROLES = {"owner": "Owner", "admin": "Admin", "member": "Member", "auditor": "Auditor"}
_STATUS = {"active": "Active", "pending": "Awaiting approval", "removed": "Removed"}
_TOTP = {
    "": "Not enrolled",
    "pending": "Not finished",
    "active": "Enrolled",
    "recovered": "Recovery code used",
}
_TOTP_TIPS = {
    "": "No authenticator app: step-up environments stay closed to them",
    "pending": "Enrolment started but the first code was never confirmed",
    "active": "Step-up environments open with a code from their authenticator app",
    "recovered": "They opened step-up with a recovery code: they should enrol their new phone",
}
_TIPS = {
    MemberColumn.FINGERPRINT: "Compare it with what the member's own app shows, over a channel"
    " you trust (a call, in person)",
    MemberColumn.LAST_ACTIVITY: "The last change this member signed (reading leaves no trace"
    " until their next change)",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("MembersModel", text)


class MemberRow(NamedTuple):
    member: TeamMember
    display: tuple[str, ...]  # by MemberColumn
    sort_keys: tuple[Any, ...]


def build_rows(members: Sequence[TeamMember], tz: tzinfo | None) -> list[MemberRow]:
    rows = []
    for n, m in enumerate(members):
        when = datetime.fromisoformat(m.last_activity) if m.last_activity else None
        shown = when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "—"
        display = (
            m.handle,
            _tr(_ROLES.get(m.role, m.role)),
            _tr(_STATUS.get(m.status, m.status)),
            m.fingerprint,
            _tr(_TOTP.get(m.totp, m.totp)),
            shown,
        )
        keys = (
            m.handle.casefold(),
            (tuple(_ROLES).index(m.role) if m.role in _ROLES else 9, n),
            (m.status, n),
            m.fingerprint,
            (m.totp, n),
            when or datetime.min.replace(tzinfo=UTC),
        )
        rows.append(MemberRow(m, display, keys))
    return rows


class MembersModel(QAbstractTableModel):
    """Members in the order they were added, until a column header sorts them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base: list[MemberRow] = []
        self._rows: list[MemberRow] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def set_members(self, members: Sequence[TeamMember], tz: tzinfo | None = None) -> None:
        self.beginResetModel()
        self._base = build_rows(members, tz)
        self._rows = self._sorted()
        self.endResetModel()

    def member_at(self, row: int) -> TeamMember:
        return self._rows[row].member

    def row_of(self, handle: str) -> int:
        return next((n for n, r in enumerate(self._rows) if r.member.handle == handle), -1)

    def _sorted(self) -> list[MemberRow]:
        if self._sort is None:
            return list(self._base)
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        return sorted(self._base, key=lambda r: r.sort_keys[column], reverse=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(MemberColumn):
            return
        self._sort = (column, order)

        def change() -> list[MemberRow]:
            self._rows = self._sorted()
            return self._rows

        reorder(self, self._rows, change)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(MemberColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_HEADERS):
            return None
        if role == DISPLAY:
            return _tr(_HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole and section in _TIPS:
            return _tr(_TIPS[MemberColumn(section)])
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == DISPLAY:
            return row.display[column]
        if role == MemberRole.HANDLE:
            return row.member.handle
        if role == MemberRole.MEMBER:
            return row.member
        if role == MemberRole.STATUS:
            return row.member.status
        if role == Qt.ItemDataRole.FontRole and column == MemberColumn.FINGERPRINT:
            return QFont(self._mono)
        if role == Qt.ItemDataRole.ToolTipRole and column == MemberColumn.TOTP:
            return _tr(_TOTP_TIPS.get(row.member.totp, ""))
        pending = row.member.status == "pending"
        if role == Qt.ItemDataRole.ToolTipRole and column == MemberColumn.STATUS and pending:
            return _tr("Joined with an invite; an admin compares fingerprints and approves")
        return None

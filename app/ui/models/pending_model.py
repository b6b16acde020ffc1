"""What waits for someone: joins to approve, open access requests, invites not yet used."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from app.core.clock import parse_iso
from app.services.team_snapshot import TeamSnapshot
from app.ui.models.secrets_model import DUE_SOON_COLOUR

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class PendingColumn(enum.IntEnum):
    KIND = 0
    WHO = 1
    WHAT = 2
    WHEN = 3
    NOTE = 4


class PendingRole(enum.IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1  # 'join', 'request' or 'invite'
    KEY = enum.auto()  # the member's handle (join, invite) or the request's id
    ITEM = enum.auto()


_HEADERS = ("Waiting", "Who", "What", "When", "Note")


def _tr(text: str) -> str:
    return QCoreApplication.translate("PendingModel", text)


class PendingItem(NamedTuple):
    kind: str
    key: str
    display: tuple[str, ...]  # by PendingColumn
    tip: str
    late: bool  # an invite past its date


def _when(moment: str, tz: tzinfo | None) -> str:
    return parse_iso(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _grants(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{env} {_tr(access)}" for env, access in pairs) or _tr("no environment")


def pending_items(team: TeamSnapshot, tz: tzinfo | None) -> list[PendingItem]:
    """Joins first (someone is waiting on a call), then requests, then invites."""
    items = []
    for member in team.joins():
        invite = team.invite_of(member.handle)
        what = _tr("Joined as %1; the invite grants %2").replace("%1", _tr(member.role))
        what = what.replace("%2", _grants(invite.grants if invite else ()))
        when = _when(member.last_activity, tz) if member.last_activity else "—"
        note = _tr("Fingerprint %1: compare it before approving").replace("%1", member.fingerprint)
        tip = _tr("Ask %1 to read out the fingerprint their app showed when they joined")
        items.append(
            PendingItem(
                "join",
                member.handle,
                (_tr("Join"), member.handle, what, when, note),
                tip.replace("%1", member.handle),
                False,
            )
        )
    for request in team.requests:
        what = f"{request.env_name} {_tr(request.access)}"
        if request.until:
            what += _tr(" until %1").replace("%1", _when(request.until, tz)[:10])
        items.append(
            PendingItem(
                "request",
                request.id,
                (
                    _tr("Request"),
                    request.handle,
                    what,
                    _when(request.requested_at, tz),
                    request.reason,
                ),
                request.reason,
                False,
            )
        )
    for invite in team.invites:
        late = invite.status == "expired"
        when = (_tr("expired %1") if late else _tr("expires %1")).replace(
            "%1", _when(invite.expires, tz)[:10]
        )
        note = (
            _tr("Expired: cancel it and invite again")
            if late
            else _tr("Waiting for %1 to join").replace("%1", invite.handle)
        )
        what = _tr("Invited as %1 with %2").replace("%1", _tr(invite.role))
        what = what.replace("%2", _grants(invite.grants))
        tip = _tr("Invited by %1").replace("%1", invite.created_by)
        display = (_tr("Invite"), invite.handle, what, when, note)
        items.append(PendingItem("invite", invite.handle, display, tip, late))
    return items


class PendingModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[PendingItem] = []

    def set_items(self, items: Sequence[PendingItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> PendingItem:
        return self._items[row]

    def row_of(self, kind: str, key: str) -> int:
        return next((n for n, i in enumerate(self._items) if (i.kind, i.key) == (kind, key)), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PendingColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == DISPLAY
            and 0 <= section < len(_HEADERS)
        ):
            return _tr(_HEADERS[section])
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item, column = self._items[index.row()], index.column()
        if role == DISPLAY:
            return item.display[column]
        if role == PendingRole.KIND:
            return item.kind
        if role == PendingRole.KEY:
            return item.key
        if role == PendingRole.ITEM:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.display[column] if column == PendingColumn.NOTE else item.tip
        if role == Qt.ItemDataRole.ForegroundRole and item.late and column == PendingColumn.WHEN:
            return QColor(DUE_SOON_COLOUR)
        return None

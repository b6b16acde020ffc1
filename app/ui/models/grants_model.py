"""Who holds which environment: a member × environment matrix of read / write / —, with the
end date of a time-bound grant."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, tzinfo
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
from app.core.model import Environment
from app.services.team import Grant, TeamMember
from app.ui.models.secrets_model import OVERDUE_COLOUR

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
MEMBER_COLUMN = 0  # then one column per environment
NONE = "—"


class GrantRole(enum.IntEnum):
    HANDLE = Qt.ItemDataRole.UserRole + 1
    ENV_NAME = enum.auto()
    GRANT = enum.auto()


def _tr(text: str) -> str:
    return QCoreApplication.translate("GrantsModel", text)


class Cell(NamedTuple):
    text: str
    tip: str
    ended: bool  # past its end date, revoked at an admin's next unlock


class MatrixRow(NamedTuple):
    member: TeamMember
    cells: tuple[Cell, ...]  # by environment
    grants: tuple[Grant | None, ...]


def _day(moment: str, tz: tzinfo | None) -> str:
    return parse_iso(moment).astimezone(tz).date().isoformat()


def _cell(
    member: TeamMember, env: Environment, grant: Grant | None, now: datetime, tz: tzinfo | None
) -> Cell:
    if grant is None:
        if member.role == "auditor":
            tip = _tr("Auditors are not granted environments: they never read values")
        else:
            tip = _tr("%1 has no access to %2").replace("%1", member.handle)
            tip = tip.replace("%2", env.name)
        return Cell(NONE, tip, False)
    access = _tr(grant.access)
    tip = _tr("%1 can %2 %3, granted by %4 on %5")
    tip = tip.replace("%1", member.handle).replace("%2", access).replace("%3", env.name)
    tip = tip.replace("%4", grant.granted_by).replace("%5", _day(grant.granted_at, tz))
    if grant.request:
        tip += _tr(" (request %1)").replace("%1", grant.request[:8])
    if grant.until is None:
        return Cell(access, tip, False)
    day = _day(grant.until, tz)
    if grant.expired(now):
        text = _tr("%1, ended %2").replace("%1", access).replace("%2", day)
        return Cell(text, tip + _tr("; ended, revoked at an admin's next unlock"), True)
    text = _tr("%1 until %2").replace("%1", access).replace("%2", day)
    return Cell(text, tip + _tr(", until %1").replace("%1", day), False)


def build_matrix(
    members: Sequence[TeamMember],
    envs: Sequence[Environment],
    grants: Sequence[Grant],
    now: datetime,
    tz: tzinfo | None,
) -> list[MatrixRow]:
    by_key = {(g.member_id, g.env_id): g for g in grants}
    rows = []
    for member in members:
        if member.status != "active":
            continue  # a pending join holds no key yet: it shows under Pending
        found = tuple(by_key.get((member.id, env.id)) for env in envs)
        cells = tuple(_cell(member, e, g, now, tz) for e, g in zip(envs, found, strict=True))
        rows.append(MatrixRow(member, cells, found))
    return rows


class GrantsModel(QAbstractTableModel):
    """Active members as rows, in the order they were added; environments as columns."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[MatrixRow] = []
        self._envs: tuple[Environment, ...] = ()

    def set_matrix(
        self,
        members: Sequence[TeamMember],
        envs: Sequence[Environment],
        grants: Sequence[Grant],
        now: datetime,
        tz: tzinfo | None = None,
    ) -> None:
        self.beginResetModel()
        self._envs = tuple(envs)
        self._rows = build_matrix(members, envs, grants, now, tz)
        self.endResetModel()

    def cell(self, row: int, column: int) -> tuple[str, str | None]:
        """(member handle, environment name or None for the member column)."""
        env = self._envs[column - 1].name if column > MEMBER_COLUMN else None
        return self._rows[row].member.handle, env

    def index_of(self, handle: str, env_name: str) -> QModelIndex:
        for n, found in enumerate(self._rows):
            for m, env in enumerate(self._envs):
                if found.member.handle == handle and env.name == env_name:
                    return self.index(n, m + 1)
        return QModelIndex()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._envs) + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section <= len(self._envs):
            return None
        env = self._envs[section - 1] if section > MEMBER_COLUMN else None
        if role == DISPLAY:
            if env is None:
                return _tr("Member")
            return f"{env.name} (TOTP)" if env.policy.step_up != "none" else env.name
        if role == Qt.ItemDataRole.ToolTipRole and env is not None and env.policy.step_up != "none":
            return _tr("Handing out %1's key asks for your TOTP code").replace("%1", env.name)
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if not 0 <= column <= len(self._envs):
            return None
        if role == GrantRole.HANDLE:
            return row.member.handle
        if column == MEMBER_COLUMN:
            if role == DISPLAY:
                return f"{row.member.handle} ({_tr(row.member.role)})"
            return None
        cell, env = row.cells[column - 1], self._envs[column - 1]
        if role == DISPLAY:
            return cell.text
        if role == GrantRole.ENV_NAME:
            return env.name
        if role == GrantRole.GRANT:
            return row.grants[column - 1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tip
        if role == Qt.ItemDataRole.ForegroundRole and cell.ended:
            return QColor(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None

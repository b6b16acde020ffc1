"""The environment list: an "All environments" row, then each environment with its key count."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from app.core.model import Environment

_Index = QModelIndex | QPersistentModelIndex

ALL_ROW = 0  # the pseudo row; environment i is shown at row i + 1


class EnvColumn(enum.IntEnum):
    NAME = 0
    COUNT = 1


class EnvRole(enum.IntEnum):
    ENV_ID = Qt.ItemDataRole.UserRole + 1
    STEP_UP = enum.auto()
    READABLE = enum.auto()


_HEADERS: dict[EnvColumn, str] = {EnvColumn.NAME: "Environment", EnvColumn.COUNT: "Keys"}
_COUNT_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    return QCoreApplication.translate("EnvironmentsModel", text)


def asks_step_up(env: Environment) -> bool:
    return env.policy.step_up != "none"


class EnvironmentsModel(QAbstractTableModel):
    """Environments in the order given (the services list them by position)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._envs: tuple[Environment, ...] = ()
        self._total = 0

    def set_environments(self, envs: Sequence[Environment]) -> None:
        self.beginResetModel()
        self._envs = tuple(envs)
        self._total = sum(e.secret_count for e in self._envs)
        self.endResetModel()

    def env_at(self, row: int) -> Environment | None:
        """The environment shown at ``row``; None for the "All environments" row."""
        if row == ALL_ROW:
            return None
        return self._envs[row - 1]

    def row_of(self, env_id: str | None) -> int:
        """The row showing ``env_id`` (None: the "All environments" row), or -1 if absent."""
        if env_id is None:
            return ALL_ROW
        for i, env in enumerate(self._envs, start=1):
            if env.id == env_id:
                return i
        return -1

    @property
    def total_count(self) -> int:
        return self._total

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._envs) + 1

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(EnvColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(EnvColumn)
        ):
            return _tr(_HEADERS[EnvColumn(section)])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        env = self.env_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == EnvColumn.COUNT:
                return str(self._total if env is None else env.secret_count)
            return _tr("All environments") if env is None else env.name
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _COUNT_ALIGNMENT if column == EnvColumn.COUNT else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if env is not None and asks_step_up(env):
                return _tr("%1 asks for a TOTP code before keys open").replace("%1", env.name)
            return None
        if role == EnvRole.ENV_ID:
            return None if env is None else env.id
        if role == EnvRole.STEP_UP:
            return env is not None and asks_step_up(env)
        if role == EnvRole.READABLE:
            return True if env is None else env.readable
        return None

"""The list of access reviews: when each started, its status (overdue in red), reviewer, due
date and progress. A handful of rows a year: no filtering, newest first as the service lists."""

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

from app.core.clock import parse_iso
from app.core.reviews import Campaign
from app.ui.models.secrets_model import OVERDUE_COLOUR

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren


class CampaignColumn(enum.IntEnum):
    STARTED = 0
    STATUS = 1
    REVIEWER = 2
    DUE = 3
    PROGRESS = 4


class CampaignRole(enum.IntEnum):
    CAMPAIGN = Qt.ItemDataRole.UserRole + 1
    ID = enum.auto()
    PROGRESS = enum.auto()  # (decided, total)
    OVERDUE = enum.auto()


_HEADERS = ("Started", "Status", "Reviewer", "Due", "Progress")


def _tr(text: str) -> str:
    return QCoreApplication.translate("CampaignsModel", text)


def local_day(moment: str, tz: tzinfo | None) -> str:
    return parse_iso(moment).astimezone(tz).date().isoformat()


def progress_text(campaign: Campaign) -> str:
    return (
        _tr("%1 of %2 decided")
        .replace("%1", str(campaign.decided))
        .replace("%2", str(len(campaign.rows)))
    )


class CampaignItem(NamedTuple):
    campaign: Campaign
    overdue: bool
    display: tuple[str, ...]  # by CampaignColumn
    tip: str


def _item(campaign: Campaign, now: datetime, tz: tzinfo | None) -> CampaignItem:
    overdue = campaign.overdue(now)
    if campaign.completed_at:
        status = _tr("Signed off %1").replace("%1", local_day(campaign.completed_at, tz))
    else:
        status = _tr("Open · overdue") if overdue else _tr("Open")
    display = (
        local_day(campaign.started_at, tz),
        status,
        campaign.reviewer,
        local_day(campaign.due, tz),
        progress_text(campaign),
    )
    tip = (
        _tr("Review %1, started by %2; %3 grants")
        .replace("%1", campaign.id[:8])
        .replace("%2", campaign.started_by)
        .replace("%3", str(len(campaign.rows)))
    )
    return CampaignItem(campaign, overdue, display, tip)


class CampaignsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[CampaignItem] = []

    def set_campaigns(
        self, campaigns: Sequence[Campaign], now: datetime, tz: tzinfo | None = UTC
    ) -> None:
        self.beginResetModel()
        self._items = [_item(c, now, tz) for c in campaigns]
        self.endResetModel()

    def campaign_at(self, row: int) -> Campaign:
        return self._items[row].campaign

    def campaigns(self) -> list[Campaign]:
        return [i.campaign for i in self._items]

    def row_of(self, campaign_id: str) -> int:
        """The campaign's row, or -1."""
        return next((n for n, i in enumerate(self._items) if i.campaign.id == campaign_id), -1)

    # --- QAbstractItemModel -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CampaignColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and 0 <= section < len(_HEADERS)
        return _tr(_HEADERS[section]) if horizontal and role == DISPLAY else None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == DISPLAY:
            return item.display[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            red = item.overdue and column in (CampaignColumn.STATUS, CampaignColumn.DUE)
            return OVERDUE_COLOUR if red else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.tip
        if role == CampaignRole.CAMPAIGN:
            return item.campaign
        if role == CampaignRole.ID:
            return item.campaign.id
        if role == CampaignRole.PROGRESS:
            return (item.campaign.decided, len(item.campaign.rows))
        if role == CampaignRole.OVERDUE:
            return item.overdue
        return None

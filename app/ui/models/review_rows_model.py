"""One access review's rows: each grant as it was snapshotted, how it was last used (rows unused
for 90 days tinted amber), whether it changed or ended since, and its decision. Rows about the
viewer's own access are marked: another admin decides them."""

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
from PySide6.QtGui import QColor, QFont

from app.core.clock import parse_iso
from app.core.model import Member
from app.core.reviews import Campaign, Row, RowState
from app.services.review_rules import why_not_decide
from app.ui.models.relayout import reorder
from app.ui.models.secrets_model import DUE_SOON_COLOUR, OVERDUE_COLOUR

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
# Amber at a low alpha: a tint that reads in both themes and leaves the text its own colour.
UNUSED_BACKGROUND = QColor(255, 171, 0, 60)
MUTED = QColor(128, 128, 128)
_BOLD = QFont()
_BOLD.setBold(True)
_ITALIC = QFont()
_ITALIC.setItalic(True)


class ReviewColumn(enum.IntEnum):
    MEMBER = 0
    ENVIRONMENT = 1
    ACCESS = 2
    GRANTED = 3
    JUSTIFICATION = 4
    LAST_USED = 5
    NOW = 6
    DECISION = 7
    COMMENT = 8


class ReviewRole(enum.IntEnum):
    ROW = Qt.ItemDataRole.UserRole + 1
    KEY = enum.auto()  # (handle, environment name)
    WHY_NOT = enum.auto()  # why the viewer may not decide it; None when they may
    UNUSED = enum.auto()
    SORT_KEY = enum.auto()


_HEADERS = (
    "Member", "Env", "Access", "Granted", "Justification", "Last used", "Since snapshot",
    "Decision", "Comment",
)  # fmt: skip
_STATE_ORDER = {RowState.UNCHANGED: 0, RowState.CHANGED: 1, RowState.ENDED: 2}
_DECISION_ORDER = {None: 0, "revoke": 1, "change": 2, "keep": 3}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReviewRowsModel", text)


class ReviewItem(NamedTuple):
    row: Row
    why_not: str | None
    own: bool
    display: tuple[str, ...]  # by ReviewColumn
    sort_keys: tuple[Any, ...]  # by ReviewColumn
    tips: dict[int, str]


def decision_text(row: Row) -> str:
    d = row.decision
    if d is None:
        return _tr("Undecided")
    if d.decision == "change":
        return _tr("Change to %1").replace("%1", d.access or "")
    return _tr(d.decision.capitalize())


def _day(moment: str, tz: tzinfo | None) -> str:
    return parse_iso(moment).astimezone(tz).date().isoformat()


def build_item(row: Row, campaign: Campaign, me: Member | None, tz: tzinfo | None) -> ReviewItem:
    s, d = row.snapshot, row.decision
    own = me is not None and s.member_id == me.id
    reason = why_not_decide(me, campaign, row) if me else "The vault is locked."
    why_not = _tr(reason) if reason else None
    member = s.handle if s.role in ("member", "") else f"{s.handle} ({s.role})"
    access = s.access
    if s.until:
        access += _tr(" until %1").replace("%1", _day(s.until, tz))
    used = _tr("never")
    if s.last_used:
        used = f"{_day(s.last_used, tz)} ({s.last_used_how})"
    if row.unused:
        used += _tr(" · unused 90+ days")
    now = {RowState.CHANGED: _tr("Changed"), RowState.ENDED: _tr("Ended")}.get(row.state, "")
    decision = decision_text(row)
    if d is None and own and campaign.status == "open":
        decision = _tr("Another admin decides")
    display = (
        member,
        s.env_name,
        access,
        f"{s.granted_by}, {_day(s.granted_at, tz)}",
        s.justification,
        used,
        now,
        decision,
        d.comment if d else "",
    )
    keys = (
        s.handle.casefold(),
        s.env_name.casefold(),
        s.access,
        s.granted_at,
        s.justification.casefold(),
        s.last_used or "",
        _STATE_ORDER[row.state],
        _DECISION_ORDER.get(d.decision if d else None, 4),
        (d.comment if d else "").casefold(),
    )
    tips: dict[int, str] = {}
    if row.unused:
        tips[ReviewColumn.LAST_USED] = _tr(
            "No reveal, copy or run in the 90 days before the review started"
        )
    if row.state is RowState.CHANGED:
        tips[ReviewColumn.NOW] = _tr(
            "The grant changed while the review ran: the decision applies to it as it is now"
        )
    elif row.state is RowState.ENDED:
        tips[ReviewColumn.NOW] = _tr("The grant ended while the review ran: sign-off skips it")
    if d is not None:
        tips[ReviewColumn.DECISION] = (
            _tr("Decided by %1 on %2")
            .replace("%1", d.decided_by)
            .replace("%2", _day(d.decided_at, tz))
        )
    if d is not None and d.comment:
        tips[ReviewColumn.COMMENT] = d.comment
    if s.justification:
        tips[ReviewColumn.JUSTIFICATION] = s.justification
    if own and why_not:
        tips[ReviewColumn.DECISION] = why_not
    return ReviewItem(row, why_not, own, display, keys, tips)


class ReviewRowsModel(QAbstractTableModel):
    """The selected campaign's rows; with no sort column, the snapshot's order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.campaign: Campaign | None = None
        self._base: list[ReviewItem] = []
        self._shown: list[ReviewItem] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    def set_campaign(
        self, campaign: Campaign | None, me: Member | None, tz: tzinfo | None = None
    ) -> None:
        rows: Sequence[Row] = campaign.rows if campaign else ()
        self.beginResetModel()
        self.campaign = campaign
        self._base = [build_item(r, campaign, me, tz) for r in rows] if campaign else []
        self._shown = self._in_order(self._base)
        self.endResetModel()

    def item_at(self, row: int) -> ReviewItem:
        return self._shown[row]

    def items(self) -> list[ReviewItem]:
        return list(self._shown)

    def index_of(self, handle: str, env_name: str, column: int = 0) -> QModelIndex:
        for n, item in enumerate(self._shown):
            if (item.row.snapshot.handle, item.row.snapshot.env_name) == (handle, env_name):
                return self.index(n, column)
        return QModelIndex()

    # --- QAbstractItemModel -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ReviewColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and 0 <= section < len(_HEADERS)
        return _tr(_HEADERS[section]) if horizontal and role == DISPLAY else None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        item = self._shown[index.row()]
        column = index.column()
        if role == DISPLAY:
            return item.display[column]
        if role == Qt.ItemDataRole.BackgroundRole:
            return UNUSED_BACKGROUND if item.row.unused else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(item, column)
        if role == Qt.ItemDataRole.FontRole:
            if column == ReviewColumn.LAST_USED and item.row.unused:
                return _BOLD
            undecided = item.row.decision is None
            return _ITALIC if column == ReviewColumn.DECISION and undecided else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.tips.get(column) or (item.why_not if item.own else None)
        if role == ReviewRole.ROW:
            return item.row
        if role == ReviewRole.KEY:
            return (item.row.snapshot.handle, item.row.snapshot.env_name)
        if role == ReviewRole.WHY_NOT:
            return item.why_not
        if role == ReviewRole.UNUSED:
            return item.row.unused
        if role == ReviewRole.SORT_KEY:
            return item.sort_keys[column]
        return None

    @staticmethod
    def _foreground(item: ReviewItem, column: int) -> QColor | None:
        if column == ReviewColumn.NOW and item.row.state is not RowState.UNCHANGED:
            return DUE_SOON_COLOUR
        if column == ReviewColumn.DECISION:
            d = item.row.decision
            if d is None:
                return MUTED
            return OVERDUE_COLOUR if d.decision == "revoke" else None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(ReviewColumn):
            column = -1

        def resort() -> list[ReviewItem]:
            self._sort_column, self._sort_order = column, order
            self._shown = self._in_order(self._base)
            return self._shown

        reorder(self, self._shown, resort)

    def _in_order(self, items: list[ReviewItem]) -> list[ReviewItem]:
        if self._sort_column < 0:
            return list(items)
        column = self._sort_column
        return sorted(
            items,
            key=lambda i: i.sort_keys[column],
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

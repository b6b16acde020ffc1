"""The audit table: every ledger event, precomputed once and filtered in Python (as the
secrets table: at 100k rows a QSortFilterProxyModel takes seconds per change)."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from app.core.model import AuditEntry
from app.ui.models.audit_details import details_text, details_tip
from app.ui.models.relayout import reorder

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole


class AuditColumn(enum.IntEnum):
    TIME = 0
    ACTOR = 1
    ACTION = 2
    ENVIRONMENT = 3
    SECRET = 4
    DETAILS = 5


class AuditRole(enum.IntEnum):
    ENTRY = Qt.ItemDataRole.UserRole + 1
    SORT_KEY = enum.auto()
    DAY = enum.auto()  # the local date, ISO


_HEADERS = ("Time", "Actor", "Action", "Environment", "Secret", "Details")
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
_CHOICE_COLUMNS = (AuditColumn.ACTOR, AuditColumn.ACTION, AuditColumn.ENVIRONMENT)
# Free-text terms, actor, action, environment, first and last local day (ISO, inclusive).
_Filter = tuple[tuple[str, ...], str | None, str | None, str | None, str | None, str | None]
_NO_FILTER: _Filter = ((), None, None, None, None, None)
_SEPARATOR = "\n"  # no whitespace-split term contains it, so no term spans two fields


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditModel", text)


class AuditRow(NamedTuple):
    """One event with what the table shows, sorts and filters by, computed once."""

    entry: AuditEntry
    day: str  # local date, ISO: compared as text for the date range
    display: tuple[str, ...]  # by AuditColumn
    sort_keys: tuple[Any, ...]  # by AuditColumn
    search_key: str


def zone_name(tz: tzinfo | None) -> str:
    """The zone's name: "Europe/Berlin"; for None (this computer's zone) "CET/CEST"."""
    if tz is None:
        return "/".join(dict.fromkeys(time.tzname))
    key = getattr(tz, "key", None)
    return str(key) if key else str(tz.tzname(datetime.now(tz)))


def build_rows(entries: Iterable[AuditEntry], tz: tzinfo | None) -> list[AuditRow]:
    """Rows newest first from entries in ledger order; plain Python, so a worker may run it.

    `tz` None is this computer's zone with its rules at each instant (summer time in July,
    not today's offset)."""
    times: dict[str, tuple[str, float]] = {}  # a commit's events share its time
    policies: dict[str, Mapping[str, object]] = {}  # each environment's latest, for changes
    rows = []
    for n, e in enumerate(entries):
        when = times.get(e.ts)
        if when is None:
            moment = datetime.fromisoformat(e.ts)
            t = moment.astimezone(tz)  # strftime would cost a third of the whole build
            shown = f"{t.year:04}-{t.month:02}-{t.day:02} {t.hour:02}:{t.minute:02}"
            when = times[e.ts] = (shown, moment.timestamp())
        shown_time, stamp = when
        policy = e.details.get("policy")
        before = policies.get(e.env)
        if e.action in ("env.add", "env.policy") and isinstance(policy, Mapping):
            policies[e.env] = policy
        details = details_text(e.action, e.details, before)
        display = (shown_time, e.actor, e.action, e.env, e.secret, details)
        keys = (
            (stamp, n),
            e.actor.casefold(),
            e.action,
            e.env.casefold(),
            e.secret.casefold(),
            details.casefold(),
        )
        # Details the line leaves out (a fingerprint) are searchable too.
        hidden = (str(v) for v in e.details.values())
        search = _SEPARATOR.join((*display, *hidden)).casefold()
        rows.append(AuditRow(e, shown_time[:10], display, keys, search))
    rows.reverse()
    return rows


class AuditModel(QAbstractTableModel):
    """Audit events as rows, newest first unless sorted by a column."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base: list[AuditRow] = []
        self._sorted: list[AuditRow] = []
        self._shown: list[AuditRow] = []
        self._filter = _NO_FILTER
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.zone = "UTC"  # the name of the zone times are shown in

    # --- public API -------------------------------------------------------------------------

    def set_entries(self, entries: Iterable[AuditEntry], tz: tzinfo | None) -> None:
        """Entries in ledger order (as `audit.entries` yields them), times shown in `tz`."""
        self.set_rows(build_rows(entries, tz), tz)

    def set_rows(self, rows: list[AuditRow], tz: tzinfo | None) -> None:
        """Rows `build_rows` made for `tz` (a worker thread may have built them)."""
        self.beginResetModel()
        self.zone = zone_name(tz)
        self._base = rows
        self._sorted = self._in_sort_order(rows)
        self._shown = self._matching(self._sorted)
        self.endResetModel()

    def set_filter(
        self,
        text: str = "",
        *,
        actor: str | None = None,
        action: str | None = None,
        env: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> None:
        """Every text term must match; exact choices and an inclusive date range in the
        entries' zone; None means any."""
        wanted: _Filter = (
            tuple(text.casefold().split()),
            actor,
            action,
            env,
            start.isoformat() if start else None,
            end.isoformat() if end else None,
        )
        if wanted == self._filter:
            return
        self.beginResetModel()
        self._filter = wanted
        self._shown = self._matching(self._sorted)
        self.endResetModel()

    def is_filtered(self) -> bool:
        return self._filter != _NO_FILTER

    def choices(self, column: AuditColumn) -> list[str]:
        """The distinct values of the Actor, Action or Environment column, for a filter list."""
        return sorted({r.display[column] for r in self._base}, key=str.casefold)

    def row_at(self, row: int) -> AuditRow:
        return self._shown[row]

    @property
    def total_count(self) -> int:
        return len(self._base)

    @property
    def shown_count(self) -> int:
        return len(self._shown)

    # --- QAbstractItemModel -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AuditColumn)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_HEADERS):
            return None
        if role == DISPLAY:
            return _tr(_HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole and section == AuditColumn.TIME:
            return _tr("Local time (%1)").replace("%1", self.zone)
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        column = index.column()
        if role == DISPLAY:
            return row.display[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == AuditColumn.TIME:
                utc = row.entry.ts[:19].replace("T", " ") + " UTC"
                return _tr("%1, commit %2").replace("%1", utc).replace("%2", str(row.entry.seq))
            if column == AuditColumn.DETAILS:
                return details_tip(row.entry.details) or None
            return None
        if role == AuditRole.ENTRY:
            return row.entry
        if role == AuditRole.SORT_KEY:
            return row.sort_keys[column]
        if role == AuditRole.DAY:
            return row.day
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(AuditColumn):
            column = -1  # QHeaderView's "no sort": newest first

        def resort() -> Sequence[object]:
            self._sort_column, self._sort_order = column, order
            self._sorted = self._in_sort_order(self._base)
            self._shown = self._matching(self._sorted)
            return self._shown

        reorder(self, self._shown, resort)

    # --- internals --------------------------------------------------------------------------

    def _in_sort_order(self, rows: list[AuditRow]) -> list[AuditRow]:
        if self._sort_column < 0:
            return rows
        column = self._sort_column
        # Stable either way: ties stay newest first.
        return sorted(
            rows,
            key=lambda r: r.sort_keys[column],
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

    def _matching(self, rows: list[AuditRow]) -> list[AuditRow]:
        terms, actor, action, env, start, end = self._filter
        for column, wanted in zip(_CHOICE_COLUMNS, (actor, action, env), strict=True):
            if wanted is not None:
                rows = [r for r in rows if r.display[column] == wanted]
        if start is not None:
            rows = [r for r in rows if r.day >= start]
        if end is not None:
            rows = [r for r in rows if r.day <= end]
        for term in terms:
            rows = [r for r in rows if term in r.search_key]
        return rows

"""The secrets table: immutable rows with precomputed text, filtered and sorted in Python.

A stock QSortFilterProxyModel over 100k Python rows takes seconds per keystroke (see FACTS.md),
so this model filters over precomputed lower-case search keys and sorts with ``sorted()``.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from app.core.model import Secret
from app.core.providers import by_id
from app.core.rotation import BY_SEVERITY, DUE_SOON_DAYS, Flag, RotationStatus

_Index = QModelIndex | QPersistentModelIndex

# Chosen to sit near the middle of the light (#ffffff) and dark (#16181b) bases, so the same
# hue reads at roughly 4:1 in both themes without asking the palette.
OVERDUE_COLOUR = QColor("#e53935")
DUE_SOON_COLOUR = QColor("#e65100")
REQUIRED_COLOUR = QColor("#a855f7")  # violet: apart from both reds

# A character no whitespace-split search term can contain, so no term matches across fields.
_KEY_SEPARATOR = "\n"

_STATUS_COLOURS = {
    RotationStatus.DUE_SOON: DUE_SOON_COLOUR,
    RotationStatus.OVERDUE: OVERDUE_COLOUR,
    RotationStatus.REQUIRED: REQUIRED_COLOUR,
}

_NO_FLAGS: Mapping[str, Flag] = {}


class Column(enum.IntEnum):
    NAME = 0
    ENVIRONMENT = 1
    ENV_VAR = 2
    PROVIDER = 3
    OWNER = 4
    LAST_ROTATED = 5
    NEXT_DUE = 6
    STATUS = 7


class Role(enum.IntEnum):
    SECRET_ID = Qt.ItemDataRole.UserRole + 1
    ROW = enum.auto()
    STATUS = enum.auto()
    SORT_KEY = enum.auto()


_HEADERS: dict[Column, str] = {
    Column.NAME: "Name",
    Column.ENVIRONMENT: "Env",
    Column.ENV_VAR: "Env var",
    Column.PROVIDER: "Provider",
    Column.OWNER: "Owner",
    Column.LAST_ROTATED: "Last rotated",
    Column.NEXT_DUE: "Next due",
    Column.STATUS: "Status",
}

# By severity (core.rotation.BY_SEVERITY): OK, due soon, overdue, rotation required.
STATUS_LABELS: tuple[str, str, str, str] = ("OK", "Due soon", "Overdue", "Rotation required")

_DATE_COLUMNS = frozenset({Column.LAST_ROTATED, Column.NEXT_DUE})
_DATE_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    return QCoreApplication.translate("SecretsModel", text)


def _parse_utc(text: str) -> datetime:
    # The ledger writes "%Y-%m-%dT%H:%M:%S.%fZ"; fromisoformat reads it ~40x faster than
    # core's strptime-based parse_iso, which is what keeps 100k rows near a second.
    return datetime.fromisoformat(text)


def _severity(due: datetime, now: datetime, due_soon: timedelta) -> int:
    # core.rotation.status_of for an unflagged key, from an already parsed due date; a test
    # keeps the two in step.
    if due <= now:
        return 2
    if due - now <= due_soon:
        return 1
    return 0


def rotation_status(
    due: datetime, now: datetime, due_soon_days: int = DUE_SOON_DAYS, flagged: bool = False
) -> RotationStatus:
    return BY_SEVERITY[3 if flagged else _severity(due, now, _period(due_soon_days))]


@lru_cache(maxsize=1024)
def _period(days: int) -> timedelta:
    # A vault has a handful of rotation periods; building a timedelta per row cost 0.6 µs.
    return timedelta(days=days)


@lru_cache(maxsize=256)
def provider_name(provider_id: str) -> str:
    """The provider's display name; an unknown id is shown as stored."""
    if not provider_id:
        return ""
    found = by_id(provider_id)
    return found.name if found is not None else provider_id


class SecretRow(NamedTuple):
    """One table row: the core record plus what filtering and the rotation status need.

    A NamedTuple, like Secret, holding only what every row needs at once: 100k of them are
    built per unlock. A cell's text and a column's sort key are worked out when asked for.
    """

    secret: Secret
    last_rotated: datetime
    next_due: datetime
    status: RotationStatus
    status_text: str  # the Status column's text
    search_key: str  # case-folded name, env, env var, provider id and name, owner, tags
    flag: Flag | None = None  # an open "rotation required" flag

    @classmethod
    def from_secret(
        cls,
        secret: Secret,
        now: datetime,
        status_labels: Sequence[str] = STATUS_LABELS,
        due_soon: timedelta = timedelta(days=DUE_SOON_DAYS),  # noqa: B008 - immutable
        flag: Flag | None = None,
    ) -> SecretRow:
        """``status_labels``: the Status column's text for each severity (BY_SEVERITY)."""
        meta = secret.meta
        rotated = _parse_utc(secret.rotated_at)
        due = rotated + _period(secret.rotation_days)
        severity = 3 if flag is not None else _severity(due, now, due_soon)
        # Case folding is idempotent and folds each character alone: folding the joined
        # text once equals joining the folded parts.
        search_key = _KEY_SEPARATOR.join(
            (
                meta.name,
                secret.env_name,
                meta.env_var,
                meta.provider,
                provider_name(meta.provider),
                meta.owner,
                *meta.tags,
            )
        ).casefold()
        # tuple.__new__: the NamedTuple's own __new__ is Python code, a sixth of a row.
        status = BY_SEVERITY[severity]
        return tuple.__new__(
            cls, (secret, rotated, due, status, status_labels[severity], search_key, flag)
        )

    def text(self, column: int) -> str:
        """A cell's text."""
        secret = self.secret
        if column == Column.NAME:
            return secret.meta.name
        if column == Column.ENVIRONMENT:
            return secret.env_name
        if column == Column.ENV_VAR:
            return secret.meta.env_var
        if column == Column.PROVIDER:
            return provider_name(secret.meta.provider)
        if column == Column.OWNER:
            return secret.meta.owner
        if column == Column.LAST_ROTATED:
            return secret.rotated_at[:10]  # the ledger's UTC ISO form: the date is its prefix
        if column == Column.NEXT_DUE:
            return self.next_due.date().isoformat()
        return self.status_text

    def sort_key(self, column: int) -> Any:
        """By Column: case-folded text, POSIX seconds, severity."""
        if column == Column.LAST_ROTATED:
            return self.last_rotated.timestamp()
        if column == Column.NEXT_DUE:
            return self.next_due.timestamp()
        if column == Column.STATUS:
            return BY_SEVERITY.index(self.status)
        return self.text(column).casefold()

    @property
    def display(self) -> tuple[str, ...]:
        """Every cell's text, by Column."""
        return tuple(self.text(c) for c in Column)

    @property
    def id(self) -> str:
        return self.secret.id

    @property
    def name(self) -> str:
        return self.secret.meta.name

    @property
    def env_var(self) -> str:
        return self.secret.meta.env_var

    @property
    def provider_id(self) -> str:
        return self.secret.meta.provider

    @property
    def provider_name(self) -> str:
        return provider_name(self.secret.meta.provider)

    @property
    def owner(self) -> str:
        return self.secret.meta.owner

    @property
    def tags(self) -> tuple[str, ...]:
        return self.secret.meta.tags


def status_tip(row: SecretRow) -> str:
    """The status cell's tooltip, built on hover rather than stored in 100k rows."""
    due = row.text(Column.NEXT_DUE)
    flag = row.flag
    if flag is not None:
        tip = _tr("Rotation required (%1): flagged by %2 on %3").replace("%1", flag.reason)
        tip = tip.replace("%2", flag.by).replace("%3", flag.flagged_at[:10])
        note = flag.note if len(flag.note) <= 120 else flag.note[:119] + "…"
        return f"{tip}. {note}" if note else tip
    if row.status is RotationStatus.OVERDUE:
        return _tr("Overdue since %1").replace("%1", due)
    if row.status is RotationStatus.DUE_SOON:
        return _tr("Due soon, on %1").replace("%1", due)
    return _tr("Next rotation due %1").replace("%1", due)


def _name_key(row: SecretRow) -> str:
    return row.secret.meta.name.casefold()


def _terms(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().split())


def _matching(rows: list[SecretRow], terms: Iterable[str]) -> list[SecretRow]:
    # One narrowing pass per term: each pass scans only the survivors of the previous one.
    for term in terms:
        rows = [r for r in rows if term in r.search_key]
    return rows


def _narrows(new: tuple[str, ...], old: tuple[str, ...]) -> bool:
    """True if every row matching ``new`` also matches ``old``."""
    return all(any(o in n for n in new) for o in old)


def build_rows(
    secrets: Sequence[Secret],
    now: datetime,
    flags: Mapping[str, Flag] = _NO_FLAGS,
    due_soon_days: int = DUE_SOON_DAYS,
) -> list[SecretRow]:
    """Rows in name order; plain Python, so it can run off the GUI thread.

    ``flags``: the open "rotation required" flags by secret id (services.rotation.flags).
    """
    labels = tuple(_tr(text) for text in STATUS_LABELS)
    build = SecretRow.from_secret
    soon = _period(due_soon_days)
    flag_of = flags.get
    rows = [build(s, now, labels, soon, flag_of(s.id)) for s in secrets]
    # Stable: rows with the same name keep the order given (services list by environment).
    rows.sort(key=_name_key)
    return rows


class SecretsModel(QAbstractTableModel):
    """Secrets as rows, one Column per field; filter and sort happen here, not in a proxy."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base: list[SecretRow] = []  # by name: the tie-break order for sorts
        self._sorted: list[SecretRow] = []  # _base in the current sort order
        self._shown: list[SecretRow] = []  # _sorted narrowed by the filter
        self._terms: tuple[str, ...] = ()
        self._statuses: frozenset[RotationStatus] | None = None  # None: every status
        self._sort_column: int = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._by_id: dict[str, SecretRow] | None = None  # built when first asked for

    # --- public API -------------------------------------------------------------------------

    def set_secrets(self, secrets: Sequence[Secret], now: datetime) -> None:
        self.set_rows(build_rows(secrets, now))

    def set_rows(self, rows: list[SecretRow]) -> None:
        """Rows from `build_rows` (which a worker thread may run), in name order."""
        self.beginResetModel()
        self._base = rows
        self._sorted = self._in_sort_order(rows)
        self._shown = self._select(self._sorted)
        self._by_id = None
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        terms = _terms(text)
        if terms == self._terms:
            return
        # Typing one more letter only narrows: scan what is shown, not all rows.
        narrows = _narrows(terms, self._terms)
        self.beginResetModel()
        self._terms = terms
        self._shown = _matching(self._shown, terms) if narrows else self._select(self._sorted)
        self.endResetModel()

    def filter_terms(self) -> tuple[str, ...]:
        return self._terms

    def set_status_filter(self, statuses: Collection[RotationStatus] | None) -> None:
        """Show only rows in these rotation states, on top of the text filter; None shows all."""
        wanted = None if statuses is None else frozenset(statuses)
        if wanted == self._statuses:
            return
        self.beginResetModel()
        self._statuses = wanted
        self._shown = self._select(self._sorted)
        self.endResetModel()

    def status_filter(self) -> frozenset[RotationStatus] | None:
        return self._statuses

    def row_at(self, row: int) -> SecretRow:
        return self._shown[row]

    def index_of(self, secret_id: str, column: int = Column.NAME) -> QModelIndex:
        """Where a secret is shown now, or an invalid index if the filter hides it."""
        if self._by_id is None:
            self._by_id = {r.secret.id: r for r in self._base}
        row = self._by_id.get(secret_id)
        if row is None or not self._shows(row):
            return QModelIndex()
        return self.index(self._positions_of([row])[id(row)], column)

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
        return 0 if parent.isValid() else len(Column)

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
            and 0 <= section < len(Column)
        ):
            return _tr(_HEADERS[Column(section)])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return status_tip(row) if column == Column.STATUS else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column != Column.STATUS:
                return None
            return _STATUS_COLOURS.get(row.status)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _DATE_ALIGNMENT if column in _DATE_COLUMNS else None
        if role == Role.SECRET_ID:
            return row.id
        if role == Role.ROW:
            return row
        if role == Role.STATUS:
            return row.status
        if role == Role.SORT_KEY:
            return row.sort_key(column)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            # -1 is how QHeaderView says "no sort": go back to the base order.
            column = -1
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(self._shown[i.row()], i.column()) for i in persistent]
        self._sort_column = column
        self._sort_order = order
        self._sorted = self._in_sort_order(self._base)
        self._shown = self._select(self._sorted)
        if persistent:
            where = self._positions_of(row for row, _ in kept)
            self.changePersistentIndexList(
                persistent, [self.index(where[id(row)], col) for row, col in kept]
            )
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    # --- internals --------------------------------------------------------------------------

    def _select(self, rows: list[SecretRow]) -> list[SecretRow]:
        """``rows`` narrowed by the status filter, then the text filter."""
        wanted = self._statuses
        if wanted is not None:
            rows = [r for r in rows if r.status in wanted]
        return _matching(rows, self._terms)

    def _shows(self, row: SecretRow) -> bool:
        if self._statuses is not None and row.status not in self._statuses:
            return False
        return all(term in row.search_key for term in self._terms)

    def _positions_of(self, rows: Iterable[SecretRow]) -> dict[int, int]:
        """Shown row numbers keyed by id() of rows that are shown.

        Identity, not the secret id: at 100k rows a dict keyed by secret id costs 25–70 ms to
        build, while a C-level scan of id()s finds a few rows in a few ms.
        """
        wanted = {id(r) for r in rows}
        ids = list(map(id, self._shown))
        if len(wanted) > 16:
            return {i: n for n, i in enumerate(ids) if i in wanted}
        return {i: ids.index(i) for i in wanted}

    def _in_sort_order(self, rows: list[SecretRow]) -> list[SecretRow]:
        column = self._sort_column
        if column < 0 or (
            column == Column.NAME and self._sort_order == Qt.SortOrder.AscendingOrder
        ):
            return rows  # already by name
        # Ties keep the base order (by name): sorted() is stable, reversed or not.
        return sorted(
            rows,
            key=lambda r: r.sort_key(column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

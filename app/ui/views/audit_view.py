"""The Audit view: every event of the history, filters, and whether the history verified."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.model import AuditEntry
from app.ui.models.audit_model import AuditColumn, AuditModel, AuditRow
from app.ui.views.day_edit import DayEdit

_COLUMN_WIDTHS = (130, 90, 130, 110, 190)  # by AuditColumn; Details stretches
# Mid-tones that read on the light and the dark base alike (as the rotation colours).
_BADGE_COLOURS = {"ok": "#2e9d4f", "failed": "#e53935", "running": "#3d7fd1", "unknown": "#8a9099"}
_BADGE_MARKS = {"ok": "\N{CHECK MARK} ", "failed": "\N{BALLOT X} ", "running": "", "unknown": ""}
BADGE_MAX_WIDTH = 560  # a long failure reason is elided; the tooltip has all of it


class AuditView(QWidget):
    """Signals:
    verify_requested(): check the history's hashes, signatures and pinned head now.
    export_requested(): write an evidence pack.
    """

    verify_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AuditModel(self)
        self._tz: tzinfo | None = UTC
        self._state = "unknown"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(self._title_row())
        layout.addLayout(self._filter_row())
        self.table = self._table()
        layout.addWidget(self.table, 1)
        footer = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Audit summary"))
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export = QPushButton(self.tr("E&vidence pack…"))
        self.export.setAccessibleName(self.tr("Export an evidence pack"))
        self.export.setToolTip(self.tr("Write a signed zip of the audit period for an auditor"))
        self.export.clicked.connect(self.export_requested.emit)
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.export)
        layout.addLayout(footer)
        chain = self._tab_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.clear()

    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel(self.tr("Audit history"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        row.addWidget(title)
        row.addSpacing(16)
        self.badge = QLabel()
        self.badge.setAccessibleName(self.tr("History verification"))
        row.addWidget(self.badge)
        self.verify = QPushButton(self.tr("Verify &now"))
        self.verify.setAccessibleName(self.tr("Verify the history now"))
        self.verify.setToolTip(
            self.tr("Check every hash, signature and the pinned head of the shared file")
        )
        self.verify.clicked.connect(self.verify_requested.emit)
        row.addWidget(self.verify)
        row.addStretch(1)
        return row

    def _filter_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.actor_filter = QComboBox()
        self.action_filter = QComboBox()
        self.env_filter = QComboBox()
        self.from_date = DayEdit()
        self.to_date = DayEdit()
        for field, text, name in (
            (self.actor_filter, self.tr("Ac&tor"), self.tr("Actor filter")),
            (self.action_filter, self.tr("Act&ion"), self.tr("Action filter")),
            (self.env_filter, self.tr("&Env"), self.tr("Environment filter")),
            (self.from_date, self.tr("&From"), self.tr("From date")),
            (self.to_date, self.tr("T&o"), self.tr("To date")),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(name)
            if isinstance(field, QComboBox):
                field.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                field.currentIndexChanged.connect(self._on_filter_changed)
            else:
                field.setToolTip(self.tr("Inclusive, in your time zone; Delete: any date"))
                field.dateChanged.connect(self._on_filter_changed)
            row.addWidget(label)
            row.addWidget(field)
            row.addSpacing(6)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by any text: name, ticket, fingerprint"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter events"))
        self.filter.setMinimumWidth(180)
        self.filter.textChanged.connect(self._on_filter_changed)
        row.addWidget(self.filter, 1)
        self.reset = QPushButton(self.tr("&Clear filters"))
        self.reset.setAccessibleName(self.tr("Clear filters"))
        self.reset.clicked.connect(self.clear_filters)
        row.addWidget(self.reset)
        return row

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName(self.tr("Audit events"))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicatorClearable(True)  # a third click: newest first again
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        for column, width in enumerate(_COLUMN_WIDTHS):
            table.setColumnWidth(column, width)
        return table

    def _tab_chain(self) -> list[QWidget]:
        return [
            self.verify, self.actor_filter, self.action_filter, self.env_filter, self.from_date,
            self.to_date, self.filter, self.reset, self.table, self.export,
        ]  # fmt: skip

    # --- public API -------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[AuditEntry], tz: tzinfo | None) -> None:
        """Show these events (in ledger order), times and date filters in `tz` (None: this
        computer's zone)."""
        self._tz = tz
        self.model.set_entries(entries, tz)
        self._loaded()

    def set_rows(self, rows: list[AuditRow], tz: tzinfo | None) -> None:
        """Show rows `audit_model.build_rows` made for `tz` (off the GUI thread, for big
        histories)."""
        self._tz = tz
        self.model.set_rows(rows, tz)
        self._loaded()

    def clear(self) -> None:
        self.model.set_rows([], self._tz)
        self._fill_choices()
        self.clear_filters()
        self.set_verification("unknown", self.tr("Not verified yet"))
        self.verify.setEnabled(False)
        self.export.setEnabled(False)

    def set_note(self, text: str) -> None:
        """Say what is happening ("Reading the history…") where the summary is, until rows
        arrive or a filter changes."""
        self.summary.setText(text)

    def set_verification(self, state: str, text: str) -> None:
        """state: "unknown", "running", "ok" or "failed"; `text` says what and when."""
        if state not in _BADGE_COLOURS:
            raise ValueError(f"unknown verification state {state!r}")
        self._state = state
        full = _BADGE_MARKS[state] + text
        shown = self.badge.fontMetrics().elidedText(
            full, Qt.TextElideMode.ElideRight, BADGE_MAX_WIDTH
        )
        self.badge.setText(shown)
        self.badge.setToolTip(full if shown != full else "")
        self.badge.setAccessibleDescription(full)
        colour = _BADGE_COLOURS[state]
        weight = "600" if state in ("ok", "failed") else "normal"
        self.badge.setStyleSheet(
            f"QLabel {{ color: {colour}; border: 1px solid {colour}; border-radius: 10px;"
            f" padding: 2px 10px; font-weight: {weight}; }}"
        )
        self.verify.setEnabled(state != "running")

    def verification_state(self) -> str:
        return self._state

    @Slot()
    def clear_filters(self) -> None:
        for widget in (self.actor_filter, self.action_filter, self.env_filter):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        for day in (self.from_date, self.to_date):
            day.blockSignals(True)
            day.set_day(None)
            day.blockSignals(False)
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.blockSignals(False)
        self._apply_filter()

    # --- filters ----------------------------------------------------------------------------

    def _loaded(self) -> None:
        self._fill_choices()
        self._apply_filter()
        self.verify.setEnabled(self._state != "running")
        self.export.setEnabled(True)

    def _fill_choices(self) -> None:
        for combo, column, none in (
            (self.actor_filter, AuditColumn.ACTOR, ""),
            (self.action_filter, AuditColumn.ACTION, ""),
            (self.env_filter, AuditColumn.ENVIRONMENT, self.tr("(none)")),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("All"), None)
            for value in self.model.choices(column):
                combo.addItem(value or none, value)
            found = combo.findData(chosen) if chosen is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.setEnabled(combo.count() > 1)
            combo.blockSignals(False)

    @Slot()
    def _on_filter_changed(self) -> None:
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.model.set_filter(
            self.filter.text(),
            actor=self.actor_filter.currentData(),
            action=self.action_filter.currentData(),
            env=self.env_filter.currentData(),
            start=self.from_date.day(),
            end=self.to_date.day(),
        )
        self.reset.setEnabled(self.model.is_filtered())
        self._update_summary()

    def _update_summary(self) -> None:
        model = self.model
        start, end = self.from_date.day(), self.to_date.day()
        if model.total_count == 0:
            text = self.tr("No events.")
        elif start is not None and end is not None and start > end:
            text = self.tr("No events: From is after To.")
        else:
            text = self.tr("%1 of %2 events · times in %3")
            text = text.replace("%1", f"{model.shown_count:,}")
            text = text.replace("%2", f"{model.total_count:,}").replace("%3", model.zone)
        self.summary.setText(text)

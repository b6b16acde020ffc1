"""The Rotation view: what falls due when, as a chart by week or month over a table of keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.rotation import RotationItem, RotationStatus, timeline
from app.ui.models.rotation_model import RotationColumn, RotationModel, RotationRole
from app.ui.views.timeline_chart import TimelineChart

PERIODS = {"month": 12, "week": 13}  # a year by month, a quarter by week
# Above this many keys the chart, which costs ~4 µs a key, follows typing after a pause.
CHART_DEFER_ABOVE = 20_000
_SUMMARY_ORDER = (
    RotationStatus.OVERDUE, RotationStatus.REQUIRED, RotationStatus.DUE_SOON, RotationStatus.OK,
)  # fmt: skip
_COLUMN_WIDTHS = (190, 72, 120, 80, 100, 100, 80, 130)  # by RotationColumn; Reason stretches


class RotationView(QWidget):
    """Signals:
    rotate_requested(str): rotate the selected key (its secret id).
    export_calendar_requested(): export the due dates as a calendar.
    secret_activated(str): a key was double-clicked or Enter was pressed on it.
    """

    rotate_requested = Signal(str)
    export_calendar_requested = Signal()
    secret_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = datetime.now(UTC)
        self._tz: tzinfo = UTC
        self.model = RotationModel(self)
        self.chart = TimelineChart()
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(250)
        self._chart_timer.timeout.connect(self._refresh_chart)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(self._header())
        self.table = self._table()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        footer = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Rotation summary"))
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rotate = QPushButton(self.tr("&Rotate…"))
        self.rotate.setAccessibleName(self.tr("Rotate the selected key"))
        self.rotate.setToolTip(self.tr("Store a new value for the selected key"))
        self.rotate.clicked.connect(self._on_rotate_clicked)
        self.export = QPushButton(self.tr("E&xport calendar…"))
        self.export.setAccessibleName(self.tr("Export calendar"))
        self.export.setToolTip(self.tr("Save the due dates as an iCalendar file"))
        self.export.clicked.connect(self.export_calendar_requested.emit)
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.rotate)
        footer.addWidget(self.export)
        layout.addLayout(footer)
        for first, second in zip(self._tab_chain(), self._tab_chain()[1:], strict=False):
            self.setTabOrder(first, second)
        self.clear()

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel(self.tr("Rotation"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        row.addWidget(title)
        row.addSpacing(12)
        # Radio buttons: their checked state reads the same in every theme.
        self.by_month = QRadioButton(self.tr("By &month"))
        self.by_month.setAccessibleName(self.tr("Chart by month"))
        self.by_month.setToolTip(self.tr("What falls due in each of the next 12 months"))
        self.by_week = QRadioButton(self.tr("By &week"))
        self.by_week.setAccessibleName(self.tr("Chart by week"))
        self.by_week.setToolTip(self.tr("What falls due in each of the next 13 weeks"))
        self.units = QButtonGroup(self)
        for button in (self.by_month, self.by_week):
            self.units.addButton(button)
            row.addWidget(button)
        self.by_month.setChecked(True)
        self.units.buttonToggled.connect(self._on_units_toggled)
        row.addStretch(1)
        self.env_filter = QComboBox()
        self.owner_filter = QComboBox()
        self.provider_filter = QComboBox()
        for combo, text, name in (
            (self.env_filter, self.tr("&Env"), self.tr("Environment filter")),
            (self.owner_filter, self.tr("&Owner"), self.tr("Owner filter")),
            (self.provider_filter, self.tr("&Provider"), self.tr("Provider filter")),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            combo.setAccessibleName(name)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_filter_changed)
            row.addWidget(label)
            row.addWidget(combo)
            row.addSpacing(6)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by name, variable, tag or reason"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter keys"))
        self.filter.setMinimumWidth(240)
        self.filter.textChanged.connect(self._on_filter_changed)
        row.addWidget(self.filter)
        return row

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName(self.tr("Keys by due date"))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # No column: the given order, flagged first then by next due; a third click returns.
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        for column, width in enumerate(_COLUMN_WIDTHS):
            table.setColumnWidth(column, width)
        table.activated.connect(self._on_table_activated)
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        return table

    def _tab_chain(self) -> list[QWidget]:
        return [
            self.by_month, self.by_week, self.env_filter, self.owner_filter,
            self.provider_filter, self.filter, self.table, self.rotate, self.export,
        ]  # fmt: skip

    # --- public API -------------------------------------------------------------------------

    def set_items(
        self,
        items: Sequence[RotationItem],
        now: datetime,
        tz: tzinfo,
        env_order: Sequence[str] = (),
    ) -> None:
        """Show these keys as of `now`, dates in `tz`; environments listed in `env_order`."""
        keep = self.selected_secret_id()
        self._now, self._tz = now, tz
        self.model.set_items(items, now, tz, env_order)
        self._fill_choices()
        self._apply_filter(keep)

    def clear(self) -> None:
        self.set_items([], self._now, self._tz)

    def selected_secret_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(RotationRole.SECRET_ID)) if rows else None

    def unit(self) -> str:
        return "week" if self.by_week.isChecked() else "month"

    # --- filters ----------------------------------------------------------------------------

    def _fill_choices(self) -> None:
        none_labels = {
            self.owner_filter: self.tr("(no owner)"),
            self.provider_filter: self.tr("(no provider)"),
        }
        for combo, column in (
            (self.env_filter, RotationColumn.ENVIRONMENT),
            (self.owner_filter, RotationColumn.OWNER),
            (self.provider_filter, RotationColumn.PROVIDER),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("All"), None)
            for value in self.model.choices(column):
                combo.addItem(value or none_labels.get(combo, ""), value)
            found = combo.findData(chosen) if chosen is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.setEnabled(combo.count() > 1)
            combo.blockSignals(False)

    @Slot()
    def _on_filter_changed(self) -> None:
        self._apply_filter(self.selected_secret_id(), defer_chart=True)

    def _apply_filter(self, keep: str | None, defer_chart: bool = False) -> None:
        self.model.set_filter(
            self.filter.text(),
            env=self.env_filter.currentData(),
            owner=self.owner_filter.currentData(),
            provider=self.provider_filter.currentData(),
        )
        if keep is not None and self.selected_secret_id() != keep:
            index = self.model.index_of(keep)
            if index.isValid():
                self.table.selectRow(index.row())
                self.table.scrollTo(index)
        self._update_summary()
        if defer_chart and self.model.total_count > CHART_DEFER_ABOVE:
            self._chart_timer.start()
        else:
            self._refresh_chart()

    # --- chart, summary, buttons ------------------------------------------------------------

    @Slot()
    def _refresh_chart(self) -> None:
        self._chart_timer.stop()
        unit = self.unit()
        self.chart.set_timeline(
            timeline(
                self.model.shown_items(),
                self._now,
                self._tz,
                unit,
                PERIODS[unit],
                env_order=self.model.environments(),
            )
        )
        if self.model.total_count == 0:
            self.chart.set_empty_text(self.tr("No keys yet: nothing falls due."))
        else:
            self.chart.set_empty_text(self.tr("No keys match the filters."))

    def _update_summary(self) -> None:
        model = self.model
        if model.total_count == 0:
            self.summary.setText(self.tr("No keys."))
            return
        counts = model.status_counts()
        text = self.tr("%1 overdue · %2 rotation required · %3 due soon · %4 ok")
        for n, status in enumerate(_SUMMARY_ORDER, start=1):
            text = text.replace(f"%{n}", str(counts[status]))
        if model.is_filtered():
            shown = self.tr(" (%1 of %2 keys shown)").replace("%1", str(model.shown_count))
            text += shown.replace("%2", str(model.total_count))
        self.summary.setText(text)

    @Slot()
    def _update_buttons(self) -> None:
        self.rotate.setEnabled(self.selected_secret_id() is not None)
        self.export.setEnabled(self.model.total_count > 0)

    @Slot(QAbstractButton, bool)
    def _on_units_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._refresh_chart()

    @Slot()
    def _on_rotate_clicked(self) -> None:
        secret_id = self.selected_secret_id()
        if secret_id is not None:
            self.rotate_requested.emit(secret_id)

    @Slot(QModelIndex)
    def _on_table_activated(self, index: QModelIndex) -> None:
        self.secret_activated.emit(str(index.data(RotationRole.SECRET_ID)))

"""The Reviews view: every access review with its progress, and the selected one's rows with a
decision each, bulk actions over a selection, and the sign-off. Owners and admins act here;
auditors and members read it (and may export it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.model import Member
from app.core.reviews import Campaign
from app.ui.models.campaigns_model import CampaignColumn, CampaignRole, CampaignsModel
from app.ui.models.review_rows_model import ReviewRole, ReviewRowsModel
from app.ui.views.progress_delegate import ProgressDelegate
from app.ui.views.review_buttons import ReviewButtons
from app.ui.views.review_parts import (
    CAMPAIGN_WIDTHS,
    ROW_WIDTHS,
    Key,
    heading_text,
    legend_text,
    review_table,
)


class ReviewsView(QWidget):
    """Signals:
    start_requested(): start a review (a dialog asks for the due date and reviewer).
    export_requested(str): export this review (its id) as CSV for the auditor.
    keep_requested(str, object): keep these rows (a list of (handle, environment)).
    decide_requested(str, object, str): decide these rows in the dialog; '' or 'revoke' first.
    sign_off_requested(str): sign this review off (a confirmation lists what it carries out).
    """

    start_requested = Signal()
    export_requested = Signal(str)
    keep_requested = Signal(str, object)
    decide_requested = Signal(str, object, str)
    sign_off_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.me: Member | None = None
        self._now = datetime.now(UTC)
        self._tz: tzinfo | None = None
        self.campaigns = CampaignsModel(self)
        self.rows = ReviewRowsModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.buttons = ReviewButtons(self)
        layout.addLayout(self._header())
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("Reviews note"))
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.campaign_table = review_table(self.tr("Access reviews"))
        self.campaign_table.setModel(self.campaigns)
        self.campaign_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.campaign_table.horizontalHeader().setStretchLastSection(False)
        self.campaign_table.setItemDelegateForColumn(
            CampaignColumn.PROGRESS, ProgressDelegate(CampaignRole.PROGRESS, self.campaign_table)
        )
        for column, width in CAMPAIGN_WIDTHS.items():
            self.campaign_table.setColumnWidth(column, width)
        self.campaign_table.selectionModel().selectionChanged.connect(
            self._on_campaign_selection_changed
        )
        body = QSplitter(Qt.Orientation.Vertical)
        body.setChildrenCollapsible(False)
        body.addWidget(self.campaign_table)
        body.addWidget(self._campaign_pane())
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 4)
        body.setSizes([110, 580])
        layout.addWidget(body, 1)
        self.clear()

    # -- layout ------------------------------------------------------------------------------
    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel(self.tr("Reviews"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        row.addWidget(title)
        row.addSpacing(12)
        self.due = QLabel()
        self.due.setAccessibleName(self.tr("Next review due"))
        row.addWidget(self.due)
        row.addStretch(1)
        row.addWidget(self.buttons.start)
        row.addWidget(self.buttons.export)
        return row

    def _campaign_pane(self) -> QWidget:
        pane = QWidget()
        box = QVBoxLayout(pane)
        box.setContentsMargins(0, 6, 0, 0)
        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setAccessibleName(self.tr("Selected review"))
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Rows decided"))
        self.progress.setFormat(self.tr("%v of %m decided"))
        self.progress.setFixedWidth(240)
        top.addWidget(self.heading, 1)
        top.addWidget(self.progress)
        box.addLayout(top)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setAccessibleName(self.tr("Review summary"))
        box.addWidget(self.legend)
        self.table = review_table(self.tr("Grants under review"))
        self.table.setModel(self.rows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        for column, width in ROW_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        box.addWidget(self.table, 1)
        actions = QHBoxLayout()
        b = self.buttons
        for button in (b.decide, b.keep, b.revoke, b.select_unused):
            actions.addWidget(button)
        actions.addStretch(1)
        self.selection_label = QLabel()
        actions.addWidget(self.selection_label)
        actions.addSpacing(12)
        actions.addWidget(b.sign_off)
        box.addLayout(actions)
        b.start.clicked.connect(self.start_requested.emit)
        b.export.clicked.connect(self._on_export_clicked)
        b.keep.clicked.connect(self._on_keep_clicked)
        b.decide.clicked.connect(lambda: self._ask_decision(""))
        b.revoke.clicked.connect(lambda: self._ask_decision("revoke"))
        b.select_unused.clicked.connect(self.select_unused)
        b.sign_off.clicked.connect(self._on_sign_off_clicked)
        return pane

    # -- public API --------------------------------------------------------------------------
    def set_campaigns(
        self,
        campaigns: Sequence[Campaign],
        me: Member | None,
        now: datetime,
        tz: tzinfo | None = None,
        select: str | None = None,
    ) -> None:
        """Show these reviews (newest first) and select `select`, else the one selected
        before, else the newest; the rows keep their selection when the review stays."""
        current = self.selected_campaign()
        keep = select or (current.id if current else None)
        kept_rows = self.selected_keys() if current and current.id == keep else []
        self.me, self._now, self._tz = me, now, tz
        self.campaigns.set_campaigns(campaigns, now, tz)
        row = self.campaigns.row_of(keep) if keep else -1
        row = row if row >= 0 else (0 if campaigns else -1)
        if row >= 0:
            self.campaign_table.selectRow(row)
        self._show_campaign()
        self._select_keys(kept_rows)

    def set_due(self, text: str, overdue: bool) -> None:
        self.due.setText(text)
        self.due.setStyleSheet("color: #e53935;" if overdue else "")

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def clear(self) -> None:
        self.show_note("")
        self.set_due("", False)
        self.set_campaigns([], None, self._now, self._tz)

    def selected_campaign(self) -> Campaign | None:
        rows = self.campaign_table.selectionModel().selectedRows()
        return rows[0].data(CampaignRole.CAMPAIGN) if rows else None

    def selected_keys(self, decidable_only: bool = False) -> list[Key]:
        """The selected rows, in the table's order."""
        found = sorted(self.table.selectionModel().selectedRows(), key=QModelIndex.row)
        return [
            i.data(ReviewRole.KEY)
            for i in found
            if not decidable_only or i.data(ReviewRole.WHY_NOT) is None
        ]

    @Slot()
    def select_unused(self) -> None:
        """Select the rows unused for 90 days that this viewer may decide."""
        self._select_keys(
            [
                (i.row.snapshot.handle, i.row.snapshot.env_name)
                for i in self.rows.items()
                if i.row.unused and i.why_not is None
            ]
        )

    # -- internals ---------------------------------------------------------------------------
    def _select_keys(self, keys: Sequence[Key]) -> None:
        chosen = QItemSelection()
        for handle, env in keys:
            index = self.rows.index_of(handle, env)
            if index.isValid():
                chosen.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(chosen, flags)
        self._update_buttons()

    def _show_campaign(self) -> None:
        campaign = self.selected_campaign()
        self.rows.set_campaign(campaign, self.me, self._tz)
        self.progress.setVisible(campaign is not None)
        if campaign is not None:
            self.progress.setRange(0, max(len(campaign.rows), 1))
            self.progress.setValue(campaign.decided)
        own = sum(i.own for i in self.rows.items())
        self.heading.setText(heading_text(campaign, self._now, self._tz))
        self.legend.setText(legend_text(campaign, own))
        self._update_buttons()

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        picked = self.selected_keys()
        self.buttons.update(
            self.selected_campaign(), self.me, picked, self.rows, self.campaigns.campaigns()
        )
        chosen = len(picked)
        self.selection_label.setText(
            self.tr("%1 selected").replace("%1", str(chosen)) if chosen else ""
        )

    @Slot(QItemSelection, QItemSelection)
    def _on_campaign_selection_changed(self, *_: object) -> None:
        self._show_campaign()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.data(ReviewRole.WHY_NOT) is None and self.buttons.decide.isEnabled():
            self._ask_decision("")

    def _ask_decision(self, preset: str) -> None:
        campaign, keys = self.selected_campaign(), self.selected_keys(decidable_only=True)
        if campaign is not None and keys:
            self.decide_requested.emit(campaign.id, keys, preset)

    @Slot()
    def _on_keep_clicked(self) -> None:
        campaign, keys = self.selected_campaign(), self.selected_keys(decidable_only=True)
        if campaign is not None and keys:
            self.keep_requested.emit(campaign.id, keys)

    @Slot()
    def _on_export_clicked(self) -> None:
        campaign = self.selected_campaign()
        if campaign is not None:
            self.export_requested.emit(campaign.id)

    @Slot()
    def _on_sign_off_clicked(self) -> None:
        campaign = self.selected_campaign()
        if campaign is not None:
            self.sign_off_requested.emit(campaign.id)

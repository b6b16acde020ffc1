"""The Access view: the team's members, who holds which environment, and what waits for a
decision (joins, access requests, invites). Owners and admins act here; everyone else reads it
and may ask for access."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services import team_snapshot as rules
from app.services.team_snapshot import TeamSnapshot
from app.ui.models.grants_model import GrantsModel
from app.ui.models.members_model import MembersModel
from app.ui.models.pending_model import PendingItem, PendingModel, pending_items
from app.ui.views.access_buttons import enable, pending_actions
from app.ui.views.access_sections import MatrixSection, MembersSection, PendingSection

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AccessView(QWidget):
    """Signals:
    refresh_requested(): read what teammates published since (joins, requests).
    invite_requested(), request_access_requested(): open their dialogs.
    grant_requested(str, str): grant or change a member's access to an environment.
    revoke_requested(str, str): revoke a member's access to an environment.
    remove_requested(str): remove a member (preview of what gets flagged first).
    approve_join_requested(str), refuse_join_requested(str): a pending join, by handle.
    cancel_invite_requested(str): an invite, by handle.
    approve_request_requested(str), deny_request_requested(str): a request, by id.
    """

    refresh_requested = Signal()
    invite_requested = Signal()
    request_access_requested = Signal()
    grant_requested = Signal(str, str)
    revoke_requested = Signal(str, str)
    remove_requested = Signal(str)
    approve_join_requested = Signal(str)
    refuse_join_requested = Signal(str)
    cancel_invite_requested = Signal(str)
    approve_request_requested = Signal(str)
    deny_request_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.team: TeamSnapshot | None = None
        self.members = MembersModel(self)
        self.matrix = GrantsModel(self)
        self.pending = PendingModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(self._header())
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("Access note"))
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.member_section = MembersSection(self.members, (0, 0, 4, 0))
        self.matrix_section = MatrixSection(self.matrix, (4, 0, 0, 0))
        self.pending_section = PendingSection(self.pending, (0, 6, 0, 0))
        self.member_table = self.member_section.table
        self.matrix_table = self.matrix_section.table
        self.pending_table = self.pending_section.table
        self.remove = self.member_section.remove
        self.grant, self.revoke = self.matrix_section.grant, self.matrix_section.revoke
        self.approve, self.decline = self.pending_section.approve, self.pending_section.decline
        for table in (self.member_table, self.matrix_table, self.pending_table):
            table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.matrix_table.doubleClicked.connect(self._on_grant_clicked)
        self.remove.clicked.connect(self._on_remove_clicked)
        self.grant.clicked.connect(self._on_grant_clicked)
        self.revoke.clicked.connect(self._on_revoke_clicked)
        self.approve.clicked.connect(self._on_approve_clicked)
        self.decline.clicked.connect(self._on_decline_clicked)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.setChildrenCollapsible(False)
        top.addWidget(self.member_section)
        top.addWidget(self.matrix_section)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([700, 550])
        body = QSplitter(Qt.Orientation.Vertical)
        body.setChildrenCollapsible(False)
        body.addWidget(top)
        body.addWidget(self.pending_section)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        layout.addWidget(body, 1)
        self.clear()

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel(self.tr("Access"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        row.addWidget(title)
        row.addSpacing(12)
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Team summary"))
        row.addWidget(self.summary, 1)
        self.refresh = QPushButton(self.tr("Chec&k for changes"))
        self.refresh.clicked.connect(self.refresh_requested.emit)
        self.request = QPushButton(self.tr("Re&quest access…"))
        self.request.clicked.connect(self.request_access_requested.emit)
        self.invite = QPushButton(self.tr("&Invite…"))
        self.invite.clicked.connect(self.invite_requested.emit)
        for button in (self.refresh, self.request, self.invite):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            row.addWidget(button)
        return row

    # -- content -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.team = None
        self.members.set_members([])
        self.matrix.set_matrix([], [], [], _EPOCH)
        self.pending.set_items([])
        self.summary.setText("")
        self.note.setText("")
        self.note.hide()
        self._update_buttons()

    def set_team(self, team: TeamSnapshot, tz: tzinfo | None = None) -> None:
        """Show a snapshot; the selections stay on the same member, cell and item."""
        kept = self.selected_member(), self.selected_cell(), self.selected_item()
        self.team = team
        self.members.set_members(team.members, tz)
        self.matrix.set_matrix(team.members, team.envs, team.grants, team.now, tz)
        items = pending_items(team, tz)
        self.pending.set_items(items)
        self._restore(*kept)
        active = sum(m.status == "active" for m in team.members)
        count = self.tr("1 member") if active == 1 else self.tr("%d members") % active
        self.summary.setText(self.tr("%s · %d waiting") % (count, len(items)) if items else count)
        self.pending_section.set_title(
            self.tr("Pending (%d)") % len(items) if items else self.tr("Pending")
        )
        admin = team.admin
        for button in (self.invite, self.remove, self.grant, self.revoke):
            button.setVisible(admin)
        self.approve.setVisible(admin)
        self.decline.setVisible(admin)
        if team.me.role == "auditor":
            self.show_note(self.tr("Auditors see who has access and never read values."))
        elif not admin:
            self.show_note(
                self.tr(
                    "You can see who has access; owners and admins change it. Ask for an"
                    " environment with Request access."
                )
            )
        self._update_buttons()

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _restore(
        self, member: str | None, cell: tuple[str, str | None] | None, item: PendingItem | None
    ) -> None:
        if member is not None and (row := self.members.row_of(member)) >= 0:
            self.member_table.selectRow(row)
        if cell is not None and cell[1] is not None:
            index = self.matrix.index_of(cell[0], cell[1])
            if index.isValid():
                self.matrix_table.setCurrentIndex(index)
        if item is not None and (row := self.pending.row_of(item.kind, item.key)) >= 0:
            self.pending_table.selectRow(row)

    # -- selection ---------------------------------------------------------------------------
    def selected_member(self) -> str | None:
        rows = self.member_table.selectionModel().selectedRows()
        return self.members.member_at(rows[0].row()).handle if rows else None

    def selected_cell(self) -> tuple[str, str | None] | None:
        """(member, environment) of the selected matrix cell; environment None on the
        member column."""
        found = self.matrix_table.selectionModel().selectedIndexes()
        return self.matrix.cell(found[0].row(), found[0].column()) if found else None

    def selected_item(self) -> PendingItem | None:
        rows = self.pending_table.selectionModel().selectedRows()
        return self.pending.item_at(rows[0].row()) if rows else None

    @Slot()
    def _on_selection_changed(self, *_: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        team = self.team
        if team is None:
            buttons = (self.invite, self.request, self.remove, self.grant, self.revoke)
            for button in (*buttons, self.approve, self.decline, self.refresh):
                enable(button, "The vault is locked.")
            return
        enable(self.refresh, None)
        enable(self.invite, rules.why_not_invite(team))
        enable(self.request, rules.why_not_request(team))
        member = self.selected_member()
        if member is None:
            enable(self.remove, self.tr("Select a member in the list first."))
        else:
            enable(self.remove, rules.why_not_remove(team, member))
        cell = self.selected_cell()
        if cell is None or cell[1] is None:
            pick = self.tr("Select a cell of the matrix: a member's environment.")
            enable(self.grant, pick)
            enable(self.revoke, pick)
        else:
            found = team.grant(cell[0], cell[1])
            self.grant.setText(self.tr("Chan&ge…") if found else self.tr("&Grant…"))
            enable(self.grant, rules.why_not_grant(team, cell[0], cell[1]))
            enable(self.revoke, rules.why_not_revoke(team, cell[0], cell[1]))
        pending_actions(team, self.selected_item(), self.approve, self.decline)

    # -- actions -----------------------------------------------------------------------------
    @Slot()
    def _on_remove_clicked(self) -> None:
        member = self.selected_member()
        if member is not None and self.remove.isEnabled():
            self.remove_requested.emit(member)

    @Slot()
    def _on_grant_clicked(self, *_: object) -> None:
        cell = self.selected_cell()
        if cell is not None and cell[1] is not None and self.grant.isEnabled():
            self.grant_requested.emit(cell[0], cell[1])

    @Slot()
    def _on_revoke_clicked(self) -> None:
        cell = self.selected_cell()
        if cell is not None and cell[1] is not None and self.revoke.isEnabled():
            self.revoke_requested.emit(cell[0], cell[1])

    @Slot()
    def _on_approve_clicked(self) -> None:
        item = self.selected_item()
        if item is None or not self.approve.isEnabled():
            return
        if item.kind == "join":
            self.approve_join_requested.emit(item.key)
        elif item.kind == "request":
            self.approve_request_requested.emit(item.key)

    @Slot()
    def _on_decline_clicked(self) -> None:
        item = self.selected_item()
        if item is None or not self.decline.isEnabled():
            return
        {
            "join": self.refuse_join_requested,
            "request": self.deny_request_requested,
            "invite": self.cancel_invite_requested,
        }[item.kind].emit(item.key)

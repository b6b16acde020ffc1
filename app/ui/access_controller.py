"""Connects the Access view to the loaded vault: the team read when the view is shown after a
change, ended grants revoked when an admin unlocks, and each action through its dialog
(access_flows) or directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app.core.clock import local_zone
from app.core.errors import KeyLedgerError
from app.services import access, requests, team_snapshot
from app.services.access import Revoked
from app.services.team_snapshot import TeamSnapshot
from app.services.vault import StepUpRequired, Vault
from app.ui.access_flows import AccessFlows, keys_text, one_line
from app.ui.console_controller import ConsoleController
from app.ui.views.access_view import AccessView
from app.ui.views.console import ConsolePage

T = TypeVar("T")


def _tr(text: str) -> str:
    return QCoreApplication.translate("AccessController", text)


def revoked_text(done: list[Revoked]) -> str:
    """E.g. "Grants that ended were revoked: bob on staging (3 keys flagged)." """
    parts = []
    for r in done:
        part = _tr("%1 on %2").replace("%1", r.handle).replace("%2", ", ".join(r.environments))
        if r.flagged:
            part += _tr(" (%1 flagged)").replace("%1", keys_text(len(r.flagged)))
        parts.append(part)
    return _tr("Grants that ended were revoked: %1.").replace("%1", "; ".join(parts))


class AccessController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    """

    message = Signal(str)

    def __init__(self, page: ConsolePage, console: ConsoleController, window: QWidget) -> None:
        super().__init__(window)
        self.page, self.console, self.window = page, console, window
        self.view: AccessView = page.access
        self.tz: tzinfo | None = local_zone()
        self.team: TeamSnapshot | None = None
        self.stale = True  # the view shows an older state than the vault's
        self.flows = AccessFlows(self)
        view = self.view
        view.refresh_requested.connect(self.check_for_changes)
        view.invite_requested.connect(self.flows.invite)
        view.request_access_requested.connect(self.flows.request_access)
        view.grant_requested.connect(self.flows.grant)
        view.revoke_requested.connect(self.flows.revoke)
        view.remove_requested.connect(self.flows.remove)
        view.approve_join_requested.connect(self.flows.approve_join)
        view.refuse_join_requested.connect(self.refuse_join)
        view.cancel_invite_requested.connect(self.cancel_invite)
        view.approve_request_requested.connect(self.approve_request)
        view.deny_request_requested.connect(self.deny_request)
        console.loaded.connect(self._on_console_loaded)
        page.view_changed.connect(self._on_view_changed)

    @property
    def vault(self) -> Vault | None:
        return self.console.vault

    # -- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the team again; only while the view is shown (last activity scans every
        commit's header)."""
        vault = self.vault
        if vault is None:
            self.view.clear()
            return
        if self.page.current_view() != self.page.ACCESS:
            self.stale = True
            return
        try:
            self.team = team_snapshot.snapshot(vault)
        except KeyLedgerError as exc:
            self.view.show_note(self.tr("Could not read the team: %s") % one_line(exc))
            return
        self.view.set_team(self.team, self.tz)
        self.stale = False

    def unload(self) -> None:
        self.flows.close_dialog()  # no team dialog, nor an invite code, over a locked vault
        self.team = None
        self.stale = True
        self.view.clear()

    @Slot()
    def _on_console_loaded(self) -> None:
        self.stale = True
        self.refresh()

    @Slot(str)
    def _on_view_changed(self, name: str) -> None:
        if name == self.page.ACCESS and self.stale:
            self.refresh()

    def changed(self, text: str) -> None:
        """After a change: the console reloads (flags, keys held), then this view."""
        self.console.load()
        self.refresh()
        self.message.emit(text)

    # -- helpers for the flows ---------------------------------------------------------------
    def stepped(self, fn: Callable[[], T]) -> T:
        """Run a service call; when it needs a step-up window, ask for the code and run it
        again (StepUpRequired again if the code was not given)."""
        try:
            return fn()
        except StepUpRequired as exc:
            env = next((e for e in self.console.envs if e.id == exc.env_id), None)
            if env is None or not self.console.step_up.ensure_open(env):
                raise
            return fn()

    def error(self, exc: BaseException, parent: QWidget | None = None) -> None:
        QMessageBox.warning(parent or self.window, self.tr("Access"), one_line(exc))

    def confirm(self, title: str, text: str, action: str, informative: str = "") -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self.window
        )
        go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        if informative:
            box.setInformativeText(informative)
        box.exec()
        chosen = box.clickedButton() is go
        box.deleteLater()
        return chosen

    # -- at unlock ---------------------------------------------------------------------------
    def expire_grants(self) -> list[Revoked]:
        """Revoke grants past their end date: call on the GUI thread right after an owner or
        admin unlocks (it commits on the vault's own connection, which only this thread uses
        once the vault is open)."""
        vault = self.vault
        if vault is None or vault.member.role not in team_snapshot.ADMINS:
            return []
        try:
            done = access.expire_grants(vault)
        except KeyLedgerError as exc:
            self.message.emit(self.tr("Could not revoke ended grants: %s") % one_line(exc))
            return []
        if done:
            text = revoked_text(done)
            self.view.show_note(text)
            self.message.emit(text)
        return done

    # -- direct actions ----------------------------------------------------------------------
    @Slot()
    def check_for_changes(self) -> None:
        vault = self.vault
        if vault is None:
            return
        try:
            moved = team_snapshot.catch_up(vault)
        except KeyLedgerError as exc:
            self.error(exc)
            return
        if moved:
            self.changed(self.tr("Read the changes teammates published."))
        else:
            self.refresh()
            self.message.emit(self.tr("Nothing new in the shared file."))

    @Slot(str)
    def cancel_invite(self, handle: str) -> None:
        vault = self.vault
        if vault is None:
            return
        try:
            from app.services.team import cancel_invite

            cancel_invite(vault, handle)
        except KeyLedgerError as exc:
            self.error(exc)
            return
        self.changed(self.tr("Cancelled the invite for %s; its code no longer works.") % handle)

    @Slot(str)
    def refuse_join(self, handle: str) -> None:
        vault = self.vault
        if vault is None or not self.confirm(
            self.tr("Refuse %s") % handle,
            self.tr("Refuse %s's join?") % handle,
            self.tr("Refuse"),
            self.tr(
                "The key that joined is removed and never gets a key of this vault. If it"
                " was really them, invite them again."
            ),
        ):
            return
        try:
            access.remove_member(vault, handle)
        except KeyLedgerError as exc:
            self.error(exc)
            return
        self.changed(self.tr("Refused %s's join.") % handle)

    def _request(self, request_id: str) -> requests.AccessRequest | None:
        return (
            next((r for r in self.team.requests if r.id == request_id), None) if self.team else None
        )

    @Slot(str)
    def approve_request(self, request_id: str) -> None:
        vault, found = self.vault, self._request(request_id)
        if vault is None or found is None:
            return
        what = f"{found.access} access to {found.env_name}"
        if found.until:
            what += self.tr(" until %s") % found.until[:10]
        if not self.confirm(
            self.tr("Approve request"),
            self.tr("Give %s %s?") % (found.handle, what),
            self.tr("Approve"),
            self.tr("Their reason: %s") % found.reason,
        ):
            return
        try:
            self.stepped(lambda: requests.approve_request(vault, request_id))
        except KeyLedgerError as exc:
            self.error(exc)
            return
        self.changed(self.tr("Approved: %s has %s.") % (found.handle, what))

    @Slot(str)
    def deny_request(self, request_id: str) -> None:
        vault, found = self.vault, self._request(request_id)
        if vault is None or found is None:
            return
        reason, ok = QInputDialog.getText(
            self.window,
            self.tr("Deny request"),
            self.tr("Why is %s's request for %s denied? They read this.")
            % (found.handle, found.env_name),
        )
        if not ok:
            return
        try:
            requests.deny_request(vault, request_id, reason)
        except KeyLedgerError as exc:
            self.error(exc)
            return
        self.changed(self.tr("Denied %s's request for %s.") % (found.handle, found.env_name))

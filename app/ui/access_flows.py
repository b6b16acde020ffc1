"""The Access view's actions that go through a dialog: invite, approve a join, grant or change,
revoke, remove a member, request access. Each dialog stays open until its change went through
(errors show in place); a step-up environment asks for its code on the way."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtWidgets import QDialog

from app.core.clock import parse_iso
from app.core.errors import KeyLedgerError
from app.services import access, requests, team

if TYPE_CHECKING:
    from app.ui.access_controller import AccessController


def one_line(error: BaseException) -> str:
    """A service's message as one sentence to show."""
    text = " ".join(str(error).split())
    return text[:1].upper() + text[1:]


def keys_text(count: int) -> str:
    if count == 1:
        return QCoreApplication.translate("AccessFlows", "1 key")
    return QCoreApplication.translate("AccessFlows", "%1 keys").replace("%1", str(count))


class AccessFlows(QObject):
    def __init__(self, controller: AccessController) -> None:
        super().__init__(controller)
        self.c = controller
        self.dialog: QDialog | None = None  # the one open, closed if the vault locks

    def _exec(self, dialog: QDialog) -> bool:
        """Run a dialog; True when accepted and the vault is still unlocked."""
        self.dialog = dialog
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            self.dialog = None
            dialog.deleteLater()
        return accepted and self.c.vault is not None

    def close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()

    def _today(self) -> date:
        return self.c.console.session.clock.now().astimezone(self.c.tz).date()

    def _clipboard_copy(self, text: str) -> int:
        seconds = int(self.c.console.settings.get("clipboard_max_s"))
        self.c.console.clipboard.copy(text, seconds)
        return seconds

    # -- invite ------------------------------------------------------------------------------
    @Slot()
    def invite(self) -> None:
        from app.ui.dialogs.invite_code_dialog import InviteCodeDialog, join_command
        from app.ui.dialogs.invite_dialog import InviteDialog, InviteForm

        vault, snap = self.c.vault, self.c.team
        if vault is None or snap is None:
            return
        dialog = InviteDialog(snap.envs, vault.member.role == "owner", self.c.window)
        made: list[tuple[team.Invite, str]] = []

        def submitted(form: InviteForm) -> None:
            ids = {e.name: e.id for e in snap.envs}
            try:
                grants = [(ids[env], level) for env, level in form.grants]
                made.append(team.invite(vault, form.handle, form.role, grants, form.days))
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        if not self._exec(dialog) or not made:
            return
        invite, code = made[0]
        self.c.changed(self.tr("Invited %s; the code is shown once.") % invite.handle)
        expires = parse_iso(invite.expires).astimezone(self.c.tz).date().isoformat()
        command = join_command(vault.published, code, invite.handle)
        shown = InviteCodeDialog(
            invite.handle, code, command, expires, self._clipboard_copy, self.c.window
        )
        self._exec(shown)

    # -- approve a join --------------------------------------------------------------------------
    @Slot(str)
    def approve_join(self, handle: str) -> None:
        from app.ui.dialogs.approve_join_dialog import ApproveJoinDialog

        vault, snap = self.c.vault, self.c.team
        member = snap.member(handle) if snap else None
        if vault is None or snap is None or member is None:
            return
        dialog = ApproveJoinDialog(member, snap.invite_of(handle), self.c.window)

        def submitted(typed: str) -> None:
            try:
                self.c.stepped(lambda: team.approve(vault, handle, typed))
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        if self._exec(dialog):
            self.c.changed(self.tr("Approved %s: they can unlock the vault now.") % handle)

    # -- grant, revoke, remove ---------------------------------------------------------------
    @Slot(str, str)
    def grant(self, handle: str, env_name: str) -> None:
        from app.ui.dialogs.grant_dialog import GrantDialog, GrantForm

        vault, snap = self.c.vault, self.c.team
        env = snap.env(env_name) if snap else None
        if vault is None or snap is None or env is None:
            return
        current = snap.grant(handle, env_name)
        step_up = env.policy.step_up != "none"
        dialog = GrantDialog(
            handle, env_name, current, self._today(), self.c.tz, step_up, self.c.window
        )

        granted: list[GrantForm] = []

        def submitted(form: GrantForm) -> None:
            try:
                self.c.stepped(
                    lambda: access.grant(vault, handle, env_name, form.access, form.until)
                )
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            granted.append(form)
            dialog.accept()

        dialog.submitted.connect(submitted)
        if self._exec(dialog) and granted:
            form = granted[0]
            until = self.tr(" until %s") % form.until.date().isoformat() if form.until else ""
            self.c.changed(
                self.tr("%s has %s access to %s%s.") % (handle, form.access, env_name, until)
            )

    @Slot(str, str)
    def revoke(self, handle: str, env_name: str) -> None:
        self._take_away(handle, env_name)

    @Slot(str)
    def remove(self, handle: str) -> None:
        self._take_away(handle, None)

    def _take_away(self, handle: str, env_name: str | None) -> None:
        """Revoke one environment (or remove the member): show what will be flagged, confirm,
        then show what was."""
        from app.ui.dialogs.revoke_dialog import RevokeDialog

        vault = self.c.vault
        if vault is None:
            return
        try:
            flagged = access.preview(vault, handle, env_name)
        except KeyLedgerError as exc:
            self.c.error(exc)
            return
        dialog = RevokeDialog(handle, env_name, flagged, self.c.window)
        done: list[access.Revoked] = []
        wanted: list[bool] = []  # "Show these keys", once the console has read the flags

        def confirmed() -> None:
            try:
                if env_name is None:
                    done.append(access.remove_member(vault, handle))
                else:
                    done.append(access.revoke(vault, handle, env_name))
            except KeyLedgerError as exc:
                self.c.error(exc, dialog)
                return
            dialog.show_done(done[0].flagged, done[0].kept_inline)

        def show_flagged() -> None:
            wanted.append(True)
            dialog.accept()

        dialog.confirmed.connect(confirmed)
        dialog.show_flagged_requested.connect(show_flagged)
        self._exec(dialog)
        if done:
            count = len(done[0].flagged)
            text = (
                self.tr("Removed %s") % handle
                if env_name is None
                else self.tr("Revoked %s's access to %s") % (handle, env_name)
            )
            flagged = keys_text(count)
            self.c.changed(text + self.tr("; %s flagged rotation required.") % flagged)
        if wanted:
            self.c.console.show_needing_rotation()

    # -- request -----------------------------------------------------------------------------
    @Slot()
    def request_access(self) -> None:
        from app.services.team_snapshot import requestable
        from app.ui.dialogs.request_dialog import RequestDialog, RequestForm

        vault, snap = self.c.vault, self.c.team
        if vault is None or snap is None:
            return
        held = {g.env_name: g.access for g in snap.grants_of(snap.me.handle)}
        names = [e.name for e in requestable(snap)]
        dialog = RequestDialog(names, held, self._today(), self.c.tz, self.c.window)
        sent: list[requests.AccessRequest] = []

        def submitted(form: RequestForm) -> None:
            try:
                sent.append(
                    requests.request_access(vault, form.env, form.access, form.reason, form.until)
                )
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        if self._exec(dialog) and sent:
            self.c.changed(
                self.tr("Asked for %s %s; an owner or admin decides.")
                % (sent[0].env_name, sent[0].access)
            )

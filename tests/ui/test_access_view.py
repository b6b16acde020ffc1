"""The Access view as an admin uses it: invite, approve a join, decide requests, grant, revoke,
remove, and grants that ended revoked at unlock."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from app.services import requests, team
from app.ui.dialogs.approve_join_dialog import ApproveJoinDialog
from app.ui.dialogs.grant_dialog import GrantDialog
from app.ui.dialogs.invite_code_dialog import InviteCodeDialog
from app.ui.dialogs.invite_dialog import InviteDialog
from app.ui.dialogs.revoke_dialog import RevokeDialog
from tests.conftest import PASSPHRASE
from tests.team import join_as
from tests.ui.access_helpers import (
    add_member,
    answer,
    as_alice,
    as_member,
    matrix,
    pending,
    select_cell,
    select_pending,
    show_access,
)
from tests.ui.conftest import unlock
from tests.ui.test_main_window import type_code

ACCEPTED = QDialog.DialogCode.Accepted


def click(box: QMessageBox, text: str) -> int:
    next(b for b in box.buttons() if b.text() == text).click()
    return 0


def test_the_rail_and_ctrl_5_show_the_team(qtbot, window, team_vault):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    console = window.console
    assert console.nav["access"].toolTip() == "Members, grants and requests (Ctrl+5)"
    window.navigator.show(console.ACCESS)
    assert console.current_view() == "access"
    view = console.access
    assert [view.members.index(0, c).data() for c in range(3)] == ["alice", "Owner", "Active"]
    assert matrix(window) == [["alice (owner)", "write", "write", "write"]]
    assert view.summary.text() == "1 member"
    assert not view.request.isEnabled()
    assert view.request.toolTip() == "You already have write access to every environment."
    assert not view.grant.isEnabled()
    select_cell(window, "alice", "dev")
    assert not view.grant.isEnabled()
    assert "two-person rule" in view.grant.toolTip()
    assert not view.revoke.isEnabled()
    assert "Another admin" in view.revoke.toolTip()
    view.member_table.selectRow(0)
    assert not view.remove.isEnabled()
    assert view.remove.toolTip() == "You cannot remove yourself: another admin must."


def test_an_invite_shows_a_one_time_code_that_joins(qtbot, window, team_vault, clock, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    show_access(window)

    def fill(dialog: InviteDialog) -> int:
        assert dialog.role.findData("admin") >= 0  # the owner may invite admins
        dialog.handle.setText("alice")
        dialog.ok.click()  # taken: the dialog stays open with the reason
        assert "already a member" in dialog.error.text()
        dialog.handle.setText("bob")
        dialog.access["dev"].setCurrentIndex(dialog.access["dev"].findData("read"))
        dialog.ok.click()
        return dialog.result()

    def read_code(dialog: InviteCodeDialog) -> int:
        dialog.copy_code.click()
        return 0

    answer(monkeypatch, InviteDialog, fill)
    shown = answer(monkeypatch, InviteCodeDialog, read_code)
    window.console.access.invite.click()
    (dialog,) = shown
    assert isinstance(dialog, InviteCodeDialog)
    code = dialog.code.text()
    assert code.startswith("KLI-")
    assert QGuiApplication.clipboard().text() == code
    assert "clipboard clears" in dialog.status.text()
    command = dialog.command.toPlainText()
    assert command.startswith("keyledger join ")
    assert command.endswith(f"--invite {code} --name bob")
    assert pending(window) == [("Invite", "bob")]
    joined = team.join(path, code, "bob", PASSPHRASE, kdf_seconds=0, clock=clock)
    window.console.access.refresh.click()
    assert pending(window) == [("Join", "bob")]
    view = window.console.access
    assert view.members.index(1, 2).data() == "Awaiting approval"
    assert view.members.index(1, 3).data() == joined.fingerprint
    window.clipboard.clear_now()


def test_a_join_is_approved_only_with_the_fingerprint_the_teammate_reads_out(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    joined = join_as(window.session.vault, "dave", "member", ("dev:read", "prod:read"))
    show_access(window)
    window.console.access.refresh.click()
    select_pending(window, "join", "dave")
    view = window.console.access
    assert view.approve.text() == "&Approve join…"
    errors = type_code(monkeypatch, path, clock)  # prod's key is handed over: step-up

    def compare(dialog: ApproveJoinDialog) -> int:
        assert dialog.fingerprint.text() == joined.fingerprint
        assert not dialog.ok.isEnabled()  # not a whole fingerprint yet
        dialog.typed.setText("0000 1111 2222 3333 4444")
        dialog.ok.click()
        assert dialog.error.text().startswith("The fingerprint does not match dave's key")
        assert "over a channel you trust" in dialog.error.text()
        assert team.find_member(window.session.vault, "dave", statuses=("pending",))
        dialog.typed.setText(joined.fingerprint.upper().replace(" ", ""))
        dialog.ok.click()
        return dialog.result()

    answer(monkeypatch, ApproveJoinDialog, compare)
    view.approve.click()
    assert errors == [""]
    assert pending(window) == []
    assert view.members.index(1, 2).data() == "Active"
    assert matrix(window)[1] == ["dave (member)", "read", "—", "read"]
    assert "Approved dave" in window.statusBar().currentMessage()


def test_a_request_is_approved_with_step_up_and_another_denied_with_a_reason(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        joined = add_member(alice, "bob", "member", ("dev:read",))
    bob = as_member(path, joined, clock)
    until = clock.now() + timedelta(days=2)
    for_prod = requests.request_access(bob, "prod", "read", "incident 42", until)
    for_staging = requests.request_access(bob, "staging", "write", "deploy the fix")
    bob.lock()
    unlock(qtbot, window, path, key)
    show_access(window)
    assert pending(window) == [("Request", "bob"), ("Request", "bob")]
    view = window.console.access
    select_pending(window, "request", for_prod.id)
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "exec",
        lambda box: asked.append(box.informativeText()) or click(box, "Approve"),
    )
    errors = type_code(monkeypatch, path, clock)
    view.approve.click()
    assert asked == ["Their reason: incident 42"]
    assert errors == [""]
    assert matrix(window)[1] == ["bob (member)", "read", "—", f"read until {until.date()}"]
    select_pending(window, "request", for_staging.id)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("use dev for now", True))
    assert view.decline.text() == "&Deny request…"
    view.decline.click()
    assert pending(window) == []
    denied = requests.find_request(window.session.vault, for_staging.id)
    assert (denied.status, denied.decided_by, denied.decision_reason) == (
        "denied",
        "alice",
        "use dev for now",
    )


def test_grant_then_revoke_from_the_matrix_flags_what_they_could_read(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        add_member(alice, "bob")
    unlock(qtbot, window, path, key)
    show_access(window)
    view = window.console.access
    select_cell(window, "bob", "dev")
    assert view.grant.text() == "&Grant…"
    assert view.grant.isEnabled()
    assert not view.revoke.isEnabled()
    assert view.revoke.toolTip() == "Select a cell that shows read or write access."

    def write_access(dialog: GrantDialog) -> int:
        dialog.write.setChecked(True)
        dialog.ok.click()
        return dialog.result()

    answer(monkeypatch, GrantDialog, write_access)
    view.grant.click()
    assert matrix(window)[1] == ["bob (member)", "write", "—", "—"]
    assert view.grant.text() == "Chan&ge…"

    def check_and_revoke(dialog: RevokeDialog) -> int:
        keys = [dialog.keys.item(n).text() for n in range(dialog.keys.count())]
        assert sorted(keys) == ["dev · Groq dev", "dev · OpenAI dev"]
        assert "2 keys will be flagged" in dialog.heading.text()
        dialog.go.click()
        assert dialog.intro.text() == "bob's access was revoked."
        assert "These 2 keys are now flagged" in dialog.heading.text()
        assert dialog.show_flagged.isVisibleTo(dialog)
        dialog.show_flagged.click()
        return dialog.result()

    answer(monkeypatch, RevokeDialog, check_and_revoke)
    select_cell(window, "bob", "dev")
    view.revoke.click()
    assert window.console.current_view() == "secrets"  # "Show these keys"
    shown = window.console.secrets
    names = sorted(shown.index(r, 0).data() for r in range(shown.rowCount()))
    assert names == ["Groq dev", "OpenAI dev"]
    assert {f.reason for f in window.controller.flags.values()} == {"revocation"}
    show_access(window)
    assert matrix(window)[1] == ["bob (member)", "—", "—", "—"]


def test_remove_member_lists_the_keys_first_then_flags_them(
    qtbot, window, team_vault, clock, monkeypatch
):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        add_member(alice, "bob", "member", ("dev:read", "staging:write"))
    unlock(qtbot, window, path, key)
    show_access(window)
    view = window.console.access
    view.member_table.selectRow(view.members.row_of("bob"))
    previews: list[list[str]] = []

    def cancel(dialog: RevokeDialog) -> int:
        previews.append([dialog.keys.item(n).text() for n in range(dialog.keys.count())])
        return 0

    answer(monkeypatch, RevokeDialog, cancel)
    view.remove.click()
    assert sorted(previews[0]) == ["dev · Groq dev", "dev · OpenAI dev", "staging · Stripe staging"]
    assert window.controller.flags == {}  # cancelled: nothing happened

    def remove(dialog: RevokeDialog) -> int:
        assert dialog.go.text() == "Remove bob"
        dialog.go.click()
        assert dialog.intro.text() == "bob was removed."
        assert dialog.keys.count() == 3
        return 0

    answer(monkeypatch, RevokeDialog, remove)
    view.remove.click()
    assert [view.members.index(r, 0).data() for r in range(view.members.rowCount())] == ["alice"]
    assert len(window.controller.flags) == 3
    assert {f.reason for f in window.controller.flags.values()} == {"offboarding"}
    assert "3 keys flagged rotation required" in window.statusBar().currentMessage()
    assert window.console.rotation_banner.isVisible()


def test_a_refused_join_and_a_cancelled_invite_leave_pending(
    qtbot, window, team_vault, monkeypatch
):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    join_as(window.session.vault, "dave", "member", ("dev:read",))
    team.invite(window.session.vault, "erin", "auditor", [])
    show_access(window)
    window.console.access.refresh.click()
    assert pending(window) == [("Join", "dave"), ("Invite", "erin")]
    view = window.console.access
    select_pending(window, "invite", "erin")
    assert not view.approve.isEnabled()
    assert "until the teammate joins" in view.approve.toolTip()
    assert view.decline.text() == "&Cancel invite"
    view.decline.click()
    assert pending(window) == [("Join", "dave")]
    select_pending(window, "join", "dave")
    monkeypatch.setattr(QMessageBox, "exec", lambda box: click(box, "Refuse"))
    view.decline.click()
    assert pending(window) == []
    statuses = {i.handle: i.status for i in team.list_invites(window.session.vault)}
    assert statuses == {"erin": "cancelled", "dave": "refused"}


def test_a_grant_past_its_end_date_is_revoked_when_an_admin_unlocks(
    qtbot, window, team_vault, clock
):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        add_member(alice, "bob", "member", ("dev:read",))
        from app.services import access

        access.grant(alice, "bob", "staging", "read", clock.now() + timedelta(days=2))
    clock.advance(days=3)
    unlock(qtbot, window, path, key)
    text = "Grants that ended were revoked: bob on staging (1 key flagged)."
    assert window.statusBar().currentMessage() == text
    assert [f.reason for f in window.controller.flags.values()] == ["revocation"]
    assert window.console.rotation_banner.isVisible()
    show_access(window)
    assert matrix(window)[1] == ["bob (member)", "read", "—", "—"]
    assert window.console.access.note.text() == text


def test_locking_closes_an_open_team_dialog(qtbot, window, team_vault, monkeypatch):
    path, key = team_vault
    unlock(qtbot, window, path, key)
    show_access(window)

    def lock_meanwhile(dialog: InviteDialog) -> int:
        dialog.handle.setText("bob")
        with qtbot.waitSignal(dialog.rejected, timeout=1000):
            window.lock()  # an idle lock while the dialog is open closes it
        return dialog.result()

    answer(monkeypatch, InviteDialog, lock_meanwhile)
    codes = answer(monkeypatch, InviteCodeDialog, lambda dialog: 0)
    window.console.access.invite.click()
    assert codes == []
    assert window.console.access.members.rowCount() == 0
    assert not window.console.access.invite.isEnabled()

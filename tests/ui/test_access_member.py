"""The Access view for a plain member and for an auditor: read-only, plus Request access."""

from __future__ import annotations

from app.services import requests
from app.ui.dialogs.request_dialog import RequestDialog
from tests.ui.access_helpers import (
    add_member,
    answer,
    as_alice,
    matrix,
    pending,
    select_cell,
    select_pending,
    show_access,
    unlock_as,
)


def admin_buttons(view) -> list[bool]:
    return [
        b.isVisibleTo(view)
        for b in (view.invite, view.grant, view.revoke, view.remove, view.approve, view.decline)
    ]


def test_a_member_reads_the_team_and_asks_for_access(qtbot, window, team_vault, clock, monkeypatch):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        joined = add_member(alice, "bob", "member", ("dev:read",))
        add_member(alice, "carol", "auditor")
    unlock_as(qtbot, window, path, joined)
    assert "bob (member)" in window.who_label.text()
    show_access(window)
    view = window.console.access
    assert admin_buttons(view) == [False] * 6  # nothing that would only fail
    assert view.note.text().startswith("You can see who has access; owners and admins change it")
    assert matrix(window) == [
        ["alice (owner)", "write", "write", "write"],
        ["bob (member)", "read", "—", "—"],
        ["carol (auditor)", "—", "—", "—"],
    ]
    select_cell(window, "alice", "prod")
    assert view.request.isEnabled()

    def ask(dialog: RequestDialog) -> int:
        assert [dialog.env.itemText(n) for n in range(dialog.env.count())] == [
            "dev",
            "staging",
            "prod",
        ]
        dialog.env.setCurrentText("dev")  # he reads dev: only write is left to ask for
        assert [dialog.access.itemData(n) for n in range(dialog.access.count())] == ["write"]
        dialog.env.setCurrentText("prod")
        assert not dialog.ok.isEnabled()
        assert dialog.ok.toolTip() == "Say why: the approver reads it"
        dialog.reason.setText("incident 42")
        dialog.ok.click()
        return dialog.result()

    answer(monkeypatch, RequestDialog, ask)
    view.request.click()
    assert pending(window) == [("Request", "bob")]
    select_pending(window, "request", view.pending.item_at(0).key)
    assert admin_buttons(view) == [False] * 6
    (found,) = requests.list_requests(window.session.vault, "open")
    assert (found.env_name, found.access, found.reason) == ("prod", "read", "incident 42")
    assert "Asked for prod read" in window.statusBar().currentMessage()

    def again(dialog: RequestDialog) -> int:
        dialog.env.setCurrentText("prod")
        dialog.reason.setText("still on call")
        dialog.ok.click()
        assert "already asked for prod" in dialog.error.text()
        return 0

    answer(monkeypatch, RequestDialog, again)
    view.request.click()
    assert len(pending(window)) == 1


def test_an_auditor_sees_the_team_and_cannot_request(qtbot, window, team_vault, clock):
    path, key = team_vault
    with as_alice(path, key, clock) as alice:
        joined = add_member(alice, "carol", "auditor")
    unlock_as(qtbot, window, path, joined)
    show_access(window)
    view = window.console.access
    assert admin_buttons(view) == [False] * 6
    assert view.note.text() == "Auditors see who has access and never read values."
    assert not view.request.isEnabled()
    assert "never values" in view.request.toolTip()
    assert [view.members.index(r, 0).data() for r in range(2)] == ["alice", "carol"]

"""The Reviews view over a real team: starting a review, deciding a row, bulk actions over a
selection, rows about your own access, the sign-off that carries out a revocation, and what an
auditor may do."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from app.core.csvsafe import ENCODING
from app.services import reviews
from app.services.team import list_grants
from app.ui.dialogs.decide_dialog import DecideDialog
from app.ui.dialogs.sign_off_dialog import SignOffDialog
from app.ui.dialogs.start_review_dialog import StartReviewDialog
from app.ui.models.review_rows_model import ReviewColumn
from tests.ui.review_team import open_as, review_team, reviews_of

OWN = [("alice", "dev"), ("alice", "staging"), ("alice", "prod")]


@pytest.fixture
def world(team_vault, clock):
    with review_team(*team_vault, clock) as made:
        yield made


@pytest.fixture
def controller(window):
    return reviews_of(window)


@pytest.fixture
def view(qtbot, window, world, controller):
    open_as(qtbot, window, world, "alice", world.alice_key)
    return controller.view


def start(view, monkeypatch, due: date = date(2027, 3, 31), reviewer: str = "alice") -> None:
    def fill(dialog: StartReviewDialog) -> int:
        dialog.due.setDate(QDate(due.year, due.month, due.day))
        dialog.reviewer.setCurrentIndex(dialog.reviewer.findData(reviewer))
        dialog.ok.click()
        return dialog.result()

    monkeypatch.setattr(StartReviewDialog, "exec", fill)
    view.buttons.start.click()


def decide_with(monkeypatch, steps) -> list[DecideDialog]:
    seen: list[DecideDialog] = []

    def run(dialog: DecideDialog) -> int:
        seen.append(dialog)
        steps(dialog)
        return dialog.result()

    monkeypatch.setattr(DecideDialog, "exec", run)
    return seen


def select(view, *keys: tuple[str, str]) -> None:
    view._select_keys(list(keys))


def shown(view, handle: str, env: str, column: ReviewColumn) -> str:
    return view.rows.index_of(handle, env, column).data()


def test_start_a_review_of_every_grant(qtbot, window, controller, view, monkeypatch):
    assert window.console.current_view() == "reviews"
    assert window.console.nav["reviews"].toolTip() == "Access reviews (Ctrl+6)"
    assert view.heading.text() == "No access reviews yet."
    assert view.due.text().startswith("A review is overdue since ")
    with qtbot.waitSignal(controller.message) as said:
        start(view, monkeypatch)
    assert said.args[0].endswith(": 6 grants to decide, reviewer alice.")
    assert view.campaigns.rowCount() == 1
    assert view.campaigns.index(0, 1).data() == "Open"
    assert view.campaigns.index(0, 3).data() == "2027-03-31"
    assert view.campaigns.index(0, 4).data() == "0 of 6 decided"
    assert (view.progress.value(), view.progress.maximum()) == (0, 6)
    assert view.due.text() == "A review is under way, due 2027-03-31"
    assert view.rows.rowCount() == 6
    assert shown(view, "erin", "staging", ReviewColumn.LAST_USED) == "never · unused 90+ days"
    assert shown(view, "bob", "dev", ReviewColumn.LAST_USED).endswith("(run)")
    assert not view.buttons.start.isEnabled()
    assert "already open" in view.buttons.start.toolTip()
    assert window.statusBar().currentMessage() == said.args[0]
    next(a for a in window.actions() if a.text() == "Overview").trigger()
    next(a for a in window.actions() if a.text() == "Reviews view").trigger()
    assert window.console.current_view() == "reviews"


def test_deciding_a_row_needs_a_comment_to_revoke_or_change(qtbot, view, monkeypatch):
    start(view, monkeypatch)
    select(view, ("bob", "dev"))

    def change_to_read(dialog: DecideDialog) -> None:
        assert dialog.windowTitle() == "Decide bob on dev"
        dialog.change.setChecked(True)
        assert dialog.access.currentData() == "read"  # the other level
        assert not dialog.ok.isEnabled()
        assert dialog.hint.text() == "Say why: revocations and changes need a comment."
        dialog.access.setCurrentIndex(dialog.access.findData("write"))
        assert "already has write access" in dialog.hint.text()
        dialog.access.setCurrentIndex(dialog.access.findData("read"))
        dialog.comment.setText("least privilege")
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    assert len(decide_with(monkeypatch, change_to_read)) == 0
    view.buttons.decide.click()
    assert shown(view, "bob", "dev", ReviewColumn.DECISION) == "Change to read"
    assert shown(view, "bob", "dev", ReviewColumn.COMMENT) == "least privilege"
    assert view.progress.value() == 1
    assert view.campaigns.index(0, 4).data() == "1 of 6 decided"
    assert view.selected_keys() == [("bob", "dev")]  # the selection stays after the refresh

    def reopen(dialog: DecideDialog) -> None:  # shows the decision so far
        assert dialog.change.isChecked()
        assert dialog.comment.text() == "least privilege"
        dialog.reject()

    decide_with(monkeypatch, reopen)
    view.buttons.decide.click()


def test_bulk_keep_and_revoke_over_a_selection(qtbot, view, monkeypatch):
    start(view, monkeypatch)
    view.buttons.select_unused.click()  # alice's own unused rows are not hers to decide
    assert view.selected_keys() == [("dora", "dev"), ("erin", "staging")]
    assert view.selection_label.text() == "2 selected"

    def revoke(dialog: DecideDialog) -> None:
        assert dialog.windowTitle() == "Decide 2 rows"
        assert dialog.revoke.isChecked()  # Revoke selected… starts there
        assert not dialog.ok.isEnabled()
        dialog.comment.setText("unused for 100 days")
        dialog.ok.click()

    decide_with(monkeypatch, revoke)
    view.buttons.revoke.click()
    for key in [("dora", "dev"), ("erin", "staging")]:
        assert shown(view, *key, ReviewColumn.DECISION) == "Revoke"
        assert shown(view, *key, ReviewColumn.COMMENT) == "unused for 100 days"
    assert view.progress.value() == 2
    select(view, ("dora", "dev"), ("bob", "dev"))  # a decision can be revised until sign-off
    view.buttons.keep.click()
    assert shown(view, "dora", "dev", ReviewColumn.DECISION) == "Keep"
    assert shown(view, "bob", "dev", ReviewColumn.DECISION) == "Keep"
    assert shown(view, "erin", "staging", ReviewColumn.DECISION) == "Revoke"
    assert view.progress.value() == 3


def test_rows_about_your_own_access_are_left_to_another_admin(qtbot, controller, view, monkeypatch):
    start(view, monkeypatch)
    why = "This row is about your own access: another admin decides it."
    for handle, env in OWN:
        assert shown(view, handle, env, ReviewColumn.DECISION) == "Another admin decides"
    select(view, *OWN)
    for button in (view.buttons.decide, view.buttons.keep, view.buttons.revoke):
        assert not button.isEnabled()
        assert button.toolTip() == why
    select(view, ("alice", "dev"), ("bob", "dev"))  # mixed: only bob's is kept
    assert view.buttons.keep.isEnabled()
    assert "1 selected row(s) about your own access stay" in view.buttons.keep.toolTip()
    view.buttons.keep.click()
    assert shown(view, "bob", "dev", ReviewColumn.DECISION) == "Keep"
    assert shown(view, "alice", "dev", ReviewColumn.DECISION) == "Another admin decides"
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    campaign = view.selected_campaign()
    controller.keep(campaign.id, [("alice", "dev")])  # the service refuses
    assert warned == ["Nobody reviews their own access: another admin decides that row"]


def test_sign_off_waits_for_every_row_then_carries_out_the_revocation(
    qtbot, window, world, view, monkeypatch
):
    start(view, monkeypatch)
    select(view, ("dora", "dev"), ("bob", "dev"))
    view.buttons.keep.click()
    select(view, ("erin", "staging"))
    decide_with(monkeypatch, lambda d: (d.comment.setText("never used"), d.ok.click()))
    view.buttons.revoke.click()
    sign_off = view.buttons.sign_off
    assert not sign_off.isEnabled()
    assert sign_off.toolTip() == (
        "3 rows are still undecided: every row needs a decision before sign-off."
    )
    campaign = view.selected_campaign()
    reviews.decide(world.dora, campaign.id, [(*k, "keep", None) for k in OWN], "owner")
    window.controller.load()  # what the console does after any change
    assert sign_off.isEnabled()
    assert view.progress.value() == 6
    seen: list[tuple[list[str], list[str]]] = []

    def confirm(dialog: SignOffDialog) -> int:
        lines = [dialog.actions.item(n).text() for n in range(dialog.actions.count())]
        keys = [dialog.keys.item(n).text() for n in range(dialog.keys.count())]
        seen.append((lines, keys))
        dialog.go.click()
        lines = [dialog.actions.item(n).text() for n in range(dialog.actions.count())]
        seen.append((lines, [dialog.heading.text()]))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SignOffDialog, "exec", confirm)
    sign_off.click()
    assert seen[0] == (
        ["Revoke erin on staging: re-keyed, 1 key flagged", "Keep 5 grants as they are"],
        ["staging · Stripe staging"],
    )
    assert seen[1] == (
        ["Revoked erin on staging: re-keyed, 1 key flagged"],
        ["This key is now flagged rotation required; rotate it at its provider."],
    )
    grants = {(g.handle, g.env_name) for g in list_grants(window.session.vault)}
    assert ("erin", "staging") not in grants
    assert ("bob", "dev") in grants
    assert view.campaigns.index(0, 1).data().startswith("Signed off ")
    assert shown(view, "erin", "staging", ReviewColumn.DECISION) == "Revoke"
    for button in (sign_off, view.buttons.keep, view.buttons.decide):
        assert not button.isEnabled()
    assert view.buttons.keep.toolTip() == "This review is signed off: its decisions are final."
    stripe = next(s for s in window.controller.all_secrets if s.name == "Stripe staging")
    assert stripe.id in window.controller.flags  # the console reloaded the flags


def test_only_the_reviewer_signs_off(qtbot, window, world, controller):
    alice = world.unlock("alice", world.alice_key)
    made = reviews.start(alice, alice.clock.now() + timedelta(days=30), "alice")
    others = [("dora", "dev"), ("bob", "dev"), ("erin", "staging")]
    reviews.decide(alice, made.id, [(*k, "keep", None) for k in others], "")
    alice.lock()
    reviews.decide(world.dora, made.id, [(*k, "keep", None) for k in OWN], "")
    open_as(qtbot, window, world, "dora", world.dora_key)
    view = controller.view
    assert view.progress.value() == 6
    assert not view.buttons.sign_off.isEnabled()
    assert view.buttons.sign_off.toolTip() == "Only the review's reviewer, alice, signs it off."
    assert not view.buttons.start.isEnabled()  # one review at a time
    select(view, ("bob", "dev"))
    assert view.buttons.keep.isEnabled()  # dora may still revise a decision


def test_an_auditor_reads_and_exports_but_decides_nothing(
    qtbot, window, world, controller, monkeypatch, tmp_path
):
    made = reviews.start(world.dora, world.dora.clock.now() + timedelta(days=30), "dora")
    reviews.decide(world.dora, made.id, [("erin", "staging", "revoke", None)], "never used")
    open_as(qtbot, window, world, "ann", world.ann_key)
    view = controller.view
    assert view.rows.rowCount() == 6
    assert shown(view, "erin", "staging", ReviewColumn.DECISION) == "Revoke"
    assert shown(view, "dora", "dev", ReviewColumn.DECISION) == "Undecided"
    b = view.buttons
    for button in (b.start, b.decide, b.keep, b.revoke, b.select_unused, b.sign_off):
        assert button.isHidden()
    assert view.note.text().startswith("You can read and export the reviews")
    assert controller.banner.isHidden()  # the overdue review is for admins to act on
    out = tmp_path / "review.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(out), ""))
    assert b.export.isEnabled()
    b.export.click()
    with out.open(encoding=ENCODING, newline="") as f:
        table = list(csv.DictReader(f))
    erin = next(r for r in table if r["account name"] == "erin")
    assert (erin["decision"], erin["comment"], erin["reviewer"]) == ("revoke", "never used", "dora")
    assert len(table) == 6

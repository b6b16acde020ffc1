"""The Reviews view's actions that go through a dialog: start a review, decide rows, sign off.
Each dialog stays open until its change went through (errors show in place)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from app.core.errors import KeyLedgerError
from app.core.reviews import Campaign
from app.services import review_rules, reviews, team
from app.services.access import Revoked
from app.ui.views.review_parts import Key

if TYPE_CHECKING:
    from app.ui.reviews_controller import ReviewsController


def one_line(error: BaseException) -> str:
    """A service's message as one sentence to show."""
    text = " ".join(str(error).split())
    return text[:1].upper() + text[1:]


class ReviewFlows(QObject):
    def __init__(self, controller: ReviewsController) -> None:
        super().__init__(controller)
        self.c = controller

    @Slot()
    def start(self) -> None:
        from app.ui.dialogs.start_review_dialog import StartForm, StartReviewDialog

        vault, c = self.c.vault, self.c
        if vault is None:
            return
        members = team.list_members(vault)
        admins = [m.handle for m in members if m.role in review_rules.ADMINS]
        today = c.now().astimezone(c.tz).date()
        grants = len(team.list_grants(vault))
        dialog = StartReviewDialog(admins, vault.member.handle, today, grants, c.window)
        started: list[Campaign] = []

        def submitted(form: StartForm) -> None:
            due = datetime.combine(form.due, time(23, 59, 59), c.tz).astimezone(c.tz)
            try:
                started.append(reviews.start(vault, due, form.reviewer))
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        dialog.exec()
        dialog.deleteLater()
        if started:
            made = started[0]
            c.changed(
                self.tr("Started review %s: %d grants to decide, reviewer %s.")
                % (made.id[:8], len(made.rows), made.reviewer),
                made.id,
            )

    @Slot(str, object, str)
    def decide(self, review_id: str, keys: list[Key], preset: str) -> None:
        from app.ui.dialogs.decide_dialog import DecideDialog, DecideForm

        campaign = self.c.view.selected_campaign()
        if campaign is None or campaign.id != review_id:
            return
        wanted = set(keys)
        rows = [r for r in campaign.rows if (r.snapshot.handle, r.snapshot.env_name) in wanted]
        if not rows:
            return
        dialog = DecideDialog(rows, preset, self.c.window)
        done: list[tuple[DecideForm, Campaign]] = []

        def submitted(form: DecideForm) -> None:
            choices = [
                (r.snapshot.handle, r.snapshot.env_name, form.decision, form.access) for r in rows
            ]
            try:
                done.append((form, self.c.record(review_id, choices, form.comment)))
            except KeyLedgerError as exc:
                dialog.show_error(one_line(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        dialog.exec()
        dialog.deleteLater()
        if done:
            form, after = done[0]
            self.c.changed(self.c.decided_text(form.decision, len(rows), after), review_id)

    # -- sign-off --------------------------------------------------------------------------------
    @Slot(str)
    def sign_off(self, review_id: str) -> None:
        from app.ui.dialogs.sign_off_dialog import SignOffDialog

        vault = self.c.vault
        if vault is None:
            return
        try:
            campaign = reviews.get(vault, review_id)
            plan = review_rules.plan(vault, campaign)
        except KeyLedgerError as exc:
            self.c.error(exc)
            return
        dialog = SignOffDialog(campaign, plan, self.c.window)
        outcome: list[list[Revoked]] = []

        def confirmed() -> None:
            try:
                outcome.append(reviews.complete(vault, review_id)[1])
            except KeyLedgerError as exc:
                if reviews.get(vault, review_id).status != "completed":
                    self.c.error(exc, dialog)
                    return
                # Signed off, then a revocation failed: say so rather than pretend.
                outcome.append([])
                self.c.console.load()
                dialog.show_done([], [], one_line(exc))
                return
            self.c.console.load()  # the keys flagged, the grants gone: before "Show these keys"
            dialog.show_done(outcome[0], plan.changes)

        def show_flagged() -> None:
            dialog.accept()
            self.c.console.show_needing_rotation()

        dialog.confirmed.connect(confirmed)
        dialog.show_flagged_requested.connect(show_flagged)
        dialog.exec()
        dialog.deleteLater()
        if outcome:
            flagged = sum(len(r.flagged) for r in outcome[0])
            self.c.changed(
                self.tr("Signed off review %s: %d revoked, %d changed, %d keys flagged.")
                % (review_id[:8], len(outcome[0]), len(plan.changes), flagged),
                review_id,
            )

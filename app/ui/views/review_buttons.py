"""The Reviews view's buttons: shown to those who may ever use them (owners and admins; Export
for everyone), enabled only when the action can succeed, and a disabled one says why in its
tooltip (the reasons come from services.review_rules, the rules the services enforce)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QPushButton

from app.core.model import Member
from app.core.reviews import Campaign
from app.services.review_rules import ADMINS, why_not_sign_off, why_not_start
from app.ui.models.review_rows_model import ReviewRowsModel

_TIPS = {
    "start": "Snapshot every grant for a decision each, with a due date and a reviewer",
    "export": "Save this review as CSV (Vanta's access-file columns and each decision) for"
    " the auditor",
    "decide": "Keep, revoke or change the selected rows' access, with a comment",
    "keep": "Keep the selected rows' access as it is",
    "revoke": "Mark the selected rows for revocation, with a reason; sign-off carries it out",
    "select_unused": "Select every row you decide whose grant went unused for 90 days",
    "sign_off": "Sign the review off and carry out its revocations and changes",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReviewsView", text)


def _tip(name: str) -> str:
    return _tr(_TIPS[name])


def _why(reason: str | None) -> str | None:
    return None if reason is None else _tr(reason)


def enable(button: QPushButton, why_not: str | None, tip: str) -> None:
    """Enabled with its usual tip, or disabled with the reason as its tip (both translated)."""
    button.setEnabled(why_not is None)
    button.setToolTip(why_not if why_not is not None else tip)


class ReviewButtons(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

        def make(text: str, name: str) -> QPushButton:
            button = QPushButton(_tr(text))
            button.setAccessibleName(_tr(name))
            return button

        self.start = make("&Start review…", "Start review")
        self.export = make("E&xport CSV…", "Export CSV")
        self.decide = make("&Decide…", "Decide")
        self.keep = make("&Keep selected", "Keep selected")
        self.revoke = make("&Revoke selected…", "Revoke selected")
        self.select_unused = make("Select &unused", "Select unused")
        self.sign_off = make("Sign o&ff…", "Sign off")
        self.deciding = (self.decide, self.keep, self.revoke)

    def update(
        self,
        campaign: Campaign | None,
        me: Member | None,
        picked: Sequence[tuple[str, str]],
        rows: ReviewRowsModel,
        campaigns: Sequence[Campaign],
    ) -> None:
        admin = me is not None and me.role in ADMINS
        for button in (self.start, *self.deciding, self.select_unused, self.sign_off):
            button.setVisible(admin)
        enable(self.export, None if campaign else _tr("Select a review first."), _tip("export"))
        if me is None or not admin:
            return
        enable(self.start, _why(why_not_start(me, list(campaigns))), _tip("start"))
        if campaign is None:
            for button in (*self.deciding, self.select_unused, self.sign_off):
                enable(button, _tr("Start a review first."), "")
            return
        items = {(i.row.snapshot.handle, i.row.snapshot.env_name): i for i in rows.items()}
        reasons = [items[k].why_not for k in picked if k in items]
        mine = sum(r is None for r in reasons)
        closed = _tr("This review is signed off: its decisions are final.")
        if campaign.status != "open":
            why: str | None = closed
        elif not reasons:
            why = _tr("Select one or more rows first (Shift or Ctrl+click, or Select unused).")
        elif not mine:
            why = next(r for r in reasons if r)  # translated by the model
        else:
            why = None
        others = len(reasons) - mine
        left = (
            _tr(" (%1 selected row(s) about your own access stay for another admin)").replace(
                "%1", str(others)
            )
            if others
            else ""
        )
        for name, button in zip(("decide", "keep", "revoke"), self.deciding, strict=True):
            enable(button, why, _tip(name) + left)
        unused = any(i.row.unused and i.why_not is None for i in items.values())
        none_unused = _tr("No row you decide went unused for 90 days.")
        enable(
            self.select_unused,
            closed if campaign.status != "open" else None if unused else none_unused,
            _tip("select_unused"),
        )
        enable(self.sign_off, _why(why_not_sign_off(me, campaign)), _tip("sign_off"))

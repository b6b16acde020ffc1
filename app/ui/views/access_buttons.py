"""The Access view's buttons: enabled only when the action can succeed, and a disabled one says
why in its tooltip (the reasons come from services.team_snapshot, the rules the services
enforce)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QPushButton

from app.services import team_snapshot as rules
from app.services.team_snapshot import TeamSnapshot
from app.ui.models.pending_model import PendingItem

_TIPS = {  # by the button's accessible name, while it is enabled
    "Check for changes": "Read what teammates published to the shared file since: joins, requests",
    "Request access": "Ask an owner or admin for an environment, with a reason",
    "Invite": "Invite a teammate: a one-time code they use to join from their own laptop",
    "Remove member": "Remove the selected member: every key they could read is re-keyed and"
    " flagged rotation required",
    "Grant or change access": "Give the selected member read or write access to this"
    " environment, or change it",
    "Revoke access": "End the selected member's access to this environment: it is re-keyed and"
    " its keys flagged rotation required",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("AccessView", text)


def enable(button: QPushButton, why_not: str | None, tip: str | None = None) -> None:
    """Enabled with its usual tip, or disabled with the reason as its tip."""
    button.setEnabled(why_not is None)
    if why_not is not None:
        button.setToolTip(_tr(why_not))
    else:
        usual = tip or _TIPS.get(button.accessibleName(), "")
        button.setToolTip(_tr(usual))


def _label(button: QPushButton, text: str) -> None:
    button.setText(_tr(text))
    button.setAccessibleName(_tr(text).replace("&", "").rstrip("…"))


def pending_actions(
    team: TeamSnapshot, item: PendingItem | None, approve: QPushButton, decline: QPushButton
) -> None:
    """Label and enable the two buttons under Pending for the selected join, request or
    invite: Approve join… / Refuse join…, Approve / Deny…, and Cancel invite."""
    if item is None:
        _label(approve, "&Approve…")
        _label(decline, "&Deny…")
        pick = "Select a join, request or invite in the list first."
        enable(approve, pick)
        enable(decline, pick)
        return
    if item.kind == "join":
        _label(approve, "&Approve join…")
        _label(decline, "Re&fuse join…")
        enable(
            approve,
            rules.why_not_approve_join(team, item.key),
            "Compare the fingerprint with the teammate, then admit them",
        )
        enable(
            decline,
            rules.why_not_refuse_join(team, item.key),
            "Refuse this join: the joined key is removed and gets nothing",
        )
        return
    if item.kind == "request":
        request = next((r for r in team.requests if r.id == item.key), None)
        _label(approve, "&Approve request")
        _label(decline, "&Deny request…")
        if request is None:
            enable(approve, "The request was already decided.")
            enable(decline, "The request was already decided.")
            return
        enable(
            approve,
            rules.why_not_decide(team, request, approving=True),
            "Grant what was asked for, as asked",
        )
        enable(
            decline,
            rules.why_not_decide(team, request, approving=False),
            "Deny the request, with a reason the requester reads",
        )
        return
    _label(approve, "&Approve…")
    _label(decline, "&Cancel invite")
    enable(approve, "An invite has nothing to approve until the teammate joins.")
    enable(
        decline,
        rules.why_not_invite(team),
        "Cancel the invite: its code no longer works",
    )

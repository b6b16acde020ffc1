"""Pieces of the Reviews view: its tables' set-up and column widths, and the lines above the
selected review's rows."""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.core.clock import parse_iso
from app.core.reviews import Campaign, RowState
from app.ui.models.campaigns_model import CampaignColumn
from app.ui.models.review_rows_model import ReviewColumn

Key = tuple[str, str]  # (member handle, environment name)
CAMPAIGN_WIDTHS = {CampaignColumn.STARTED: 110, CampaignColumn.STATUS: 170,
                   CampaignColumn.REVIEWER: 110, CampaignColumn.DUE: 110,
                   CampaignColumn.PROGRESS: 280}  # fmt: skip
# At 1366 wide about 1250 px: the comment column takes what is left (about 185 px), and the
# last-used column holds "2026-07-21 (reveal) · unused 90+ days" in bold.
ROW_WIDTHS = {
    ReviewColumn.MEMBER: 110, ReviewColumn.ENVIRONMENT: 65, ReviewColumn.ACCESS: 65,
    ReviewColumn.GRANTED: 125, ReviewColumn.JUSTIFICATION: 150, ReviewColumn.LAST_USED: 285,
    ReviewColumn.NOW: 110, ReviewColumn.DECISION: 155,
}  # fmt: skip


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReviewsView", text)


def review_table(name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


def heading_text(campaign: Campaign | None, now: datetime, tz: tzinfo | None) -> str:
    """E.g. "Review 7f3c9a12 · reviewer alice · due 2026-12-14", in bold."""
    if campaign is None:
        return _tr("No access reviews yet.")
    due = parse_iso(campaign.due).astimezone(tz).date().isoformat()
    text = _tr("Review %1 · reviewer %2 · due %3").replace("%1", campaign.id[:8])
    text = text.replace("%2", campaign.reviewer).replace("%3", due)
    if campaign.overdue(now):
        text += _tr(" · overdue")
    return f"<b>{text}</b>"


def legend_text(campaign: Campaign | None, own: int) -> str:
    """What the rows hold at a glance: how many unused (and that amber means that), changed,
    and about the viewer's own access."""
    if campaign is None:
        return _tr(
            "A review snapshots every grant for a decision each: keep, revoke or change."
            " Owners and admins start one with Start review…."
        )
    unused = sum(r.unused for r in campaign.rows)
    changed = sum(r.state is not RowState.UNCHANGED for r in campaign.rows)
    parts = [_tr("%1 grants").replace("%1", str(len(campaign.rows)))]
    if unused:
        parts.append(_tr("%1 unused for 90 days (amber)").replace("%1", str(unused)))
    if changed:
        parts.append(_tr("%1 changed or ended since the snapshot").replace("%1", str(changed)))
    if own and campaign.status == "open":
        text = _tr("%1 about your own access: another admin decides")
        parts.append(text.replace("%1", str(own)))
    return " · ".join(parts)

"""The console's note after unlock that an access review is overdue, with Show and ×."""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from app.core.clock import parse_iso
from app.core.reviews import Campaign
from app.ui.views.banner import RED, Banner


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReviewBanner", text)


def banner_text(
    next_due: datetime,
    overdue: bool,
    open_campaign: Campaign | None,
    now: datetime,
    tz: tzinfo | None,
) -> str:
    """What the banner says ("" when nothing is overdue). A review that is under way and not
    past its own due date silences the cadence: the team is on it."""
    if open_campaign is not None:
        if not open_campaign.overdue(now):
            return ""
        day = parse_iso(open_campaign.due).astimezone(tz).date().isoformat()
        return (
            _tr("The access review due %1 is overdue: %2 of %3 rows decided.")
            .replace("%1", day)
            .replace("%2", str(open_campaign.decided))
            .replace("%3", str(len(open_campaign.rows)))
        )
    if not overdue:
        return ""
    day = next_due.astimezone(tz).date().isoformat()
    return _tr(
        "An access review is overdue since %1: nobody has confirmed who holds which keys."
    ).replace("%1", day)


class ReviewBanner(Banner):
    """Signals:
    show_requested(): open the Reviews view.
    dismissed(): the user closed the banner (until the vault locks).
    """

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("reviewBanner", RED, parent)
        self.setAccessibleName(_tr("Access review overdue"))
        self.show_button = QPushButton(_tr("Open &reviews"))
        self.show_button.setAccessibleName(_tr("Open reviews"))
        self.show_button.setToolTip(_tr("The Reviews view (Ctrl+6)"))
        self.show_button.clicked.connect(self.show_requested.emit)
        self.add_button(self.show_button)
        self.close_button = self.add_close_button(_tr("Hide until the vault is locked"))

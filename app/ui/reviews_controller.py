"""Connects the Reviews view and the overdue banner to the loaded vault: the reviews read when
the view is shown after a change, Keep over a selection (one commit), and the CSV for the
auditor; the actions through a dialog (start, decide, sign off) are in review_flows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core.clock import local_zone, parse_iso
from app.core.errors import KeyLedgerError
from app.core.reviews import Campaign
from app.services import review_export, review_rules, reviews
from app.services.vault import Vault
from app.ui.console_controller import ConsoleController
from app.ui.review_flows import ReviewFlows, one_line
from app.ui.views.review_banner import ReviewBanner, banner_text
from app.ui.views.review_parts import Key
from app.ui.views.reviews_view import ReviewsView


class ReviewsController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    show_requested(): the banner asked for the Reviews view.
    """

    message = Signal(str)
    show_requested = Signal()

    def __init__(
        self,
        view: ReviewsView,
        banner: ReviewBanner,
        console: ConsoleController,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.view, self.banner, self.console, self.window = view, banner, console, window
        self.tz: tzinfo | None = local_zone()
        self.stale = True  # the view shows an older state than the vault's
        self.banner_dismissed = False  # until the vault locks
        self.flows = ReviewFlows(self)
        view.start_requested.connect(self.flows.start)
        view.keep_requested.connect(self.keep)
        view.decide_requested.connect(self.flows.decide)
        view.sign_off_requested.connect(self.flows.sign_off)
        view.export_requested.connect(self.export)
        banner.show_requested.connect(self.show_requested.emit)
        banner.dismissed.connect(self._on_banner_dismissed)
        view.installEventFilter(self)
        console.loaded.connect(self._on_console_loaded)

    @property
    def vault(self) -> Vault | None:
        return self.console.vault

    def now(self) -> datetime:
        return self.console.session.clock.now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.stale:
            self.refresh()
        return False

    # -- showing -----------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        """Read the reviews again; only while the view is shown (each opens its snapshot)."""
        vault = self.vault
        if vault is None:
            self.view.clear()
            return
        if not self.view.isVisible():
            self.stale = True
            return
        try:
            campaigns = reviews.list_campaigns(vault)
            when, overdue = reviews.due(vault)
        except KeyLedgerError as exc:
            self.view.show_note(self.tr("Could not read the reviews: %s") % one_line(exc))
            return
        now = self.now()
        self.view.set_campaigns(campaigns, vault.member, now, self.tz, select)
        self.view.set_due(*self._due_text(campaigns, when, overdue, now))
        self.view.show_note("" if vault.member.role in review_rules.ADMINS else self._read_only())
        self.stale = False
        self._update_banner(campaigns, when, overdue)

    def _read_only(self) -> str:
        return self.tr(
            "You can read and export the reviews; owners and admins decide and sign them off."
        )

    def _due_text(
        self, campaigns: Sequence[Campaign], when: datetime, overdue: bool, now: datetime
    ) -> tuple[str, bool]:
        running = next((c for c in campaigns if c.status == "open"), None)
        if running is not None:
            day = parse_iso(running.due).astimezone(self.tz).date().isoformat()
            return self.tr("A review is under way, due %s") % day, running.overdue(now)
        day = when.astimezone(self.tz).date().isoformat()
        if overdue:
            return self.tr("A review is overdue since %s") % day, True
        return self.tr("The next review is due %s") % day, False

    def unload(self) -> None:
        self.stale = True
        self.banner_dismissed = False
        self.banner.set_text("")
        self.view.clear()

    @Slot()
    def _on_console_loaded(self) -> None:
        self.stale = True
        if self.view.isVisible():
            self.refresh()

    def changed(self, text: str, select: str | None = None) -> None:
        self.refresh(select)
        self.message.emit(text)

    def error(self, exc: BaseException, parent: QWidget | None = None) -> None:
        QMessageBox.warning(parent or self.window, self.tr("Access reviews"), one_line(exc))

    # -- the overdue banner --------------------------------------------------------------------
    @Slot()
    def check_due(self) -> None:
        """After unlock: show the banner when a review is overdue (owners and admins only:
        they are the ones who start and decide reviews)."""
        vault = self.vault
        if vault is None:
            return
        try:
            campaigns = reviews.list_campaigns(vault)
            when, overdue = reviews.due(vault)
        except KeyLedgerError as exc:
            self.message.emit(self.tr("Could not read the reviews: %s") % one_line(exc))
            return
        self._update_banner(campaigns, when, overdue)

    def _update_banner(self, campaigns: Sequence[Campaign], when: datetime, overdue: bool) -> None:
        vault = self.vault
        if vault is None or vault.member.role not in review_rules.ADMINS or self.banner_dismissed:
            self.banner.set_text("")
            return
        running = next((c for c in campaigns if c.status == "open"), None)
        self.banner.set_text(banner_text(when, overdue, running, self.now(), self.tz))

    @Slot()
    def _on_banner_dismissed(self) -> None:
        self.banner_dismissed = True
        self.banner.set_text("")

    # -- starting and deciding -------------------------------------------------------------------
    def record(
        self, review_id: str, choices: list[tuple[str, str, str, str | None]], comment: str
    ) -> Campaign:
        vault = self.vault
        if vault is None:
            raise KeyLedgerError("the vault is locked")
        return reviews.decide(vault, review_id, choices, comment)

    @Slot(str, object)
    def keep(self, review_id: str, keys: list[Key]) -> None:
        if self.vault is None:
            return
        try:
            done = self.record(review_id, [(h, e, "keep", None) for h, e in keys], "")
        except KeyLedgerError as exc:
            self.error(exc)
            return
        self.changed(self.decided_text("keep", len(keys), done), review_id)

    def decided_text(self, decision: str, count: int, campaign: Campaign) -> str:
        rows = self.tr("1 row") if count == 1 else self.tr("%d rows") % count
        what = {
            "keep": self.tr("Kept %s"),
            "revoke": self.tr("Marked %s for revocation at sign-off"),
            "change": self.tr("Marked %s for an access change at sign-off"),
        }[decision]
        return (what % rows) + self.tr("; %d of %d decided.") % (
            campaign.decided,
            len(campaign.rows),
        )

    # -- export ----------------------------------------------------------------------------------
    @Slot(str)
    def export(self, review_id: str) -> None:
        vault = self.vault
        if vault is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            self.tr("Export access review"),
            f"access-review-{review_id[:8]}.csv",
            self.tr("CSV files (*.csv)"),
        )
        if not name:
            return
        path = Path(name if name.endswith(".csv") else name + ".csv")
        try:
            # The dialog asked before replacing the file it named (not one with ".csv" added).
            count = review_export.export_csv(vault, review_id, path, force=name.endswith(".csv"))
        except (KeyLedgerError, OSError) as exc:
            self.error(exc)
            return
        self.message.emit(
            self.tr("Wrote %d rows to %s: the grants, their last use and each decision.")
            % (count, path.name)
        )

"""Moving between the console's views: the rail's shortcuts, the Overview's links, home."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from app.ui.audit_controller import AuditController
from app.ui.console_controller import ActionFactory, ConsoleController
from app.ui.views.console import ConsolePage


class Navigator(QObject):
    def __init__(
        self, page: ConsolePage, console: ConsoleController, audit: AuditController
    ) -> None:
        super().__init__(page)
        self.page, self.console, self.audit = page, console, audit
        page.overview.link_activated.connect(self.follow)
        page.view_changed.connect(self._on_view_changed)

    def make_actions(self, action: ActionFactory) -> None:
        action(self.tr("Overview"), "Ctrl+1", lambda: self.show(self.page.OVERVIEW))
        action(self.tr("Secrets table"), "Ctrl+2", self._show_secrets_table)
        action(self.tr("Rotation view"), "Ctrl+3", lambda: self.show(self.page.ROTATION))
        action(self.tr("Audit view"), "Ctrl+4", lambda: self.show(self.page.AUDIT))
        action(self.tr("Access view"), "Ctrl+5", lambda: self.show(self.page.ACCESS))
        action(self.tr("Reviews view"), "Ctrl+6", lambda: self.show(self.page.REVIEWS))

    def show(self, name: str) -> None:
        if self.console.vault is not None:
            self.page.show_view(name)

    def home(self) -> None:
        """Where an unlock lands."""
        self.page.show_view(self.page.OVERVIEW)

    @Slot()
    def _show_secrets_table(self) -> None:
        self.show(self.page.SECRETS)
        self.page.table.setFocus()

    @Slot(str)
    def follow(self, target: str) -> None:
        """A link of the Overview: 'secrets[:env:NAME]', 'rotation[:…]', 'audit', 'verify',
        'step-up' or 'reviews'."""
        page = self.page
        if target.startswith("secrets:env:"):
            self.console.show_environment(target.removeprefix("secrets:env:"))
        elif target == "secrets":
            self.console.show_environment(None)
        elif target in ("rotation:overdue", "rotation:required"):
            self.console.show_needing_rotation()  # just those keys, flagged first
        elif target.startswith("rotation"):
            self.show(page.ROTATION)
        elif target == "reviews":
            self.show(page.REVIEWS)
        elif target in ("audit", "verify"):
            self.show(page.AUDIT)
            if target == "verify":
                self.audit.verify()
        elif target == "step-up":
            self.console.step_up.manage()

    @Slot(str)
    def _on_view_changed(self, name: str) -> None:
        # "Showing only keys that need rotation" belongs to the Secrets view: leaving it ends it.
        if name != self.page.SECRETS and self.page.secrets.status_filter() is not None:
            self.console.show_all_statuses()

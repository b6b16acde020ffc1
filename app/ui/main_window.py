"""The main window: welcome → unlock → console, and everything that locks the vault."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app.core.clock import Clock, SystemClock
from app.core.errors import KeyLedgerError
from app.services import demo
from app.services import secrets as secret_service
from app.services.session import Session, UnlockTarget, describe
from app.services.settings import Settings
from app.ui.access_controller import AccessController
from app.ui.audit_controller import AuditController
from app.ui.clipboard import ClipboardService
from app.ui.console_controller import ConsoleController
from app.ui.icons import app_icon
from app.ui.navigator import Navigator
from app.ui.overview_controller import OverviewController
from app.ui.reviews_controller import ReviewsController
from app.ui.rotation_controller import RotationController
from app.ui.screen_lock import ScreenLockWatcher
from app.ui.shared_file import SharedFileController
from app.ui.theme import apply_theme
from app.ui.views.console import ConsolePage
from app.ui.views.unlock import UnlockPage
from app.ui.views.welcome import WelcomePage
from app.ui.worker import Job, run_in_background

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel}


class MainWindow(QMainWindow):
    """Signals:
    vault_unlocked(): the console shows an unlocked vault.
    vault_locked(str): keys dropped; the reason ('user', 'idle', 'screen').
    """

    vault_unlocked = Signal()
    vault_locked = Signal(str)

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.session = Session(clock or SystemClock(), self.settings.get("idle_lock_min"))
        self.session.on_locked(self._on_session_locked)
        self.target: UnlockTarget | None = None
        self.job: Job | None = None
        self.setWindowTitle("KeyLedger")
        self.setWindowIcon(app_icon())
        self.resize(1360, 820)
        self.pages = QStackedWidget()
        self.welcome = WelcomePage()
        self.unlock_page = UnlockPage()
        self.console = ConsolePage()
        for page in (self.welcome, self.unlock_page, self.console):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)
        self.clipboard = ClipboardService(self)
        self.step_up_label = QLabel()
        self.step_up_label.setAccessibleName(self.tr("Step-up window"))
        self.statusBar().addPermanentWidget(self.step_up_label)
        self.clipboard_label = QLabel()
        self.statusBar().addPermanentWidget(self.clipboard_label)
        self.who_label = QLabel()
        self.statusBar().addWidget(self.who_label)
        self.controller = ConsoleController(
            self.console, self.session, self.clipboard, self.settings, self
        )
        self.controller.message.connect(self._on_controller_message)
        self.rotation = RotationController(self.console, self.controller, self.settings, self)
        self.overview = OverviewController(
            self.console.overview, self.controller, self.settings, self
        )
        self.audit = AuditController(self.console.audit, self.controller, self.settings, self)
        self.access = AccessController(self.console, self.controller, self)
        self.reviews = ReviewsController(
            self.console.reviews, self.console.review_banner, self.controller, self
        )
        self.shared = SharedFileController(self.console, self.controller, self)
        self.shared.changed.connect(self.reviews.check_due)
        self.navigator = Navigator(self.console, self.controller, self.audit)
        # The views' controllers beside the console's: each has `message` and `unload`.
        self.view_controllers = (
            self.rotation,
            self.overview,
            self.audit,
            self.access,
            self.reviews,
            self.shared,
        )
        for source in self.view_controllers:
            source.message.connect(self._on_controller_message)
        self.reviews.show_requested.connect(lambda: self.navigator.show(self.console.REVIEWS))
        self.controller.step_up.step_up_opened.connect(self._show_step_up_windows)
        self.clipboard.countdown.connect(self._on_clipboard_countdown)
        self.welcome.create_requested.connect(self._on_welcome_create_requested)
        self.welcome.open_requested.connect(self._on_welcome_open_requested)
        self.welcome.demo_requested.connect(self._on_welcome_demo_requested)
        self.unlock_page.unlock_requested.connect(self._on_unlock_requested)
        self.unlock_page.back_requested.connect(self.show_welcome)
        self.console.lock_requested.connect(self.lock)
        self.console.settings_requested.connect(self.open_settings)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(1000)
        self.idle_timer.timeout.connect(self._on_idle_timer_timeout)
        self.idle_timer.start()
        self.screen_lock = ScreenLockWatcher(self)
        self.screen_lock.screen_locked.connect(self._on_screen_locked)
        self._make_actions()
        QApplication.instance().installEventFilter(self)
        self.show_welcome()

    # -- actions ---------------------------------------------------------------------------
    def _make_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str, slot: object) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.lock_action = action(self.tr("Lock"), "Ctrl+L", self.lock)
        self.open_action = action(
            self.tr("Open vault…"),
            QKeySequence.StandardKey.Open,
            lambda: self._on_welcome_open_requested(None),
        )
        self.settings_action = action(self.tr("Settings…"), "Ctrl+,", self.open_settings)
        self.quit_action = action(self.tr("Quit"), "Ctrl+Q", self.close)
        self.controller.make_actions(action)
        self.navigator.make_actions(action)

    # -- pages -----------------------------------------------------------------------------
    @Slot()
    def show_welcome(self) -> None:
        self.welcome.set_recent(self.settings.get("recent_vaults"))
        self.pages.setCurrentWidget(self.welcome)
        self.who_label.setText("")

    def open_vault(self, path: Path) -> bool:
        try:
            target = describe(path)
        except KeyLedgerError as exc:
            self.statusBar().showMessage(str(exc), 10_000)
            self.show_welcome()
            return False
        self.target = target
        self.settings.remember_vault(path)
        is_demo = path.resolve() == demo.demo_path().resolve()
        key_text = None
        if is_demo and not target.keychain_has:
            key_text = demo.secret_key_path().read_text(encoding="utf-8").strip()
        self.unlock_page.show_target(target, demo.PASSPHRASE if is_demo else None, key_text)
        self.pages.setCurrentWidget(self.unlock_page)
        return True

    @Slot(object)
    def _on_welcome_open_requested(self, path: Path | None) -> None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, self.tr("Open a vault"), "", self.tr("KeyLedger vaults (*.kl);;All (*)")
            )
            if not name:
                return
            path = Path(name)
        self.open_vault(path)

    @Slot()
    def _on_welcome_demo_requested(self) -> None:
        self.open_vault(demo.ensure_demo())

    @Slot()
    def _on_welcome_create_requested(self) -> None:
        from app.ui.create_flow import CreateFlow

        CreateFlow(self).start()

    # -- unlocking -------------------------------------------------------------------------
    @Slot(str, str, str)
    def _on_unlock_requested(self, handle: str, passphrase: str, key_text: str) -> None:
        if self.target is None or (self.job is not None and self.job.running):
            return
        secret_key = None
        if key_text:
            from app.crypto import secretkey

            try:
                secret_key = secretkey.parse(key_text)
            except secretkey.SecretKeyFormatError as exc:
                self.unlock_page.show_error(str(exc))
                return
        self.unlock_page.set_busy(True)
        path = self.target.path
        session, prepare = self.session, self.controller.prepare
        due_soon_days = self.settings.get("due_soon_days")

        def unlock_and_prepare() -> tuple[object, object]:
            # The secrets' sealed records are read while Argon2 derives the key.
            sealed: list[secret_service.Listing] = []

            def read_listing(conn: sqlite3.Connection) -> None:
                sealed.append(secret_service.read_listing(conn))

            vault = session.unlock(path, handle, passphrase, secret_key, read_listing)
            try:
                return vault, prepare(
                    vault, session.clock.now(), due_soon_days, sealed[0] if sealed else None
                )
            except BaseException:
                vault.lock()
                raise

        self.job = run_in_background(
            unlock_and_prepare, self._on_unlock_done, self._on_unlock_failed, self
        )

    def _on_unlock_done(self, result: tuple[object, object]) -> None:
        from app.services.vault import Vault
        from app.ui.console_controller import Prepared

        vault, prepared = result
        assert isinstance(vault, Vault)
        assert isinstance(prepared, Prepared)
        self.session.opened(vault)
        self.unlock_page.passphrase.clear()
        self.who_label.setText(
            self.tr("%s · %s (%s)") % (vault.name, vault.member.handle, vault.member.role)
        )
        # Grants past their end date are revoked now, on this thread: it commits on the vault's
        # own connection. The console then reads the keys it flagged.
        expired = self.access.expire_grants()
        self.controller.load(None if expired else prepared)
        self.navigator.home()
        self.reviews.check_due()  # the banner, when an access review is overdue
        self.shared.start()  # watch the shared file; a merge refused at unlock; other copies
        self.pages.setCurrentWidget(self.console)
        self.vault_unlocked.emit()

    def _on_unlock_failed(self, error: BaseException) -> None:
        if isinstance(error, KeyLedgerError):
            self.unlock_page.show_error(" ".join(str(error).split()))
        else:
            self.unlock_page.show_error(
                self.tr("Unlocking failed unexpectedly (%s).") % error.__class__.__name__
            )

    # -- locking ---------------------------------------------------------------------------
    @Slot()
    def lock(self) -> None:
        self.session.lock("user")

    def _on_session_locked(self, reason: str) -> None:
        self.clipboard.clear_now()
        self.step_up_label.setText("")
        self.controller.unload()
        for controller in self.view_controllers:
            controller.unload()
        if self.target is not None and reason != "quit":
            self.open_vault(self.target.path)  # back to its unlock screen, state kept
        note = {
            "idle": self.tr("Locked after %d minutes without input.")
            % self.settings.get("idle_lock_min"),
            "screen": self.tr("Locked because the screen locked."),
        }.get(reason, self.tr("Locked."))
        self.statusBar().showMessage(note, 15_000)
        self.who_label.setText("")
        self.vault_locked.emit(reason)

    @Slot()
    def _on_screen_locked(self) -> None:
        self.session.lock("screen")

    @Slot()
    def _on_idle_timer_timeout(self) -> None:
        self.session.tick()
        self._show_step_up_windows()

    def _show_step_up_windows(self) -> None:
        names = {e.id: e.name for e in self.controller.envs}
        self.step_up_label.setText(
            ", ".join(
                self.tr("%s open %d:%02d") % (names.get(env_id, "?"), left // 60, left % 60)
                for env_id, left in self.controller.step_up.tick()
            )
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.session.unlocked:
            self.session.touch()
        return False

    # -- settings and status -----------------------------------------------------------------
    @Slot()
    def open_settings(self) -> None:
        from app.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            dialog.apply()
            self.session.set_idle_minutes(self.settings.get("idle_lock_min"))
            apply_theme(QApplication.instance(), self.settings.get("theme"))
            self.controller.load()  # statuses follow the due-soon window
        dialog.deleteLater()

    @Slot(int)
    def _on_clipboard_countdown(self, seconds: int) -> None:
        self.clipboard_label.setText(
            self.tr("Clipboard clears in %d s") % seconds if seconds > 0 else ""
        )

    @Slot(str)
    def _on_controller_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.clipboard.clear_now()
        self.session.lock("quit")
        QApplication.instance().removeEventFilter(self)
        self.idle_timer.stop()
        super().closeEvent(event)


def page_name(window: MainWindow) -> str:
    current: QWidget = window.pages.currentWidget()
    return {window.welcome: "welcome", window.unlock_page: "unlock", window.console: "console"}.get(
        current, "?"
    )

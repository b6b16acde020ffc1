"""The console's side of step-up: ask for a code when needed, enroll, count the window down."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from app.core.errors import KeyLedgerError
from app.core.model import Environment
from app.services import demo, stepup
from app.services.session import Session


class StepUpFlow(QObject):
    """Signals:
    step_up_opened(str): an environment id opened for its window.
    step_up_expired(str): its window ended and its keys were dropped.
    """

    step_up_opened = Signal(str)
    step_up_expired = Signal(str)

    def __init__(self, session: Session, window: QWidget) -> None:
        super().__init__(window)
        self.session, self.window = session, window

    def _is_demo(self) -> bool:
        vault = self.session.vault
        return vault is not None and vault.published.resolve() == demo.demo_path().resolve()

    def ensure_open(self, env: Environment) -> bool:
        """True when the environment's keys may be used now; asks for a code if needed."""
        vault = self.session.vault
        if vault is None:
            return False
        if not vault.needs_step_up(env.id) or vault.step_up_remaining(env.id):
            return True
        current = stepup.state(vault)
        if current is None or not current.usable:
            answer = QMessageBox.question(
                self.window,
                self.tr("Step-up"),
                self.tr(
                    "%s asks for a code from an authenticator app, and you have not"
                    " enrolled one yet. Enroll now?"
                )
                % env.name,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.enroll()
            return False
        from app.ui.dialogs.step_up_dialog import StepUpDialog

        demo_code = demo.current_code(vault.clock.now()) if self._is_demo() else None
        dialog = StepUpDialog(env.name, env.policy.step_up_window_s // 60, demo_code, self.window)

        def submitted(code: str, recovery: bool) -> None:
            try:
                if recovery:
                    stepup.use_recovery_code(vault, env, code)
                else:
                    stepup.step_up(vault, env, code)
            except KeyLedgerError as exc:
                dialog.show_error(" ".join(str(exc).split()))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        opened = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if opened:
            self.step_up_opened.emit(env.id)
        return opened

    def enroll(self) -> None:
        from app.ui.dialogs.enroll_dialog import EnrollDialog

        vault = self.session.vault
        if vault is None:
            return
        try:
            pending = stepup.pending_enrollment(vault) or stepup.begin_enrollment(vault)
        except KeyLedgerError as exc:
            QMessageBox.warning(self.window, self.tr("Step-up"), " ".join(str(exc).split()))
            return
        dialog = EnrollDialog(pending.uri, pending.seed_text, self.window)

        def confirm(code: str) -> None:
            try:
                codes = stepup.confirm_enrollment(vault, code)
            except KeyLedgerError as exc:
                dialog.show_error(" ".join(str(exc).split()))
                return
            dialog.show_recovery_codes(codes)

        dialog.confirm_requested.connect(confirm)
        dialog.exec()
        dialog.deleteLater()

    def manage(self) -> None:
        """The rail's Step-up button: enroll, or say where things stand."""
        vault = self.session.vault
        if vault is None:
            return
        current = stepup.state(vault)
        if current is None or current.status == "pending" or current.status == "recovered":
            self.enroll()
            return
        QMessageBox.information(
            self.window,
            self.tr("Step-up"),
            self.tr(
                "Your authenticator app is enrolled. Recovery codes left: %d. To move to a"
                " new phone, ask an admin to reset your step-up."
            )
            % current.recovery_left,
        )

    def tick(self) -> list[tuple[str, int]]:
        """Drop expired windows; returns (environment id, seconds left) of the open ones."""
        vault = self.session.vault
        if vault is None:
            return []
        for env_id in vault.close_expired_step_ups():
            self.step_up_expired.emit(env_id)
        left = [
            (e, int(vault.step_up_remaining(e).total_seconds())) for e in list(vault._open_until)
        ]
        return [(e, s) for e, s in left if s > 0]

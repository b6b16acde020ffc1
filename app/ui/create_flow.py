"""Creating a vault from the console: the form, Argon2id in the background, the Emergency Kit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.core.errors import KeyLedgerError
from app.ui.dialogs.create_vault import CreateVaultDialog, NewVaultForm
from app.ui.worker import run_in_background

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class CreateFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog = CreateVaultDialog(Path.home(), window)
        self.dialog.submitted.connect(self._on_create_clicked)
        self.dialog.rejected.connect(self._on_dialog_rejected)
        self.form: NewVaultForm | None = None

    def start(self) -> None:
        self.dialog.open()

    def _on_create_clicked(self) -> None:
        from app.services.create import create_vault

        self.form = form = self.dialog.form()
        self.dialog.set_busy(True)
        run_in_background(
            lambda: create_vault(form.path, form.name, form.handle, form.passphrase),
            self._on_created,
            self._on_failed,
            self,
        )

    def _on_created(self, result: object) -> None:
        from app.crypto import secretkey
        from app.services import keychain
        from app.services.create import emergency_kit
        from app.ui.dialogs.emergency_kit import EmergencyKitDialog

        vault, key = result  # type: ignore[misc]
        assert self.form is not None
        stored = False
        if keychain.available():
            try:
                keychain.store_secret_key(vault.vault_id, vault.member.id, key)
                stored = True
            except KeyLedgerError:
                stored = False
        kit = emergency_kit(
            vault.name, self.form.path.resolve(), vault.member.handle, secretkey.format_key(key)
        )
        vault.lock()
        self.dialog.done(1)
        kit_dialog = EmergencyKitDialog(kit, stored, self.window)
        kit_dialog.exec()
        kit_dialog.deleteLater()
        self.window.open_vault(self.form.path)
        self._finish()

    def _on_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, KeyLedgerError) else error.__class__.__name__
        self.dialog.show_error(" ".join(text.split()))

    def _on_dialog_rejected(self) -> None:
        self._finish()

    def _finish(self) -> None:
        self.dialog.deleteLater()
        self.deleteLater()

"""Connects the console page to the services: load, select, reveal, copy, add, edit, rotate,
delete, and the banner about keys that need rotation."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from PySide6.QtCore import QItemSelection, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

from app.core import providers
from app.core.errors import KeyLedgerError
from app.core.model import Environment, Secret
from app.core.rotation import DUE_SOON_DAYS, Flag, RotationStatus
from app.services import rotation as rotation_service
from app.services import secrets as secret_service
from app.services.environments import list_environments
from app.services.session import Session
from app.services.settings import Settings
from app.services.vault import Vault
from app.ui.clipboard import ClipboardService
from app.ui.models.secrets_model import Column, Role, SecretRow, build_rows
from app.ui.step_up_flow import StepUpFlow
from app.ui.views.console import ConsolePage

ActionFactory = Callable[[str, str, object], QAction]


# What the rotation banner counts and its Show button filters to.
NEEDS_ROTATION = frozenset({RotationStatus.OVERDUE, RotationStatus.REQUIRED})


class Prepared(NamedTuple):
    envs: list[Environment]
    secrets: list[Secret]
    rows: list[SecretRow]
    flags: dict[str, Flag]  # open "rotation required" flags by secret id
    by_id: dict[str, Secret]
    overdue: int  # rows whose rotation is overdue


class ConsoleController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    loaded(): secrets and flags were (re)read from the vault.
    secret_rotated(str): a secret (by id) has a new value; the console has reloaded.
    rotation_banner_clicked(): the user asked to see the keys that need rotation.
    """

    message = Signal(str)
    loaded = Signal()
    secret_rotated = Signal(str)
    rotation_banner_clicked = Signal()

    def __init__(
        self,
        page: ConsolePage,
        session: Session,
        clipboard: ClipboardService,
        settings: Settings,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.page, self.session, self.clipboard = page, session, clipboard
        self.settings, self.window = settings, window
        self.envs: list[Environment] = []
        self.all_secrets: list[Secret] = []
        self.all_rows: list[SecretRow] = []
        self.flags: dict[str, Flag] = {}
        self.banner_dismissed = False  # until the vault locks
        self._by_id: dict[str, Secret] = {}
        self._overdue = 0  # rows whose rotation is overdue
        self._wizard: QDialog | None = None  # the rotation wizard while it is open
        self.env_id: str | None = None
        self.selected_id: str | None = None
        page.env_view.selectionModel().selectionChanged.connect(self._on_env_selection_changed)
        page.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        page.secrets.modelReset.connect(self._on_secrets_model_reset)
        page.filter.textChanged.connect(self._on_filter_text_changed)
        page.add_requested.connect(self.add_secret)
        page.detail.reveal_toggled.connect(self._on_detail_reveal_toggled)
        page.detail.copy_requested.connect(self.copy_secret)
        page.detail.edit_requested.connect(self.edit_secret)
        page.detail.delete_requested.connect(self.delete_secret)
        page.detail.rotate_requested.connect(self.rotate_current)
        page.detail.unflag_requested.connect(self.unflag_current)
        page.detail.version_reveal_toggled.connect(self._on_detail_version_reveal_toggled)
        page.detail.version_copy_requested.connect(self._on_detail_version_copy_requested)
        page.rotation_banner.show_requested.connect(self._on_rotation_banner_show_requested)
        page.rotation_banner.show_all_requested.connect(self.show_all_statuses)
        page.rotation_banner.dismissed.connect(self._on_rotation_banner_dismissed)
        page.table.doubleClicked.connect(self._on_table_double_clicked)
        self.step_up = StepUpFlow(session, window)
        self.step_up.step_up_expired.connect(self._on_step_up_expired)
        page.step_up_requested.connect(self.step_up.manage)

    def make_actions(self, action: ActionFactory) -> None:
        action(self.tr("Find"), "Ctrl+F", self._focus_filter)
        action(self.tr("Add secret"), "Ctrl+N", self.add_secret)
        action(self.tr("Edit secret"), "Ctrl+E", self.edit_secret)
        action(self.tr("Rotate secret…"), "Ctrl+Shift+R", self.rotate_current)
        action(self.tr("Delete secret"), "Delete", self.delete_secret)
        action(self.tr("Copy value"), "Ctrl+Shift+C", self.copy_secret)
        action(self.tr("Reveal value"), "Ctrl+R", self._toggle_reveal)
        action(self.tr("Step-up"), "Ctrl+T", self._manage_step_up)

    @Slot()
    def _manage_step_up(self) -> None:
        if self.vault is not None:
            self.step_up.manage()

    @property
    def vault(self) -> Vault | None:
        return self.session.vault

    # -- loading ---------------------------------------------------------------------------
    @staticmethod
    def prepare(
        vault: Vault,
        now: datetime,
        due_soon_days: int = DUE_SOON_DAYS,
        sealed: secret_service.Listing | None = None,
    ) -> Prepared:
        """Everything the console shows, decrypted and laid out; safe off the GUI thread.

        `sealed`: the records as read while the vault unlocked (see Vault.unlock's `meanwhile`).
        """
        envs = list_environments(vault)
        flags = rotation_service.flags(vault)
        with secret_service.collector_paused():
            # The model sorts: no order here.
            secrets = secret_service.list_secrets(vault, ordered=False, sealed=sealed)
            rows = build_rows(secrets, now, flags, due_soon_days)
            by_id = {s.id: s for s in secrets}
            overdue = sum(r.status is RotationStatus.OVERDUE for r in rows)
            # These rows stay until the vault locks: out of the cyclic collector's sight, no
            # collection rescans them (a full one takes 150-250 ms at 100k rows, a freeze
            # whenever it falls on the GUI thread). `unload` hands them back.
            gc.freeze()
        return Prepared(envs, secrets, rows, flags, by_id, overdue)

    def load(self, prepared: Prepared | None = None) -> None:
        vault = self.vault
        if vault is None:
            return
        prepared = prepared or self.prepare(
            vault, self.session.clock.now(), self.settings.get("due_soon_days")
        )
        self.envs, self.all_secrets, self.all_rows, self.flags, self._by_id, self._overdue = (
            prepared
        )
        page = self.page
        page.environments.set_environments(self.envs)
        row = page.environments.row_of(self.env_id)
        selection = page.env_view.selectionModel()
        selection.blockSignals(True)  # one refresh below, not one per selection change
        page.env_view.selectRow(max(row, 0))
        selection.blockSignals(False)
        if row < 0:
            self.env_id = None
        self._update_rotation_banner()
        self._show_env()
        self.loaded.emit()

    def unload(self) -> None:
        if self._wizard is not None:
            self._wizard.reject()  # a pasted value does not stay on screen over a locked vault
        self.page.secrets.set_status_filter(None)
        self.page.secrets.set_secrets([], self.session.clock.now())
        self.page.environments.set_environments([])
        self.page.detail.show_secret(None)
        self.all_secrets, self.all_rows, self._by_id, self.flags = [], [], {}, {}
        self._overdue = 0
        gc.unfreeze()
        self.banner_dismissed = False
        self.page.rotation_banner.hide()

    def _show_env(self) -> None:
        env_id = self.env_id
        rows = (
            self.all_rows
            if env_id is None
            else [r for r in self.all_rows if r.secret.env_id == env_id]
        )
        self.page.secrets.set_rows(rows)
        self.page.secrets.set_filter(self.page.filter.text())
        env = self._env()
        banner = ""
        if env is not None and env.policy.step_up != "none":
            banner = self.tr(
                "%s asks for a code from your authenticator app before its keys open; it then"
                " stays open for %d minutes."
            ) % (env.name, env.policy.step_up_window_s // 60)
        self.page.step_up_banner.setText(banner)
        self.page.step_up_banner.setVisible(bool(banner))
        self._restore_selection()

    def _env(self) -> Environment | None:
        return next((e for e in self.envs if e.id == self.env_id), None)

    def _restore_selection(self) -> None:
        index = self.page.secrets.index_of(self.selected_id) if self.selected_id else None
        if index is not None and index.isValid():
            self.page.table.selectRow(index.row())
        else:
            self._show_detail(None)
        self._update_count()

    def _update_count(self) -> None:
        model = self.page.secrets
        self.page.count.setText(
            self.tr("%d of %d secrets") % (model.shown_count, model.total_count)
        )

    @Slot()
    def _on_secrets_model_reset(self) -> None:
        self._update_count()

    @Slot(QItemSelection, QItemSelection)
    def _on_env_selection_changed(self, *_: object) -> None:
        rows = self.page.env_view.selectionModel().selectedRows()
        env = self.page.environments.env_at(rows[0].row()) if rows else None
        self.env_id = env.id if env else None
        self._show_env()

    # -- the rotation banner -----------------------------------------------------------------
    def _update_rotation_banner(self) -> None:
        overdue = self._overdue
        reasons = [f.reason for sid, f in self.flags.items() if sid in self._by_id]
        banner, model = self.page.rotation_banner, self.page.secrets
        if not (overdue or reasons) or self.banner_dismissed:
            model.set_status_filter(None)
            banner.hide()
            return
        banner.set_counts(overdue, reasons, filtering=model.status_filter() is not None)
        banner.show()

    def show_needing_rotation(self) -> None:
        """Show only the keys that are overdue or flagged, in every environment, flagged first."""
        self.page.show_view(self.page.SECRETS)
        self.page.filter.clear()
        self.page.env_view.selectRow(0)  # all environments
        self.page.secrets.set_status_filter(NEEDS_ROTATION)
        self.page.table.sortByColumn(Column.STATUS, Qt.SortOrder.DescendingOrder)
        self._update_rotation_banner()
        self._restore_selection()

    def show_environment(self, name: str | None) -> None:
        """The Secrets view on one environment (None: all of them), without filters."""
        env = next((e for e in self.envs if e.name == name), None)
        self.page.show_view(self.page.SECRETS)
        self.page.filter.clear()
        self.page.secrets.set_status_filter(None)
        selection = self.page.env_view.selectionModel()
        selection.blockSignals(True)  # one refresh below
        self.page.env_view.selectRow(self.page.environments.row_of(env.id if env else None))
        selection.blockSignals(False)
        self.env_id = env.id if env else None
        self._update_rotation_banner()
        self._show_env()

    @Slot(str)
    def select_secret(self, secret_id: str) -> None:
        """Show one secret in the Secrets view: every environment, no filter, its row selected."""
        if secret_id not in self._by_id:
            return
        self.page.show_view(self.page.SECRETS)
        self.selected_id = secret_id
        self.page.filter.clear()
        self.page.secrets.set_status_filter(None)
        selection = self.page.env_view.selectionModel()
        selection.blockSignals(True)
        self.page.env_view.selectRow(0)  # all environments
        selection.blockSignals(False)
        self.env_id = None
        self._update_rotation_banner()
        self._show_env()
        self.page.table.setFocus()

    @Slot()
    def show_all_statuses(self) -> None:
        self.page.secrets.set_status_filter(None)
        self._update_rotation_banner()
        self._restore_selection()

    @Slot()
    def _on_rotation_banner_show_requested(self) -> None:
        self.show_needing_rotation()
        self.rotation_banner_clicked.emit()

    @Slot()
    def _on_rotation_banner_dismissed(self) -> None:
        self.banner_dismissed = True
        self.show_all_statuses()

    @Slot(str)
    def _on_filter_text_changed(self, text: str) -> None:
        self.page.secrets.set_filter(text)
        self._restore_selection()

    @Slot()
    def _focus_filter(self) -> None:
        self.page.filter.setFocus()
        self.page.filter.selectAll()

    # -- the selected secret -------------------------------------------------------------
    def current(self) -> Secret | None:
        return self._by_id.get(self.selected_id or "")

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_: object) -> None:
        rows = self.page.table.selectionModel().selectedRows(Column.NAME)
        self.selected_id = rows[0].data(Role.SECRET_ID) if rows else None
        self._show_detail(self.current())

    def _show_detail(self, secret: Secret | None) -> None:
        vault = self.vault
        if secret is None or vault is None:
            self.page.detail.show_secret(None)
            return
        try:
            versions = secret_service.history(vault, secret.env_name, secret.name)
            env = next(e for e in self.envs if e.id == secret.env_id)
            masked = self.tr("No access to %s") % env.name
            if env.readable and vault.needs_step_up(env.id) and not vault.step_up_remaining(env.id):
                masked = self.tr("Locked: Reveal or Copy asks for a TOTP code")
            elif env.readable:
                value = secret_service.reveal(vault, env.name, secret.name, channel=None)
                masked = providers.mask(value)
        except KeyLedgerError as exc:
            self._error(exc)
            return
        can_unflag = vault.member.role != "auditor" and env.readable
        self.page.detail.show_secret(
            secret, masked, versions, self.flags.get(secret.id), can_unflag
        )

    @Slot(str)
    def _on_step_up_expired(self, env_id: str) -> None:
        secret = self.current()
        if secret is not None and secret.env_id == env_id:
            self._show_detail(secret)
        self.message.emit(self.tr("The step-up window closed; its keys were dropped."))

    def _env_of(self, secret: Secret) -> Environment:
        return next(e for e in self.envs if e.id == secret.env_id)

    @Slot(bool)
    def _on_detail_reveal_toggled(self, shown: bool) -> None:
        secret, vault = self.current(), self.vault
        if secret is None or vault is None:
            return
        if shown and not self.step_up.ensure_open(self._env_of(secret)):
            self.page.detail.reveal.blockSignals(True)
            self.page.detail.reveal.setChecked(False)
            self.page.detail.reveal.blockSignals(False)
            return
        if (
            not shown
            and vault.needs_step_up(secret.env_id)
            and not vault.step_up_remaining(secret.env_id)
        ):
            self._show_detail(secret)
            return
        try:
            value = secret_service.reveal(
                vault, secret.env_name, secret.name, channel="reveal" if shown else None
            )
        except KeyLedgerError as exc:
            self._error(exc)
            return
        self.page.detail.set_value(value if shown else providers.mask(value))

    @Slot()
    def _toggle_reveal(self) -> None:
        if self.current() is not None:
            self.page.detail.reveal.toggle()

    @Slot()
    def copy_secret(self) -> None:
        secret, vault = self.current(), self.vault
        if secret is None or vault is None:
            return
        env = self._env_of(secret)
        if not self.step_up.ensure_open(env):
            return
        try:
            value = secret_service.reveal(vault, env.name, secret.name, channel="copy")
        except KeyLedgerError as exc:
            self._error(exc)
            return
        timeout = self._to_clipboard(env, value)
        self.message.emit(
            self.tr("Copied %s; the clipboard clears in %d s.") % (secret.name, timeout)
        )

    def _to_clipboard(self, env: Environment, value: str) -> int:
        """Copies; returns the seconds until the clipboard clears."""
        timeout = min(env.policy.clipboard_s, int(self.settings.get("clipboard_max_s")))
        self.clipboard.copy(value, timeout)
        return timeout

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self.copy_secret()

    # -- changes -----------------------------------------------------------------------------
    def _taken(self) -> dict[str, set[tuple[str, str]]]:
        taken: dict[str, set[tuple[str, str]]] = {}
        for s in self.all_secrets:
            taken.setdefault(s.env_name, set()).add((s.name, s.meta.env_var))
        return taken

    @Slot()
    def add_secret(self) -> None:
        from app.ui.dialogs.secret_dialog import SecretDialog

        vault = self.vault
        if vault is None:
            return
        env = self._env()
        dialog = SecretDialog(
            [e.name for e in self.envs if e.readable],
            self._taken(),
            env=env.name if env else None,
            parent=self.window,
        )
        while dialog.exec():
            form = dialog.form()
            target = next(e for e in self.envs if e.name == form.env)
            if not self.step_up.ensure_open(target):
                continue
            try:
                created = secret_service.add_secret(
                    vault,
                    form.env,
                    form.name,
                    form.value or "",
                    env_var=form.env_var,
                    provider=form.provider or None,
                    owner=form.owner,
                    tags=form.tags,
                    notes=form.notes,
                    rotation_days=form.rotation_days,
                )
            except KeyLedgerError as exc:
                dialog.show_error(" ".join(str(exc).split()))
                continue
            self.selected_id = created.id
            self.load()
            self.message.emit(self.tr("Added %s to %s.") % (created.name, created.env_name))
            break
        dialog.deleteLater()

    @Slot()
    def edit_secret(self) -> None:
        from app.ui.dialogs.secret_dialog import SecretDialog

        secret, vault = self.current(), self.vault
        if secret is None or vault is None:
            return
        if not self.step_up.ensure_open(self._env_of(secret)):
            return
        dialog = SecretDialog(
            [e.name for e in self.envs], self._taken(), secret=secret, parent=self.window
        )
        while dialog.exec():
            form = dialog.form()
            try:
                secret_service.update_secret(
                    vault,
                    secret.env_name,
                    secret.name,
                    new_name=form.name,
                    env_var=form.env_var,
                    provider=form.provider,
                    owner=form.owner,
                    tags=form.tags,
                    notes=form.notes,
                    rotation_days=form.rotation_days or 0,  # 0: back to the environment's
                )
            except KeyLedgerError as exc:
                dialog.show_error(" ".join(str(exc).split()))
                continue
            self.load()
            self.message.emit(self.tr("Saved %s.") % form.name)
            break
        dialog.deleteLater()

    @Slot()
    def delete_secret(self) -> None:
        secret, vault = self.current(), self.vault
        if secret is None or vault is None:
            return
        if not self.step_up.ensure_open(self._env_of(secret)):
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Delete secret"),
            self.tr("Delete “%s” from %s?") % (secret.name, secret.env_name),
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.setInformativeText(self.tr("Its history stays in the audit ledger."))
        box.exec()
        chosen = box.clickedButton() is delete
        box.deleteLater()
        if not chosen:
            return
        try:
            secret_service.delete_secret(vault, secret.env_name, secret.name)
        except KeyLedgerError as exc:
            self._error(exc)
            return
        self.selected_id = None
        self.load()
        self.message.emit(self.tr("Deleted %s.") % secret.name)

    # -- rotation ------------------------------------------------------------------------------
    @Slot()
    def rotate_current(self) -> None:
        secret = self.current()
        if secret is not None:
            self.rotate_secret(secret.id)

    def rotate_secret(self, secret_id: str) -> bool:
        """Open the rotation wizard for any loaded secret; True once a new value is stored."""
        from app.services.rotate_flow import RotateFlow
        from app.ui.dialogs.rotate_wizard import RotateWizard

        secret, vault = self._by_id.get(secret_id), self.vault
        if secret is None or vault is None:
            return False
        env = self._env_of(secret)
        if not self.step_up.ensure_open(env):
            return False
        try:
            flow = RotateFlow.start(
                vault,
                secret,
                self.session.clock.now(),
                self.flags.get(secret.id),
                self.settings.get("due_soon_days"),
            )
        except KeyLedgerError as exc:
            self._error(exc)
            return False

        def submit() -> Secret:
            # The window may have closed while the user was at the provider's console.
            self.step_up.ensure_open(env)
            return flow.finish(vault)

        wizard = self._wizard = RotateWizard(flow, submit, self.window)
        accepted = wizard.exec() == QDialog.DialogCode.Accepted
        rotated = wizard.rotated
        self._wizard = None
        wizard.deleteLater()
        if not accepted or rotated is None:
            return False
        self.load()
        self.message.emit(
            self.tr("Rotated %s in %s: version %d, fingerprint %s.")
            % (rotated.name, rotated.env_name, rotated.version, flow.new_fingerprint)
        )
        self.secret_rotated.emit(secret_id)
        return True

    @Slot()
    def unflag_current(self) -> None:
        secret, vault = self.current(), self.vault
        if secret is None or vault is None or secret.id not in self.flags:
            return
        if not self.step_up.ensure_open(self._env_of(secret)):
            return
        note, ok = QInputDialog.getText(
            self.window,
            self.tr("Unflag %s") % secret.name,
            self.tr("Why does %s not need rotating after all?") % secret.name,
        )
        if not ok:
            return
        if not note.strip():
            self.message.emit(self.tr("The flag stays: say why it is withdrawn."))
            return
        try:
            rotation_service.unflag_secret(vault, secret.env_name, secret.name, note)
        except KeyLedgerError as exc:
            self._error(exc)
            return
        self.load()
        self.message.emit(self.tr("Withdrew the flag on %s.") % secret.name)

    # -- old versions ---------------------------------------------------------------------------
    def _version_value(self, version: int, channel: str) -> str | None:
        """An audited read of one version, behind the same gates as the current value."""
        secret, vault = self.current(), self.vault
        if secret is None or vault is None:
            return None
        if not self.step_up.ensure_open(self._env_of(secret)):
            return None
        try:
            return secret_service.reveal(
                vault, secret.env_name, secret.name, channel=channel, version=version
            )
        except KeyLedgerError as exc:
            self._error(exc)
            return None

    @Slot(int, bool)
    def _on_detail_version_reveal_toggled(self, version: int, shown: bool) -> None:
        detail = self.page.detail
        value = self._version_value(version, "reveal") if shown else None
        if value is None:
            detail.reset_version_reveal()
            return
        detail.set_version_value(value)

    @Slot(int)
    def _on_detail_version_copy_requested(self, version: int) -> None:
        secret = self.current()
        value = self._version_value(version, "copy")
        if secret is None or value is None:
            return
        timeout = self._to_clipboard(self._env_of(secret), value)
        self.message.emit(
            self.tr("Copied version %d of %s; the clipboard clears in %d s.")
            % (version, secret.name, timeout)
        )

    def _error(self, exc: KeyLedgerError) -> None:
        QMessageBox.warning(self.window, self.tr("KeyLedger"), " ".join(str(exc).split()))

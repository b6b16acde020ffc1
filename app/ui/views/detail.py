"""The detail pane: a secret's metadata and flag, its masked value, reveal, copy, edit, rotate,
delete, and its history with each old version's value behind the same gates."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import providers
from app.core.model import Secret, Version
from app.core.rotation import Flag, next_due
from app.ui.models.versions_model import VersionColumn, VersionsModel


class DetailPane(QWidget):
    """Signals:
    reveal_toggled(bool): show or hide the value.
    copy_requested(): copy the value to the clipboard.
    edit_requested(), rotate_requested(), delete_requested(): change or remove the secret.
    unflag_requested(): withdraw its "rotation required" flag.
    version_reveal_toggled(int, bool): show or hide an old version's value.
    version_copy_requested(int): copy an old version's value.
    """

    reveal_toggled = Signal(bool)
    copy_requested = Signal()
    edit_requested = Signal()
    rotate_requested = Signal()
    delete_requested = Signal()
    unflag_requested = Signal()
    version_reveal_toggled = Signal(int, bool)
    version_copy_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(320)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        self.empty = QLabel(self.tr("Select a secret to see its details."))
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self._flag_box())
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("env", self.tr("Environment")),
            ("env_var", self.tr("Env var")),
            ("provider", self.tr("Provider")),
            ("owner", self.tr("Owner")),
            ("tags", self.tr("Tags")),
            ("rotation", self.tr("Rotation")),
            ("fingerprint", self.tr("Fingerprint")),
            ("notes", self.tr("Notes")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setOpenExternalLinks(True)
            self.fields[key] = value
            form.addRow(label, value)
        self.value = QLabel()
        self.value.setFont(QFont("monospace"))
        self.value.setWordWrap(True)
        self.value.setAccessibleName(self.tr("Value"))
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Value"), self.value)
        body.addLayout(form)
        buttons = QHBoxLayout()
        self.reveal = QPushButton(self.tr("&Reveal"))
        self.reveal.setCheckable(True)
        self.reveal.setToolTip(self.tr("Show the value (Ctrl+R); recorded in the audit history"))
        self.reveal.toggled.connect(self.reveal_toggled.emit)
        self.copy = QPushButton(self.tr("&Copy"))
        self.copy.setToolTip(self.tr("Copy the value (Ctrl+Shift+C); the clipboard clears itself"))
        self.copy.clicked.connect(self.copy_requested.emit)
        self.edit = QPushButton(self.tr("&Edit…"))
        self.edit.clicked.connect(self.edit_requested.emit)
        self.rotate = QPushButton(self.tr("R&otate…"))
        self.rotate.setToolTip(self.tr("Store a new value, step by step (Ctrl+Shift+R)"))
        self.rotate.clicked.connect(self.rotate_requested.emit)
        self.delete = QPushButton(self.tr("&Delete…"))
        self.delete.clicked.connect(self.delete_requested.emit)
        for button in (self.reveal, self.copy, self.edit, self.rotate, self.delete):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            buttons.addWidget(button)
        body.addLayout(buttons)
        body.addWidget(QLabel(self.tr("<b>History</b>")))
        self.versions = VersionsModel(self)
        self.history = QTableView()
        self.history.setModel(self.versions)
        self.history.setAccessibleName(self.tr("Version history"))
        self.history.verticalHeader().hide()
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The reason and ticket give way (elided) so the fingerprint stays whole; the line
        # under the table shows the selected version in full.
        header.setSectionResizeMode(VersionColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.history.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.history.selectionModel().selectionChanged.connect(self._on_history_selection_changed)
        body.addWidget(self.history, 1)
        self.version_info = QLabel()
        self.version_info.setWordWrap(True)
        self.version_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.version_info)
        body.addLayout(self._version_row())
        # A field, not a label: a key has no spaces to wrap at, and the field scrolls instead.
        self.version_value = QLineEdit()
        self.version_value.setReadOnly(True)
        self.version_value.setFont(QFont("monospace"))
        self.version_value.setAccessibleName(self.tr("Version value"))
        body.addWidget(self.version_value)
        layout.addWidget(self.body, 1)
        self.show_secret(None)

    def _flag_box(self) -> QFrame:
        self.flag_box = QFrame()
        self.flag_box.setObjectName("flagBox")
        self.flag_box.setStyleSheet(
            "#flagBox { border: 1px solid #a855f7; border-left-width: 4px; border-radius: 3px; }"
        )
        row = QHBoxLayout(self.flag_box)
        row.setContentsMargins(8, 4, 4, 4)
        self.flag_text = QLabel()
        self.flag_text.setWordWrap(True)
        self.flag_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unflag = QPushButton(self.tr("&Unflag…"))
        self.unflag.setToolTip(self.tr("Withdraw the flag without rotating (a false alarm)"))
        self.unflag.setAccessibleName(self.tr("Unflag"))
        self.unflag.clicked.connect(self.unflag_requested.emit)
        row.addWidget(self.flag_text, 1)
        row.addWidget(self.unflag, 0, Qt.AlignmentFlag.AlignTop)
        return self.flag_box

    def _version_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.reveal_version = QPushButton(self.tr("Reveal &version"))
        self.reveal_version.setCheckable(True)
        self.reveal_version.setToolTip(
            self.tr("Show the selected version's value; recorded in the audit history")
        )
        self.reveal_version.toggled.connect(self._on_reveal_version_toggled)
        self.copy_version = QPushButton(self.tr("Co&py version"))
        self.copy_version.setToolTip(
            self.tr("Copy the selected version's value; recorded in the audit history")
        )
        self.copy_version.clicked.connect(self._on_copy_version_clicked)
        for button in (self.reveal_version, self.copy_version):
            button.setAccessibleName(button.text().replace("&", ""))
            row.addWidget(button)
        row.addStretch(1)
        return row

    def selected_version(self) -> int | None:
        rows = self.history.selectionModel().selectedRows()
        return self.versions.version_at(rows[0].row()).version if rows else None

    def select_version(self, version: int) -> None:
        row = self.versions.row_of(version)
        if row is not None:
            self.history.selectRow(row)

    def set_version_value(self, text: str) -> None:
        self.version_value.setText(text)
        self.version_value.setCursorPosition(0)
        self.version_value.setVisible(bool(text))

    def reset_version_reveal(self) -> None:
        """Unpress Reveal version and hide the value, without asking for anything."""
        self.reveal_version.blockSignals(True)
        self.reveal_version.setChecked(False)
        self.reveal_version.blockSignals(False)
        self.set_version_value("")

    @Slot(QItemSelection, QItemSelection)
    def _on_history_selection_changed(self, *_: object) -> None:
        rows = self.history.selectionModel().selectedRows()
        self.version_info.setText(
            rows[0].data(Qt.ItemDataRole.ToolTipRole)
            if rows
            else self.tr("Select a version to reveal or copy its value.")
        )
        self.reveal_version.setEnabled(bool(rows))
        self.copy_version.setEnabled(bool(rows))
        self.reset_version_reveal()

    @Slot(bool)
    def _on_reveal_version_toggled(self, shown: bool) -> None:
        version = self.selected_version()
        if version is not None:
            self.version_reveal_toggled.emit(version, shown)

    @Slot()
    def _on_copy_version_clicked(self) -> None:
        version = self.selected_version()
        if version is not None:
            self.version_copy_requested.emit(version)

    def show_secret(
        self,
        secret: Secret | None,
        masked: str = "",
        versions: list[Version] | None = None,
        flag: Flag | None = None,
        can_unflag: bool = False,
    ) -> None:
        """`can_unflag`: this member may withdraw the flag (writers)."""
        self.body.setVisible(secret is not None)
        self.empty.setVisible(secret is None)
        self.reveal.blockSignals(True)
        self.reveal.setChecked(False)
        self.reveal.blockSignals(False)
        if secret is None:
            self.title.setText("")
            self.versions.set_versions([])
            return
        self.show_flag(flag, can_unflag)
        meta = secret.meta
        self.title.setText(f"<h3>{_escape(meta.name)}</h3>")
        provider = providers.by_id(meta.provider) if meta.provider else None
        self.fields["env"].setText(secret.env_name)
        self.fields["env_var"].setText(f"${meta.env_var}")
        self.fields["provider"].setText(
            f'{provider.name} · <a href="{provider.console_url}">{self.tr("console")}</a>'
            if provider
            else "–"
        )
        self.fields["owner"].setText(_escape(meta.owner) or "–")
        self.fields["tags"].setText(_escape(", ".join(meta.tags)) or "–")
        due = next_due(secret.rotated_at, secret.rotation_days)
        self.fields["rotation"].setText(
            self.tr("every %d days · last %s · next %s")
            % (secret.rotation_days, secret.rotated_at[:10], due.strftime("%Y-%m-%d"))
        )
        self.fields["fingerprint"].setText(versions[0].fingerprint if versions else "–")
        self.fields["notes"].setText(_escape(meta.notes) or "–")
        self.set_value(masked)
        self.versions.set_versions(versions or [])
        self._on_history_selection_changed()

    def show_flag(self, flag: Flag | None, can_unflag: bool = False) -> None:
        self.flag_box.setVisible(flag is not None)
        if flag is None:
            return
        text = self.tr("<b>Rotation required</b> (%s) · flagged by %s on %s") % (
            _escape(flag.reason),
            _escape(flag.by),
            flag.flagged_at[:10],
        )
        self.flag_text.setText(f"{text}<br>{_escape(flag.note)}" if flag.note else text)
        self.unflag.setVisible(can_unflag)

    def set_value(self, text: str) -> None:
        self.value.setText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Before removing a member or revoking a grant: every key that will be flagged "rotation
required", then, once done, what was flagged."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("RevokeDialog", text)


def _keys(count: int) -> str:
    return _tr("1 key") if count == 1 else _tr("%1 keys").replace("%1", str(count))


class RevokeDialog(QDialog):
    """`env_name` None: remove the member; else revoke that one environment.

    Signals:
        confirmed(): the user chose Remove / Revoke.
        show_flagged_requested(): show the flagged keys in the Secrets view.
    """

    confirmed = Signal()
    show_flagged_requested = Signal()

    def __init__(
        self,
        handle: str,
        env_name: str | None,
        flagged: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.handle, self.env_name = handle, env_name
        removing = env_name is None
        self.setWindowTitle(
            _tr("Remove %1").replace("%1", handle)
            if removing
            else _tr("Revoke %1's access to %2").replace("%1", handle).replace("%2", env_name or "")
        )
        self.setMinimumSize(540, 420)
        layout = QVBoxLayout(self)
        if removing:
            text = _tr(
                "<b>%1</b> loses access to the vault. The vault key and every environment they"
                " could read get new keys that they never receive."
            )
        else:
            text = _tr(
                "<b>%1</b> loses access to %2. It gets a new key that they never receive."
            ).replace("%2", env_name or "")
        self.intro = QLabel(text.replace("%1", handle))
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.keys = QListWidget()
        self.keys.setAccessibleName(_tr("Keys flagged rotation required"))
        layout.addWidget(self.keys, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = QPushButton(_tr("Remove %1") if removing else _tr("Revoke access"))
        self.go.setText(self.go.text().replace("%1", handle))
        self.buttons.addButton(self.go, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.go.clicked.connect(self.confirmed.emit)
        self.buttons.rejected.connect(self.reject)
        self.show_flagged = QPushButton(_tr("Show these keys"))
        self.show_flagged.setToolTip(_tr("The Secrets view, with only the keys to rotate"))
        self.show_flagged.clicked.connect(self.show_flagged_requested.emit)
        self.show_flagged.hide()
        layout.addWidget(self.buttons)
        self._list(flagged)
        count = len(flagged)
        self.heading.setText(
            _tr(
                "They may have copied values while they had access, so these %1 will be"
                " flagged <b>rotation required</b>: only a new value at the provider closes"
                " that."
            ).replace("%1", _keys(count))
            if count
            else _tr("No key needs rotating: they could not read any value.")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setFocus()

    def _list(self, flagged: Sequence[tuple[str, str]]) -> None:
        self.keys.clear()
        for env, name in flagged:
            self.keys.addItem(f"{env} · {name}")
        self.keys.setVisible(bool(flagged))

    def show_done(self, flagged: Sequence[tuple[str, str]], kept_inline: int = 0) -> None:
        """After the change: what was flagged, and a way to see those keys."""
        self.go.hide()
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_tr("Close"))
        done = (
            _tr("%1 was removed.") if self.env_name is None else _tr("%1's access was revoked.")
        ).replace("%1", self.handle)
        self.intro.setText(done)
        if flagged:
            text = _tr("These %1 are now flagged rotation required; rotate each at its provider.")
            self.heading.setText(text.replace("%1", _keys(len(flagged))))
            self.buttons.addButton(self.show_flagged, QDialogButtonBox.ButtonRole.ActionRole)
            self.show_flagged.show()
        else:
            self.heading.setText(_tr("No key needed flagging."))
        if kept_inline:
            self.heading.setText(
                self.heading.text()
                + _tr(" %1 older values stay readable in the ledger's history.").replace(
                    "%1", str(kept_inline)
                )
            )
        self._list(flagged)

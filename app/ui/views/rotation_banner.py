"""The console's note after unlock that keys are overdue or flagged, with Show and ×."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import QPushButton, QWidget

from app.ui.views.banner import RED, Banner

# What follows "needs rotation" for a flag's reason (core.rotation.FLAG_REASONS).
_AFTER = {
    "exposure": "after an exposure",
    "incident": "after an incident",
    "offboarding": "after an offboarding",
    "revocation": "after access was revoked",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("RotationBanner", text)


def banner_text(overdue: int, flag_reasons: Sequence[str]) -> str:
    """E.g. "3 keys are overdue for rotation and 1 needs rotation after an exposure." """
    flagged = len(flag_reasons)
    kinds = set(flag_reasons)
    after = _tr(_AFTER[flag_reasons[0]]) if len(kinds) == 1 and flag_reasons[0] in _AFTER else ""
    parts = []
    if overdue:
        parts.append(
            _tr("1 key is overdue for rotation")
            if overdue == 1
            else _tr("%1 keys are overdue for rotation").replace("%1", str(overdue))
        )
    if flagged:
        if overdue:
            text = _tr("1 needs rotation") if flagged == 1 else _tr("%1 need rotation")
        else:
            text = _tr("1 key needs rotation") if flagged == 1 else _tr("%1 keys need rotation")
        parts.append(" ".join(filter(None, (text.replace("%1", str(flagged)), after))))
    return (_tr(" and ").join(parts) + ".") if parts else ""


class RotationBanner(Banner):
    """Signals:
    show_requested(): show only the keys that need rotation.
    show_all_requested(): show every key again.
    dismissed(): the user closed the banner.
    """

    show_requested = Signal()
    show_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("rotationBanner", RED, parent)
        self.show_button = QPushButton()
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.add_button(self.show_button)
        self.close_button = self.add_close_button(_tr("Hide until the vault is locked"))
        self.filtering = False

    def set_counts(self, overdue: int, flag_reasons: Sequence[str], filtering: bool) -> None:
        """What needs rotation; `filtering`: the table shows only those keys now."""
        self.filtering = filtering
        if filtering:
            # No count: an environment or filter text may narrow the table further.
            self.text.setText(_tr("Showing only keys that are overdue or flagged."))
            self.show_button.setText(_tr("Show a&ll"))
        else:
            self.text.setText(banner_text(overdue, flag_reasons))
            self.show_button.setText(_tr("S&how"))
        self.show_button.setAccessibleName(self.show_button.text().replace("&", ""))

    @Slot()
    def _on_show_button_clicked(self) -> None:
        (self.show_all_requested if self.filtering else self.show_requested).emit()

"""The console's notes about the shared vault file: a merge that was refused (both copies kept),
what a merge settled, and other copies of the vault that a sync tool left beside it, with Merge
and Not now."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import QPushButton, QWidget

from app.ui.views.banner import AMBER, RED, Banner


def _tr(text: str) -> str:
    return QCoreApplication.translate("SharedBanners", text)


def copies_text(names: Sequence[str]) -> str:
    """E.g. "Your sync tool left another copy of this vault: team (conflicted copy …).kl" """
    if len(names) == 1:
        return _tr("Your sync tool left another copy of this vault: %1").replace("%1", names[0])
    return _tr("Your sync tool left %1 other copies of this vault beside it.").replace(
        "%1", str(len(names))
    )


class MergeWarningBanner(Banner):
    """A merge with the shared file or another copy was refused; nothing changed.

    Signals:
    dismissed(): the user closed the banner.
    set_aside_requested(): keep this laptop's changes in a file and go on from the shared file
        (offered only when the shared file is what cannot be merged: `offer_set_aside`).
    """

    set_aside_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("mergeWarningBanner", RED, parent)
        self.setAccessibleName(_tr("Merge refused"))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_aside_button = QPushButton(_tr("Keep mine aside…"))
        self.set_aside_button.setAccessibleName(_tr("Keep my changes aside"))
        self.set_aside_button.setToolTip(
            _tr(
                "Keep this laptop's unmerged changes in a file beside the vault and go on from"
                " the shared file"
            )
        )
        self.set_aside_button.clicked.connect(self.set_aside_requested.emit)
        self.set_aside_button.hide()
        self.add_button(self.set_aside_button)
        self.close_button = self.add_close_button(_tr("Hide this note"))

    def offer_set_aside(self, offered: bool) -> None:
        self.set_aside_button.setVisible(offered)


class SettledBanner(Banner):
    """Changes made on both copies at once, and how the merge settled each.

    Signals:
    dismissed(): the user closed the banner.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("settledBanner", AMBER, parent)
        self.setAccessibleName(_tr("What the merge settled"))
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = self.add_close_button(_tr("Hide this note"))
        self.dismissed.connect(self._on_dismissed)

    @Slot()
    def _on_dismissed(self) -> None:
        self.set_text("")

    def set_lines(self, lines: Sequence[str], *, settled: bool = True) -> None:
        """One line per settled conflict (or, with `settled` False, only what a merge left for
        an admin); hide when there are none."""
        if not lines:
            self.set_text("")
            return
        head = (
            _tr("Both copies changed the same things; the merge settled them (see Audit):")
            if settled
            else _tr("A merge of two copies left work for an admin:")
        )
        self.set_text("\n".join([head, *(f"• {line}." for line in lines)]))


class CopiesBanner(Banner):
    """Other copies of this vault lie beside its file (a sync tool's conflicted copies).

    Signals:
    merge_requested(): take every listed copy in and remove it.
    later_requested(): hide until another copy appears or the vault is locked.
    """

    merge_requested = Signal()
    later_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("copiesBanner", AMBER, parent)
        self.setAccessibleName(_tr("Other copies of this vault"))
        self.merge_button = QPushButton()
        self.merge_button.clicked.connect(self.merge_requested.emit)
        self.later_button = QPushButton(_tr("Not now"))
        self.later_button.setAccessibleName(_tr("Not now"))
        self.later_button.setToolTip(_tr("Ask again when another copy appears or after unlocking"))
        self.later_button.clicked.connect(self.later_requested.emit)
        self.add_button(self.merge_button)
        self.add_button(self.later_button)

    def set_copies(self, names: Sequence[str]) -> None:
        """The copies' file names, oldest first; hide when there are none."""
        self.setVisible(bool(names))
        if not names:
            return
        self.text.setText(copies_text(names))
        self.text.setToolTip("\n".join(names))
        one = len(names) == 1
        self.merge_button.setText(
            _tr("Merge and remove cop&y") if one else _tr("Merge and remove copie&s")
        )
        self.merge_button.setAccessibleName(self.merge_button.text().replace("&", ""))
        self.merge_button.setToolTip(
            _tr("Take in the changes it holds, publish them to the vault file, then delete it")
            if one
            else _tr("Take in the changes they hold, publish them, then delete each copy")
        )

"""Signing off an access review: what it carries out (the revocations, the access changes, the
keys the revocations flag "rotation required"), confirmed by the reviewer; then what was done."""

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

from app.core.reviews import Campaign
from app.services.access import Revoked
from app.services.review_rules import PlannedChange, SignOffPlan


def _tr(text: str) -> str:
    return QCoreApplication.translate("SignOffDialog", text)


def _keys(count: int) -> str:
    return _tr("1 key") if count == 1 else _tr("%1 keys").replace("%1", str(count))


def plan_lines(plan: SignOffPlan) -> list[str]:
    """One line per thing the sign-off will do, revocations first."""
    lines = [
        _tr("Revoke %1 on %2: re-keyed, %3 flagged")
        .replace("%1", r.handle)
        .replace("%2", r.env_name)
        .replace("%3", _keys(len(r.flagged)))
        for r in plan.revocations
    ]
    lines += [_change_line(c) for c in plan.changes]
    if plan.kept:
        lines.append(
            _tr("Keep 1 grant as it is")
            if plan.kept == 1
            else _tr("Keep %1 grants as they are").replace("%1", str(plan.kept))
        )
    lines += [
        _tr("Skip %1 on %2: the grant ended or already is as decided")
        .replace("%1", handle)
        .replace("%2", env)
        for handle, env in plan.skipped
    ]
    return lines


def _change_line(change: PlannedChange, done: bool = False) -> str:
    text = _tr("Changed %1 on %2 from %3 to %4") if done else _tr("Change %1 on %2 from %3 to %4")
    return (
        text.replace("%1", change.handle)
        .replace("%2", change.env_name)
        .replace("%3", change.old_access)
        .replace("%4", change.new_access)
    )


def _fit(listing: QListWidget, most: int = 10) -> None:
    """As tall as its lines (up to `most`, then it scrolls), not the stock 200 px."""
    rows = min(max(listing.count(), 1), most)
    line = listing.sizeHintForRow(0) if listing.count() else listing.fontMetrics().height()
    listing.setFixedHeight(rows * line + 2 * listing.frameWidth() + 4)


class SignOffDialog(QDialog):
    """Signals:
    confirmed(): the reviewer chose to sign off.
    show_flagged_requested(): show the flagged keys in the Secrets view.
    """

    confirmed = Signal()
    show_flagged_requested = Signal()

    def __init__(self, campaign: Campaign, plan: SignOffPlan, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_tr("Sign off review %1").replace("%1", campaign.id[:8]))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        self.intro = QLabel(
            _tr(
                "Signing off records, signed by you (%1), that all %2 grants were reviewed, and"
                " carries out the decisions now:"
            )
            .replace("%1", campaign.reviewer)
            .replace("%2", str(len(campaign.rows)))
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.actions = QListWidget()
        self.actions.setAccessibleName(_tr("What the sign-off carries out"))
        self.actions.addItems(plan_lines(plan))
        _fit(self.actions)
        layout.addWidget(self.actions, 1)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.keys = QListWidget()
        self.keys.setAccessibleName(_tr("Keys flagged rotation required"))
        layout.addWidget(self.keys, 1)
        self._show_keys(plan.flagged, done=False)
        self.problem = QLabel(plan.problem or "")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e53935;")
        self.problem.setVisible(bool(plan.problem))
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = QPushButton(_tr("Sign off and carry out"))
        self.go.setEnabled(plan.problem is None)
        self.buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.clicked.connect(self.confirmed.emit)
        self.buttons.rejected.connect(self.reject)
        self.show_flagged = QPushButton(_tr("Show these keys"))
        self.show_flagged.setToolTip(_tr("The Secrets view, with only the keys to rotate"))
        self.show_flagged.clicked.connect(self.show_flagged_requested.emit)
        self.show_flagged.hide()
        layout.addWidget(self.buttons)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setFocus()
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for the wrapped labels at this width (the stock size hint is not, at
        200%), and never shorter than that."""
        layout = self.layout()
        width = max(self.width(), self.minimumWidth())
        height = max(layout.totalHeightForWidth(width), layout.totalSizeHint().height())
        self.setMinimumHeight(height)
        self.resize(width, height)

    def _show_keys(self, flagged: Sequence[tuple[str, str]], done: bool) -> None:
        self.keys.clear()
        self.keys.addItems([f"{env} · {name}" for env, name in flagged])
        _fit(self.keys)
        self.keys.setVisible(bool(flagged))
        count = len(flagged)
        if not count:
            self.heading.setText(_tr("No key needs rotating: nobody loses access to a value."))
        elif done and count == 1:
            self.heading.setText(_tr("This key is now flagged rotation required; rotate it at"
                                     " its provider."))  # fmt: skip
        elif done:
            text = _tr("These %1 are now flagged rotation required; rotate each at its provider.")
            self.heading.setText(text.replace("%1", _keys(count)))
        else:
            text = _tr(
                "Whoever loses access may have copied values, so %1 will be flagged"
                " <b>rotation required</b>: only a new value at the provider closes that."
            )
            what = _tr("this key") if count == 1 else _tr("these %1").replace("%1", _keys(count))
            self.heading.setText(text.replace("%1", what))

    def show_done(
        self, revoked: Sequence[Revoked], changes: Sequence[PlannedChange], error: str = ""
    ) -> None:
        """After the sign-off: what was carried out (and what failed, if anything did)."""
        self.go.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_tr("Close"))
        self.intro.setText(
            _tr("The review is signed off. Carried out:")
            if not error
            else _tr("The review is signed off, but not everything was carried out:")
        )
        lines = [
            _tr("Revoked %1 on %2: re-keyed, %3 flagged")
            .replace("%1", r.handle)
            .replace("%2", ", ".join(r.environments))
            .replace("%3", _keys(len(r.flagged)))
            for r in revoked
        ]
        lines += [_change_line(c, done=True) for c in changes]
        self.actions.clear()
        self.actions.addItems(lines or [_tr("Nothing to change: every grant was kept.")])
        _fit(self.actions)
        flagged = sorted({pair for r in revoked for pair in r.flagged})
        self._show_keys(flagged, done=True)
        self.problem.setText(error)
        self.problem.setVisible(bool(error))
        if flagged:
            self.buttons.addButton(self.show_flagged, QDialogButtonBox.ButtonRole.ActionRole)
            self.show_flagged.show()
        self._fit_height()

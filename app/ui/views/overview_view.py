"""The Overview: the vault's key figures on cards and two small charts, each figure a link."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.rotation import RotationStatus
from app.services.overview import Overview
from app.ui.models.secrets_model import DUE_SOON_COLOUR, OVERDUE_COLOUR, REQUIRED_COLOUR
from app.ui.views.overview_charts import StatusBars, env_summary
from app.ui.views.overview_widgets import Card, CardRows, FigureCard, LinkButton
from app.ui.views.step_up_chart import MonthBars

MAX_ENV_LINKS = 5  # more environments: the first five, then "n more" (the chart shows all)
_SPACING = 12


def _local(iso_text: str, tz: tzinfo) -> datetime:
    return datetime.fromisoformat(iso_text).astimezone(tz)


class OverviewView(QWidget):
    """Signals:
    link_activated(str): a figure was followed. Targets: "secrets", "secrets:env:<name>",
        "rotation", "rotation:overdue", "rotation:required", "reviews", "step-up", "audit",
        "verify".
    """

    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Overview"))
        self._now = datetime.now(UTC)
        self._tz: tzinfo = UTC
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        self.content = QWidget()
        scroll.setWidget(self.content)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(_SPACING)
        layout.addLayout(self._header())
        self.figure_cards = self._cards()
        self.cards = CardRows(self.figure_cards, _SPACING)
        layout.addWidget(self.cards)
        charts = QHBoxLayout()
        charts.setSpacing(_SPACING)
        self.status_card = Card(self.tr("Keys by environment and status"))
        self.status_bars = StatusBars()
        self.status_bars.env_clicked.connect(self._on_status_bars_env_clicked)
        self.status_card.body.addWidget(self.status_bars, 1)
        self.uses_card = Card(self.tr("Step-up use, last 12 months"))
        self.month_bars = MonthBars()
        self.uses_card.body.addWidget(self.month_bars, 1)
        charts.addWidget(self.status_card, 3)
        charts.addWidget(self.uses_card, 2)
        layout.addLayout(charts)
        layout.addStretch(1)
        self.clear()

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel(self.tr("Overview"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row.addWidget(self.title)
        row.addSpacing(12)
        row.addWidget(self.subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        return row

    def _cards(self) -> list[FigureCard]:
        self.keys = FigureCard(self.tr("Keys"), "secrets")
        self.rotation = FigureCard(self.tr("Rotation"), "rotation")
        self.overdue = self.rotation.link("rotation:overdue")
        self.required = self.rotation.link("rotation:required")
        self.due_soon = self.rotation.link("rotation")
        self.reviews = FigureCard(self.tr("Access reviews"), "reviews")
        self.review_due = self.reviews.link("reviews")
        self.step_up = FigureCard(self.tr("Step-up"), "step-up")
        self.step_up_uses = self.step_up.link("audit")
        self.step_up_uses.setToolTip(self.tr("Open the audit history"))
        self.history = FigureCard(self.tr("History"), "verify")
        self.history.figure.setToolTip(self.tr("Check every hash and signature now"))
        self.audit = self.history.link("audit")
        cards = [self.keys, self.rotation, self.reviews, self.step_up, self.history]
        for card in cards:
            card.figure.followed.connect(self.link_activated)
            for link in card.small_figures():
                link.followed.connect(self.link_activated)
        return cards

    # --- public API -------------------------------------------------------------------------

    def set_overview(self, ov: Overview, now: datetime, tz: tzinfo) -> None:
        """Show these figures, computed at `now`; dates and times in `tz`."""
        self._now, self._tz = now, tz
        self.subtitle.setText(
            self.tr("%1 · figures as of %2")
            .replace("%1", ov.vault_name)
            .replace("%2", self._when(now, with_year=True))
        )
        self._show_keys(ov)
        self._show_rotation(ov)
        self._show_reviews(ov)
        self._show_step_up(ov)
        self._show_history(ov)
        self.status_bars.set_envs(ov.envs)
        self.month_bars.set_counts(ov.step_up_uses, now.astimezone(tz).date())
        self.content.show()
        links = self.links()
        for first, second in zip(links, links[1:], strict=False):
            self.setTabOrder(first, second)
        self.setAccessibleDescription(" ".join(card.summary() for card in self.figure_cards))

    def clear(self) -> None:
        """Forget the figures (the vault was locked)."""
        self._set_env_links([])
        self.subtitle.clear()
        for card in self.figure_cards:
            card.set_figure("", "")
            for link in card.small_figures():
                link.set_link("", link.target)
        self.status_bars.set_envs(())
        self.month_bars.set_counts({}, self._now.date())
        self.content.hide()
        self.setAccessibleDescription("")

    def links(self) -> list[LinkButton]:
        """Every figure, in tab order."""
        found: list[LinkButton] = []
        for card in self.figure_cards:
            found += [card.figure, *card.small_figures()]
        return found

    # --- the cards --------------------------------------------------------------------------

    def _show_keys(self, ov: Overview) -> None:
        n = len(ov.envs)
        caption = (
            self.tr("No keys yet")
            if not ov.keys
            else self.tr("keys in 1 environment")
            if n == 1
            else self.tr("keys in %1 environments").replace("%1", str(n))
        )
        self.keys.set_figure(str(ov.keys), caption)
        links = []
        for env in ov.envs[:MAX_ENV_LINKS]:
            link = LinkButton(f"secrets:env:{env.name}")
            text = f"{env.name}: {env.keys}" + (self.tr(" · step-up") if env.step_up else "")
            link.set_link(text, link.target)
            link.setAccessibleName(env_summary(env))
            link.setToolTip(self.tr("Show the keys of %1").replace("%1", env.name))
            links.append(link)
        if len(ov.envs) > MAX_ENV_LINKS:
            more = LinkButton("secrets")
            more.set_link(self.tr("%1 more…").replace("%1", str(n - MAX_ENV_LINKS)), "secrets")
            links.append(more)
        self._set_env_links(links)

    def _set_env_links(self, links: list[LinkButton]) -> None:
        self.keys.remove_links()
        for link in links:
            link.followed.connect(self.link_activated)
            self.keys.add_link(link)

    def _show_rotation(self, ov: Overview) -> None:
        overdue = ov.count(RotationStatus.OVERDUE)
        required = ov.count(RotationStatus.REQUIRED)
        due_soon = ov.count(RotationStatus.DUE_SOON)
        if ov.keys:
            percent = f"{int(ov.rotation_compliance * 100)}%"  # 99.6% is not 100%: floor
            red = OVERDUE_COLOUR if overdue + required else None
            self.rotation.set_figure(percent, self.tr("of keys rotated on time"), red)
        else:
            self.rotation.set_figure(self.tr("Nothing due"), self.tr("No keys to rotate yet"))
        for link, n, text, colour in (
            (self.overdue, overdue, self.tr("%1 overdue"), OVERDUE_COLOUR),
            (self.required, required, self.tr("%1 rotation required"), REQUIRED_COLOUR),
            (self.due_soon, due_soon, self.tr("%1 due soon"), DUE_SOON_COLOUR),
        ):
            link.set_link(text.replace("%1", str(n)), link.target, colour if n else None)

    def _show_reviews(self, ov: Overview) -> None:
        reviews = ov.reviews
        red = OVERDUE_COLOUR if reviews.overdue else None
        if reviews.completed:
            last = _local(reviews.last_completed or reviews.next_due, self._tz).date()
            caption = self.tr("completed, the last on %1").replace("%1", last.isoformat())
            self.reviews.set_figure(str(reviews.completed), caption, red)
            due = self.tr("Overdue since %1") if reviews.overdue else self.tr("Next due %1")
        else:
            self.reviews.set_figure(self.tr("None yet"), self.tr("No access review completed"), red)
            due = self.tr("Overdue since %1") if reviews.overdue else self.tr("First review due %1")
        day = _local(reviews.next_due, self._tz).date().isoformat()
        self.review_due.set_link(due.replace("%1", day), "reviews", red)

    def _show_step_up(self, ov: Overview) -> None:
        gated = [e.name for e in ov.envs if e.step_up]
        members, enrolled = ov.step_up_members, ov.step_up_enrolled
        if not gated:
            caption = self.tr("No environment asks for an authenticator code")
            self.step_up.set_figure(self.tr("Not required"), caption)
        else:
            figure = self.tr("%1 of %2").replace("%1", str(enrolled)).replace("%2", str(members))
            caption = self.tr("members with access to %1 enrolled in TOTP")
            red = OVERDUE_COLOUR if enrolled < members else None
            self.step_up.set_figure(figure, caption.replace("%1", ", ".join(gated)), red)
        uses = ov.step_up_uses.get(self._now.astimezone(self._tz).strftime("%Y-%m"), 0)
        text = self.tr("1 step-up this month") if uses == 1 else self.tr("%1 step-ups this month")
        self.step_up_uses.set_link(text.replace("%1", str(uses)), "audit")

    def _show_history(self, ov: Overview) -> None:
        checked = ov.verification
        if checked.at is None:
            caption = self.tr("Not verified on this computer yet")
            self.history.set_figure(self.tr("Not verified"), caption, DUE_SOON_COLOUR)
        elif checked.problem:
            caption = self.tr("%1: %2").replace("%1", self._when(_local(checked.at, UTC)))
            self.history.set_figure(
                self.tr("Failed"), caption.replace("%2", checked.problem), OVERDUE_COLOUR
            )
            self.history.figure.setToolTip(checked.problem)
        else:
            caption = self.tr("%1, %2 commits").replace("%1", self._when(_local(checked.at, UTC)))
            caption = caption.replace("%2", f"{checked.commits:,}")
            self.history.set_figure(self.tr("Verified"), caption)
        self.audit.set_link(self.tr("Audit history"), "audit")

    def _when(self, moment: datetime, with_year: bool = False) -> str:
        """E.g. "30 Nov 10:42"; with the year when asked or when it is not this year's."""
        local = moment.astimezone(self._tz)
        month = self.locale().monthName(local.month, QLocale.FormatType.ShortFormat)
        year = "" if local.year == self._now.astimezone(self._tz).year and not with_year else (
            f" {local.year}")  # fmt: skip
        return f"{local.day} {month}{year} {local:%H:%M}"

    @Slot(str)
    def _on_status_bars_env_clicked(self, name: str) -> None:
        self.link_activated.emit(f"secrets:env:{name}")

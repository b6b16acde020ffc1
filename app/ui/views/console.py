"""The console: the navigation rail and its views: Overview (home), Secrets (environment
sections, the secrets table, the detail pane), Rotation, Audit, Access and Reviews."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.models.environments_model import EnvColumn, EnvironmentsModel
from app.ui.models.secrets_model import Column, SecretsModel
from app.ui.views.access_view import AccessView
from app.ui.views.audit_view import AuditView
from app.ui.views.detail import DetailPane
from app.ui.views.env_delegate import EnvironmentDelegate
from app.ui.views.overview_view import OverviewView
from app.ui.views.review_banner import ReviewBanner
from app.ui.views.reviews_view import ReviewsView
from app.ui.views.rotation_banner import RotationBanner
from app.ui.views.rotation_view import RotationView
from app.ui.views.shared_banners import CopiesBanner, MergeWarningBanner, SettledBanner


class ConsolePage(QWidget):
    """Signals:
    add_requested(): add a secret to the selected environment.
    lock_requested(), settings_requested(), step_up_requested(): from the rail.
    view_changed(str): 'overview', 'secrets', 'rotation', 'audit', 'access' or 'reviews' is now
        shown.
    """

    OVERVIEW, SECRETS, ROTATION, AUDIT = "overview", "secrets", "rotation", "audit"
    ACCESS, REVIEWS = "access", "reviews"

    view_changed = Signal(str)
    add_requested = Signal()
    step_up_requested = Signal()
    lock_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._rail())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.environments = EnvironmentsModel(self)
        self.env_view = QTableView()
        self.env_view.setModel(self.environments)
        self.env_view.setItemDelegate(EnvironmentDelegate(self.env_view))
        self.env_view.setAccessibleName(self.tr("Environments"))
        self.env_view.verticalHeader().hide()
        self.env_view.setShowGrid(False)
        self.env_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.env_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.env_view.horizontalHeader()
        header.setSectionResizeMode(EnvColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(EnvColumn.COUNT, QHeaderView.ResizeMode.ResizeToContents)
        self.env_view.setMinimumWidth(170)
        splitter.addWidget(self.env_view)
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(
            self.tr("Filter by name, variable, provider, owner or tag (Ctrl+F)")
        )
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter secrets"))
        self.add = QPushButton(self.tr("&Add secret…"))
        self.add.setAccessibleName(self.tr("Add secret"))
        self.add.clicked.connect(self.add_requested.emit)
        top.addWidget(self.filter, 1)
        top.addWidget(self.add)
        column.addLayout(top)
        self.step_up_banner = QLabel()
        self.step_up_banner.setWordWrap(True)
        self.step_up_banner.hide()
        column.addWidget(self.step_up_banner)
        self.secrets = SecretsModel(self)
        self.table = QTableView()
        self.table.setModel(self.secrets)
        self.table.setAccessibleName(self.tr("Secrets"))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        table_header = self.table.horizontalHeader()
        table_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table_header.setStretchLastSection(True)
        for col, width in (
            # What is left (about 110 px at 1366 wide) holds "Rotation required".
            (Column.NAME, 128),
            (Column.ENVIRONMENT, 58),
            (Column.ENV_VAR, 136),
            (Column.PROVIDER, 86),
            (Column.OWNER, 50),
            (Column.LAST_ROTATED, 84),
            (Column.NEXT_DUE, 80),
        ):
            self.table.setColumnWidth(col, width)
        column.addWidget(self.table, 1)
        self.count = QLabel()
        column.addWidget(self.count)
        splitter.addWidget(middle)
        self.detail = DetailPane()
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([170, 860, 330])
        self.overview = OverviewView()
        self.rotation = RotationView()
        self.audit = AuditView()
        self.access = AccessView()
        self.reviews = ReviewsView()
        self._view_pages: dict[str, QWidget] = {
            self.OVERVIEW: self.overview,
            self.SECRETS: splitter,
            self.ROTATION: self.rotation,
            self.AUDIT: self.audit,
            self.ACCESS: self.access,
            self.REVIEWS: self.reviews,
        }
        self.views = QStackedWidget()
        for page in self._view_pages.values():
            self.views.addWidget(page)
        self.views.setCurrentWidget(splitter)
        # The banners stand above every view: unlocking lands on the Overview, and the shared
        # file changes whichever view is shown.
        self.merge_warning = MergeWarningBanner()
        self.settled_banner = SettledBanner()
        self.copies_banner = CopiesBanner()
        self.rotation_banner = RotationBanner()
        self.review_banner = ReviewBanner()
        main = QVBoxLayout()
        main.setContentsMargins(0, 0, 0, 0)
        main.setSpacing(0)
        main.addWidget(self.merge_warning)
        main.addWidget(self.settled_banner)
        main.addWidget(self.copies_banner)
        main.addWidget(self.rotation_banner)
        main.addWidget(self.review_banner)
        main.addWidget(self.views, 1)
        layout.addLayout(main, 1)
        self.setTabOrder(self.filter, self.table)
        self.setTabOrder(self.table, self.detail)

    def _rail(self) -> QWidget:
        rail = QWidget()
        rail.setObjectName("rail")
        rail.setFixedWidth(84)
        box = QVBoxLayout(rail)
        box.setContentsMargins(6, 10, 6, 10)
        self.nav_group = QButtonGroup(rail)
        self.nav_group.setExclusive(True)
        self.nav: dict[str, QToolButton] = {}
        for name, text, tip, shortcut in (
            (self.OVERVIEW, self.tr("Overview"), self.tr("Key figures"), "Ctrl+1"),
            (self.SECRETS, self.tr("Secrets"), self.tr("Secrets"), "Ctrl+2"),
            (self.ROTATION, self.tr("Rotation"), self.tr("Rotation schedule"), "Ctrl+3"),
            (self.AUDIT, self.tr("Audit"), self.tr("Audit history and evidence"), "Ctrl+4"),
            (self.ACCESS, self.tr("Access"), self.tr("Members, grants and requests"), "Ctrl+5"),
            (self.REVIEWS, self.tr("Reviews"), self.tr("Access reviews"), "Ctrl+6"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(f"{tip} ({shortcut})")
            button.setAccessibleName(self.tr("%s view") % text)
            button.clicked.connect(lambda _=False, view=name: self.show_view(view))
            self.nav_group.addButton(button)
            self.nav[name] = button
        self.secrets_nav = self.nav[self.SECRETS]
        self.rotation_nav = self.nav[self.ROTATION]
        self.secrets_nav.setChecked(True)
        self.lock_nav = QToolButton()
        self.lock_nav.setText(self.tr("Lock"))
        self.lock_nav.setToolTip(self.tr("Lock the vault (Ctrl+L)"))
        self.lock_nav.setAccessibleName(self.tr("Lock vault"))
        self.lock_nav.clicked.connect(self.lock_requested.emit)
        self.step_up_nav = QToolButton()
        self.step_up_nav.setText(self.tr("Step-up"))
        self.step_up_nav.setToolTip(self.tr("Enroll or check your authenticator app (Ctrl+T)"))
        self.step_up_nav.setAccessibleName(self.tr("Step-up"))
        self.step_up_nav.clicked.connect(self.step_up_requested.emit)
        self.settings_nav = QToolButton()
        self.settings_nav.setText(self.tr("Settings"))
        self.settings_nav.setToolTip(self.tr("Settings (Ctrl+,)"))
        self.settings_nav.setAccessibleName(self.tr("Settings"))
        self.settings_nav.clicked.connect(self.settings_requested.emit)
        for button in (*self.nav.values(), self.step_up_nav, self.lock_nav, self.settings_nav):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setMinimumHeight(40)
            button.setSizePolicy(
                button.sizePolicy().horizontalPolicy().Expanding,
                button.sizePolicy().verticalPolicy(),
            )
        for button in self.nav.values():
            box.addWidget(button)
        box.addStretch(1)
        box.addWidget(self.step_up_nav)
        box.addWidget(self.settings_nav)
        box.addWidget(self.lock_nav)
        return rail

    def current_view(self) -> str:
        current = self.views.currentWidget()
        return next(name for name, page in self._view_pages.items() if page is current)

    def show_view(self, name: str) -> None:
        """Switch to the 'secrets' or 'rotation' view and tell who listens."""
        page = self._view_pages[name]
        self.nav[name].setChecked(True)
        if self.views.currentWidget() is not page:
            self.views.setCurrentWidget(page)
            self.view_changed.emit(name)

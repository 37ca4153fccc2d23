"""The main window: a sidebar of sections, the menus, the status bar.

Built once in app/ui/application.py with the `Services`; sections are created when first shown, so start-up
costs only the first section. The window remembers its geometry and its splitters (app/ui/settings_store.py)
and opens maximised on a screen smaller than `ROOMY`; every section sits in a scroll area, and no splitter
pane collapses to nothing. In a partner's workspace a banner across the top names the partner and the lead
who shared it (app/ui/workspace.py), and File → New partner is disabled.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.services import Services
from app.ui.bus import ChangeBus
from app.ui.first_run import IdentityDialog
from app.ui.help import install_help_menu
from app.ui import settings_store
from app.ui.scrolling import no_collapsing_splitters, scrollable
from app.ui.sections import MENU_INSTALLERS, SECTIONS
from app.ui.wheel import install_wheel_guard
from app.ui.workspace import WorkspaceBanner, new_partner_lock

#: Below this screen size the main window opens maximised (a 1366×768 field laptop has no room to spare).
ROOMY = QSize(1440, 900)
SETTINGS_KEY = "MainWindow"


def available_screen() -> QRect:
    """The primary screen's available geometry (without task bars), or a field laptop's if there is none."""
    screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen else QRect(0, 0, 1366, 768)


class MainWindow(QMainWindow):
    def __init__(self, services: Services, bus: ChangeBus | None = None, *, screen: QRect | None = None) -> None:
        """``screen``: the available screen geometry to fit (default: the primary screen's)."""
        super().__init__()
        install_wheel_guard()
        self.services = services
        self.bus = bus or ChangeBus(services.db.feed, self)
        self.setWindowTitle(f"{APP_NAME} — {services.db.path.name}")
        self._fit_to_screen(screen or available_screen())

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(190)
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stack = QStackedWidget()
        self._sections: dict[str, QWidget] = {}
        self._factories = dict(SECTIONS)
        for title, _factory in SECTIONS:
            self.sidebar.addItem(title)
            self.stack.addWidget(QWidget())  # replaced by the real section when first shown
        self.banner = WorkspaceBanner(services)  # hidden unless this Tandem is a partner's workspace
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.banner)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        outer.addLayout(layout, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(QLabel(str(services.db.path)))
        self._show_identity()

        self._build_menus()
        for install in MENU_INSTALLERS:
            install(self, services, self.bus)
        self.sidebar.currentRowChanged.connect(self._show_section)
        self.bus.open_partner.connect(self.open_partner)
        self.bus.open_partner_tab.connect(self.open_partner)
        self.bus.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.bus.changed.connect(self._workspace_changed)
        self._show_workspace()
        start = next((i for i, (t, _f) in enumerate(SECTIONS) if t == "Partners"), 0)
        self.sidebar.setCurrentRow(start)
        if self.banner.workspace is not None:  # a partner's workspace opens on its partner
            self.open_partner(self.banner.workspace.partner_id)

    # -- sections ------------------------------------------------------------------------------------------

    def section(self, title: str) -> QWidget:
        """The section called ``title``, created on first use."""
        if title not in self._sections:
            index = [t for t, _f in SECTIONS].index(title)
            widget = self._factories[title](self.services, self.bus)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, scrollable(widget))
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self._sections[title] = widget
            no_collapsing_splitters(widget)
            settings_store.restore_splitters(widget, f"{SETTINGS_KEY}/{title}")
        return self._sections[title]

    def show_section(self, title: str) -> QWidget:
        widget = self.section(title)
        self.sidebar.setCurrentRow([t for t, _f in SECTIONS].index(title))
        return widget

    def _show_section(self, row: int) -> None:
        if row >= 0:
            self.section(SECTIONS[row][0])
            self.stack.setCurrentIndex(row)

    def open_partner(self, partner_id: str, tab: str | None = None) -> None:
        """Show a partner's page in Partners; ``tab`` (its title) brings that tab of the page forward."""
        self.show_section("Partners").open_partner(partner_id, tab)

    # -- menus ---------------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.new_partner_action = new_partner = QAction("&New partner", self, shortcut=QKeySequence.StandardKey.New)
        new_partner.triggered.connect(lambda: self.show_section("Partners").new_partner())
        self.file_menu.addAction(new_partner)
        self.file_menu.addSeparator()
        self._quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self._quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self._quit_action)

        edit = bar.addMenu("&Edit")
        undo = self.bus.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.bus.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(undo)
        edit.addAction(redo)

        self.tools_menu = bar.addMenu("&Tools")
        identity = QAction("Your name and device…", self)
        identity.triggered.connect(self._edit_identity)
        self.tools_menu.addAction(identity)

        help_menu = bar.addMenu("&Help")
        install_help_menu(self, help_menu)
        about = QAction(f"About {APP_NAME}", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<b>{APP_NAME} {__version__}</b><p>Partner enablement desk: directory, onboarding, coaching, "
            f"KPIs and offline sync between laptops.</p><p>Database: {self.services.db.path}</p>"))
        help_menu.addAction(about)

    def add_file_action(self, action: QAction) -> None:
        """Add an action to the File menu, above Quit (for capabilities' MENU_INSTALLERS)."""
        self.file_menu.insertAction(self._quit_action, action)

    def _edit_identity(self) -> None:
        if IdentityDialog(self.services.identity, self, first_run=False).exec():
            self._show_identity()

    def _show_identity(self) -> None:
        who = self.services.identity.get()
        self.user_label.setText(f"{who.display_name} · {who.device_name}")

    def _show_workspace(self) -> None:
        """The banner, and New partner, as this Tandem is (or is not) a partner's workspace."""
        self.banner.refresh()
        lock = new_partner_lock(self.services)
        if lock:
            self.file_menu.setToolTipsVisible(True)
            lock.disable(self.new_partner_action)
            self.new_partner_action.setStatusTip(lock.reason)

    def _workspace_changed(self, change) -> None:
        if change.touches("local_settings"):  # an import may have made it one
            was = self.banner.workspace
            self._show_workspace()
            if was is None and self.banner.workspace is not None:  # it just became one: show its partner
                self.open_partner(self.banner.workspace.partner_id)

    def _fit_to_screen(self, available: QRect) -> None:
        """Where the user left it, if that fits this screen; else maximised on a small screen (field laptops
        often have 1366×768) and a comfortable size centred on a big one."""
        if settings_store.restore_geometry(self, SETTINGS_KEY, available):
            return
        width, height = min(1400, available.width() - 40), min(860, available.height() - 40)
        self.resize(width, height)
        self.move(available.center() - self.rect().center())
        if available.width() < ROOMY.width() or available.height() < ROOMY.height():
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def remember_layout(self) -> None:
        """Save the window's geometry and the splitters of every section shown so far."""
        settings_store.save_geometry(self, SETTINGS_KEY)
        for title, widget in self._sections.items():
            settings_store.save_splitters(widget, f"{SETTINGS_KEY}/{title}")

    def closeEvent(self, event: QCloseEvent) -> None:
        """Every section that holds unsaved edits (it has ``confirm_leave()``) gets to save them or stop the close."""
        for title, widget in self._sections.items():
            leave = getattr(widget, "confirm_leave", None)
            if leave is not None and not leave():
                self.show_section(title)
                event.ignore()
                return
        self.remember_layout()
        event.accept()

"""The Help menu: *Keyboard shortcuts* (generated from the window's actions, so it is never out of date) and
*User guide* (the Markdown files under docs/, shipped with Tandem and read offline).

The docs are found next to resources/ through `app.paths.resource_path` (a checkout, an editable install and
the PyInstaller bundle, whose spec ships docs/ too).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QImage, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.paths import resource_path

#: Keys that work inside a screen rather than through a menu (they are not actions, so they are listed here).
SCREEN_KEYS: list[tuple[str, str, str]] = [
    ("Partners", "Ctrl+F", "Search the directory"),
    ("Measurement grid", "type, Enter", "Store the value and move down"),
    ("Measurement grid", "Tab / Shift+Tab", "Store the value and move right / left"),
    ("Measurement grid", "Arrow keys", "Move (also out of a cell being typed into)"),
    ("Measurement grid", "Delete", "Clear the selected cells"),
    ("Measurement grid", "Ctrl+C / Ctrl+V", "Copy cells / paste a block from a spreadsheet"),
    ("Live session", "Enter", "Log the line in the capture box"),
    ("Live session", "Ctrl+1 … Ctrl+5", "Note, decision, risk, action, experiment update"),
    ("Live session", "Ctrl+Page Down / Up", "Next / previous agenda item"),
    ("Live session", "F2, Alt+↑ / Alt+↓", "Edit the selected entry, move it up / down"),
]


def docs_dir() -> Path:
    """The folder of the user guide's Markdown files (docs/, beside resources/)."""
    return resource_path().parent / "docs"


def guide_pages() -> list[tuple[str, Path]]:
    """(title, path) of every user guide page, the architecture notes left out (they are for developers)."""
    pages = []
    for path in sorted(docs_dir().glob("*.md")):
        if path.stem.upper() == "ARCHITECTURE":
            continue
        first = path.read_text(encoding="utf-8").lstrip().splitlines()[:1]
        title = re.sub(r"^#+\s*", "", first[0]).strip() if first else path.stem
        pages.append((title or path.stem, path))
    return pages


def _menu_path(action: QAction) -> str:
    for widget in action.associatedObjects():
        if isinstance(widget, QMenu) and widget.title():
            return widget.title().replace("&", "")
    return ""


def window_shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, keys, what) for every action of ``window`` with a shortcut, menus first, then the keys of
    the screens (`SCREEN_KEYS`)."""
    rows, seen = [], set()
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        text = action.text().replace("&", "").rstrip("…").strip()
        if not keys or not text or (text, tuple(keys)) in seen:
            continue
        seen.add((text, tuple(keys)))
        rows.append((_menu_path(action) or "Window", ", ".join(keys), text))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.whatsThis():
            rows.append(("Window", shortcut.key().toString(QKeySequence.SequenceFormat.NativeText),
                         shortcut.whatsThis()))
    for button in window.findChildren(QAbstractButton):
        keys = button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        text = button.text().replace("&", "").rstrip("…").strip()
        if keys and text:
            rows.append((_screen_of(button), keys, text))
    return rows + SCREEN_KEYS


def _screen_of(widget: QWidget) -> str:
    """A readable name of the screen a button sits on: PartnerProfileWidget -> "Partner profile"."""
    w = widget.parentWidget()
    while w is not None and not w.isWindow():
        name = type(w).__name__
        if not name.startswith("Q"):
            words = re.findall(r"[A-Z][a-z]*", re.sub(r"(Widget|Section|Tab|View)$", "", name))
            return " ".join(words).capitalize() if words else name
        w = w.parentWidget()
    return "Window"


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut, in a table a user can read at a glance."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 520)


class UserGuideDialog(QDialog):
    """The user guide: the pages on the left, the page rendered from Markdown on the right. Links between
    pages open in place; links to the web are left alone (the guide works offline)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User guide")
        self.pages = QListWidget()
        self.pages.setWordWrap(True)
        self.pages.setFixedWidth(280)
        self.pages.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._follow)
        for title, path in guide_pages():
            item = QListWidgetItem(title)
            item.setToolTip(title)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.pages.addItem(item)
        self.pages.currentItemChanged.connect(lambda item, _old: item and self.show_page(
            Path(item.data(Qt.ItemDataRole.UserRole))))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.browser, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.resize(1000, 680)
        if self.pages.count():
            self.pages.setCurrentRow(0)
        else:
            self.browser.setPlainText(f"The user guide is not installed (looked in {docs_dir()}).")

    def show_page(self, path: Path) -> None:
        self.browser.setSearchPaths([str(path.parent)])  # the screenshots the pages show
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path)))
        self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        self._fit_images(path.parent)

    def _fit_images(self, folder: Path) -> None:
        """Screenshots are shown at the browser's width (a 1366 px screenshot would scroll sideways)."""
        doc = self.browser.document()
        width = max(200, self.browser.viewport().width() - 24)
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    image = fmt.toImageFormat()
                    natural = QImage(str(folder / image.name()))
                    if not natural.isNull() and natural.width() > width:
                        image.setWidth(width)
                        image.setHeight(natural.height() * width / natural.width())
                        cursor = QTextCursor(doc)
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(image)
                it += 1
            block = block.next()
    def _follow(self, url: QUrl) -> None:
        name = Path(url.path()).name
        for i in range(self.pages.count()):
            if Path(self.pages.item(i).data(Qt.ItemDataRole.UserRole)).name == name:
                self.pages.setCurrentRow(i)
                return


def install_help_menu(window: QMainWindow, help_menu: QMenu) -> None:
    """Add *Keyboard shortcuts* and *User guide* to ``help_menu`` (F1 opens the guide)."""
    shortcuts = QAction("&Keyboard shortcuts", window)
    shortcuts.triggered.connect(lambda: ShortcutsDialog(window_shortcuts(window), window).exec())
    guide = QAction("&User guide", window, shortcut=QKeySequence.StandardKey.HelpContents)
    guide.triggered.connect(lambda: UserGuideDialog(window).exec())
    help_menu.addAction(guide)
    help_menu.addAction(shortcuts)
    help_menu.addSeparator()

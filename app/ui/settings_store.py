"""Window sizes, positions and splitter states, remembered between runs.

They live in one ini file, ``ui.ini`` in the user data folder (`app.paths.user_data_dir`, so
``TANDEM_DATA_DIR`` moves it too: tests and portable installs keep their own). Nothing here is data a user
would miss: a missing or unreadable file only means windows open at their default size.

A remembered geometry is only used if it still fits the screen the window opens on (the laptop may be
undocked from a big monitor since): otherwise the window gets its default size for that screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt
from PySide6.QtWidgets import QSplitter, QWidget

from app.paths import user_data_dir


def settings() -> QSettings:
    return QSettings(str(user_data_dir() / "ui.ini"), QSettings.Format.IniFormat)


def save_geometry(widget: QWidget, key: str) -> None:
    """Remember where ``widget`` (a window) is: its normal geometry, and whether it is maximised."""
    s = settings()
    normal = widget.normalGeometry() if widget.isMaximized() else widget.geometry()
    s.setValue(f"{key}/rect", [normal.x(), normal.y(), normal.width(), normal.height()])
    s.setValue(f"{key}/maximized", widget.isMaximized())
    s.sync()


def restore_geometry(widget: QWidget, key: str, available: QRect) -> bool:
    """Put ``widget`` back where it was if that fits ``available`` (True), else leave it alone (False).

    The check is ours rather than Qt's restoreGeometry(): the screen to fit is given (a test, a screenshot
    run or a second monitor), not guessed."""
    s = settings()
    try:
        x, y, width, height = (int(v) for v in s.value(f"{key}/rect") or ())
    except (TypeError, ValueError):
        return False
    rect = QRect(x, y, width, height)
    if width <= 0 or height <= 0 or width > available.width() or height > available.height() \
            or not available.intersects(rect):
        return False
    widget.setGeometry(rect)
    if str(s.value(f"{key}/maximized", False)).lower() == "true":
        widget.setWindowState(widget.windowState() | Qt.WindowState.WindowMaximized)
    return True


def save_splitters(root: QWidget, key: str) -> None:
    """Remember the state of every splitter under ``root`` (by its order, which the code fixes)."""
    s = settings()
    for i, splitter in enumerate(root.findChildren(QSplitter)):
        s.setValue(f"{key}/splitter{i}", splitter.saveState())
    s.sync()


def restore_splitters(root: QWidget, key: str) -> None:
    s = settings()
    for i, splitter in enumerate(root.findChildren(QSplitter)):
        value = s.value(f"{key}/splitter{i}")
        if isinstance(value, QByteArray) and not value.isEmpty():
            splitter.restoreState(value)

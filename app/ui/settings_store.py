"""Window sizes, positions and splitter states, remembered between runs.

They live in one ini file, ``ui.ini`` in the user data folder (`app.paths.user_data_dir`, so
``TANDEM_DATA_DIR`` moves it too: tests and portable installs keep their own). Nothing here is data a user
would miss: a missing or unreadable file only means windows open at their default size.

A remembered geometry is only used if it still fits the screen the window opens on (the laptop may be
undocked from a big monitor since): otherwise the window gets its default size for that screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSettings, Qt
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


def _splitter_path(root: QWidget, splitter: QSplitter) -> str:
    """A name for ``splitter`` that stays the same between runs: the object names (or class names) of the
    widgets from ``root`` down to it, numbered where siblings share one. Not its position in a list of all
    splitters: panes created later, or a workspace that shows fewer tabs, would shift every position after
    them and hand one splitter another's state (a vertical splitter turned horizontal)."""
    steps = []
    w: QObject = splitter
    while w is not None and w is not root:
        parent = w.parent()
        name = w.objectName() or type(w).__name__
        same = [c for c in parent.children() if (c.objectName() or type(c).__name__) == name] if parent else [w]
        steps.append(f"{name}{same.index(w)}" if len(same) > 1 else name)
        w = parent
    return ".".join(reversed(steps))


def _orientation(splitter: QSplitter) -> str:
    return "h" if splitter.orientation() == Qt.Orientation.Horizontal else "v"


def save_splitters(root: QWidget, key: str) -> None:
    """Remember the pane sizes of every splitter under ``root``, each under its own path."""
    s = settings()
    s.remove(key)  # also what an older Tandem kept here
    for splitter in root.findChildren(QSplitter):
        sizes = ",".join(str(n) for n in splitter.sizes())
        s.setValue(f"{key}/{_splitter_path(root, splitter)}", f"{_orientation(splitter)}:{sizes}")
    s.sync()


def restore_splitters(root: QWidget, key: str) -> None:
    """Give every splitter under ``root`` its remembered pane sizes, if it still has that orientation and that
    many panes (the code may have changed since): a splitter's orientation is never taken from the file."""
    s = settings()
    for splitter in root.findChildren(QSplitter):
        value = s.value(f"{key}/{_splitter_path(root, splitter)}")
        orientation, _, sizes = str(value or "").partition(":")
        try:
            sizes = [int(n) for n in sizes.split(",")]
        except ValueError:
            continue
        if orientation == _orientation(splitter) and len(sizes) == splitter.count() and all(n >= 0 for n in sizes):
            splitter.setSizes(sizes)

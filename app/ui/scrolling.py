"""Keep wide content from pushing the window past the screen's edge, and panes from vanishing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QWidget

#: The narrowest a pane of a side-by-side splitter may get (a directory still shows names at this width).
MIN_PANE_WIDTH = 220


def scrollable(widget: QWidget) -> QScrollArea:
    """Host ``widget`` in a frameless scroll area: on a small screen it scrolls instead of widening the window."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def no_collapsing_splitters(root: QWidget) -> None:
    """No pane of a splitter under ``root`` can be dragged to nothing: a dragged-away directory is a pane the
    user cannot find again. Side-by-side panes keep at least `MIN_PANE_WIDTH` (unless they ask for less
    explicitly with a minimum width of their own)."""
    for splitter in root.findChildren(QSplitter):
        splitter.setChildrenCollapsible(False)
        if splitter.orientation() != Qt.Orientation.Horizontal:
            continue
        for i in range(splitter.count()):
            pane = splitter.widget(i)
            if pane.minimumWidth() == 0:
                pane.setMinimumWidth(MIN_PANE_WIDTH)

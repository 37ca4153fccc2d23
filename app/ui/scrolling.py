"""Keep wide content from pushing the window past the screen's edge, and panes from vanishing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QSplitter, QWidget

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


class Columns(QWidget):
    """Two panes side by side when the view showing them has room for both at their minimum widths, one above
    the other when it has not: on a laptop the page grows downwards instead of scrolling sideways, and on a
    wide screen both stay in sight. ``follow(view)`` names the widget whose width decides (the viewport of the
    scroll area that hosts the columns: the columns themselves never get narrower than their minimum)."""

    def __init__(self, first: QWidget, second: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panes = (first, second)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(first, 1)
        self.box.addWidget(second, 1)
        self._view: QWidget | None = None

    @property
    def side_by_side(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.LeftToRight

    def follow(self, view: QWidget) -> None:
        self._view = view
        view.installEventFilter(self)
        self.refit()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self._view and event.type() == QEvent.Type.Resize:
            self.refit()
        return False

    def side_by_side_width(self) -> int:
        """The narrowest view that shows both panes side by side."""
        m = self.box.contentsMargins()
        panes = sum(max(p.minimumSizeHint().width(), p.minimumWidth()) for p in self.panes)
        return panes + self.box.spacing() + m.left() + m.right()

    def refit(self) -> None:
        """Choose side by side or one above the other for the view's width now (also after the panes'
        content changed)."""
        width = (self._view or self).width()
        wanted = (QBoxLayout.Direction.LeftToRight if width >= self.side_by_side_width()
                  else QBoxLayout.Direction.TopToBottom)
        if self.box.direction() != wanted:
            self.box.setDirection(wanted)

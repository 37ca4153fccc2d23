"""Keep wide content from pushing the window past the screen's edge."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QWidget


def scrollable(widget: QWidget) -> QScrollArea:
    """Host ``widget`` in a frameless scroll area: on a small screen it scrolls instead of widening the window."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area

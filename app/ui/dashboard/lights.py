"""Status colours and the small round 'traffic light' icons the dashboard and scorecard tables show."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from app.services.scorecards import Status

COLOURS = {Status.GREEN: QColor("#2e7d32"), Status.AMBER: QColor("#ef9f00"), Status.RED: QColor("#c62828"),
           None: QColor("#cbd2d9")}


@cache
def light(status: Status | None, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(COLOURS[status])
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)

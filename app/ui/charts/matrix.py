"""The value–risk matrix: every partner placed by value and risk score, coloured by quadrant, sized by spend.

Scores are whole numbers 1–5, so points are spread a little (deterministically, by partner id) to keep them
apart. Clicking a point emits ``partner_clicked(partner_id)``; hovering shows the partner's name.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.models.enums import Quadrant, label
from app.services.scorecards import PartnerSummary
from app.ui.charts.trend import export_png

QUADRANT_COLOURS = {
    Quadrant.STRATEGIC: QColor("#2e7d32"),
    Quadrant.OPPORTUNISTIC: QColor("#1565c0"),
    Quadrant.OPERATIONAL: QColor("#7b8794"),
    Quadrant.AVOID: QColor("#c62828"),
}
SPLIT = 2.5  # value or risk of 3 and above is high (app.services.partners.HIGH)


def _jitter(partner_id: str) -> tuple[float, float]:
    h = zlib.crc32(partner_id.encode())
    return ((h & 0xFFFF) / 0xFFFF - 0.5) * 0.62, (((h >> 16) & 0xFFFF) / 0xFFFF - 0.5) * 0.62


class ValueRiskMatrixWidget(QWidget):
    partner_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumSize(320, 280)
        p = self.plot.getPlotItem()
        p.hideButtons()
        p.setLabel("bottom", "Value score")
        p.setLabel("left", "Risk score")
        self._set_title(0)
        for axis in ("left", "bottom"):
            p.getAxis(axis).setTicks([[(v, str(v)) for v in range(1, 6)]])
            p.getAxis(axis).setTextPen(QColor("#52606d"))
        p.setXRange(0.5, 5.5, padding=0)
        p.setYRange(0.5, 5.5, padding=0)
        p.getViewBox().setLimits(xMin=0, xMax=6, yMin=0, yMax=6)
        # Quadrant backgrounds and names (value on x, risk on y).
        for (x0, x1, y0, y1), q in (((SPLIT, 5.5, 0.5, SPLIT), Quadrant.STRATEGIC),
                                    ((SPLIT, 5.5, SPLIT, 5.5), Quadrant.OPPORTUNISTIC),
                                    ((0.5, SPLIT, 0.5, SPLIT), Quadrant.OPERATIONAL),
                                    ((0.5, SPLIT, SPLIT, 5.5), Quadrant.AVOID)):
            colour = QColor(QUADRANT_COLOURS[q])
            colour.setAlpha(22)
            rect = pg.QtWidgets.QGraphicsRectItem(x0, y0, x1 - x0, y1 - y0)
            rect.setBrush(colour)
            rect.setPen(pg.mkPen(None))
            rect.setZValue(-10)
            p.addItem(rect)
            text = pg.TextItem(label(q.value), color=QUADRANT_COLOURS[q], anchor=(0, 0))
            text.setPos(x0 + 0.05, y1 - 0.02)
            p.addItem(text)
        for pos, angle in ((SPLIT, 90), (SPLIT, 0)):
            p.addItem(pg.InfiniteLine(pos=pos, angle=angle, pen=pg.mkPen(QColor("#9aa5b1"), width=1)))
        self.scatter = pg.ScatterPlotItem(hoverable=True, hoverPen=pg.mkPen("k", width=2), tip=self._tip)
        self.scatter.sigClicked.connect(self._clicked)
        p.addItem(self.scatter)
        self.partners: list[PartnerSummary] = []
        self.unscored = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def _set_title(self, unscored: int) -> None:
        extra = f" · <span style='color:#616e7c'>{unscored:,} not scored, not shown</span>" if unscored else ""
        self.plot.getPlotItem().setTitle(f"<span style='color:#1f2933;font-size:10pt'>Value–risk matrix</span>"
                                         f"<span style='font-size:9pt'>{extra}</span>")

    def set_partners(self, partners: Sequence[PartnerSummary]) -> None:
        """Place the scored partners; the title says how many are not scored (they have no place)."""
        self.partners = [p for p in partners if p.quadrant is not None]
        self.unscored = len(partners) - len(self.partners)
        self._set_title(self.unscored)
        if not self.partners:
            self.scatter.setData([])
            return
        spend = np.array([max(p.annual_spend, 0) for p in self.partners], dtype=float)
        top = spend.max() or 1.0
        sizes = 6 + 26 * np.sqrt(spend / top)  # area grows with spend
        spots = []
        for p, size in zip(self.partners, sizes):
            jx, jy = _jitter(p.partner_id)
            colour = QColor(QUADRANT_COLOURS[p.quadrant])
            colour.setAlpha(170)
            spots.append(dict(pos=(p.value_score + jx, p.risk_score + jy), size=float(size), data=p.partner_id,
                              brush=colour, pen=pg.mkPen("w", width=0.8)))
        self.scatter.setData(spots)

    def _tip(self, x: float, y: float, data: str) -> str:
        p = next((p for p in self.partners if p.partner_id == data), None)
        if p is None:
            return ""
        return (f"{p.name}\n{label(p.quadrant.value)}: value {p.value_score}, risk {p.risk_score}\n"
                f"Spend {p.annual_spend:,}".replace(",", " "))

    def _clicked(self, _item, points, _event=None) -> None:
        if len(points):
            self.partner_clicked.emit(points[0].data())

    def point_at(self, partner_id: str) -> QPointF:
        """Where a partner's point is drawn (in data coordinates)."""
        for spot in self.scatter.points():
            if spot.data() == partner_id:
                return spot.pos()
        raise KeyError(partner_id)

    def export_png(self, path: str, width: int = 900) -> None:
        export_png(self.plot, path, width)

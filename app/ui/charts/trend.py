"""One KPI's trend for one partner: status bands, target line, the measurements and the fitted trend.

Hovering shows the period and value of the nearest measurement; the mouse wheel zooms and dragging pans
(pyqtgraph's view box, limited to the data). Gaps in the series show as gaps. `export_png` saves it.
"""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from app.models.enums import Direction, PeriodKind
from app.services.kpis import fmt
from app.services.measurements import period_title
from app.services.scorecards import TrendSeries

GREEN_BAND = QColor(46, 125, 50, 38)
AMBER_BAND = QColor(239, 159, 0, 45)
RED_BAND = QColor(198, 40, 40, 38)
LINE = QColor("#1f4e79")
TARGET = QColor("#2e7d32")
TREND = QColor("#6a1b9a")
GAP_DAYS = {PeriodKind.WEEK: 10, PeriodKind.MONTH: 40, PeriodKind.QUARTER: 100}
SYMBOLS_UP_TO = 80  # above this many points the markers would only blur the line


def _ts(day: date) -> float:
    return datetime.combine(day, time(12)).timestamp()


class TrendChartWidget(QWidget):
    """A trend chart; call `set_series` with a `TrendSeries` (or None to clear it)."""

    def __init__(self, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.series: TrendSeries | None = None
        self.plot = pg.PlotWidget(background="w", axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMenuEnabled(True)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.getPlotItem().hideButtons()
        self.plot.setMinimumHeight(170 if compact else 260)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(QColor("#52606d"))
            self.plot.getAxis(axis).setPen(QColor("#cbd2d9"))
        self.hover = pg.TextItem("", color=QColor("#1f2933"), fill=QColor(255, 255, 255, 225),
                                 border=QColor("#9aa5b1"), anchor=(0, 1))
        self.hover.setZValue(100)
        self.marker = pg.ScatterPlotItem(size=11, pen=pg.mkPen(LINE, width=2), brush=QColor(255, 255, 255, 0))
        self.marker.setZValue(99)
        self.empty = pg.TextItem("No measurements yet", color=QColor("#7b8794"), anchor=(0.5, 0.5))
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.set_series(None)

    def set_series(self, series: TrendSeries | None) -> None:
        self.series = series
        p = self.plot.getPlotItem()
        p.clear()
        p.setTitle(None)
        # Limits of the previous series would clamp the new ranges.
        p.getViewBox().setLimits(xMin=None, xMax=None, yMin=None, yMax=None, minXRange=None)
        self.hover.setVisible(False)
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        if series is None:
            return
        unit = f" ({series.unit})" if series.unit else ""
        title = f"{series.name}{unit}" + ("  · partner override" if series.overridden else "")
        p.setTitle(f"<span style='color:#1f2933;font-size:10pt'>{title}</span>")
        target = pg.InfiniteLine(pos=series.target, angle=0,
                                 pen=pg.mkPen(TARGET, width=1.5, style=Qt.PenStyle.DashLine),
                                 label=f"target {fmt(series.target)}",
                                 labelOpts={"position": 0.02, "color": TARGET, "anchors": [(0, 1), (0, 1)]})
        p.addItem(target)
        if not series.values:
            p.addItem(self.empty)
            lo = min(series.amber_threshold, series.red_threshold, series.target)
            hi = max(series.amber_threshold, series.red_threshold, series.target)
            pad = (hi - lo) * 0.3 or 1
            today = _ts(date.today())
            self._add_bands(series, today - 200 * 86400, today + 20 * 86400, lo - pad, hi + pad)
            p.setXRange(today - 180 * 86400, today, padding=0)
            p.setYRange(lo - pad, hi + pad, padding=0)
            self.empty.setPos(today - 90 * 86400, (lo + hi) / 2)
            return
        xs = np.array([_ts(d) for d in series.periods])
        ys = np.array(series.values, dtype=float)
        self._x, self._y = xs, ys
        # NaN between periods that are far apart, so the line breaks at a gap.
        gaps = np.flatnonzero(np.diff(xs) > GAP_DAYS[series.period_kind] * 86400)
        line_x = np.insert(xs, gaps + 1, np.nan)
        line_y = np.insert(ys, gaps + 1, np.nan)
        few = len(xs) <= SYMBOLS_UP_TO
        p.plot(line_x, line_y, pen=pg.mkPen(LINE, width=2 if few else 1.3), connect="finite")
        if few or len(gaps):
            p.plot(xs, ys, pen=None, symbol="o", symbolSize=6 if few else 3, symbolBrush=LINE,
                   symbolPen=pg.mkPen("w", width=0.8))
        if series.trend_start and series.trend_end:
            p.plot([_ts(series.trend_start[0]), _ts(series.trend_end[0])],
                   [series.trend_start[1], series.trend_end[1]],
                   pen=pg.mkPen(TREND, width=2.2, style=Qt.PenStyle.DotLine))
        p.addItem(self.marker)
        self.marker.setData([], [])
        p.addItem(self.hover)
        self.hover.setText("")
        # Ranges: all data, thresholds and target in view; one point gets a period either side.
        span = xs[-1] - xs[0]
        pad_x = max(span * 0.03, GAP_DAYS[series.period_kind] * 86400 * (4 if len(xs) == 1 else 1))
        x0, x1 = xs[0] - pad_x, xs[-1] + pad_x
        lo = float(min(ys.min(), series.amber_threshold, series.red_threshold, series.target))
        hi = float(max(ys.max(), series.amber_threshold, series.red_threshold, series.target))
        pad_y = (hi - lo) * 0.14 or max(abs(hi) * 0.05, 1.0)  # room for the target label
        limits = dict(xMin=x0 - span - pad_x, xMax=x1 + span + pad_x, yMin=lo - (hi - lo) * 3 - pad_y,
                      yMax=hi + (hi - lo) * 3 + pad_y)
        self._add_bands(series, limits["xMin"], limits["xMax"], limits["yMin"], limits["yMax"])
        p.getViewBox().setLimits(minXRange=pad_x * 2, **limits)
        p.setXRange(x0, x1, padding=0)
        p.setYRange(lo - pad_y, hi + pad_y, padding=0)

    def _add_bands(self, s: TrendSeries, x0: float, x1: float, y0: float, y1: float) -> None:
        """Green, amber and red bands over the whole area the view may show."""
        higher = s.direction is Direction.HIGHER_IS_BETTER
        a, r = s.amber_threshold, s.red_threshold
        spans = ((a, y1, GREEN_BAND), (r, a, AMBER_BAND), (y0, r, RED_BAND)) if higher else \
            ((y0, a, GREEN_BAND), (a, r, AMBER_BAND), (r, y1, RED_BAND))
        for lo, hi, colour in spans:
            if hi <= lo:
                continue
            rect = QGraphicsRectItem(x0, lo, x1 - x0, hi - lo)
            rect.setBrush(colour)
            rect.setPen(pg.mkPen(None))
            rect.setZValue(-10)
            self.plot.getPlotItem().addItem(rect)

    def _moved(self, event) -> None:
        if not len(self._x) or self.series is None:
            return
        pos = event[0]
        vb = self.plot.getPlotItem().getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        i = int(np.argmin(np.abs(self._x - point.x())))
        self.show_point(i)

    def show_point(self, i: int) -> str:
        """Show the hover label at measurement ``i``; returns its text (what the user reads)."""
        s = self.series
        unit = f" {s.unit}" if s.unit and s.unit != "count" else ""
        text = f"{period_title(s.period_kind, s.periods[i])}: {fmt(s.values[i])}{unit}"
        self.hover.setText(text)
        self.hover.setVisible(True)
        self.hover.setPos(self._x[i], self._y[i])
        self.marker.setData([self._x[i]], [self._y[i]])
        return text

    def export_png(self, path: str, width: int = 1000) -> None:
        """Save the chart as a PNG ``width`` pixels wide (the height keeps the chart's proportions)."""
        export_png(self.plot, path, width)


def export_png(plot: pg.PlotWidget, path: str, width: int = 1000) -> None:
    """Save a pyqtgraph plot as a PNG ``width`` pixels wide."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(plot.getPlotItem())
    exporter.parameters()["width"] = width
    exporter.export(path)

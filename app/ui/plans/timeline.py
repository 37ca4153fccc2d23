"""The plan's timeline chart (pyqtgraph): phases as bands, milestones as markers coloured by status, today as a
line. The x axis counts days from the plan's start and is labelled with dates; each phase has its own lane.

Each marker carries the milestone's number (`milestone_numbers`), which the phase tables print before the
title: a title would cover its neighbours on a laptop-wide chart, a number does not, and the tooltip gives the
whole milestone."""

from __future__ import annotations

from datetime import timedelta

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.models.enums import ItemStatus
from app.services.plans import PHASES, PlanData
from app.ui.formatting import format_date, format_day_month
from app.ui.onboarding.common import AT_RISK_FG, OVERDUE_FG, STATUS_COLOURS, status_text

BANDS = {30: QColor(47, 111, 159, 40), 60: QColor(46, 125, 50, 36), 90: QColor(239, 108, 0, 34)}
LANE = {30: 3, 60: 2, 90: 1}  # day 30 on top, so the plan reads from the top left down to the right
#: Days of room on either side of day 0 and day 90, so the first and the last date label fit beside the axis.
MARGIN_DAYS = 5


def milestone_numbers(plan: PlanData) -> dict[str, int]:
    """Milestone id → its number on the chart and in the tables (1, 2, … in the plan's order)."""
    return {m.id: n for n, m in enumerate(plan.milestones, 1)}


class PlanTimelineWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getPlotItem().hideAxis("left")
        self.plot.setMinimumHeight(150)
        self.plot.setMaximumHeight(190)
        axis = self.plot.getAxis("bottom")
        axis.setPen(pg.mkPen("#9aa5b1"))
        axis.setTextPen(pg.mkPen("#52606d"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.points: list[dict] = []  # what is drawn, for tests and tooltips

    def show_plan(self, plan: PlanData | None) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        self.points = []
        if plan is None:
            return
        start = plan.start_date
        for ph in plan.phases:
            x0 = 0 if ph.phase == PHASES[0] else (ph.start - start).days - 0.5
            x1 = (ph.end - start).days + 0.5
            band = pg.LinearRegionItem(values=(x0, x1), movable=False, brush=pg.mkBrush(BANDS[ph.phase]),
                                       pen=pg.mkPen(None))
            band.setZValue(-10)
            item.addItem(band)
            text = pg.TextItem(f"Day {ph.phase}", color="#52606d", anchor=(0.5, 0))
            font = QFont()
            font.setBold(True)
            text.setFont(font)
            text.setPos((x0 + x1) / 2, 3.9)
            item.addItem(text)
        spots = []
        same_place: dict[tuple[int, int], int] = {}
        numbers = milestone_numbers(plan)
        small = QFont()
        small.setPointSizeF(8)
        small.setBold(True)
        for m in plan.milestones:
            if m.due_date is None:
                continue
            x = (m.due_date - start).days
            # Milestones on one day of one phase fan out vertically instead of hiding each other.
            n = same_place.get((x, m.phase), 0)
            same_place[(x, m.phase)] = n + 1
            lane = LANE[m.phase] + ((n + 1) // 2) * 0.28 * (1 if n % 2 else -1)
            pen = pg.mkPen(OVERDUE_FG, width=2.5) if m.overdue else (
                pg.mkPen(AT_RISK_FG, width=2.5) if m.at_risk else pg.mkPen("w", width=1))
            state = "overdue" if m.overdue else "at risk" if m.at_risk else status_text(m.status).lower()
            tip = f"{numbers[m.id]}. {m.title}\n{m.owner or 'no owner'} · due {format_date(m.due_date)} · {state}"
            spots.append(dict(pos=(x, lane), brush=pg.mkBrush(STATUS_COLOURS[m.status]), pen=pen,
                              size=13, symbol="o" if m.status is not ItemStatus.DONE else "s", data=tip))
            # The number sits right of the marker, or left of it near the end, where the chart ends.
            label = pg.TextItem(str(numbers[m.id]), color="#243b53", anchor=(-0.35, 0.5) if x < 80 else (1.35, 0.5))
            label.setFont(small)
            label.setPos(x, lane)
            item.addItem(label)
            self.points.append(dict(milestone_id=m.id, number=numbers[m.id], x=x, lane=lane, overdue=m.overdue,
                                    at_risk=m.at_risk, status=m.status))
        if spots:
            scatter = pg.ScatterPlotItem(hoverable=True, tip=lambda x, y, data: data,
                                         hoverSize=16)
            scatter.addPoints(spots)
            item.addItem(scatter)
        else:
            empty = pg.TextItem("No milestones yet", color="#9aa5b1", anchor=(0.5, 0.5))
            empty.setPos(45, 2)
            item.addItem(empty)
        today = (plan.today - start).days
        if -10 <= today <= 100:
            line = pg.InfiniteLine(pos=today, angle=90, pen=pg.mkPen("#c62828", width=1.5, style=Qt.PenStyle.DashLine),
                                   label="today", labelOpts=dict(position=0.08, color="#c62828"))
            item.addItem(line)
        ticks = [(d, format_day_month(start + timedelta(days=d))) for d in (0, 15, 30, 45, 60, 75, 90)]
        self.plot.getAxis("bottom").setTicks([ticks])
        item.setXRange(-MARGIN_DAYS, 90 + MARGIN_DAYS, padding=0)
        item.setYRange(0.3, 4.5, padding=0)

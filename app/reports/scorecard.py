"""Print a partner's KPI scorecard: composite, alerts, the KPI table with statuses, and a trend chart per KPI.
A latest value with an open dispute is marked in the table, and every open dispute is listed with the value the
partner proposes and why.

`write_scorecard_pdf(path, card, trends)` is what the UI calls;
the command line is app/cli/report/scorecard.py.
Charts are reportlab vector drawings (LinePlot over coloured status bands), not screenshots.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Table, TableStyle

from app.models.enums import Direction, PeriodKind, label
from app.reports.fonts import BASE, graphic_strings
from app.reports.layout import (
    MUTED,
    PAGE_SIZES,
    STYLES,
    Paragraph,
    Spacer,
    build_pdf,
    esc,
    frame_width,
    mm,
    para,
    table,
)
from app.services.kpis import fmt
from app.services.scorecards import PartnerScorecard, Status, TrendSeries

TITLE = "KPI scorecard"
GREEN = colors.HexColor("#2e7d32")
AMBER = colors.HexColor("#ef9f00")
RED = colors.HexColor("#c62828")
STATUS_INK = {Status.GREEN: GREEN, Status.AMBER: AMBER, Status.RED: RED}
BAND_FILL = {Status.GREEN: colors.HexColor("#e6f2e6"), Status.AMBER: colors.HexColor("#fdf1d8"),
             Status.RED: colors.HexColor("#f8e1e1")}
LINE = colors.HexColor("#1f4e79")
TARGET = colors.HexColor("#2e7d32")
TREND = colors.HexColor("#6a1b9a")
_GAP_DAYS = {PeriodKind.WEEK: 10, PeriodKind.MONTH: 40, PeriodKind.QUARTER: 100}


def status_dot(status: Status | None, size: float = 7) -> Drawing:
    d = Drawing(size + 2, size + 2)
    colour = STATUS_INK.get(status, colors.HexColor("#9aa5b1"))
    d.add(Circle(1 + size / 2, 1 + size / 2, size / 2, fillColor=colour, strokeColor=colors.white, strokeWidth=0.5))
    return d


def _segments(t: TrendSeries) -> list[list[tuple[float, float]]]:
    """The series as polylines, broken where periods are missing so a gap shows as a gap."""
    out: list[list[tuple[float, float]]] = []
    previous = None
    for d, v in zip(t.periods, t.values):
        if previous is None or (d - previous).days > _GAP_DAYS[t.period_kind]:
            out.append([])
        out[-1].append((float(d.toordinal()), v))
        previous = d
    return out


def trend_drawing(t: TrendSeries, width: float, height: float = 48 * mm) -> Drawing:
    """One KPI's trend chart: red, amber and green bands, the target line, the values, the fitted trend."""
    d = Drawing(width, height)
    for piece in graphic_strings(0, height - 9, f"{t.name} ({t.code})" + ("  · partner override" if t.overridden
                                                                          else ""),
                                 8, bold=True, max_width=width, fillColor=colors.HexColor("#1f2933")):
        d.add(piece)
    plot_x, plot_y = 30, 16
    plot_w, plot_h = width - plot_x - 6, height - plot_y - 24
    if not t.values:
        d.add(Rect(plot_x, plot_y, plot_w, plot_h, fillColor=colors.HexColor("#f5f7fa"), strokeColor=None))
        d.add(String(plot_x + plot_w / 2, plot_y + plot_h / 2, "No measurements yet", fontName=BASE,
                     fontSize=8, fillColor=MUTED, textAnchor="middle"))
        return d
    ys = list(t.values) + [t.target, t.amber_threshold, t.red_threshold]
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 1.0)
    lo, hi = lo - pad, hi + pad
    x0, x1 = float(t.periods[0].toordinal()), float(t.periods[-1].toordinal())
    if x1 - x0 < 1:  # one point: give it some room either side
        x0, x1 = x0 - 15, x1 + 15

    def y_of(v: float) -> float:
        return plot_y + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_h

    # Bands, best at the top for "higher is better" and at the bottom for "lower is better".
    higher = t.direction is Direction.HIGHER_IS_BETTER
    edges = [(t.amber_threshold, hi if higher else lo, Status.GREEN),
             (t.red_threshold, t.amber_threshold, Status.AMBER),
             (lo if higher else hi, t.red_threshold, Status.RED)]
    for a, b, st in edges:
        ya, yb = sorted((y_of(a), y_of(b)))
        d.add(Rect(plot_x, ya, plot_w, yb - ya, fillColor=BAND_FILL[st], strokeColor=None))

    lines = _segments(t)
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = plot_x, plot_y, plot_w, plot_h
    target_line = [(x0, t.target), (x1, t.target)]
    data = [target_line] + lines
    trend = None
    if t.trend_start and t.trend_end:
        trend = [(float(t.trend_start[0].toordinal()), t.trend_start[1]),
                 (float(t.trend_end[0].toordinal()), t.trend_end[1])]
        data.append(trend)
    lp.data = data
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = x0, x1
    lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = lo, hi
    span_days = x1 - x0
    lp.xValueAxis.valueSteps = _x_steps(x0, x1)
    lp.xValueAxis.labelTextFormat = lambda v: _date_label(date.fromordinal(int(v)), span_days)
    lp.xValueAxis.labels.fontSize = 6
    lp.xValueAxis.labels.fillColor = MUTED
    lp.xValueAxis.strokeColor = colors.HexColor("#cbd2d9")
    lp.yValueAxis.labels.fontSize = 6
    lp.yValueAxis.labels.fillColor = MUTED
    lp.yValueAxis.labelTextFormat = lambda v: fmt(v)
    lp.yValueAxis.strokeColor = colors.HexColor("#cbd2d9")
    lp.yValueAxis.maximumTicks = 5
    lp.lines[0].strokeColor = TARGET
    lp.lines[0].strokeWidth = 0.8
    lp.lines[0].strokeDashArray = [3, 2]
    many = len(t.values) > 60
    for i in range(1, len(lines) + 1):
        lp.lines[i].strokeColor = LINE
        lp.lines[i].strokeWidth = 0.8 if many else 1.2
        if not many:
            lp.lines[i].symbol = makeMarker("FilledCircle", size=2.6, fillColor=LINE, strokeColor=LINE)
    if trend:
        lp.lines[len(lines) + 1].strokeColor = TREND
        lp.lines[len(lines) + 1].strokeWidth = 1.1
        lp.lines[len(lines) + 1].strokeDashArray = [1.5, 1.5]
    d.add(lp)
    # A small legend under the title.
    for i, (name, colour, dash) in enumerate((("target", TARGET, [3, 2]), ("values", LINE, None),
                                              ("trend over the last periods", TREND, [1.5, 1.5]))):
        x = plot_x + i * 50
        d.add(Line(x, height - 16, x + 12, height - 16, strokeColor=colour, strokeWidth=1, strokeDashArray=dash))
        d.add(String(x + 15, height - 18, name, fontName=BASE, fontSize=6.5, fillColor=MUTED))
    return d


def _x_steps(x0: float, x1: float) -> list[float]:
    """A few evenly spread date ticks on month starts (or years for long series)."""
    a, b = date.fromordinal(int(x0)), date.fromordinal(int(x1))
    months = (b.year - a.year) * 12 + b.month - a.month
    step = max(1, round(months / 5)) if months > 0 else 1
    if months > 36:
        step = 12 * max(1, round(months / 12 / 5))
    ticks, y, m = [], a.year, a.month
    while True:
        m0 = date(y, m, 1)
        if m0 > b:
            break
        if m0 >= a:
            ticks.append(float(m0.toordinal()))
        m += step
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return ticks or [x0]


def _date_label(day: date, span_days: float) -> str:
    return str(day.year) if span_days > 3 * 365 else day.strftime("%b %y")


def _row_cells(r) -> list:
    unit = f" {r.unit}" if r.unit and r.unit != "count" else ""
    latest = "–" if r.latest_value is None else f"{fmt(r.latest_value)}{unit}"
    when = r.latest_title
    change = r.change
    change_text = "–" if change is None else f"{'+' if change > 0 else ''}{fmt(change)}"
    if r.change_is_better is not None:
        change_text += " (better)" if r.change_is_better else " (worse)"
    vel = "–" if r.velocity is None else f"{r.velocity:+.2f} {label(r.trend.value).lower()}"
    bands = f"{fmt(r.target)} / {fmt(r.amber_threshold)} / {fmt(r.red_threshold)}"
    if r.overridden:
        bands += " (override)"
    status = Table([[status_dot(r.status), para(label(r.status.value) if r.status else "No data", "cell")]],
                   colWidths=[10, 38], style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    disputed = r.latest_disputed
    return [para(f"{r.name} ({r.code})", "cell"), para(label(r.category.value), "cell"),
            _latest_para(latest, when, None if disputed is None else disputed.value_text(disputed.proposed_value)),
            status, para(change_text, "cell"), para(vel, "cell"),
            para(bands, "cell"), para("–" if r.score is None else f"{r.score:.0f}", "right")]


def _latest_para(latest: str, when: str, proposed: str | None = None) -> Paragraph:
    text = f"{esc(latest)}<br/><font size='7' color='#616e7c'>{esc(when)}</font>"
    if proposed is not None:
        text += f"<br/><font size='7' color='#a15c00'>disputed: {esc(proposed)} proposed</font>"
    return Paragraph(text, STYLES["cell"])


def write_scorecard_pdf(path: str | Path, card: PartnerScorecard, trends: list[TrendSeries], *,
                        page_size: str = "a4", printed_on: date | None = None) -> Path:
    """Write the scorecard of ``card`` with one chart per series in ``trends`` to ``path``."""
    size = PAGE_SIZES.get(page_size, PAGE_SIZES["a4"])
    width = frame_width(size)
    story: list = [para(card.partner_name, "title"), Spacer(1, 2 * mm)]
    counts = card.counts()
    if card.composite is None:
        story.append(para("No measurements yet: the scorecard fills in as values are recorded.", "body"))
    else:
        story.append(para(
            f"Composite score {card.composite:.0f} / 100 (KPI scores weighted by KPI weight). "
            f"{counts[Status.GREEN]} green, {counts[Status.AMBER]} amber, {counts[Status.RED]} red.", "body"))
    story.append(para("Status: green at or better than the amber threshold, amber down to the red threshold, red "
                      "beyond it. Velocity: amber bands per period over the last six periods, positive = "
                      "improving.", "small"))
    if card.alerts:
        story.append(para("Needs attention", "h1"))
        for a in card.alerts:
            story.append(para(f"• {a.reason}", "body"))
    story.append(para("KPIs", "h1"))
    header = ["KPI", "Category", "Latest", "Status", "Change", "Velocity", "Target / amber / red", "Score"]
    rows = [header] + [_row_cells(r) for r in card.rows]
    story.append(table(rows, [0.2, 0.12, 0.12, 0.11, 0.12, 0.12, 0.13, 0.08], page_size=size))
    if card.disputes:
        story.append(para("Disputed values", "h1"))
        story.append(para("Measurements the partner has challenged; they count as recorded until the dispute is "
                          "accepted.", "small"))
        rows = [["KPI", "Period", "Recorded", "Proposed", "Reason", "Raised by"]] + [
            [para(f"{d.kpi_name} ({d.kpi_code})", "cell"), para(d.period_title, "cell"),
             para(d.value_text(d.recorded_value), "right"), para(d.value_text(d.proposed_value), "right"),
             para(d.reason, "cell"), para(d.raised_by, "cell")] for d in card.disputes]
        story.append(table(rows, [0.2, 0.11, 0.12, 0.12, 0.33, 0.12], page_size=size))
    drawn = [t for t in trends if t.values]
    if drawn:
        story.append(para("Trends", "h1"))
        half = (width - 6 * mm) / 2
        cells = [trend_drawing(t, half) for t in drawn]
        grid = [cells[i:i + 2] + ([""] if len(cells[i:i + 2]) == 1 else []) for i in range(0, len(cells), 2)]
        for pair in grid:
            t = Table([pair], colWidths=[half + 3 * mm, half + 3 * mm])
            t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
            story.append(KeepTogether(t))
    return build_pdf(path, TITLE, story, subtitle=card.partner_name, page_size=size, printed_on=printed_on)

"""Print a partner's 30-60-90 success plan: a timeline, then each phase with its goals and milestones.

`write_plan_pdf(path, plan)` is what the UI calls;
the command line is app/cli/report/plan.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.platypus import KeepTogether

from app.reports.fonts import BASE, BASE_BOLD
from app.reports.layout import (
    MUTED,
    RULE,
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
from app.reports.marks import AMBER, AT_RISK_BG, GREY, OVERDUE_BG, RED, STATUS_COLOURS, status_mark
from app.services.onboarding import status_label
from app.services.plans import MilestoneData, PlanData

TITLE = "30-60-90 success plan"
BANDS = {30: colors.HexColor("#e3eef7"), 60: colors.HexColor("#e8f3e8"), 90: colors.HexColor("#f6efe1")}


def timeline_drawing(plan: PlanData, width: float) -> Drawing:
    """Phases as bands, milestones as dots coloured by status (red ring: overdue), today as a line."""
    height = 24 * mm
    d = Drawing(width, height)
    start, end = plan.start_date, plan.end_date
    span = max(1, (end - start).days)
    left, right = 4 * mm, width - 4 * mm

    def x_of(day: date) -> float:
        return left + (right - left) * min(max((day - start).days, -3), span + 3) / span

    band_y, band_h = 7 * mm, 12 * mm
    for ph in plan.phases:
        x0 = x_of(ph.start) if ph.phase == 30 else x_of(ph.start) - (right - left) / span / 2
        x1 = x_of(ph.end)
        d.add(Rect(x0, band_y, x1 - x0, band_h, fillColor=BANDS[ph.phase], strokeColor=colors.white,
                   strokeWidth=1))
        d.add(String((x0 + x1) / 2, band_y + band_h - 3.2 * mm, f"Day {ph.phase}", fontName=BASE_BOLD,
                     fontSize=7, fillColor=MUTED, textAnchor="middle"))
    d.add(Line(left, band_y, right, band_y, strokeColor=RULE, strokeWidth=0.6))
    for day, anchor in ((start, "start"), (end, "end")):
        d.add(String(x_of(day), 2 * mm, day.isoformat(), fontName=BASE, fontSize=6.5, fillColor=MUTED,
                     textAnchor=anchor))
    # Milestones of one day stack upwards so none hides another.
    stacked: dict[date, int] = {}
    for m in sorted(plan.milestones, key=lambda m: (m.due_date or end, m.phase, m.position)):
        day = m.due_date or end
        level = stacked.get(day, 0)
        stacked[day] = level + 1
        x, y = x_of(day), band_y + 2.2 * mm + (level % 4) * 2.4 * mm
        colour = _colour(m)
        d.add(Circle(x, y, 1.1 * mm, fillColor=colour, strokeColor=RED if m.overdue else colors.white,
                     strokeWidth=1.2 if m.overdue else 0.5))
    if start <= plan.today <= end:
        x = x_of(plan.today)
        d.add(Line(x, band_y - 1.5 * mm, x, band_y + band_h + 1.5 * mm, strokeColor=RED, strokeWidth=1))
        d.add(String(x, band_y + band_h + 2.2 * mm, f"today {plan.today.isoformat()}", fontName=BASE,
                     fontSize=6.5, fillColor=RED, textAnchor="middle"))
    return d


def _colour(m: MilestoneData):
    if m.at_risk and m.status.value == "todo":
        return AMBER
    return STATUS_COLOURS[m.status] if m.status.value != "todo" else GREY


def _milestone_status(m: MilestoneData) -> Paragraph:
    text = f'<font color="{STATUS_COLOURS[m.status].hexval()}">{esc(status_label(m.status))}</font>'
    if m.overdue:
        text += f'<br/><font color="{RED.hexval()}"><b>overdue</b></font>'
    elif m.at_risk:
        text += f'<br/><font color="{AMBER.hexval()}"><b>at risk</b></font>'
    return Paragraph(text, STYLES["cell"])


def plan_story(plan: PlanData) -> list:
    width = frame_width()
    done, total = plan.done_count, len(plan.milestones)
    story = [
        para(plan.partner_name, "title"),
        para(f"{plan.title} · from {plan.start_date.isoformat()} to {plan.end_date.isoformat()} · status as of "
             f"{plan.today.isoformat()}", "small"),
        Spacer(1, 2 * mm),
        para(f"Milestones done: {done} of {total} · overdue: {len(plan.overdue)} · at risk: {len(plan.at_risk)}",
             "body"),
        Spacer(1, 2 * mm),
        timeline_drawing(plan, width),
    ]
    if plan.notes:
        story.append(para(plan.notes, "small"))
    for ph in plan.phases:
        block = [para(f"Day {ph.phase} · {ph.start.isoformat()} to {ph.end.isoformat()}", "h1"),
                 para("Goals: what success looks like", "h2")]
        if ph.goals:
            block.append(table([["Goal", "Measure"]] + [[g.description, g.measure or "–"] for g in ph.goals],
                               [0.5, 0.5]))
        else:
            block.append(para("No goals set for this phase.", "small"))
        block.append(para("Milestones", "h2"))
        if ph.milestones:
            rows: list[list] = [["", "Milestone", "Owner", "Due", "Status"]]
            style = []
            for n, m in enumerate(ph.milestones, 1):
                due = (m.due_date.isoformat() if m.due_date else "–") + (" (set by hand)" if m.due_date_manual
                                                                         else "")
                rows.append([status_mark(m.status), m.title, m.owner or "–", due, _milestone_status(m)])
                if m.overdue:
                    style.append(("BACKGROUND", (0, n), (-1, n), OVERDUE_BG))
                elif m.at_risk:
                    style.append(("BACKGROUND", (0, n), (-1, n), AT_RISK_BG))
            block.append(table(rows, [0.05, 0.45, 0.18, 0.17, 0.15], style=style))
        else:
            block.append(para("No milestones in this phase.", "small"))
        story.append(KeepTogether(block[:3]))
        story.extend(block[3:])
    story += [Spacer(1, 3 * mm), para(
        "Timeline: bands are the phases, dots the milestones (green done, blue in progress, red blocked, amber at "
        "risk, grey to do; a red ring is overdue), the red line is today. Milestones are due at their phase end "
        "unless set by hand.", "small")]
    return story


def write_plan_pdf(path: str | Path, plan: PlanData, *, printed_on: date | None = None) -> Path:
    """Write ``plan`` to ``path``; returns the path."""
    return build_pdf(path, TITLE, plan_story(plan), subtitle=plan.partner_name, printed_on=printed_on)

"""The partner's pre-read: one document sent to a partner before a review.

Its scorecard with a trend chart per KPI, open action items on both sides, experiments and their stage,
success-plan progress, the last session's decisions and what the next session will cover. It is written for
the partner ("your side", "our side") and holds nothing about any other partner: it takes one `BriefData`
(app/services/brief.py) and nothing else. `write_brief_pdf(path, data)` is what the UI and the command line
(app/cli/report/brief.py) call.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.platypus import KeepTogether, Table, TableStyle

from app.models.enums import Side, label
from app.reports.layout import PAGE_SIZES, Spacer, build_pdf, frame_width, mm, para, table
from app.reports.plan import timeline_drawing
from app.reports.scorecard import status_dot, trend_drawing
from app.reports.onboarding import write_onboarding_pdf
from app.reports.selection import write_blank
from app.services.brief import BriefData
from app.services.coaching import SessionData, local_time
from app.services.kpis import fmt
from app.services.scorecards import Status
from app.services.visit import VisitData, VisitDocument

TITLE = "Pre-read"
SIDE_HEADINGS = ((Side.PARTNER, "Your side"), (Side.OURS, "Our side"), (Side.JOINT, "Together"))


def _d(day: date | None) -> str:
    return day.isoformat() if day else "–"


def _when(dt) -> str:
    return local_time(dt).strftime("%Y-%m-%d %H:%M") if dt else "–"


def _intro(data: BriefData) -> list:
    p = data.partner
    story = [para(p.name, "title"), Spacer(1, 1 * mm)]
    if data.next_session:
        s = data.next_session
        where = f" · {s.location}" if s.location else ""
        story.append(para(f"Ahead of {s.title or s.type_name} on {_when(s.scheduled_at)}{where}", "h2"))
    story.append(para(f"Prepared {data.today.isoformat()}. Please bring your own data on each point: the review "
                      "starts with your view before ours.", "small"))
    return story


def _scorecard(data: BriefData, width: float) -> list:
    card = data.scorecard
    story = [para("Scorecard", "h1")]
    if not card.rows:
        return story + [para("No KPIs are measured yet.", "small")]
    counts = card.counts()
    if card.composite is not None:
        story.append(para(f"Composite score {card.composite:.0f} / 100 · {len(card.rows)} KPIs: "
                          f"{counts[Status.GREEN]} green, {counts[Status.AMBER]} amber, {counts[Status.RED]} red.",
                          "body"))
    rows: list[list] = [["KPI", "Latest", "Status", "Trend", "Target"]]
    for r in card.rows:
        unit = f" {r.unit}" if r.unit and r.unit != "count" else ""
        latest = "–" if r.latest_value is None else f"{fmt(r.latest_value)}{unit} ({r.latest_title})"
        status = Table([[status_dot(r.status), para(label(r.status.value) if r.status else "No data", "cell")]],
                       colWidths=[10, 50], style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                                ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        trend = "–" if r.trend is None else label(r.trend.value)
        rows.append([f"{r.name} ({r.code})", latest, status, trend, f"{fmt(r.target)}{unit}"])
    story.append(table(rows, [0.36, 0.22, 0.14, 0.13, 0.15]))
    if card.alerts:
        story.append(para("Worth discussing", "h2"))
        story += [para(f"• {a.reason}", "body") for a in card.alerts]
    drawn = [t for t in data.trends if t.values]
    if drawn:
        half = (width - 6 * mm) / 2
        cells = [trend_drawing(t, half) for t in drawn]
        story.append(para("Trends", "h2"))
        for i in range(0, len(cells), 2):
            pair = cells[i:i + 2] + ([""] if len(cells[i:i + 2]) == 1 else [])
            t = Table([pair], colWidths=[half + 3 * mm, half + 3 * mm])
            t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
            story.append(KeepTogether(t))
    return story


def _actions(data: BriefData) -> list:
    story = [para("Open action items", "h1")]
    if not data.actions:
        return story + [para("No open action items.", "small")]
    for side, heading in SIDE_HEADINGS:
        mine = [a for a in data.actions if a.owner_side is side]
        if not mine:
            continue
        rows = [["Action", "Owner", "Due", "Agreed in"]]
        rows += [[a.title, a.owner or "–", _d(a.due_date) + (" (overdue)" if a.overdue else ""),
                  a.session_title or "–"] for a in mine]
        story.append(KeepTogether([para(heading, "h2"), table(rows, [0.46, 0.18, 0.16, 0.2])]))
    return story


def _experiments(data: BriefData) -> list:
    story = [para("Improvement experiments", "h1")]
    if not data.experiments:
        return story + [para("No experiments yet.", "small")]
    rows = [["Experiment", "Stage", "Owner", "Check by", "Success criterion"]]
    for e in data.experiments:
        stage = label(e.stage.value) if e.is_open else f"Concluded: {label(e.outcome.value)}"
        rows.append([e.title, stage, e.owner or "–", _d(e.check_date), e.success_criterion or e.hypothesis or "–"])
    return story + [table(rows, [0.3, 0.15, 0.15, 0.12, 0.28])]


def _plan(data: BriefData, width: float) -> list:
    story = [para("Success plan", "h1")]
    plan = data.plan
    if plan is None:
        return story + [para("No success plan yet.", "small")]
    done, total = plan.done_count, len(plan.milestones)
    story += [para(f"{plan.title}: {done} of {total} milestones done · overdue {len(plan.overdue)} · "
                   f"at risk {len(plan.at_risk)} (from {plan.start_date.isoformat()} to "
                   f"{plan.end_date.isoformat()})", "body"), Spacer(1, 1 * mm), timeline_drawing(plan, width)]
    pending = [m for m in plan.milestones if m.status.value not in ("done", "not_applicable")]
    if pending:
        rows = [["Milestone", "Day", "Owner", "Due", "Status"]]
        rows += [[m.title, str(m.phase), m.owner or "–", _d(m.due_date),
                  "overdue" if m.overdue else "at risk" if m.at_risk else label(m.status.value)] for m in pending]
        story.append(KeepTogether([para("Still to do", "h2"), table(rows, [0.42, 0.08, 0.2, 0.14, 0.16])]))
    return story


def _last_session(data: BriefData) -> list:
    story = [para("Last session", "h1")]
    m = data.last_session
    if m is None:
        return story + [para("No session has been held yet.", "small")]
    s = m.session
    story.append(para(f"{s.title or s.type_name} · {_when(s.started_at or s.scheduled_at)}", "h2"))
    if s.summary:
        story.append(para(s.summary))
    if m.decisions:
        story.append(table([["Decision", "By"]] + [[e.text, e.author or "–"] for e in m.decisions], [0.8, 0.2]))
    else:
        story.append(para("No decisions were logged.", "small"))
    return story


def _next_session(data: BriefData) -> list:
    s = data.next_session
    if s is None or not s.agenda:
        return []
    rows = [["#", "Agenda item", "Planned"]] + [[str(i), a.title, f"{a.minutes} min"]
                                               for i, a in enumerate(s.agenda, 1)]
    story = [para("Next session's agenda", "h1")]
    if s.objective:
        story.append(para(f"Objective: {s.objective}"))
    return story + [table(rows, [0.06, 0.8, 0.14])]


def _heading_kept(part: list) -> list:
    """A section's heading never ends a page: it stays with what follows it."""
    return [KeepTogether(part[:2])] + part[2:] if len(part) > 1 else part


def brief_story(data: BriefData, page_size=PAGE_SIZES["a4"]) -> list:
    width = frame_width(page_size)
    parts = [_scorecard(data, width), _actions(data), _experiments(data), _plan(data, width),
             _last_session(data), _next_session(data)]
    return _intro(data) + [flowable for part in parts for flowable in _heading_kept(part)]


def write_brief_pdf(path: str | Path, data: BriefData, *, paper: str = "a4", printed_on: date | None = None) -> Path:
    """Write the pre-read of ``data``'s partner to ``path``; returns the path."""
    size = PAGE_SIZES.get(paper, PAGE_SIZES["a4"])
    return build_pdf(path, TITLE, brief_story(data, size), subtitle=data.partner.name, page_size=size,
                     printed_on=printed_on or data.today)


# -- the visit folder's documents ----------------------------------------------------------------------------

def write_session_agenda_pdf(path: str | Path, session: SessionData, *, paper: str = "a4",
                             printed_on: date | None = None) -> Path:
    """One page for the table: when and where, objective, attendees, the agenda with minutes."""
    size = PAGE_SIZES.get(paper, PAGE_SIZES["a4"])
    facts = [["When", _when(session.scheduled_at)], ["Where", session.location or "–"],
             ["Type", session.type_name],
             ["Facilitator", session.facilitator or "–"],
             ["Attendees", ", ".join(a.name for a in session.attendees) or "–"],
             ["Objective", session.objective or "–"]]
    story = [para(session.title or session.type_name, "title"), para(session.partner_name, "h2"),
             table(facts, [0.18, 0.82], header=False)]
    rows = [["#", "Agenda item", "Planned"]] + [[str(i), a.title, f"{a.minutes} min"]
                                               for i, a in enumerate(session.agenda, 1)]
    rows.append(["", "Total", f"{sum(a.minutes for a in session.agenda)} min"])
    story += [para("Agenda", "h1"), table(rows, [0.06, 0.8, 0.14]), para("Notes", "h1")]
    return build_pdf(path, "Session agenda", story, subtitle=session.partner_name, page_size=size,
                     printed_on=printed_on)


def _visit_brief(path: Path, data: VisitData):
    return write_brief_pdf(path, data.brief, paper=data.paper, printed_on=data.today)


def _visit_agenda(path: Path, data: VisitData):
    if data.session is None:
        return False
    return write_session_agenda_pdf(path, data.session, paper=data.paper, printed_on=data.today)


def _visit_selection(path: Path, data: VisitData):
    if data.blank_form is None:
        return False
    return write_blank(path, [data.blank_form], data.paper)


def _visit_checklist(path: Path, data: VisitData):
    if data.checklist is None:
        return False
    return write_onboarding_pdf(path, [data.checklist], printed_on=data.today)


#: What `prepare_visit` writes into the folder, in order.
VISIT_DOCUMENTS: tuple[VisitDocument, ...] = (
    VisitDocument("1 Pre-read.pdf", _visit_brief),
    VisitDocument("2 Session agenda.pdf", _visit_agenda, "Session agenda: no session is planned; plan one in "
                                                         "the partner's Sessions tab."),
    VisitDocument("3 Selection field form.pdf", _visit_selection,
                  "Selection field form: no published selection criteria set."),
    VisitDocument("4 Onboarding checklist.pdf", _visit_checklist,
                  "Onboarding checklist: no onboarding checklist has been started."),
)


__all__ = ["VISIT_DOCUMENTS", "brief_story", "write_brief_pdf", "write_session_agenda_pdf"]

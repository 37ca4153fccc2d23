"""Print the minutes of a coaching session: attendees, agenda, timestamped log, decisions, actions, experiments.

`write_minutes_pdf(path, minutes, files)` is what the UI calls (``files``: the evidence files of the session
and its log entries, images as thumbnails);
the command line is app/cli/report/session.py. Times print in this computer's local time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportlab.platypus import KeepTogether

from app.models.enums import EntryKind, label
from app.reports.files import files_section
from app.reports.layout import ACCENT, MUTED, STYLES, Paragraph, Spacer, build_pdf, esc, mm, para, table
from app.services.attachments import ReportFile
from app.services.coaching import Entry, SessionMinutes, local_time

TITLE = "Session minutes"
KIND_COLOURS = {
    EntryKind.DECISION: "#2f6f9f", EntryKind.RISK: "#c62828", EntryKind.ACTION: "#ef6c00",
    EntryKind.EXPERIMENT: "#6a1b9a", EntryKind.NOTE: "#616e7c",
}


def _when(dt, fmt="%Y-%m-%d %H:%M") -> str:
    return local_time(dt).strftime(fmt) if dt else "—"


def _duration(minutes: SessionMinutes) -> str:
    d = minutes.session.duration
    if d is None:
        return "not run yet"
    total = int(d.total_seconds() // 60)
    return f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"


def _kind_cell(e: Entry) -> Paragraph:
    return Paragraph(f'<font color="{KIND_COLOURS[e.kind]}"><b>{esc(label(e.kind))}</b></font>', STYLES["cell"])


def _entry_cell(e: Entry) -> Paragraph:
    text = esc(e.text)
    if e.detail:
        text += f'<br/><font color="{MUTED.hexval()}" size="7.5">{esc(e.detail)}</font>'
    return Paragraph(text, STYLES["cell"])


def story_of(minutes: SessionMinutes, files: Sequence[ReportFile] = ()) -> list:
    """The reportlab flowables of the minutes; ``files``: those of the session and its log entries."""
    s = minutes.session
    story: list = [para(f"{s.title}", "title"), Spacer(1, 2 * mm),
                   para(f"{s.partner_name} · {s.type_name}", "h2")]
    facts = [
        ["Scheduled", _when(s.scheduled_at)],
        ["Held", f"{_when(s.started_at)} – {_when(s.ended_at, '%H:%M')} ({_duration(minutes)})"
         if s.started_at else "not held yet"],
        ["Location", s.location or "—"],
        ["Facilitator", f"{s.facilitator} ({label(s.facilitator_side).lower()} side)" if s.facilitator else "—"],
        ["Objective", s.objective or "—"],
        ["In short", minutes.counts_text],
    ]
    story.append(table(facts, [0.18, 0.82], header=False,
                       style=[("TEXTCOLOR", (0, 0), (0, -1), MUTED)]))
    if s.summary:
        story += [para("Summary", "h1"), para(s.summary)]

    story.append(para("Attendees", "h1"))
    if s.attendees:
        ours = [a.name for a in s.attendees if a.side.value == "ours"]
        theirs = [a.name for a in s.attendees if a.side.value != "ours"]
        story.append(table([["Partner's side", "Our side"], [", ".join(theirs) or "—", ", ".join(ours) or "—"]],
                           [0.5, 0.5]))
    else:
        story.append(para("No attendees were recorded.", "small"))

    story.append(para("Agenda", "h1"))
    story.append(table([["#", "Item", "Planned"]] + [[str(i), a.title, f"{a.minutes} min"]
                                                   for i, a in enumerate(s.agenda, 1)], [0.06, 0.8, 0.14]))

    story.append(para("Decisions", "h1"))
    if minutes.decisions:
        story.append(table([["Time", "Decision", "By"]] +
                           [[_when(e.logged_at, "%H:%M"), e.text, e.author] for e in minutes.decisions],
                           [0.1, 0.7, 0.2]))
    else:
        story.append(para("No decisions were logged.", "small"))

    story.append(para("Action items", "h1"))
    if minutes.actions:
        rows = [["Action", "Owner", "Side", "Due", "Status"]]
        for a in minutes.actions:
            status = f"done {a.done_on.isoformat()}" if a.done_on else ("overdue" if a.overdue else "open")
            rows.append([a.title, a.owner or "—", label(a.owner_side), a.due_date.isoformat() if a.due_date else "—",
                         status])
        story.append(table(rows, [0.46, 0.18, 0.1, 0.13, 0.13]))
    else:
        story.append(para("No action items were agreed.", "small"))

    if minutes.risks:
        story.append(para("Risks", "h1"))
        story.append(table([["Time", "Risk", "By"]] +
                           [[_when(e.logged_at, "%H:%M"), e.text, e.author] for e in minutes.risks],
                           [0.1, 0.7, 0.2]))

    story.append(para("Experiment updates", "h1"))
    if minutes.experiment_updates:
        story.append(table([["Experiment", "Step", "Note"]] +
                           [[u.experiment_title, u.what, u.note or "—"] for u in minutes.experiment_updates],
                           [0.32, 0.18, 0.5]))
    else:
        story.append(para("No experiment was updated.", "small"))

    story.append(para("Log", "h1"))
    if minutes.entries:
        rows = [["Time", "Kind", "Entry", "By"]] + [
            [_when(e.logged_at, "%H:%M:%S"), _kind_cell(e), _entry_cell(e), e.author + (" (edited)" if e.edited else "")]
            for e in minutes.entries]
        story.append(table(rows, [0.1, 0.12, 0.58, 0.2]))
    else:
        story.append(para("Nothing was logged.", "small"))
    entries = {e.id: e for e in minutes.entries}
    story += files_section(files, lambda f: f"log entry {_when(entries[f.target_id].logged_at, '%H:%M')}: "
                           f"{entries[f.target_id].text}" if f.target_id in entries else "the session")
    story.append(KeepTogether([Spacer(1, 4 * mm), Paragraph(
        f'<font color="{ACCENT.hexval()}">Minutes written by Tandem from the live session log.</font>',
        STYLES["small"])]))
    return story


def write_minutes_pdf(path: str | Path, minutes: SessionMinutes, files: Sequence[ReportFile] = ()) -> Path:
    """Write the minutes of one session to ``path``; returns the path."""
    s = minutes.session
    return build_pdf(path, TITLE, story_of(minutes, files),
                     subtitle=f"{s.partner_name} · {_when(s.started_at or s.scheduled_at, '%Y-%m-%d')}")


__all__ = ["story_of", "write_minutes_pdf"]

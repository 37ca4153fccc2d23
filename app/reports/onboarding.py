"""Print a partner's onboarding checklist: items with status marks, owners, due dates and evidence.

`write_onboarding_pdf(path, checklists)` is what the UI calls;
the command line is app/cli/report/onboarding.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.platypus import KeepTogether, PageBreak

from app.models.enums import ItemStatus, Side, label
from app.reports.files import files_section
from app.reports.layout import MUTED, STYLES, Paragraph, Spacer, build_pdf, esc, mm, para, table
from app.reports.marks import OVERDUE_BG, RED, STATUS_COLOURS, status_mark
from app.services.attachments import ReportFile
from app.services.onboarding import ChecklistData, ItemData, status_label

TITLE = "Onboarding checklist"


def _d(day: date | None) -> str:
    return day.isoformat() if day else "–"


def _status_cell(item: ItemData):
    colour = RED if item.overdue else STATUS_COLOURS[item.status]
    text = f'<font color="{colour.hexval()}">{esc(status_label(item.status))}</font>'
    if item.overdue:
        text += f'<br/><font color="{RED.hexval()}"><b>overdue</b></font>'
    if item.completed_on:
        text += f"<br/>{item.completed_on.isoformat()}"
        if item.completed_by:
            text += f"<br/>{esc(item.completed_by)}"
    return Paragraph(text, STYLES["cell"])


def _item_cell(item: ItemData):
    text = f"<b>{esc(item.title)}</b>"
    if item.description:
        text += f'<br/><font size="7.5" color="{MUTED.hexval()}">{esc(item.description)}</font>'
    return Paragraph(text, STYLES["cell"])


def _evidence_cell(item: ItemData):
    if item.evidence_note:
        return Paragraph(esc(item.evidence_note), STYLES["cell"])
    if item.evidence_required:
        colour = RED.hexval() if item.status is ItemStatus.DONE or item.overdue else MUTED.hexval()
        return Paragraph(f'<font color="{colour}"><i>evidence required</i></font>', STYLES["cell"])
    return ""


def checklist_story(c: ChecklistData, files: Sequence[ReportFile] = ()) -> list:
    """The flowables of one checklist: heading, progress figures, the items table, and the evidence files of
    its items (``files``: those of any checklist; this one's are picked)."""
    state = "open" if c.is_open else f"closed {c.closed_at.date().isoformat()}"
    story = [
        para(c.title or c.playbook_name, "h1"),
        para(f"Playbook: {c.playbook_name}, version {c.playbook_version} · started {c.start_date.isoformat()} · "
             f"{state} · status as of {c.today.isoformat()}", "small"),
        Spacer(1, 2 * mm),
    ]
    by_side = c.progress_by_side()
    overdue = len(c.overdue_items)
    figures = [["Overall", "Our side", "Partner side", "Joint", "Overdue"],
               [str(c.progress), str(by_side[Side.OURS]), str(by_side[Side.PARTNER]), str(by_side[Side.JOINT]),
                str(overdue)]]
    story += [table(figures, [0.22, 0.2, 0.2, 0.2, 0.18]), Spacer(1, 4 * mm)]
    rows: list[list] = [["", "Step", "Side", "Owner", "Due", "Status", "Evidence"]]
    style = []
    for n, item in enumerate(c.items, 1):
        rows.append([status_mark(item.status), _item_cell(item), label(item.owner_side), item.owner_name or "–",
                     _d(item.due_date), _status_cell(item), _evidence_cell(item)])
        if item.overdue:
            style.append(("BACKGROUND", (0, n), (-1, n), OVERDUE_BG))
    story.append(table(rows, [0.04, 0.31, 0.09, 0.12, 0.115, 0.125, 0.2], style=style))
    story.append(Spacer(1, 3 * mm))
    story.append(para("Marks: ticked = done, half-filled = in progress, crossed = blocked, dash = not applicable, "
                      "empty = to do. Overdue items are shaded.", "small"))
    items = {i.id: i.title for i in c.items}
    story += files_section([f for f in files if f.target_id in items], lambda f: items[f.target_id],
                           "Evidence files")
    return story


def write_onboarding_pdf(path: str | Path, checklists: Sequence[ChecklistData], *,
                         printed_on: date | None = None, files: Sequence[ReportFile] = ()) -> Path:
    """Write the checklists (of one partner) to ``path``, each starting on a new page; returns the path.
    ``files``: the evidence files of their items (images print as thumbnails)."""
    if not checklists:
        raise ValueError("Nothing to print: no checklist given")
    partner = checklists[0].partner_name
    story: list = [para(partner, "title"), para(TITLE, "small"), Spacer(1, 2 * mm)]
    for i, c in enumerate(checklists):
        if i:
            story.append(PageBreak())
        story.extend(checklist_story(c, files))
    return build_pdf(path, TITLE, [KeepTogether(story[:3])] + story[3:], subtitle=partner, printed_on=printed_on)

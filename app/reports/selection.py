"""Partner selection checklist and scorecard: filled in, or blank for the field.

Kinds of document:

- *filled*: a candidate's assessment as it stands: weighted score, every criterion with its score and
  evidence, the decision checklist with who ticked what and when, the reference calls, and the signature
  (or what is still missing before signing);
- *blank* for a named candidate: a field form with the partner's details, empty score boxes and tick boxes
  large enough to fill in by hand, lines for notes, each criterion's description, room for signatures;
- *generic blank*: the same form with the partner left to write in;
- *batch*: blank forms for every candidate of a segment, one after the other in one PDF.

`write_filled(path, assessment)` and `write_blank(path, forms)` take what `SelectionService.for_partner` and
`SelectionService.blank_form` / `blank_forms` return; the command line is app/cli/report/selection.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Table, TableStyle

from app.models.enums import AlignmentGroup, label
from app.reports.fonts import BASE
from app.reports.layout import (
    INK,
    MUTED,
    PAGE_SIZES,
    RULE,
    Paragraph,
    STATUS_COLOURS,
    RunningSubtitle,
    STYLES,
    Spacer,
    build_pdf,
    esc,
    frame_width,
    mm,
    para,
    table,
)
from app.services.selection import (
    GROUP_ORDER,
    SCORE_LABELS,
    SCORE_MAX,
    Assessment,
    BlankForm,
    CriterionData,
)

TITLE_FILLED = "Partner selection: scorecard and decision checklist"
TITLE_BLANK = "Partner selection: field form"
BOX = 7 * mm  # a tick or score box: big enough for a pen
LINE_GAP = 7 * mm  # distance between handwriting lines
GROUP_TITLES = {
    AlignmentGroup.GOALS: "Goals: do we want the same things?",
    AlignmentGroup.VALUES: "Values: do we work the same way?",
    AlignmentGroup.CAPABILITIES: "Capabilities: can they do it?",
}


# -- drawn elements --------------------------------------------------------------------------------------


class TickBox(Flowable):
    """A square to tick by hand, or drawn ticked."""

    def __init__(self, size: float = BOX, checked: bool = False) -> None:
        super().__init__()
        self.size, self.checked = size, checked
        self.width = self.height = size

    def draw(self) -> None:
        c, s = self.canv, self.size
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        c.rect(0, 0, s, s)
        if self.checked:
            c.setStrokeColor(STATUS_COLOURS["done"])
            c.setLineWidth(1.6)
            c.lines([(s * 0.2, s * 0.5, s * 0.42, s * 0.22), (s * 0.42, s * 0.22, s * 0.82, s * 0.8)])


class ScoreBoxes(Flowable):
    """Five empty boxes numbered 1 to 5 above them, to tick one by hand."""

    def __init__(self, count: int = SCORE_MAX, size: float = BOX, gap: float = 2.2 * mm) -> None:
        super().__init__()
        self.count, self.size, self.gap = count, size, gap
        self.width = count * size + (count - 1) * gap
        self.height = size + 9

    def draw(self) -> None:
        c = self.canv
        for i in range(self.count):
            x = i * (self.size + self.gap)
            c.setFont(BASE, 7)
            c.setFillColor(MUTED)
            c.drawCentredString(x + self.size / 2, self.size + 2.5, str(i + 1))
            c.setStrokeColor(INK)
            c.setLineWidth(0.8)
            c.rect(x, 0, self.size, self.size)


class WriteLines(Flowable):
    """Ruled lines to write on."""

    def __init__(self, count: int, width: float | None = None, gap: float = LINE_GAP) -> None:
        super().__init__()
        self.count, self.gap, self._fixed_width = count, gap, width
        self.width, self.height = width or 0, count * gap

    def wrap(self, avail_width, avail_height):
        self.width = self._fixed_width or avail_width
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        for i in range(self.count):
            c.line(0, i * self.gap, self.width, i * self.gap)


# -- shared pieces ---------------------------------------------------------------------------------------


def _fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _cell(text: object, style: str = "cell") -> Paragraph:
    return para(text, style)


def _criterion_cell(c: CriterionData) -> list:
    return [Paragraph(f"<b>{esc(c.name)}</b>", STYLES["cell"]),
            Paragraph(esc(c.description), STYLES["small"]) if c.description else Spacer(1, 0)]


def _weight(value: float) -> str:
    return f"{value:g}"


def _grouped(criteria: Sequence[CriterionData]) -> list[tuple[AlignmentGroup, list[CriterionData]]]:
    groups = []
    for g in GROUP_ORDER:
        members = [c for c in criteria if AlignmentGroup(c.group) is g]
        if members:
            groups.append((g, members))
    return groups


def _group_table(rows: list[list], widths: Sequence[float], page_size, style: list | None = None) -> Table:
    """A table of one alignment group: column headings, then the group's title, then its criteria. Both
    heading rows repeat when the table breaks across pages, and it never breaks right after them."""
    t = table(rows, widths, page_size=page_size, style=[
        ("SPAN", (0, 1), (-1, 1)), ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f5f7fa")),
        ("TOPPADDING", (0, 1), (-1, 1), 5), *(style or [])])
    t.repeatRows = 2
    return t


def _info_table(rows: Sequence[tuple[str, object]], page_size, *, write_in: bool = False) -> Table:
    """Label/value pairs in two columns of pairs; an empty value gets a line to write on."""
    cells = []
    for label_text, value in rows:
        shown = value if (value or not write_in) else WriteLines(1, gap=6 * mm)
        cells.append((_cell(label_text, "cell_bold"), _cell(shown) if isinstance(shown, str) else shown))
    if len(cells) % 2:
        cells.append(("", ""))
    grid = [[*cells[i], *cells[i + 1]] for i in range(0, len(cells), 2)]
    t = table(grid, [0.15, 0.35, 0.15, 0.35], header=False, page_size=page_size)
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0, colors.white), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return t


def _signature_block(page_size, signed_by: str = "", signed_on: str = "") -> list:
    rows = [["Role", "Name", "Date", "Signature"],
            ["Alliance manager", signed_by, signed_on, ""],
            ["Approver", "", "", ""]]
    t = table(rows, [0.22, 0.3, 0.16, 0.32], page_size=page_size,
              style=[("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                     ("LINEBELOW", (0, 1), (-1, -1), 0.8, INK),
                     ("VALIGN", (0, 1), (-1, -1), "BOTTOM")])
    t._argH[1:] = [16 * mm] * 2  # room for a handwritten signature
    return [t]


# -- filled form -----------------------------------------------------------------------------------------


def filled_story(a: Assessment, page_size=PAGE_SIZES["a4"]) -> list:
    """The filled scorecard and decision checklist of one assessment, as reportlab flowables."""
    story: list = [para(a.partner_name, "title"), Spacer(1, 2 * mm)]
    story.append(_info_table([
        ("Segment", a.segment or "—"), ("Partner status", label(a.partner_status)),
        ("Criteria", a.criteria_set.title), ("Stage", a.stage),
    ], page_size))
    story.append(Spacer(1, 3 * mm))

    score = a.weighted_score
    if score is None:
        summary = "Weighted score: not scored yet."
    else:
        summary = (f"Weighted score: <b>{score:.2f} / {SCORE_MAX}</b> ({a.percent:.0f} %) · "
                   f"{a.scored_count} of {len(a.scores)} criteria scored ({a.coverage * 100:.0f} % of the weight)")
    story.append(Paragraph(summary, STYLES["body"]))
    if a.unscored and score is not None:
        story.append(Paragraph(f"<font color='#c62828'>Not scored yet (the total is provisional):</font> "
                               f"{esc(', '.join(a.unscored))}", STYLES["body"]))
    story.append(Paragraph("Weighted score = Σ (weight × score) ÷ Σ weight over the scored criteria, "
                           "on the 1–5 scale; 5 is 100 %.", STYLES["small"]))
    story.append(_decision_paragraph(a))

    story.append(para("Scorecard", "h1"))
    widths = [0.32, 0.1, 0.13, 0.1, 0.35]  # "Weight" in bold needs a tenth of the frame, on A4 as on Letter
    for g in GROUP_ORDER:
        lines = [line for line in a.scores if AlignmentGroup(line.criterion.group) is g]
        if not lines:
            continue
        rows: list[list] = [["Criterion", "Weight", "Score", "Weight × score", "Evidence"],
                            [_cell(GROUP_TITLES[g], "cell_bold"), "", "", "", ""]]
        for line in lines:
            if line.score is None:
                score_cell = Paragraph("<font color='#c62828'>not scored</font>", STYLES["cell"])
            else:
                score_cell = _cell(f"{line.score} {SCORE_LABELS[line.score]}")
            rows.append([_criterion_cell(line.criterion), _weight(line.criterion.weight), score_cell,
                         "" if line.weighted is None else _weight(line.weighted), line.evidence or "—"])
        story.append(_group_table(rows, widths, page_size))
    total_weighted = sum(line.weighted or 0 for line in a.scores)
    total = table([[_cell("Total", "cell_bold"), _weight(a.criteria_set.total_weight),
                    _cell("—" if score is None else f"{score:.2f}", "cell_bold"), _weight(total_weighted), ""]],
                  widths, header=False, page_size=page_size, style=[("LINEABOVE", (0, 0), (-1, 0), 0.8, MUTED)])
    story.append(total)

    story.append(CondPageBreak(60 * mm))
    story.append(para("Decision checklist", "h1"))
    story.append(para(f"{a.checklist_done} of {len(a.checklist)} items complete.", "small"))
    rows = [["", "Item", "Done by", "When", "Note"]]
    for item in a.checklist:
        complete = a.item_complete(item)
        title = esc(item.title)
        if item.min_reference_calls:
            title += f" <font color='#616e7c'>({len(a.reference_calls)} of {item.min_reference_calls} calls logged)</font>"
        if not complete:
            title += " <font color='#c62828'>· missing</font>"
        rows.append([TickBox(4.2 * mm, complete), Paragraph(title, STYLES["cell"]),
                     item.done_by if item.done else "", _fmt_dt(item.done_at) if item.done else "", item.note])
    story.append(table(rows, [0.06, 0.42, 0.16, 0.12, 0.24], page_size=page_size))

    story.append(para("Reference calls", "h2"))
    if a.reference_calls:
        rows = [["Referee", "Organisation", "Called by", "When", "Note"]]
        rows += [[c.referee, c.organisation, c.called_by, _fmt_dt(c.called_at), c.note] for c in a.reference_calls]
        story.append(table(rows, [0.2, 0.22, 0.16, 0.12, 0.3], page_size=page_size))
    else:
        story.append(para("No reference calls logged yet.", "small"))

    story.append(CondPageBreak(55 * mm))
    story.append(para("Signatures", "h1"))
    story += _signature_block(page_size, a.signed_by, _fmt_dt(a.signed_at))
    return story


def _decision_paragraph(a: Assessment) -> Paragraph:
    if a.overridden:
        text = (f"<b>Signed with an override</b> by {esc(a.signed_by)} on {_fmt_dt(a.signed_at)}. "
                f"<b>Reason:</b> {esc(a.override_reason)}")
        if a.override_missing:
            text += f"<br/><b>Missing when signed:</b> {esc('; '.join(a.override_missing))}"
        colour = STATUS_COLOURS["amber"]
    elif a.is_signed:
        text, colour = f"<b>Signed</b> by {esc(a.signed_by)} on {_fmt_dt(a.signed_at)}.", STATUS_COLOURS["done"]
    elif a.is_complete:
        text, colour = "<b>Ready to sign:</b> the decision checklist is complete.", STATUS_COLOURS["done"]
    else:
        text = f"<b>Not signed.</b> Missing before signing: {esc('; '.join(a.missing_items))}."
        colour = STATUS_COLOURS["red"]
    t = Table([[Paragraph(text, STYLES["body"])]])
    t.setStyle(TableStyle([("LINEBEFORE", (0, 0), (0, 0), 3, colour), ("LEFTPADDING", (0, 0), (-1, -1), 8),
                           ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return t


# -- blank field form ------------------------------------------------------------------------------------


def blank_story(form: BlankForm, page_size=PAGE_SIZES["a4"]) -> list:
    """A field form to fill in by hand, as reportlab flowables."""
    width = frame_width(page_size)
    story: list = []
    if form.partner_name:
        story.append(para(form.partner_name, "title"))
        details = list(form.details)
    else:
        story.append(para("Candidate partner", "title"))
        details = [("Partner", ""), ("Segment", ""), ("Country", ""), ("Contact", "")]
    details += [("Visit date", ""), ("Assessed by", "")]
    story += [Spacer(1, 2 * mm), _info_table(details, page_size, write_in=True), Spacer(1, 2 * mm)]
    story.append(Paragraph(
        f"Criteria: {esc(form.criteria_set.title)}. Tick one box per criterion: 1 {SCORE_LABELS[1].lower()}, "
        f"3 {SCORE_LABELS[3].lower()}, 5 {SCORE_LABELS[5].lower()}. Write the evidence you saw or were shown.",
        STYLES["small"]))

    story.append(para("Scorecard", "h1"))
    for g, members in _grouped(form.criteria_set.criteria):
        rows: list[list] = [["Criterion", "Weight", "Score (tick one)", "Evidence and notes"],
                            [_cell(GROUP_TITLES[g], "cell_bold"), "", "", ""]]
        for c in members:
            rows.append([_criterion_cell(c), _cell(_weight(c.weight)), ScoreBoxes(), WriteLines(3)])
        story.append(_group_table(rows, [0.31, 0.1, 0.27, 0.32], page_size,
                                  [("VALIGN", (1, 2), (2, -1), "MIDDLE")]))
    story.append(Spacer(1, 3 * mm))
    total = Table([[Paragraph("<b>Weighted score</b> = Σ (weight × score) ÷ 100 =", STYLES["body"]),
                    WriteLines(1, 30 * mm), Paragraph(f"/ {SCORE_MAX}", STYLES["body"])]],
                  colWidths=[width * 0.5, 34 * mm, None])
    total.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(total)

    story.append(CondPageBreak(90 * mm))
    story.append(para("Decision checklist", "h1"))
    story.append(para("Every item must be done before signing. Initial and date each one.", "small"))
    rows = [["Done", "Item", "Done by", "Date", "Note"]]
    for title in form.checklist:
        rows.append([TickBox(), _cell(title), "", "", WriteLines(2)])
    story.append(table(rows, [0.08, 0.38, 0.15, 0.12, 0.27], page_size=page_size,
                       style=[("LINEBELOW", (0, 1), (-1, -1), 0.4, MUTED),
                              ("TOPPADDING", (0, 1), (-1, -1), 5), ("BOTTOMPADDING", (0, 1), (-1, -1), 5)]))

    calls = [["#", "Referee (who)", "Organisation", "Called by", "Date", "What they said"]]
    calls += [[str(i), "", "", "", "", ""] for i in (1, 2, 3)]
    t = table(calls, [0.05, 0.2, 0.2, 0.15, 0.12, 0.28], page_size=page_size,
              style=[("GRID", (0, 1), (-1, -1), 0.4, MUTED)])
    t._argH[1:] = [10 * mm] * 3
    story.append(KeepTogether([para("Reference calls (at least two)", "h2"), t]))

    decision = Table([[TickBox(), _cell("Sign"), TickBox(), _cell("Do not sign"), TickBox(),
                       _cell("Sign with override (reason below)")]],
                     colWidths=[BOX + 6, width * 0.12, BOX + 6, width * 0.17, BOX + 6, None])
    decision.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(KeepTogether([para("Decision", "h1"), decision, Spacer(1, 2 * mm),
                               para("Override reason (required when the checklist is not complete):", "small"),
                               WriteLines(3), Spacer(1, 4 * mm), *_signature_block(page_size)]))
    return story


# -- documents -------------------------------------------------------------------------------------------


def write_filled(path: str | Path, assessment: Assessment, paper: str = "a4",
                 printed_on: date | None = None) -> Path:
    """Write the filled scorecard and checklist of ``assessment`` to ``path``."""
    size = PAGE_SIZES[paper]
    return build_pdf(path, TITLE_FILLED, filled_story(assessment, size), subtitle=assessment.partner_name,
                     page_size=size, printed_on=printed_on)


def write_blank(path: str | Path, forms: Sequence[BlankForm], paper: str = "a4", subtitle: str = "",
                printed_on: date | None = None) -> Path:
    """Write one or more blank field forms to ``path``; each form starts on a new page."""
    if not forms:
        raise ValueError("No forms to print.")
    size = PAGE_SIZES[paper]
    story: list = []
    for i, form in enumerate(forms):
        if i:  # each form starts on a new page, whose header names its partner
            story += [RunningSubtitle(form.partner_name or subtitle), PageBreak()]
        story += blank_story(form, size)
    subtitle = forms[0].partner_name or subtitle
    return build_pdf(path, TITLE_BLANK, story, subtitle=subtitle, page_size=size, printed_on=printed_on)

"""The look every Tandem PDF shares: page size, styles, a header with title and partner, page numbers.

Use `build_pdf(path, title, story, subtitle=..., page_size=...)`; `story` is a list of reportlab flowables
made with `STYLES` and the helpers below. Long text wraps (Paragraph); tables use `table()` so widths add
up to the frame and cells wrap instead of running off the page; the running header shortens the title and
the partner's name with an ellipsis to fit one line.

Every script prints (app/reports/fonts.py): put user text through `esc()` (or `para()`) and build paragraphs
with this module's `Paragraph`, never reportlab's, and name no font: the styles carry Tandem's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from app import __version__
from app.reports.fonts import BASE, BASE_BOLD, Paragraph, clean, draw_string, string_width, visual

PAGE_SIZES = {"a4": A4, "letter": LETTER}
MARGIN = 16 * mm
HEADER_GAP = 6 * mm  # between the running header's title and the partner's name
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
ACCENT = colors.HexColor("#2f6f9f")
STATUS_COLOURS = {
    "green": colors.HexColor("#2e7d32"), "amber": colors.HexColor("#f9a825"), "red": colors.HexColor("#c62828"),
    "done": colors.HexColor("#2e7d32"), "overdue": colors.HexColor("#c62828"), "grey": colors.HexColor("#9aa5b1"),
}


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=BASE, fontSize=9.5, leading=12.5,
                          textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BASE_BOLD, fontSize=17, leading=21),
        "h1": ParagraphStyle("h1", parent=body, fontName=BASE_BOLD, fontSize=13, leading=16,
                             spaceBefore=10, spaceAfter=4, textColor=ACCENT),
        "h2": ParagraphStyle("h2", parent=body, fontName=BASE_BOLD, fontSize=10.5, leading=13,
                             spaceBefore=6, spaceAfter=2),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=BASE_BOLD, fontSize=8.5, leading=10.5),
        "right": ParagraphStyle("right", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
    }


STYLES = _styles()


def esc(text: object) -> str:
    """User text ready for Paragraph markup: without the control characters a PDF cannot show, and escaped (a
    Paragraph reads a little XML). Left in logical order: `Paragraph` joins Arabic letters and puts each wrapped
    line of right-to-left text in drawing order."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def para(text: object, style: str = "body") -> Paragraph:
    return Paragraph(esc(text), STYLES[style])


def frame_width(page_size=A4) -> float:
    return page_size[0] - 2 * MARGIN


def table(rows: Sequence[Sequence[object]], widths: Sequence[float], *, header: bool = True,
          page_size=A4, style: list | None = None) -> Table:
    """A table whose column ``widths`` are fractions of the frame; strings become wrapping paragraphs."""
    total = frame_width(page_size)
    cells = [[para(c, "cell_bold" if header and i == 0 else "cell") if isinstance(c, str) else c for c in row]
             for i, row in enumerate(rows)]
    t = Table(cells, colWidths=[w * total for w in widths], repeatRows=1 if header else 0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                     ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED)]
    t.setStyle(TableStyle(commands + (style or [])))
    return t


class RunningSubtitle(Flowable):
    """Invisible: the pages that start after it show ``text`` as the header's subtitle (a batch of forms,
    each page naming its partner). Place it just before the PageBreak that starts the new part."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv.running_subtitle = self.text


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say "Page n of m"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initialFontName", BASE)
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self.setFillColor(MUTED)
            draw_string(self, self._pagesize[0] - MARGIN, 8 * mm, f"Page {number} of {total}", 8, anchor="end")
            super().showPage()
        super().save()


def build_pdf(path: str | Path, title: str, story: list, *, subtitle: str = "", page_size=A4,
              printed_on: date | None = None) -> Path:
    """Write ``story`` to ``path`` with Tandem's header (title, subtitle) and footer (date, page n of m)."""
    path = Path(path)
    printed = (printed_on or date.today()).isoformat()

    def decorate(canvas, doc) -> None:
        width, height = page_size
        canvas.saveState()
        # One line: the title keeps at least half of it, the partner's name gets the rest; both are shortened
        # with an ellipsis rather than run into each other or off the page.
        room = width - 2 * MARGIN
        shown = getattr(canvas, "running_subtitle", subtitle)  # set by a RunningSubtitle flowable
        title_room = room if not shown else max(room / 2, room - HEADER_GAP - string_width(visual(shown), 9))
        canvas.setFillColor(ACCENT)
        used = draw_string(canvas, MARGIN, height - 10 * mm, title, 9, bold=True, max_width=title_room)
        canvas.setFillColor(MUTED)
        if shown:
            draw_string(canvas, width - MARGIN, height - 10 * mm, shown, 9, anchor="end",
                        max_width=room - used - HEADER_GAP)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, height - 12 * mm, width - MARGIN, height - 12 * mm)
        canvas.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
        draw_string(canvas, MARGIN, 8 * mm, f"Tandem {__version__} · printed {printed}", 8)
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=page_size, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=title, author="Tandem",
                            subject=subtitle)
    doc.build(list(story), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_NumberedCanvas)
    return path


__all__ = ["ACCENT", "INK", "MUTED", "PAGE_SIZES", "Paragraph", "RULE", "RunningSubtitle", "STATUS_COLOURS", "STYLES",
           "Spacer", "build_pdf", "esc", "frame_width", "mm", "para", "table"]

"""A co-branded certificate: one landscape page naming the person, both companies, the track, the modules
completed, the day it was granted and the last day it is valid. A4 or Letter.

`write_certificate_pdf(path, data, page_size="a4")` takes plain data (`app.services.learning.CertificateData`);
every piece of text goes through `layout.esc`/`layout.Paragraph`, so any script prints.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, SimpleDocTemplate, Spacer, Table, TableStyle

from app import __version__
from app.reports.layout import ACCENT, INK, MUTED, PAGE_SIZES, RULE, STYLES, Paragraph, esc, mm
from app.services.learning import CertificateData

BORDER = 10 * mm  # from the page edge to the outer frame
MAX_DESCRIPTION = 280  # characters of the track's description printed
MAX_MODULES = 10


def _style(name: str, size: float, *, bold: bool = False, colour=INK, space: float = 0) -> ParagraphStyle:
    parent = STYLES["title" if bold else "body"]
    return ParagraphStyle(name, parent=parent, fontSize=size, leading=size * 1.25, alignment=TA_CENTER,
                          textColor=colour, spaceAfter=space)


STYLE = {
    "brand": _style("brand", 12, bold=True, colour=ACCENT),
    "kicker": _style("kicker", 11, colour=MUTED, space=2),
    "title": _style("title", 30, bold=True, colour=ACCENT, space=4),
    "person": _style("person", 26, bold=True, space=2),
    "body": _style("body", 12, space=2),
    "track": _style("track", 18, bold=True, space=2),
    "small": _style("small", 9.5, colour=MUTED),
    "sign": _style("sign", 10),
}


def _day(d: date | None) -> str:
    return d.strftime("%d %B %Y").lstrip("0") if d else ""


def write_certificate_pdf(path: str | Path, data: CertificateData, page_size: str = "a4") -> Path:
    """Write the certificate to ``path`` on A4 or Letter (landscape). Returns the path."""
    size = landscape(PAGE_SIZES[page_size])
    width, height = size
    path = Path(path)
    inner = width - 2 * BORDER - 24 * mm

    def frame(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(2.5)
        canvas.rect(BORDER, BORDER, width - 2 * BORDER, height - 2 * BORDER)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.8)
        canvas.rect(BORDER + 3 * mm, BORDER + 3 * mm, width - 2 * BORDER - 6 * mm, height - 2 * BORDER - 6 * mm)
        canvas.restoreState()

    who = "of " + data.partner_name if data.side.value == "partner" else "of " + data.our_company
    brands = Table([[Paragraph(esc(data.our_company), STYLE["brand"]), Paragraph("&amp;", STYLE["kicker"]),
                     Paragraph(esc(data.partner_name), STYLE["brand"])]],
                   colWidths=[inner * 0.45, inner * 0.1, inner * 0.45])
    brands.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    # A certificate is one page: long descriptions and module lists are shortened, not flowed onto a second.
    modules = " · ".join(data.modules[:MAX_MODULES]) + (" …" if len(data.modules) > MAX_MODULES else "")
    validity = (f"Granted {_day(data.granted_on)} · valid until {_day(data.expires_on)}" if data.expires_on
                else f"Granted {_day(data.granted_on)} · does not expire")
    signatures = Table([[Paragraph(f"for {esc(data.our_company)}", STYLE["sign"]), "",
                         Paragraph(f"for {esc(data.partner_name)}", STYLE["sign"])]],
                       colWidths=[inner * 0.38, inner * 0.24, inner * 0.38])
    signatures.setStyle(TableStyle([("LINEABOVE", (0, 0), (0, 0), 0.8, MUTED),
                                    ("LINEABOVE", (2, 0), (2, 0), 0.8, MUTED),
                                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # each name right under its line
    story = [
        Spacer(1, 8 * mm),
        brands,
        Spacer(1, 8 * mm),
        Paragraph("Certificate of completion" + (" · renewal" if data.renewal else ""), STYLE["title"]),
        Paragraph("This certifies that", STYLE["kicker"]),
        Spacer(1, 2 * mm),
        Paragraph(esc(data.person), STYLE["person"]),
        Paragraph(esc(who), STYLE["body"]),
        Spacer(1, 4 * mm),
        Paragraph("has completed the learning track", STYLE["kicker"]),
        Paragraph(esc(data.track_name), STYLE["track"]),
    ]
    if data.track_description:
        text = data.track_description
        story.append(Paragraph(esc(text if len(text) <= MAX_DESCRIPTION else text[:MAX_DESCRIPTION].rstrip() + "…"),
                               STYLE["small"]))
    if modules:
        story += [Spacer(1, 2 * mm), Paragraph(esc(modules), STYLE["small"])]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(esc(validity), STYLE["body"]),
        Spacer(1, 16 * mm),
        signatures,
        Spacer(1, 4 * mm),
        Paragraph(esc(f"Certificate {data.certificate_id} · version {data.track_version} of the track · "
                      f"issued with Tandem {__version__}"), STYLE["small"]),
    ]
    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=BORDER + 12 * mm, rightMargin=BORDER + 12 * mm,
                            topMargin=BORDER + 12 * mm, bottomMargin=BORDER + 8 * mm,
                            title=f"Certificate: {data.person} · {data.track_name}", author=data.our_company,
                            subject=f"{data.track_name} · {data.partner_name}")
    # However long the names, the certificate stays one page: what does not fit is scaled down to fit.
    fitted = KeepInFrame(doc.width, doc.height, story, mode="shrink")
    doc.build([fitted], onFirstPage=frame, onLaterPages=frame)
    return path


__all__ = ["write_certificate_pdf"]

"""Every report for a partner named in every script: each glyph on the page (headers and footers included), none
over another, none missing from its font, and the partner's name readable again from the PDF.

The PDFs are printed once for the module (tests/reports/scripts_data.py) and read once (pdf_checks.read_pdf); the
tests, parametrised by script, check what was read.
"""

from __future__ import annotations

import shutil
from itertools import pairwise

import pytest

from app.reports.fonts import FALLBACK, clean, family_for
from app.reports.layout import MARGIN
from app.services import build_services
from app.services.database import open_database
from tests.reports.pdf_checks import (
    MM,
    PRINTABLE_MARGIN,
    fallbacks,
    flowing_text,
    missing_glyphs,
    outside,
    overlapping,
    read_pdf,
    reading_order,
    texts,
)
from tests.reports.scripts_data import REPORTS, SCRIPTS, print_every_report

RTL = ("arabic", "hebrew")
FRAME_PADDING = 6  # reportlab's frames keep 6 pt inside the page margins
CERTIFICATE_BORDER = 13 * MM  # the certificate's inner frame line, from the page edge


@pytest.fixture(scope="module")
def printed(tmp_path_factory, _template_db) -> dict[str, dict[str, list]]:
    """{script: {report: pages read back}}, every report printed once for the partner of every script."""
    out = tmp_path_factory.mktemp("scripts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TANDEM_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))
        path = out / "tandem.sqlite"
        shutil.copy(_template_db, path)
        db = open_database(path)
        try:
            services = build_services(db)
            return {script: {kind: read_pdf(pdf) for kind, pdf in
                             print_every_report(services, name, note, out / script).items()}
                    for script, (name, note) in SCRIPTS.items()}
        finally:
            db.close()


def _shown(text: str) -> str:
    """``text`` as the PDF shows it: what no shipped font has as the fallback mark."""
    return "".join(ch if family_for(ch) else FALLBACK for ch in clean(text))


def _area(kind: str):
    """Where a report's glyphs belong: inside the certificate's frame; between the side margins (frame and
    running header alike) and within the printable area above and below for the others."""
    if kind.startswith("certificate"):
        return lambda page: (CERTIFICATE_BORDER, CERTIFICATE_BORDER, page.width - CERTIFICATE_BORDER,
                             page.height - CERTIFICATE_BORDER)
    return lambda page: (MARGIN, PRINTABLE_MARGIN, page.width - MARGIN, page.height - PRINTABLE_MARGIN)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_glyph_is_on_the_page_inside_the_margins(printed, script):
    problems = [f"{kind} {p}" for kind, pages in printed[script].items()
                for p in outside(pages) + outside(pages, _area(kind))]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_text_is_drawn_over_other_text(printed, script):
    problems = [f"{kind} {p}" for kind, pages in printed[script].items() for p in overlapping(pages)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_glyph_is_in_the_font_that_draws_it(printed, script):
    problems = [f"{kind} {p}" for kind, pages in printed[script].items() for p in missing_glyphs(pages)]
    assert not problems, "\n".join(problems[:20])
    marks = {kind: fallbacks(pages) for kind, pages in printed[script].items()}
    name, note = SCRIPTS[script]
    if _shown(name + note) == clean(name + note):
        assert not any(marks.values()), f"fallback marks printed: {marks}"
    else:  # a character no font has (🚀) prints as the fallback mark, in every report that names the partner
        assert all(marks.values()), marks


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_partners_name_reads_back_from_every_report(printed, script):
    name = _shown(SCRIPTS[script][0])
    for kind, pages in printed[script].items():
        if kind == "agenda":
            continue  # the agenda names the session, tested below
        found = any(name in line for line in texts(pages)) or " ".join(name.split()) in flowing_text(pages)
        assert found, f"{kind}: {name!r}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_running_header_names_the_partner_on_one_line_or_shortens_it(printed, script):
    name = _shown(SCRIPTS[script][0])
    for kind in REPORTS:
        if kind.startswith("certificate"):
            continue
        for page in printed[script][kind]:
            header = [line for line in page.lines() if line.baseline < 12 * MM]
            assert len(header) == 2, (kind, page.number, [line.text for line in header])  # title, partner
            subtitle = reading_order(header[1].text).strip()
            if subtitle.endswith("..."):  # the ellipsis, as NFKC spells it
                assert name.startswith(subtitle[:-3].rstrip()) and len(subtitle) > 20, (kind, subtitle)
            else:
                assert name in subtitle, (kind, page.number, subtitle)


@pytest.mark.parametrize("script", RTL)
def test_a_title_starting_with_a_right_to_left_name_reads_in_order_and_aligns_right(printed, script):
    name = SCRIPTS[script][0]
    page = printed[script]["session"][0]
    title = next(line for line in page.lines() if line.glyphs[0].size == 17)  # the minutes' title
    assert reading_order(title.text, "R") == f"{name} · Q4 review"
    assert title.x1 == pytest.approx(page.width - MARGIN - FRAME_PADDING, abs=1)
    assert title.text.startswith("Q4 review")  # drawn left of the name, which reads first from the right


@pytest.mark.parametrize("paper", ["selection", "selection-letter", "selection-blank", "selection-blank-letter"])
def test_the_selection_weight_column_heading_is_whole_and_apart(printed, paper):
    for script in ("long", "arabic", "chinese"):
        for page in printed[script][paper]:
            lines = page.lines()
            for heading in (line for line in lines if line.text.strip() == "Criterion"):
                row = sorted((line for line in lines if abs(line.baseline - heading.baseline) < 0.5),
                             key=lambda line: line.x0)
                words = [line.text.strip() for line in row]
                assert words[:2] == ["Criterion", "Weight"], words  # not "Weigh" over "t"
                assert all(a.x1 + 6 <= b.x0 for a, b in pairwise(row)), words  # apart from their neighbours


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_certificate_is_one_page_on_a4_and_letter(printed, script):
    sizes = {kind: [(round(p.width), round(p.height)) for p in printed[script][kind]]
             for kind in ("certificate", "certificate-letter")}
    assert sizes == {"certificate": [(842, 595)], "certificate-letter": [(792, 612)]}


def test_emoji_read_back_as_themselves(printed):
    """reportlab wrote characters beyond U+FFFF into the PDF's text map wrongly (👍 came back as ὄ)."""
    text = "\n".join(texts(printed["emoji"]["session"]))
    assert "Great audit 👍 😀" in text

"""Selection PDFs: read the text back and check what a user needs is on the page, on A4 and on Letter."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from app.cli import main as cli_main
from app.models.enums import PartnerStatus
from app.reports.layout import MARGIN
from app.reports.selection import write_blank, write_filled
from app.services.errors import NotFound
from app.services.partners import PartnerData
from app.services.selection import ReferenceCallData, checklist_template
from tests.reports.pdf_checks import (
    PRINTABLE_MARGIN,
    missing_glyphs,
    outside,
    overlapping,
    read_pdf,
)

A4 = (595, 842)
LETTER = (612, 792)


def _text(path) -> str:
    """All text of the PDF with whitespace collapsed (wrapped lines join with a space)."""
    reader = PdfReader(str(path))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def _sizes(path) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(str(path)).pages}


def write_partner(services, path, partner_id, *, blank=False, paper="a4"):
    """What the selection tab's print does: the partner's filled form, or their blank field form."""
    if blank:
        return write_blank(path, [services.selection.blank_form(partner_id)], paper)
    return write_filled(path, services.selection.for_partner(partner_id), paper)


def write_generic_blank(services, path, paper="a4"):
    return write_blank(path, [services.selection.blank_form(None)], paper, subtitle="Blank form")


def write_segment_blanks(services, path, segment, paper="a4"):
    return write_blank(path, services.selection.blank_forms(segment), paper)


def _criteria_names(services) -> list[str]:
    return [c.name for c in services.selection.latest_published().criteria]


@pytest.fixture
def scored(services):
    """A candidate with some scores, two reference calls, part of the checklist done."""
    p = services.partners.create(PartnerData(name="Kestrelforge Precision GmbH", segment="Machined parts",
                                             status=PartnerStatus.CANDIDATE))
    a = services.selection.start(p.id)
    for line, value in zip(a.scores[:6], (5, 4, 3, 4, 2, 5)):
        a = services.selection.set_score(a.id, line.criterion.id, value, f"Evidence for {line.criterion.code}")
    a = services.selection.log_reference_call(a.id, ReferenceCallData("Eva Lind", "Nordline AB", "Mira Holm",
                                                                      datetime(2026, 10, 2, 10)))
    a = services.selection.update_item(a.checklist[0].id, done=True, by="Mira Holm", note="Spec review passed")
    return a


@pytest.mark.parametrize("paper,size", [("a4", A4), ("letter", LETTER)])
def test_filled_form_has_partner_criteria_scores_and_every_checklist_item(services, scored, tmp_path, paper, size):
    out = write_partner(services, tmp_path / "filled.pdf", scored.partner_id, paper=paper)
    text = _text(out)
    assert "Kestrelforge Precision GmbH" in text
    for name in _criteria_names(services):
        assert name in text
    for item in checklist_template():
        assert item.title in text
    assert f"{scored.weighted_score:.2f} / 5" in text
    assert "Evidence for " + scored.scores[0].criterion.code in text
    assert "not scored" in text  # four criteria are still missing
    assert "Eva Lind" in text and "Nordline AB" in text and "Spec review passed" in text
    assert "Not signed" in text and "Contract reviewed by legal" in text
    assert _sizes(out) == {size}


def test_filled_form_shows_the_override_reason(services, scored, tmp_path):
    services.selection.sign(scored.id, "Jakob Stein", override_reason="Sole source for the housing")
    text = _text(write_partner(services, tmp_path / "signed.pdf", scored.partner_id))
    assert "Signed with an override by Jakob Stein" in text
    assert "Sole source for the housing" in text and "Missing when signed" in text


@pytest.mark.parametrize("paper,size", [("a4", A4), ("letter", LETTER)])
def test_blank_form_for_a_candidate(services, scored, tmp_path, paper, size):
    out = write_partner(services, tmp_path / "blank.pdf", scored.partner_id, blank=True, paper=paper)
    text = _text(out)
    assert "Partner selection: field form" in text and "Kestrelforge Precision GmbH" in text
    assert "Machined parts" in text
    for c in services.selection.latest_published().criteria:
        assert c.name in text and c.description in text  # descriptions guide the visit
    for item in checklist_template():
        assert item.title in text
    assert "Evidence for" not in text and "Eva Lind" not in text  # blank means blank
    assert "Signature" in text and "Override reason" in text and "Reference calls" in text
    assert _sizes(out) == {size}


@pytest.mark.parametrize("paper,size", [("a4", A4), ("letter", LETTER)])
def test_generic_blank_form(services, tmp_path, paper, size):
    out = write_generic_blank(services, tmp_path / "generic.pdf", paper)
    text = _text(out)
    assert "Candidate partner" in text
    for name in _criteria_names(services):
        assert name in text
    for item in checklist_template():
        assert item.title in text
    assert _sizes(out) == {size}


@pytest.mark.parametrize("paper,size", [("a4", A4), ("letter", LETTER)])
def test_batch_prints_every_candidate_of_the_segment(services, tmp_path, paper, size):
    names = ["Alpha Plastics Ltd", "Beta Polymers B.V.", "Gamma Moulding Oy"]
    for n in names:
        services.partners.create(PartnerData(name=n, segment="Plastics", status=PartnerStatus.CANDIDATE))
    services.partners.create(PartnerData(name="Delta Active Ltd", segment="Plastics", status=PartnerStatus.ACTIVE))
    services.partners.create(PartnerData(name="Epsilon Metals", segment="Metals", status=PartnerStatus.CANDIDATE))
    out = write_segment_blanks(services, tmp_path / "batch.pdf", "Plastics", paper)
    reader = PdfReader(str(out))
    text = _text(out)
    for n in names:
        assert n in text
        assert text.count(n) >= 2  # named on its own pages (title and page header)
    assert "Delta Active Ltd" not in text and "Epsilon Metals" not in text
    assert text.count("Contract reviewed by legal") == 3
    single = write_partner(services, tmp_path / "one.pdf", services.partners.find(names[0]).id, blank=True, paper=paper)
    assert len(reader.pages) == 3 * len(PdfReader(str(single)).pages)  # each form starts on its own page
    assert _sizes(out) == {size}


def test_long_text_wraps_inside_the_page(services, tmp_path):
    p = services.partners.create(PartnerData(name="Long Evidence GmbH", status=PartnerStatus.CANDIDATE))
    a = services.selection.start(p.id)
    long = "Detailed audit notes " + " ".join(f"finding{i}" for i in range(150))
    services.selection.set_score(a.id, a.scores[0].criterion.id, 3, long)
    out = write_partner(services, tmp_path / "long.pdf", p.id)
    text = _text(out)
    assert "finding0" in text and "finding149" in text  # nothing cut off
    pages = read_pdf(out)  # every glyph within the page margins, none over another
    assert not outside(pages, lambda page: (MARGIN, PRINTABLE_MARGIN, page.width - MARGIN,
                                            page.height - PRINTABLE_MARGIN))
    assert not overlapping(pages) and not missing_glyphs(pages)


def test_filled_form_for_a_partner_without_assessment_says_what_to_do(services, db_path, tmp_path, capsys):
    services.partners.create(PartnerData(name="Not Started Ltd", status=PartnerStatus.CANDIDATE))
    services.db.close()
    assert cli_main(["report", "selection", "--db", str(db_path), "--partner", "Not Started", "--out",
                     str(tmp_path / "x.pdf")]) == 1
    assert "Not Started Ltd has no selection assessment yet: print a blank field form" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_segment_without_candidates_is_refused_by_name(services):
    services.partners.create(PartnerData(name="Delta Active Ltd", segment="Plastics", status=PartnerStatus.ACTIVE))
    with pytest.raises(NotFound, match="No candidate partners in the segment 'Plastics'"):
        services.selection.blank_forms("Plastics")


def test_cli_writes_each_kind_and_explains_bad_input(services, db_path, scored, tmp_path, capsys):
    services.settings.set_paper_size("letter")
    services.db.close()
    db = str(db_path)
    assert cli_main(["report", "selection", "--db", db, "--partner", "Kestrelforge", "--out",
                     str(tmp_path / "f.pdf")]) == 0
    assert _sizes(tmp_path / "f.pdf") == {LETTER}  # paper size from settings
    assert cli_main(["report", "selection", "--db", db, "--partner", "Kestrelforge", "--blank", "--paper", "a4",
                     "--out", str(tmp_path / "b.pdf")]) == 0
    assert _sizes(tmp_path / "b.pdf") == {A4}
    assert cli_main(["report", "selection", "--db", db, "--blank", "--out", str(tmp_path / "g.pdf")]) == 0
    assert cli_main(["report", "selection", "--db", db, "--segment", "Machined parts", "--blank",
                     "--out", str(tmp_path / "s.pdf")]) == 0
    assert "Kestrelforge Precision GmbH" in _text(tmp_path / "s.pdf")
    capsys.readouterr()
    assert cli_main(["report", "selection", "--db", db, "--segment", "Machined parts",
                     "--out", str(tmp_path / "x.pdf")]) != 0
    assert "add --blank" in capsys.readouterr().err
    assert cli_main(["report", "selection", "--db", db, "--partner", "Nobody", "--out", str(tmp_path / "x.pdf")]) != 0
    assert "No partner called 'Nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()

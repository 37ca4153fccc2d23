"""Onboarding and success-plan PDFs: read the text back and check what a reader looks for."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from app.cli import main
from app.reports.onboarding import write_onboarding_pdf
from app.reports.plan import write_plan_pdf
from app.services.partners import PartnerData
from app.services.reference_data import stable_id
from tests.conftest import AS_OF


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def onboarding_partner(demo_services):
    row = next(r for r in demo_services.onboarding.portfolio(today=AS_OF) if r.checklist_id and r.overdue)
    return row


def test_the_checklist_pdf_names_the_partner_and_every_item(demo_services, onboarding_partner, tmp_path):
    checklist = demo_services.onboarding.get(onboarding_partner.checklist_id, today=AS_OF)
    path = write_onboarding_pdf(tmp_path / "onboarding.pdf", [checklist], printed_on=AS_OF)
    text = _squash(_text(path))
    assert onboarding_partner.partner_name in text
    for item in checklist.items:
        assert _squash(item.title) in text
    assert "overdue" in text and "Page 1 of" in text
    assert f"version {checklist.playbook_version}" in text


def test_the_plan_pdf_has_the_three_phases_goals_and_milestones(demo_services, tmp_path):
    plan = next(p for p in (demo_services.plans.current(r.id, today=AS_OF) for r in demo_services.partners.list())
                if p is not None)
    path = write_plan_pdf(tmp_path / "plan.pdf", plan, printed_on=AS_OF)
    text = _squash(_text(path))
    assert plan.partner_name in text
    for phase in (30, 60, 90):
        assert f"Day {phase} ·" in text
    for m in plan.milestones:
        assert _squash(m.title) in text
    for g in plan.goals:
        assert _squash(g.description) in text


def test_the_report_commands_write_pdfs(demo_services, onboarding_partner, tmp_path, capsys):
    db = str(demo_services.db.path)
    out = tmp_path / "c.pdf"
    assert main(["report", "onboarding", "--db", db, "--partner", onboarding_partner.partner_name,
                 "--out", str(out)]) == 0
    assert onboarding_partner.partner_name in _squash(_text(out))
    out = tmp_path / "p.pdf"
    assert main(["report", "plan", "--db", db, "--partner", onboarding_partner.partner_name,
                 "--out", str(out)]) == 0
    assert "Day 90" in _text(out)


def test_an_unknown_partner_is_a_clear_error(services, tmp_path, capsys):
    for kind in ("onboarding", "plan"):
        code = main(["report", kind, "--db", str(services.db.path), "--partner", "Nobody Ltd",
                     "--out", str(tmp_path / "x.pdf")])
        assert code == 1
        assert "No partner called 'Nobody Ltd'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_partner_without_a_checklist_or_plan_is_told_so(services, tmp_path, capsys):
    services.partners.create(PartnerData(name="Cedarline Supply"))
    assert main(["report", "onboarding", "--db", str(services.db.path), "--partner", "Cedarline Supply",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "no onboarding checklist" in capsys.readouterr().err
    assert main(["report", "plan", "--db", str(services.db.path), "--partner", "Cedarline Supply",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "no success plan" in capsys.readouterr().err


def test_a_blank_fresh_checklist_prints(services, tmp_path):
    p = services.partners.create(PartnerData(name="Emberline Oy"))
    c = services.onboarding.start(p.id, stable_id("playbook", "default", "v1"), date(2026, 12, 1))
    plan = services.plans.create(p.id, date(2026, 12, 1))  # empty plan: no goals, no milestones
    assert "Emberline Oy" in _text(write_onboarding_pdf(tmp_path / "a.pdf", [c]))
    assert "No milestones in this phase" in _text(write_plan_pdf(tmp_path / "b.pdf", plan))


def test_the_checklist_pdf_prints_the_evidence_files_of_its_items(demo_services, onboarding_partner, tmp_path):
    from PIL import Image

    checklist = demo_services.onboarding.get(onboarding_partner.checklist_id, today=AS_OF)
    item = checklist.items[1]
    Image.new("RGB", (300, 400), "white").save(tmp_path / "delivery note.png")
    demo_services.attachments.attach(onboarding_partner.partner_id, tmp_path / "delivery note.png",
                                     target_kind="checklist_item", target_id=item.id)
    out = tmp_path / "c.pdf"
    assert main(["report", "onboarding", "--db", str(demo_services.db.path), "--partner",
                 onboarding_partner.partner_name, "--out", str(out)]) == 0
    text = _squash(_text(out))
    assert "Evidence files" in text
    assert _squash(item.title) in text.split("delivery note.png")[1][:200]  # the item it is evidence for
    images = [img.image.size for page in PdfReader(str(out)).pages for img in page.images]
    assert images == [(300, 400)]

"""The partner's pre-read: the PDF holds the partner's scorecard, actions on both sides, experiments, plan
progress and last decisions, and nothing of another partner."""

from __future__ import annotations

from datetime import datetime

import pytest
from pypdf import PdfReader

from app.cli import main
from app.models.enums import SessionType, Side
from app.reports.brief import write_brief_pdf
from app.services.brief import gather_brief
from app.services.coaching import SessionPlan
from tests.services.week_data import TODAY, build_week

OTHER_PARTNER = ("Ølands", "Call back about pallets", "Certificates sent", "Åsa Lind", "Jonas Berg")


@pytest.fixture
def week(services):
    w = build_week(services)
    # Nordwerk's November review is held; the December one is planned next.
    services.coaching.start(w.ids["session"])
    services.coaching.log(w.ids["session"], "d: Adopt the two-bin kanban on line 3 from January")
    services.coaching.log(w.ids["session"], "a: Send the new drawing @Anna Becker due 2026-12-01")
    services.coaching.end(w.ids["session"], "Good progress on delivery.")
    services.coaching.plan(SessionPlan(w.nordwerk, SessionType.QUARTERLY_REVIEW, datetime(2026, 12, 10, 9, 0),
                                       title="Q4 business review", location="Kraków office"))
    # Ølands has its own decisions: none of them may leak.
    other = services.coaching.plan(SessionPlan(w.olands, SessionType.WEEKLY_OPS, datetime(2026, 11, 20, 9, 0),
                                               title="Ølands weekly ops", facilitator="Jonas Berg"))
    services.coaching.start(other.id)
    services.coaching.log(other.id, "d: Ølands switches to returnable pallets")
    services.coaching.end(other.id)
    return w


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_the_data_is_one_partners_only(services, week):
    data = gather_brief(services, week.nordwerk, TODAY)
    assert data.partner_ids == {week.nordwerk}
    assert {a.owner_side for a in data.actions} == {Side.OURS, Side.PARTNER}
    assert data.next_session.title == "Q4 business review"
    assert [e.text for e in data.last_session.decisions] == ["Adopt the two-bin kanban on line 3 from January"]


def test_pdf_holds_the_partners_items_and_none_of_another(services, week, tmp_path):
    out = write_brief_pdf(tmp_path / "brief.pdf", gather_brief(services, week.nordwerk, TODAY))
    text = _text(out)
    for expected in ("Nordwerk Components GmbH", "Q4 business review", "Your side", "Our side",
                     "Send the audit plan", "Share scrap data", "Send the new drawing",
                     "Two-bin kanban on line 3", "Do", "Nordwerk 30-60-90", "First PPAP approved",
                     "Adopt the two-bin kanban", "On-time delivery", "Kraków"):
        assert expected in text, expected
    for leaked in OTHER_PARTNER + ("returnable pallets",):
        assert leaked not in text, leaked


def test_a_partner_with_nothing_yet_still_gets_a_readable_pre_read(services, week, tmp_path):
    from app.services.partners import PartnerData

    empty = services.partners.create(PartnerData(name="日本精機株式会社"))
    text = _text(write_brief_pdf(tmp_path / "empty.pdf", gather_brief(services, empty.id, TODAY)))
    assert "No KPIs are measured yet" in text and "No success plan yet" in text
    assert "No session has been held yet" in text and "Nordwerk" not in text


def test_cli_report_brief(services, week, db_path, tmp_path, capsys):
    services.db.close()
    out = tmp_path / "cli.pdf"
    assert main(["report", "brief", "--db", str(db_path), "--partner", "Nordwerk", "--out", str(out)]) == 0
    assert "pre-read of Nordwerk Components GmbH" in capsys.readouterr().out
    assert "Send the audit plan" in _text(out)

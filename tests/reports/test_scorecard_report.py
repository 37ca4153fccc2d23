"""The printed scorecard: the KPI table with statuses, the alerts in words, and one chart per measured KPI."""

from __future__ import annotations

import re
from datetime import date

from pypdf import PdfReader

from app.cli import main as cli_main
from app.models.enums import PeriodKind
from app.reports.scorecard import write_scorecard_pdf
from app.services.measurements import CellEdit, shift_period
from app.services.partners import PartnerData


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(str(path)).pages))


def _partner_with_data(services):
    p = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    otd, ppm = services.kpis.find("OTD"), services.kpis.find("PPM")
    last = date(2026, 10, 1)
    services.measurements.save_cells(p.id, PeriodKind.MONTH, [
        CellEdit(otd.id, shift_period(PeriodKind.MONTH, last, -i), v) for i, v in enumerate([88.5, 92, 96])])
    services.measurements.save_cells(p.id, PeriodKind.MONTH, [CellEdit(ppm.id, last, 300)])
    services.kpis.set_override(p.id, ppm.id, amber_threshold=400, red_threshold=900)
    return p


def test_scorecard_pdf_has_table_statuses_alerts_and_charts(services, tmp_path):
    p = _partner_with_data(services)
    card = services.scorecards.partner_scorecard(p.id, today=date(2026, 11, 23))
    trends = [services.scorecards.trend(p.id, r.kpi_id) for r in card.rows]
    out = write_scorecard_pdf(tmp_path / "sc.pdf", card, trends)
    text = _text(out)
    assert "Nordwerk Components GmbH" in text
    assert "On-time delivery (OTD)" in text and "Defect rate (PPM)" in text
    assert "Red" in text and "Green" in text
    assert "crossed into red: 88.5 % in Oct 2026" in text
    assert "(override)" in text
    assert "Trends" in text and "trend over the last periods" in text


def test_cli_prints_the_scorecard_and_explains_an_unknown_partner(services, tmp_path, capsys):
    _partner_with_data(services)
    path = str(services.db.path)
    services.db.close()
    out = tmp_path / "card.pdf"
    assert cli_main(["report", "scorecard", "--db", path, "--partner", "nordwerk", "--out", str(out)]) == 0
    assert "KPI scorecard of Nordwerk Components GmbH" in capsys.readouterr().out
    assert "On-time delivery" in _text(out)
    assert cli_main(["report", "scorecard", "--db", path, "--partner", "Nobody", "--out", str(out)]) == 1
    assert "No partner called 'Nobody'" in capsys.readouterr().err


def test_partner_without_measurements_prints_a_clear_page(services, tmp_path):
    p = services.partners.create(PartnerData(name="Candidate Oy"))
    card = services.scorecards.partner_scorecard(p.id)
    text = _text(write_scorecard_pdf(tmp_path / "empty.pdf", card, []))
    assert "No measurements yet" in text


def test_a_disputed_value_is_marked_and_the_dispute_listed(services, tmp_path):
    p = _partner_with_data(services)
    otd = services.kpis.find("OTD")
    services.disputes.raise_dispute(p.id, otd.id, PeriodKind.MONTH, date(2026, 10, 1), 97.2,
                                    "Lot 4711 arrived on time", today=date(2026, 11, 23))
    card = services.scorecards.partner_scorecard(p.id, today=date(2026, 11, 23))
    text = _text(write_scorecard_pdf(tmp_path / "sc.pdf", card, []))
    assert "disputed: 97.2 % proposed" in text
    assert "Disputed values" in text and "Lot 4711 arrived on time" in text

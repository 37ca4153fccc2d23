"""`tandem disputes` and the whole partner round trip from the command line: export scoped, import on the
partner's laptop, a dispute raised there, export back, import at the lead (what was applied, rejected, proposed
and disputed), accepted and rejected at the lead, and back again to the partner."""

from __future__ import annotations

import json
from datetime import date

from app.cli import main
from app.models.enums import PeriodKind
from app.services import build_services
from app.services.database import open_database
from app.services.measurements import CellEdit, period_label, shift_period
from app.services.partners import PartnerData


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def _values(path, partner_name: str) -> dict[date, float]:
    db = open_database(path)
    try:
        services = build_services(db)
        pid = services.partners.find(partner_name).id
        return {r.period_start: r.value for r in services.measurements.series(pid, services.kpis.find("OTD").id)}
    finally:
        db.close()


def test_disputes_round_trip_between_the_lead_and_the_partner_from_the_command_line(tmp_path, capsys):
    last = shift_period(PeriodKind.MONTH, date.today().replace(day=1), -1)
    before = shift_period(PeriodKind.MONTH, last, -1)
    lead_db, acme_db = tmp_path / "lead.sqlite", tmp_path / "acme.sqlite"
    lead = build_services(open_database(lead_db))
    lead.identity.set_names("Lea Lead", "lead-laptop")
    acme = lead.partners.create(PartnerData(name="Acme Components")).id
    lead.partners.create(PartnerData(name="Beta Castings"))
    otd = lead.kpis.find("OTD").id
    lead.measurements.save_cells(acme, PeriodKind.MONTH, [CellEdit(otd, before, 93.0), CellEdit(otd, last, 92.1)])
    lead.db.close()
    partner = build_services(open_database(acme_db))
    partner.identity.set_names("Ana Acme", "acme-laptop")
    partner.db.close()
    out, back = tmp_path / "acme.tandem", tmp_path / "back.tandem"

    assert main(["export", "--db", str(lead_db), "--partner", "Acme Components", "--out", str(out)]) == 0
    assert main(["import", "--db", str(acme_db), str(out), "--trust-new-signer"]) == 0
    capsys.readouterr()
    assert main(["disputes", "raise", "--db", str(acme_db), "--partner", "Acme", "--kpi", "OTD",
                 "--period", period_label(PeriodKind.MONTH, last), "--value", "97,2",
                 "--reason", "Lot 4711 arrived on time: carrier proof"]) == 0
    assert "recorded 92.1 %, proposed 97.2 %" in capsys.readouterr().out
    assert main(["disputes", "raise", "--db", str(acme_db), "--partner", "Acme", "--kpi", "OTD",
                 "--period", period_label(PeriodKind.MONTH, before), "--value", "95",
                 "--reason", "Two lots counted twice", "--json"]) == 0
    second = _json(capsys)
    assert (second["status"], second["proposed_value"], second["recorded_value"]) == ("open", 95.0, 93.0)
    assert main(["disputes", "raise", "--db", str(acme_db), "--partner", "Acme", "--kpi", "OTD",
                 "--period", period_label(PeriodKind.MONTH, last), "--value", "98", "--reason", "again"]) == 1
    assert "disputed already" in capsys.readouterr().err

    assert main(["export", "--db", str(acme_db), "--out", str(back)]) == 0
    capsys.readouterr()
    assert main(["import", "--db", str(lead_db), str(back), "--trust-new-signer", "partner:Acme",
                 "--dry-run"]) == 0
    assert "2 open measurement disputes would arrive" in capsys.readouterr().out
    assert main(["import", "--db", str(lead_db), str(back), "--trust-new-signer", "partner:Acme"]) == 0
    summary = capsys.readouterr().out
    assert "2 open measurement disputes arrived" in summary and "measurement_disputes" in summary

    assert main(["disputes", "list", "--db", str(lead_db), "--partner", "Acme", "--open", "--json"]) == 0
    listed = {d["period"]: d for d in _json(capsys)}
    assert set(listed) == {period_label(PeriodKind.MONTH, last), period_label(PeriodKind.MONTH, before)}
    accepted, rejected = listed[period_label(PeriodKind.MONTH, last)], listed[second["period"]]
    assert accepted["raised_by"] == "Ana Acme" and accepted["recorded_value"] == 92.1
    assert main(["disputes", "accept", "--db", str(lead_db), accepted["id"][:8]]) == 0
    assert "the measurement is now 97.2 %" in capsys.readouterr().out
    assert main(["disputes", "reject", "--db", str(lead_db), rejected["id"][:8], "--reason",
                 "Both lots were delivered separately"]) == 0
    assert main(["disputes", "accept", "--db", str(lead_db), rejected["id"][:8]]) == 1
    assert "was rejected" in capsys.readouterr().err
    assert main(["disputes", "list", "--db", str(lead_db)]) == 0
    assert "2 disputes, 0 open" in capsys.readouterr().out

    again = tmp_path / "again.tandem"
    assert main(["export", "--db", str(lead_db), "--partner", "Acme Components", "--out", str(again)]) == 0
    assert main(["import", "--db", str(acme_db), str(again), "--json"]) == 0
    capsys.readouterr()
    assert main(["disputes", "list", "--db", str(acme_db), "--json"]) == 0
    at_partner = {d["id"]: d for d in _json(capsys)}
    assert at_partner[accepted["id"]]["status"] == "accepted"
    assert (at_partner[rejected["id"]]["status"], at_partner[rejected["id"]]["resolution_reason"]) == (
        "rejected", "Both lots were delivered separately")
    assert _values(acme_db, "Acme")[last] == _values(lead_db, "Acme")[last] == 97.2
    assert _values(acme_db, "Acme")[before] == 93.0

    # the partner's Tandem cannot settle a dispute for the lead: its package is refused at the lead
    assert main(["disputes", "raise", "--db", str(acme_db), "--partner", "Acme", "--kpi", "OTD",
                 "--period", period_label(PeriodKind.MONTH, before), "--value", "94", "--reason", "Recount"]) == 0
    capsys.readouterr()
    assert main(["disputes", "list", "--db", str(acme_db), "--open", "--json"]) == 0
    (third,) = _json(capsys)
    assert main(["disputes", "accept", "--db", str(acme_db), third["id"]]) == 0
    assert main(["export", "--db", str(acme_db), "--out", str(back)]) == 0
    capsys.readouterr()
    assert main(["import", "--db", str(lead_db), str(back), "--json"]) == 0
    counts = _json(capsys)["tables"]["measurement_disputes"]
    assert (counts["new"], counts["rejected"]) == (0, 1)

"""`tandem learning --json`: the tracks and each person's progress, for everyone or one partner."""

from __future__ import annotations

import json
from datetime import date

from app.cli import main
from app.models.enums import Side
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id


def test_learning_json_lists_tracks_and_people(services, db_path, capsys):
    acme = services.partners.create(PartnerData(name="Acme", contacts=(ContactData("Ana", Side.PARTNER),
                                                                       ContactData("Dee", Side.OURS))))
    beta = services.partners.create(PartnerData(name="Beta", contacts=(ContactData("Bea", Side.PARTNER),)))
    v = services.learning.latest(stable_id("learning_track", "escalation-path"))
    for p in (acme, beta):
        for c in p.contacts:
            services.learning.assign(p.id, v.id, contact_id=c.id, assigned_on=date(2026, 1, 1))
    ana = next(c.id for c in acme.contacts if c.name == "Ana")
    for item in v.items:
        services.learning.record_completion(acme.id, item.module_id, contact_id=ana, completed_on=date(2026, 2, 1),
                                            today=date(2026, 11, 23))
    services.db.close()
    assert main(["learning", "--db", str(db_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {t["name"] for t in doc["tracks"]} == {"Escalation path", "Our KPI definitions", "Supplier quality basics"}
    people = {(p["partner"], p["name"]): p for p in doc["people"]}
    assert set(people) == {("Acme", "Ana"), ("Acme", "Dee"), ("Beta", "Bea")}
    ana_row = people[("Acme", "Ana")]
    assert {k: ana_row[k] for k in ("side", "track", "completed", "total", "certified_until")} == {
        "side": "partner", "track": "Escalation path", "completed": 2, "total": 2, "certified_until": "2027-01-31"}
    assert people[("Acme", "Dee")]["certified_until"] is None and people[("Acme", "Dee")]["side"] == "ours"
    assert main(["learning", "--db", str(db_path), "--partner", "Beta", "--json"]) == 0
    assert [p["name"] for p in json.loads(capsys.readouterr().out)["people"]] == ["Bea"]

"""Bad values already stored (an older version, a hand edit): the rules that find them, the directory and the
export that survive them, and the repair and quarantine that fix them."""

from __future__ import annotations

import json
import logging

import pytest

from app.models.enums import PartnerKind
from app.services.checkup import IntegrityService
from app.services.integrity import problems, repair_value, rules
from app.services import build_services
from app.services.database import open_database
from app.services.partners import PartnerData


def _fields(found):
    return {(p.table, p.field) for p in found}


def test_rules_come_from_the_models():
    r = rules("partners")
    assert r["name"].max_length == 200 and r["name"].required
    assert r["kind"].choices == {k.value for k in PartnerKind}
    assert r["tier"].kind == "int" and r["tier"].default == 3
    assert rules("measurements")["period_start"].kind == "date"
    assert rules("no_such_table") == {}
    assert repair_value("partners", "tier") == (True, 3)
    assert repair_value("partners", "kind") == (False, None)
    assert repair_value("partners", "deleted_at") == (True, None)


def test_problems_of_a_hostile_package_record():
    """What a signed package can carry: each is found, named by field, with a reason."""
    record = {"id": "p1", "partner_id": "p1", "name": "x" * 10_000, "kind": "alien", "tier": "abc",
              "annual_spend": "lots", "updated_at": "2026-13-45T00:00:00", "field_revs": {}, "seen_revs": {},
              "base_revs": {}, "notes": b"\x00\x01", "currency": 12}
    found = {p.field: p.reason for p in problems("partners", record, json_as_text=False)}
    assert found == {"name": "longer than 200 characters", "kind": "not one of customer, distributor, supplier",
                     "tier": "not a whole number", "annual_spend": "not a whole number",
                     "updated_at": "not a date and time", "notes": "binary data where a value is expected",
                     "currency": "text expected, found int"}
    measurement = {"id": "m1", "partner_id": "p1", "kpi_id": "k", "period_start": "2026-13-45",
                   "value": float("inf"), "period_kind": "fortnight"}
    assert {p.field for p in problems("measurements", measurement)} == {"period_start", "value", "period_kind"}
    assert {p.field for p in problems("measurements", {"id": "m2"})} >= {"partner_id", "kpi_id", "value"}
    assert problems("partners", {"id": "p", "field_revs": "{broken"})[0].reason == "JSON does not parse"
    sound = {"id": "p", "partner_id": "p", "name": "Łódź Stal Sp. z o.o.", "kind": "supplier", "tier": 2,
             "field_revs": {"a": 1}, "updated_at": "2026-03-01 10:00:00.000000"}
    assert problems("partners", sound, json_as_text=False) == []


def test_a_sound_database_has_no_problems(demo_services):
    assert IntegrityService(demo_services.db).scan() == []


@pytest.fixture
def corrupted(services):
    """Three partners and their rows broken by raw SQL, as a hand edit would."""
    ids = [services.partners.create(PartnerData(name=n, kind=PartnerKind.SUPPLIER)).id
           for n in ("Alpha GmbH", "Beta Ltd", "Gamma SA", "Delta AB")]
    with services.db.engine.begin() as c:
        c.exec_driver_sql("UPDATE partners SET kind = 'alien', tier = 'abc' WHERE id = ?", (ids[0],))
        c.exec_driver_sql("UPDATE partners SET name = x'00ff10' WHERE id = ?", (ids[1],))
        c.exec_driver_sql("UPDATE partners SET field_revs = '{broken', updated_at = 'yesterday', "
                          "annual_spend = 'lots' WHERE id = ?", (ids[2],))
    return services, ids


def test_the_partner_directory_survives_bad_rows_and_names_them(corrupted, caplog):
    services, ids = corrupted
    with caplog.at_level(logging.WARNING):
        rows = {r.id: r for r in services.partners.list()}
    assert set(rows) == set(ids)
    assert rows[ids[0]].kind is None and rows[ids[0]].tier is None and rows[ids[0]].name == "Alpha GmbH"
    assert rows[ids[1]].name == "" and rows[ids[2]].updated_at is None and rows[ids[2]].annual_spend is None
    assert rows[ids[3]].kind is PartnerKind.SUPPLIER
    text = caplog.text
    assert f"partners row {ids[0]}, field kind" in text and f"partners row {ids[1]}, field name" in text


def test_scan_lists_table_row_and_field(corrupted):
    services, ids = corrupted
    found = IntegrityService(services.db).scan()
    assert {(p.row_id, p.field) for p in found} == {
        (ids[0], "kind"), (ids[0], "tier"), (ids[1], "name"), (ids[2], "field_revs"), (ids[2], "updated_at"),
        (ids[2], "annual_spend")}
    assert all(p.table == "partners" for p in found)


def test_repair_sets_defaults_as_stamped_edits_and_leaves_what_has_none(corrupted):
    services, ids = corrupted
    checkup = IntegrityService(services.db)
    before = {r.id: r for r in _raw(services, "SELECT id, rev FROM partners")}
    result = checkup.repair(checkup.scan())
    assert _fields(result.left) == {("partners", "kind"), ("partners", "name")}
    assert {(p.row_id, p.field) for p in result.repaired} == {(ids[0], "tier"), (ids[2], "field_revs"),
                                                             (ids[2], "updated_at"), (ids[2], "annual_spend")}
    left = checkup.scan()
    assert {(p.row_id, p.field) for p in left} == {(ids[0], "kind"), (ids[1], "name")}
    assert services.partners.get(ids[2]).annual_spend == 0
    after = {r.id: r for r in _raw(services, "SELECT id, rev FROM partners")}
    assert after[ids[0]].rev > before[ids[0]].rev  # the fix is an edit that travels
    assert after[ids[3]].rev == before[ids[3]].rev


def test_quarantine_copies_rows_aside_then_tombstones_them(corrupted):
    services, ids = corrupted
    checkup = IntegrityService(services.db)
    result = checkup.quarantine(checkup.scan())
    assert result.rows == 3 and not result.left
    records = [json.loads(line) for line in result.path.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in records}
    assert by_id[ids[0]]["values"]["kind"] == "alien" and by_id[ids[0]]["values"]["name"] == "Alpha GmbH"
    assert by_id[ids[1]]["values"]["name"] == {"$base64": "AP8Q"}
    assert checkup.scan() == []
    assert [r.id for r in services.partners.list()] == [ids[3]]
    deleted = {r.id: r.deleted_at for r in _raw(services, "SELECT id, deleted_at FROM partners")}
    assert all(deleted[i] for i in ids[:3]) and deleted[ids[3]] is None


def _raw(services, sql):
    with services.db.engine.connect() as c:
        return list(c.exec_driver_sql(sql))


def test_reports_and_series_skip_unreadable_measurements_and_name_them(services, caplog):
    """A word as a value, an unknown period kind, a date that does not exist: the scorecard, its trend charts,
    the portfolio and a KPI's series used to die with a traceback; they now use the sound rows and warn."""
    from datetime import date

    from app.models.enums import PeriodKind
    from app.services.measurements import CellEdit

    pid = services.partners.create(PartnerData(name="Alpha GmbH")).id
    otd = services.kpis.find("OTD")
    services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, m, 1), 90 + m)
                                                             for m in range(1, 7)])
    ids = [r.id for r in services.measurements.series(pid, otd.id)]
    with services.db.engine.begin() as c:
        c.exec_driver_sql("UPDATE measurements SET value = 'lots' WHERE id = ?", (ids[1],))
        c.exec_driver_sql("UPDATE measurements SET period_kind = 'alien' WHERE id = ?", (ids[2],))
        c.exec_driver_sql("UPDATE measurements SET period_start = '2026-13-45' WHERE id = ?", (ids[5],))
    with caplog.at_level(logging.WARNING):
        assert [r.value for r in services.measurements.series(pid, otd.id)] == [91, 94, 95]
        assert services.measurements.latest_period(pid, PeriodKind.MONTH) == date(2026, 5, 1)
        card = services.scorecards.partner_scorecard(pid, today=date(2026, 11, 23))
        assert [r.latest_value for r in card.rows] == [95]
        assert services.scorecards.trend(pid, otd.id).values == (91, 94, 95)
        assert [p.partner_id for p in services.scorecards.portfolio(today=date(2026, 11, 23)).partners] == [pid]
    for row, field in ((ids[1], "value"), (ids[2].replace(":month:", ":alien:"), "period_kind"),
                       (ids[5].rsplit(":", 1)[0] + ":2026-13-45", "period_start")):
        assert f"measurements row {row}, field {field}" in caplog.text


def test_an_export_leaves_out_unreadable_rows_names_them_and_carries_the_rest(corrupted, tmp_path, caplog):
    services, ids = corrupted  # Alpha: unknown kind and tier; Beta: a BLOB name; Gamma: broken JSON, bad date
    out = tmp_path / "all.tandem"
    with caplog.at_level(logging.WARNING):
        result = services.sync.export(out)  # no traceback: the package is written
    left_out = {(p.row_id, p.field) for p in result.skipped}
    assert {(ids[0], "kind"), (ids[0], "tier"), (ids[1], "name")} <= left_out
    assert any(row == ids[2] for row, _field in left_out)
    assert "3 records could not be read" in result.skipped_text and "Run `tandem check`" in result.skipped_text
    assert ids[1] in caplog.text
    other = build_services(open_database(tmp_path / "other.sqlite"))
    try:
        got = other.sync.import_package(out, trust_new_signer=True)
        assert got.tables["partners"]["rejected"] == 0
        assert [p.name for p in other.partners.list()] == ["Delta AB"]  # the sound one travelled, alone
    finally:
        other.db.close()

"""A package scoped to some partners carries only the shared-library records those partners use.

Acme measures two KPIs and onboards from version 2 of the default playbook, whose one extra step names a third
KPI; it has a selection assessment and one completed learning module. Beta measures other KPIs and onboards
from version 1. Acme's package must carry exactly Acme's KPIs (with their history), that one playbook version
with its own steps (and the playbook it belongs to), the criteria set with all its criteria, that one module,
and import cleanly into an empty database as well as into a laptop holding every library.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.models import LearningCompletion, Measurement
from app.services.database import open_database
from app.services.identity import IdentityService
from app.services.playbooks import StepData
from app.services.reference_data import stable_id
from app.services.sync import SyncService
from app.services.sync.scope import library_graph
from app.services.sync.tables import table_specs
from tests.sync.conftest import add_partner
from tests.sync.helpers import read_records

KPI = {code: stable_id("kpi", code) for code in ("OTD", "LT", "FPY", "PPM", "CAPA")}
PLAYBOOK = stable_id("playbook", "default")
MODULES_TABLE = "learning_modules"


def _ids(records, table) -> set[str]:
    return {r["id"] for r in records.get(table, [])}


def _query(services, sql, *params) -> set:
    with services.db.engine.connect() as conn:
        return {row[0] for row in conn.exec_driver_sql(sql, params)}


def _measure(services, partner_id: str, code: str, month: int = 3) -> None:
    with services.db.sessions.begin() as s:
        s.add(Measurement(partner_id=partner_id, kpi_id=KPI[code], period_start=date(2026, month, 1), value=90.0))


@pytest.fixture
def alice(laptops):
    """Alice's laptop: Acme and Beta using different parts of the libraries (see the module docstring)."""
    alice = laptops.new("alice")
    v1 = alice.playbooks.latest_published(PLAYBOOK)
    steps = list(v1.steps) + [StepData(title="Agree the first-pass-yield baseline", kpi_id=KPI["FPY"])]
    v2 = alice.playbooks.publish(alice.playbooks.edit(v1.id, v1.name, v1.description, steps, "FPY step").id)
    # OTD gets a second version: a KPI's history travels with it
    otd = alice.kpis.get(KPI["OTD"])
    alice.kpis.update(replace(otd, definition=otd.definition + " Counted at the dock."), note="clarified")

    acme, beta = add_partner(alice, "Acme"), add_partner(alice, "Beta")
    _measure(alice, acme, "OTD")
    _measure(alice, acme, "LT")
    _measure(alice, beta, "PPM")
    _measure(alice, beta, "CAPA")
    alice.onboarding.start(acme, v2.id, date(2026, 3, 1))
    alice.onboarding.start(beta, v1.id, date(2026, 3, 1))
    assessment = alice.selection.start(acme)
    alice.selection.set_score(assessment.id, assessment.criteria_set.criteria[0].id, 4)
    module = min(_query(alice, f"SELECT id FROM {MODULES_TABLE}"))
    with alice.db.sessions.begin() as s:
        s.add(LearningCompletion(partner_id=acme, module_id=module, person="Ana", completed_on=date(2026, 4, 1)))
    alice.ctx = {"acme": acme, "beta": beta, "v1": v1.id, "v2": v2.id, "set": assessment.criteria_set.id,
                 "module": module}
    return alice


def test_the_library_graph_comes_from_the_foreign_keys():
    graph = library_graph()
    assert graph.parts == {"criteria_sets": (("criteria", "criteria_set_id"),),
                           "kpis": (("kpi_versions", "kpi_id"),),
                           "learning_track_versions": (("learning_track_items", "version_id"),),
                           "playbook_versions": (("playbook_steps", "version_id"),)}
    assert ("kpi_id", "kpis") in graph.uses["measurements"]
    assert ("playbook_id", "playbooks") in graph.uses["playbook_versions"]
    assert "devices" not in graph.library and "partners" not in graph.library


def test_scoped_export_carries_only_the_libraries_its_partners_use(alice, laptops):
    c = alice.ctx
    path = laptops.package("acme")
    result = alice.sync.export(path, partner_ids=[c["acme"]])
    rec = read_records(path)

    # the two KPIs measured and the one named by a step of the playbook version Acme onboarded from
    kpis = {KPI["OTD"], KPI["LT"], KPI["FPY"]}
    assert _ids(rec, "kpis") == kpis
    # libraries travel as their current versions: the KPI history (whose notes may name others) stays home
    assert len(_query(alice, "SELECT id FROM kpi_versions WHERE kpi_id IN (?, ?, ?)", *kpis)) == 4
    assert not _ids(rec, "kpi_versions")
    # that playbook version, its own steps only, and the playbook it belongs to (not version 1)
    assert _ids(rec, "playbook_versions") == {c["v2"]}
    assert _ids(rec, "playbook_steps") == _query(alice, "SELECT id FROM playbook_steps WHERE version_id = ?", c["v2"])
    assert not _ids(rec, "playbook_steps") & _query(alice, "SELECT id FROM playbook_steps WHERE version_id = ?",
                                                    c["v1"])
    assert _ids(rec, "playbooks") == {PLAYBOOK}
    # the criteria set of the assessment with all its criteria (one is scored), the one module completed
    assert _ids(rec, "criteria_sets") == {c["set"]}
    assert _ids(rec, "criteria") == _query(alice, "SELECT id FROM criteria WHERE criteria_set_id = ?", c["set"])
    assert len(_ids(rec, "criteria")) == 10
    assert _ids(rec, MODULES_TABLE) == {c["module"]}
    assert _ids(rec, "plan_templates") == set()  # no plan names a template
    # the device that made the edits, nothing of Beta
    assert _ids(rec, "devices") == {alice.db.device_id}
    assert c["beta"] not in path.read_bytes().decode("utf-8", "replace")
    assert result.counts["kpis"] == 3


def test_scoped_package_imports_into_an_empty_database(alice, laptops, tmp_path):
    c = alice.ctx
    path = laptops.package("acme")
    alice.sync.export(path, partner_ids=[c["acme"]])
    sent = {t: len(rows) for t, rows in read_records(path).items()}

    db = open_database(tmp_path / "empty.sqlite")  # migrated, no libraries seeded
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM kpis").scalar() == 0
        result = SyncService(db, IdentityService(db.sessions)).import_package(path, trust_new_signer=True)
        assert not result.rejections
        assert result.total["rejected"] == 0 and result.total["conflicts"] == 0
        assert {t: n["new"] for t, n in result.tables.items() if n["new"]} == {t: n for t, n in sent.items() if n}
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            kpis = {r[0] for r in conn.exec_driver_sql("SELECT kpi_id FROM measurements")}
            assert kpis == {KPI["OTD"], KPI["LT"]}
            steps = conn.exec_driver_sql("SELECT count(*) FROM checklist_items i JOIN playbook_steps s "
                                         "ON s.id = i.step_id").scalar()
            assert steps == len(_query(alice, "SELECT id FROM playbook_steps WHERE version_id = ?", c["v2"]))
    finally:
        db.close()


def test_scoped_package_merges_into_a_laptop_with_every_library(alice, laptops):
    c = alice.ctx
    bob = laptops.new("bob")
    result = laptops.send(alice, bob, partner_ids=[c["acme"]])
    assert not result.rejections and result.total["conflicts"] == 0
    # the shipped libraries are the same records on both laptops: only Alice's edits are news to Bob
    assert result.tables["kpis"] == {"new": 0, "updated": 1, "unchanged": 2, "conflicts": 0, "proposed": 0, "rejected": 0}
    assert result.tables["playbook_versions"]["new"] == 1 and result.tables["playbook_versions"]["unchanged"] == 0
    assert result.tables["criteria"]["unchanged"] == 10
    again = laptops.send(alice, bob, partner_ids=[c["acme"]])
    assert again.total["new"] == again.total["updated"] == again.total["conflicts"] == 0


def test_incremental_scoped_package_brings_newly_used_and_edited_library_records(alice, laptops, tmp_path):
    c = alice.ctx
    full = laptops.package("full")
    alice.sync.export(full, partner_ids=[c["acme"]], recipient="Carla")
    db = open_database(tmp_path / "carla.sqlite")
    carla = SyncService(db, IdentityService(db.sessions))
    try:
        carla.import_package(full, trust_new_signer=True)
        # Acme now measures PPM (a library record unchanged since the last export) and OTD's definition and
        # CAPA's (used by Beta only) are edited in the library
        _measure(alice, c["acme"], "PPM", month=4)
        for code in ("OTD", "CAPA"):
            k = alice.kpis.get(KPI[code])
            alice.kpis.update(replace(k, definition=k.definition + " Revised."), note="revised")
        inc = laptops.package("inc")
        alice.sync.export(inc, partner_ids=[c["acme"]], since="LAST", recipient="Carla")
        rec = read_records(inc)
        assert _ids(rec, "kpis") == {KPI["PPM"], KPI["OTD"]}
        assert _ids(rec, "measurements") == _query(
            alice, "SELECT id FROM measurements WHERE kpi_id = ? AND partner_id = ?", KPI["PPM"], c["acme"])
        assert _ids(rec, "playbook_steps") == set()  # nothing changed there
        result = carla.import_package(inc)
        assert not result.rejections
        assert result.tables["measurements"]["new"] == 1 and result.tables["kpis"]["new"] == 1
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        db.close()


def test_unscoped_export_still_carries_every_library_record(alice, laptops):
    path = laptops.package("all")
    alice.sync.export(path)
    rec = read_records(path)
    for name in table_specs():
        assert _ids(rec, name) == _query(alice, f'SELECT id FROM "{name}"'), name
    assert _ids(rec, "plan_templates")  # the shipped template travels in a full package

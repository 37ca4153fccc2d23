"""KPI drafts travel like any version row: a draft arrives as a draft (the KPI unchanged), its publishing arrives
too, and two laptops that each publish a draft of the same KPI end with the same history and the same numbers.
A package from a laptop of before drafts (its KPI versions carry no status) imports, its versions published."""

from __future__ import annotations

from dataclasses import replace

from app.services.kpis import DEFINITION_FIELDS
from tests.sync.helpers import build_package, read_manifest, read_records


def _exchange(laptops, a, b) -> None:
    laptops.send(a, b)
    laptops.send(b, a)


def _history(lt, code):
    k = lt.kpis.find(code)
    return k.version, k.draft, [(h.label, h.change_note) for h in lt.kpis.history(k.id)]


def _definition(lt, code):
    k = lt.kpis.find(code)
    return {f: getattr(k, f) for f in DEFINITION_FIELDS}


def test_a_draft_travels_as_a_draft_and_its_publishing_follows(laptops):
    a, b = laptops.new("anna"), laptops.new("ben")
    _exchange(laptops, a, b)
    otd = a.kpis.find("OTD")
    a.kpis.save_draft(replace(otd, amber_threshold=96), note="Benchmark raised")
    laptops.send(a, b)
    assert _history(b, "OTD") == (1, 2, [("v2 draft", "Benchmark raised"), ("v1", "Shipped with Tandem")])
    assert b.kpis.find("OTD").amber_threshold == 95  # a draft elsewhere changes nothing here either
    a.kpis.publish_draft(otd.id)
    laptops.send(a, b)
    assert _history(b, "OTD") == _history(a, "OTD") == (2, None, [("v2", "Benchmark raised"),
                                                                   ("v1", "Shipped with Tandem")])
    assert b.kpis.find("OTD").amber_threshold == 96


def test_two_laptops_each_publishing_a_draft_of_a_kpi_end_with_the_same_history_and_numbers(laptops):
    a, b = laptops.new("anna"), laptops.new("ben")
    _exchange(laptops, a, b)
    for lt, who, amber in ((a, "anna", 96), (b, "ben", 97)):
        k = lt.kpis.find("OTD")
        lt.kpis.save_draft(replace(k, amber_threshold=amber, definition=f"{k.definition} Checked by {who}."),
                           note=f"{who}'s draft")
        assert lt.kpis.find("OTD").draft == 2
        lt.kpis.publish_draft(k.id)
        assert lt.kpis.find("OTD").version == 2
    _exchange(laptops, a, b)
    on_a, on_b = _history(a, "OTD"), _history(b, "OTD")
    assert on_a == on_b
    version, draft, entries = on_a
    assert (version, draft) == (3, None) and [label for label, _ in entries] == ["v3", "v2", "v1"]
    assert {note for _, note in entries[:2]} == {"anna's draft", "ben's draft"}
    # The published definitions met in the KPI's fields: merged there by the ordinary rules, the same on both.
    _exchange(laptops, a, b)
    assert _definition(a, "OTD") == _definition(b, "OTD")


def test_a_draft_started_on_each_laptop_both_arrive_numbered_after_the_published_ones(laptops):
    a, b = laptops.new("anna"), laptops.new("ben")
    _exchange(laptops, a, b)
    a.kpis.save_draft(replace(a.kpis.find("OTD"), amber_threshold=96), note="anna's draft")
    b.kpis.save_draft(replace(b.kpis.find("OTD"), amber_threshold=97), note="ben's draft")
    b.kpis.update(replace(b.kpis.find("PPM"), weight=2))  # unrelated
    _exchange(laptops, a, b)
    assert _history(a, "OTD") == _history(b, "OTD")
    version, draft, entries = _history(a, "OTD")
    assert (version, draft) == (1, 3) and [label for label, _ in entries] == ["v3 draft", "v2 draft", "v1"]
    a.kpis.publish_draft(a.kpis.find("OTD").id)  # the newest draft; the other waits, numbered after it
    _exchange(laptops, a, b)
    assert _history(a, "OTD") == _history(b, "OTD")
    version, draft, entries = _history(b, "OTD")
    assert (version, draft) == (2, 3) and [label for label, _ in entries] == ["v3 draft", "v2", "v1"]


def test_a_package_from_a_laptop_of_before_drafts_imports_its_kpi_versions_as_published(laptops):
    a, b = laptops.new("anna"), laptops.new("ben")
    otd = a.kpis.find("OTD")
    a.kpis.update(replace(otd, amber_threshold=96), note="Benchmark raised")
    path = laptops.package()
    a.sync.export(path)
    records = read_records(path)
    declared = {t: m["columns"] for t, m in read_manifest(path)["tables"].items()}
    for row in records["kpi_versions"]:
        del row["status"]  # an older laptop's package: no such column

    def arrays(table, _cols):
        return [c for c in declared[table] if table != "kpi_versions" or c != "status"]

    old = build_package(laptops.package("old"), a, records, arrays=arrays)
    result = b.sync.import_package(old, trust_new_signer=True)
    assert result.rejections == ()
    assert _history(b, "OTD") == (2, None, [("v2", "Benchmark raised"), ("v1", "Shipped with Tandem")])
    assert b.kpis.find("OTD").amber_threshold == 96
    # Format 1 (one object per record) without the column is read the same way.
    fresh = laptops.new("cleo")
    result = fresh.sync.import_package(build_package(laptops.package("old1"), a, records), trust_new_signer=True)
    assert result.rejections == ()
    assert _history(fresh, "OTD") == _history(b, "OTD")

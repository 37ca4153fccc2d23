"""Sync you can trust: each test shows one way the earlier sync lost, skipped or misplaced an edit."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Kpi, Partner
from app.models.enums import PeriodKind
from app.services.clock import COUNTER_MAX, HybridClock, is_valid_rev
from app.services.reference_data import seed_reference_data, shipped_records
from app.services.sync.errors import PackageRefused
from tests.sync.conftest import add_partner, edit, file_hash, get
from tests.sync.helpers import KPI_OTD, build_package, read_records

DEVICE = "ab" * 16


def test_revs_keep_their_order_past_the_counter_width():
    """100,000 edits within one millisecond (a pinned clock and a big import) must still order as text."""
    clock = HybridClock(DEVICE, wall=lambda: 1_800_000_000_000)
    revs = [clock.tick() for _ in range(COUNTER_MAX + 3)]
    assert all(a < b for a, b in zip(revs, revs[1:]))
    assert all(is_valid_rev(r) for r in revs[-3:])


@settings(max_examples=300, deadline=None)
@given(walls=st.lists(st.integers(0, 5), min_size=1, max_size=60),
       observed=st.lists(st.tuples(st.integers(0, 60), st.integers(0, COUNTER_MAX)), max_size=5))
def test_the_clock_never_goes_back_whatever_the_wall_clock_and_imports_do(walls, observed):
    now = iter(walls * 2)
    clock = HybridClock(DEVICE, wall=lambda: 1_800_000_000_000 + next(now, 0))
    last = ""
    for i in range(len(walls)):
        if i < len(observed):
            millis, counter = observed[i]
            clock.observe(f"{1_800_000_000_000 + millis:016d}.{counter:05d}.{'cd' * 16}")
        rev = clock.tick()
        assert rev > last and is_valid_rev(rev)
        last = rev


@pytest.mark.parametrize("rev", ["0001800000000000.100000." + DEVICE, "1800000000000.00001." + DEVICE,
                                 "0001800000000000.00001.Mallory", "0001800000000000.00001." + DEVICE + "x",
                                 # digits of other scripts sort above every real rev and would win every merge
                                 "\uff10" * 16 + ".00001." + DEVICE, "\u0660" * 16 + ".00001." + DEVICE,
                                 # two revs in one: must not pass a check of a whole batch's revs at once
                                 "0001800000000000.00001." + DEVICE + "\n0001800000000000.00002." + DEVICE])
def test_revs_in_any_other_format_are_rejected(laptops, tmp_path, rev):
    alice = laptops.new("alice")
    pid = add_partner(alice, "Acme")
    out = tmp_path / "a.tandem"
    alice.sync.export(out)
    records = read_records(out)
    (row,) = [r for r in records["partners"] if r["id"] == pid]
    row.update(rev=rev, name="Forged")
    bob = laptops.new("bob")
    result = bob.sync.import_package(build_package(tmp_path / "forged.tandem", alice, {"partners": [row]}),
                                     trust_new_signer=True)
    assert result.tables["partners"]["rejected"] == 1
    assert "revision stamps" in result.rejections[0]


def test_a_package_from_a_laptop_whose_clock_runs_days_ahead_is_refused_and_changes_nothing(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(bob, "Bob's own")
    fast = bob.db.clock.wall_millis() + 3 * 24 * 3600 * 1000
    alice.db.clock._wall = lambda: fast  # noqa: SLF001 (three days fast)
    add_partner(alice, "Acme")
    path = laptops.package()
    alice.sync.export(path)
    before = file_hash(bob.db.path)
    with pytest.raises(PackageRefused) as refused:
        bob.sync.import_package(path, trust_new_signer=True)
    assert "Alice" in str(refused.value) and "3 days ahead" in str(refused.value)
    assert file_hash(bob.db.path) == before
    assert bob.db.clock.tick() < f"{fast:016d}"  # this laptop's clock was not dragged into the future


def test_an_edit_committed_while_an_export_runs_travels_in_the_next_package(laptops, monkeypatch):
    """Flushed (stamped) before the export began, committed while it ran: in neither package before."""
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob, since="LAST", recipient="bob")
    flushed, release = threading.Event(), threading.Event()

    def slow_edit() -> None:
        with alice.db.sessions.begin() as s:
            s.get(Partner, pid).notes = "typed during the export"
            s.flush()
            flushed.set()
            release.wait(10)

    editor = threading.Thread(target=slow_edit)
    editor.start()
    flushed.wait(10)

    import app.services.sync.exporter as exporter

    count_rows = exporter.count_rows

    def counting_then_commit(*args, **kw):
        counts = count_rows(*args, **kw)  # the export's snapshot has begun
        release.set()
        editor.join(10)  # committed while the export reads
        return counts

    monkeypatch.setattr(exporter, "count_rows", counting_then_commit)
    first = laptops.package()
    alice.sync.export(first, since="LAST", recipient="bob")
    monkeypatch.setattr(exporter, "count_rows", count_rows)
    editor.join(10)
    assert all(r.get("notes") != "typed during the export" for r in read_records(first).get("partners", []))
    second = laptops.package()
    alice.sync.export(second, since="LAST", recipient="bob")
    assert [r["notes"] for r in read_records(second)["partners"] if r["id"] == pid] == ["typed during the export"]
    bob.sync.import_package(first, trust_new_signer=True)
    bob.sync.import_package(second, trust_new_signer=True)
    assert get(bob, Partner, pid).notes == "typed during the export"


def test_edits_imported_from_others_travel_in_the_next_incremental_package(laptops):
    """A relayed edit with an old rev (its laptop's clock is behind) still counts as new here."""
    alice, bob, carol = laptops.new("alice"), laptops.new("bob"), laptops.new("carol")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, carol)
    laptops.send(alice, bob, since="LAST", recipient="bob")
    carol.db.clock._wall = lambda: 1_000  # noqa: SLF001 (Carol's clock is far behind)
    edit(carol, Partner, pid, segment="Carol's segment")
    laptops.send(carol, alice)
    path = laptops.package()
    alice.sync.export(path, since="LAST", recipient="bob")
    bob.sync.import_package(path, trust_new_signer=True)
    assert get(bob, Partner, pid).segment == get(alice, Partner, pid).segment


def _next_release(monkeypatch, kpi_id: str) -> None:
    """Pretend this Tandem ships edition 2 of the defaults, in which one KPI was renamed."""
    import app.services.reference_data as reference_data

    original = reference_data.shipped_records

    def next_release():
        records = original()
        for row in records["kpis"]:
            if row["id"] == kpi_id:
                row.update(name="Renamed in the next release", rev="0000000000000002.00000.shipped")
        return records

    monkeypatch.setattr(reference_data, "shipped_records", next_release)
    monkeypatch.setattr(reference_data, "shipped_edition", lambda: 2)


def test_a_newer_release_of_the_defaults_reaches_older_laptops_and_metadata_converges(laptops, monkeypatch):
    old, new = laptops.new("old"), laptops.new("new")
    kpi_id = next(r["id"] for r in shipped_records()["kpis"])
    assert get(old, Kpi, kpi_id).updated_at == get(new, Kpi, kpi_id).updated_at
    assert get(old, Kpi, kpi_id).updated_by == get(new, Kpi, kpi_id).updated_by

    _next_release(monkeypatch, kpi_id)
    assert seed_reference_data(new.db) is True  # the newer release merges its defaults on start
    laptops.send(new, old)
    assert get(old, Kpi, kpi_id).name == get(new, Kpi, kpi_id).name == "Renamed in the next release"
    assert old.sync.conflicts() == [] and new.sync.conflicts() == []


def test_a_users_edit_of_a_default_stands_when_a_new_release_changes_it(laptops, monkeypatch):
    lead = laptops.new("lead")
    kpi_id = next(r["id"] for r in shipped_records()["kpis"])
    edit(lead, Kpi, kpi_id, name="Our own wording")
    _next_release(monkeypatch, kpi_id)
    seed_reference_data(lead.db)
    assert get(lead, Kpi, kpi_id).name == "Our own wording"
    (conflict,) = lead.sync.conflicts()
    assert {conflict.local_value, conflict.incoming_value} == {"Our own wording", "Renamed in the next release"}


def test_a_conflict_closes_when_its_field_is_edited_again_here(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, notes="A")
    edit(bob, Partner, pid, notes="B")
    laptops.send(bob, alice)
    assert len(alice.sync.conflicts()) == 1
    edit(alice, Partner, pid, segment="unrelated field")
    assert len(alice.sync.conflicts()) == 1  # another field's edit settles nothing
    edit(alice, Partner, pid, notes="Written knowing both")
    assert alice.sync.conflicts() == []
    laptops.send(alice, bob)
    assert bob.sync.conflicts() == [] and get(bob, Partner, pid).notes == "Written knowing both"


def test_a_delete_and_a_concurrent_edit_keep_the_record_on_both_laptops_with_a_conflict_on_both(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    alice.partners.delete(pid)
    edit(bob, Partner, pid, notes="Bob kept working on it")
    pa, pb = laptops.package(), laptops.package()
    alice.sync.export(pa)
    bob.sync.export(pb)
    alice.sync.import_package(pb, trust_new_signer=True)
    bob.sync.import_package(pa, trust_new_signer=True)
    for s in (alice, bob):
        row = get(s, Partner, pid)
        assert row.deleted_at is None and row.notes == "Bob kept working on it"
        assert [c.field for c in s.sync.conflicts()] == ["deleted_at"]


def test_a_service_reads_one_snapshot_even_when_another_connection_commits_between_its_reads(laptops):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    with alice.db.sessions() as s:
        first = s.scalar(select(func.count()).select_from(Partner))
        with alice.db.engine.begin() as other:  # an import committing meanwhile, say
            other.exec_driver_sql("UPDATE partners SET notes = 'changed meanwhile'")
        assert s.scalar(select(func.count()).select_from(Partner).where(Partner.notes == "changed meanwhile")) == 0
        assert s.scalar(select(func.count()).select_from(Partner)) == first


def test_the_same_period_recorded_on_two_laptops_is_one_measurement_with_a_conflict(laptops):
    from datetime import date

    from app.models import Measurement
    from app.models.enums import PeriodKind
    from tests.sync.helpers import KPI_OTD

    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    alice.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 10, 1), 91.0)
    bob.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 10, 1), 87.5)
    pa, pb = laptops.package(), laptops.package()
    alice.sync.export(pa)
    bob.sync.export(pb)
    alice.sync.import_package(pb, trust_new_signer=True)
    bob.sync.import_package(pa, trust_new_signer=True)
    values = []
    for s in (alice, bob):
        with s.db.sessions() as ses:
            rows = ses.scalars(select(Measurement).where(Measurement.partner_id == pid,
                                                         Measurement.deleted_at.is_(None))).all()
        assert len(rows) == 1
        values.append(rows[0].value)
        (c,) = s.sync.conflicts()
        assert {c.local_value, c.incoming_value} == {91.0, 87.5}
    assert values[0] == values[1]


def test_clearing_and_entering_a_value_again_keeps_one_record(laptops):
    from datetime import date

    from app.models import Measurement
    from app.models.enums import PeriodKind
    from tests.sync.helpers import KPI_OTD

    alice = laptops.new("alice")
    pid = add_partner(alice, "Acme")
    for value in (80.0, None, 82.0, None, 84.0):
        alice.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 10, 1), value)
    with alice.db.sessions() as s:
        rows = s.scalars(select(Measurement).where(Measurement.partner_id == pid)).all()
    assert [(r.value, r.deleted_at) for r in rows] == [(84.0, None)]


def _record_october(services, pid, value):
    return services.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 10, 1), value)


def _live_measurements(services, pid):
    from app.models import Measurement

    with services.db.sessions() as s:
        return s.scalars(select(Measurement.value).where(Measurement.partner_id == pid,
                                                         Measurement.deleted_at.is_(None))).all()


def test_a_measurement_added_to_a_partner_deleted_elsewhere_brings_the_partner_back_on_both_laptops(laptops):
    """Before: the measurement hid under the tombstone, with no conflict anywhere."""
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    _record_october(alice, pid, 90.0)
    laptops.send(alice, bob)
    bob.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 11, 1), 93.5)  # offline, first
    alice.partners.delete(pid)  # later on the clock, yet it knew only the partner's October figure
    pa, pb = laptops.package(), laptops.package()
    alice.sync.export(pa)
    bob.sync.export(pb)
    alice.sync.import_package(pb, trust_new_signer=True)  # the child arrives after the delete
    bob.sync.import_package(pa, trust_new_signer=True)  # the delete arrives after the child
    rows = []
    for s in (alice, bob):
        p = get(s, Partner, pid)
        assert p.deleted_at is None
        assert sorted(_live_measurements(s, pid)) == [90.0, 93.5]
        assert [(c.table, c.field) for c in s.sync.conflicts()] == [("partners", "deleted_at")]
        rows.append((p.rev, p.field_revs, p.seen_revs, p.base_revs))
    assert rows[0] == rows[1]  # both laptops hold the same record, so later packages change nothing


def test_a_delete_made_knowing_every_child_stands(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    _record_october(bob, pid, 88.0)
    laptops.send(bob, alice)
    alice.partners.delete(pid)  # made after Alice had Bob's figure
    laptops.send(alice, bob)
    laptops.send(bob, alice)
    for s in (alice, bob):
        assert get(s, Partner, pid).deleted_at is not None
        assert s.sync.conflicts() == []


def test_an_export_killed_half_way_leaves_no_partial_file_after_the_next_start(laptops, tmp_path, monkeypatch):
    """Before: a killed export left its ``.tandem-export-*.part`` beside the target for good."""
    from app.services import build_services
    from app.services.database import open_database
    from app.services.sync import exporter

    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    out_dir = tmp_path / "usb"
    out_dir.mkdir()

    class Killed(BaseException):
        pass

    def killed(*_a):
        raise Killed

    monkeypatch.setattr(exporter, "_drop_temp", lambda *_a: None)  # a killed process cleans nothing up
    monkeypatch.setattr(exporter.crypto, "encrypt_stream", killed)  # killed while encrypting
    with pytest.raises(Killed):
        alice.sync.export(out_dir / "acme.tandem", passphrase="correct horse battery")
    monkeypatch.undo()
    left = sorted(p.suffix for p in out_dir.iterdir())
    assert left == [".enc", ".part"]
    path = alice.db.path
    alice.db.close()
    again = build_services(open_database(path))
    try:
        assert list(out_dir.iterdir()) == []
        again.sync.export(out_dir / "acme.tandem")  # and exporting works as before
        assert [p.name for p in out_dir.iterdir()] == ["acme.tandem"]
    finally:
        again.db.close()

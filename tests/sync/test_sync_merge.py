"""The merge rules of issue 7, shown with two or three laptops exchanging packages."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from sqlalchemy import select

from app.models import LogEntry, Measurement, Partner
from app.models.sync import SyncConflict
from app.services.clock import utcnow
from tests.sync.conftest import add_partner, edit, get
from tests.sync.helpers import KPI_OTD, add_log, add_measurement, add_session, build_package, read_records, state


def test_first_import_brings_everything_and_shared_libraries_merge_without_conflicts(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme", notes="first visit")
    add_measurement(alice, pid, 1, 91.5)
    result = laptops.send(alice, bob)
    assert result.applied
    assert result.tables["partners"]["new"] == 1 and result.tables["measurements"]["new"] == 1
    # Both laptops loaded the same shipped KPI library: the same records, not conflicts or duplicates.
    assert result.tables["kpis"]["conflicts"] == 0 and result.tables["kpis"]["new"] == 0
    assert result.total["conflicts"] == 0
    assert bob.partners.get(pid).notes == "first visit"
    assert state(alice, meta=False) == state(bob, meta=False)


def test_incoming_revisions_are_kept_and_reimport_is_a_reported_no_op(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    path = laptops.package()
    alice.sync.export(path)
    first = bob.sync.import_package(path, trust_new_signer=True)
    assert get(bob, Partner, pid).rev == get(alice, Partner, pid).rev  # never re-stamped
    assert get(bob, Partner, pid).updated_by == alice.db.device_id
    before = state(bob)
    again = bob.sync.import_package(path)
    assert again.no_op and not again.applied
    assert again.already_imported_at is not None
    assert again.total["unchanged"] == first.total["new"] + first.total["unchanged"] + first.total["conflicts"]
    assert state(bob) == before
    # Only the first import, which changed the database, left a backup: importing again adds no copy.
    assert first.backup_path is not None and again.backup_path is None
    assert sorted(p.name for p in first.backup_path.parent.glob("*.sqlite")) == [first.backup_path.name]


def test_a_package_imported_again_after_what_it_lacked_arrived_applies_what_was_refused(laptops):
    """Re-importing a package that was applied whole is answered without reading it; one that had records
    refused is merged again, so what it brought is not lost once the records it needed have arrived."""
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    add_measurement(alice, pid, 3, 88.0)
    full = laptops.package()
    alice.sync.export(full)
    records = read_records(full)
    figures = build_package(laptops.package(), alice, {"measurements": records["measurements"]})
    partners = build_package(laptops.package(), alice, {"partners": records["partners"]})
    first = bob.sync.import_package(figures, trust_new_signer=True)
    assert first.total["rejected"] == 1 and not bob.measurements.series(pid, KPI_OTD)
    bob.sync.import_package(partners)
    again = bob.sync.import_package(figures)
    assert again.total["new"] == 1
    assert [m.value for m in bob.measurements.series(pid, KPI_OTD)] == [88.0]
    once_more = bob.sync.import_package(figures)
    assert once_more.no_op and once_more.total["unchanged"] == 1


def test_edits_to_different_fields_on_two_laptops_both_survive(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, notes="Alice's notes")
    edit(bob, Partner, pid, segment="Electronics")
    ra = laptops.send(bob, alice)
    rb = laptops.send(alice, bob)
    for s in (alice, bob):
        p = s.partners.get(pid)
        assert (p.notes, p.segment) == ("Alice's notes", "Electronics")
    assert ra.total["conflicts"] == rb.total["conflicts"] == 0
    assert ra.tables["partners"]["updated"] == 1
    assert state(alice) == state(bob)


def test_same_field_on_both_sides_keeps_one_winner_everywhere_and_lists_the_other(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, notes="Alice says A")
    edit(bob, Partner, pid, notes="Bob says B")
    # They swap packages (both written before either imports).
    pa, pb = laptops.package(), laptops.package()
    alice.sync.export(pa)
    bob.sync.export(pb)
    ra = alice.sync.import_package(pb, trust_new_signer=True)
    rb = bob.sync.import_package(pa, trust_new_signer=True)
    assert ra.tables["partners"]["conflicts"] == 1 and rb.tables["partners"]["conflicts"] == 1
    assert alice.partners.get(pid).notes == bob.partners.get(pid).notes  # the same winner on both laptops
    winner = alice.partners.get(pid).notes
    loser = ({"Alice says A", "Bob says B"} - {winner}).pop()
    for s in (alice, bob):
        (c,) = s.sync.conflicts()
        assert (c.table, c.row_id, c.field) == ("partners", pid, "notes")
        assert {c.local_value, c.incoming_value} == {winner, loser}  # nothing lost: the other value is listed
    assert state(alice) == state(bob)


def test_a_value_that_lost_elsewhere_is_listed_on_its_own_laptop(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(bob, Partner, pid, notes="Bob says B")
    edit(alice, Partner, pid, notes="Alice says A")  # later: Alice's value wins
    laptops.send(bob, alice)  # Alice sees the conflict...
    result = laptops.send(alice, bob)  # ...and her merged record replaces Bob's value on his laptop
    assert bob.partners.get(pid).notes == "Alice says A"
    assert result.tables["partners"]["conflicts"] == 1
    (c,) = bob.sync.conflicts()
    assert (c.local_value, c.incoming_value, c.winner) == ("Bob says B", "Alice says A", "incoming")
    assert len(alice.sync.conflicts()) == 1
    # Importing the same records again reports nothing new.
    assert laptops.send(alice, bob).total["conflicts"] == 0
    assert len(bob.sync.conflicts()) == 1


def test_keeping_the_winner_also_closes_the_conflict_on_the_other_laptop(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(bob, Partner, pid, notes="Bob says B")
    edit(alice, Partner, pid, notes="Alice says A")
    laptops.send(bob, alice)
    laptops.send(alice, bob)
    assert len(bob.sync.conflicts()) == 1
    (c,) = alice.sync.conflicts()
    alice.sync.resolve(c.id, "mine")  # Alice keeps her (winning) value
    laptops.send(alice, bob)
    assert bob.sync.conflicts() == []  # settled by Alice's resolution
    (closed,) = bob.sync.conflicts(include_resolved=True)
    assert closed.resolution == "superseded"
    assert bob.partners.get(pid).notes == "Alice says A"


def test_resolving_a_conflict_syncs_like_any_edit(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, notes="Alice says A")
    edit(bob, Partner, pid, notes="Bob says B")
    laptops.send(bob, alice)
    laptops.send(alice, bob)
    (c,) = alice.sync.conflicts()
    losing_choice = "mine" if c.winner == "incoming" else "theirs"
    losing_value = c.local_value if losing_choice == "mine" else c.incoming_value
    resolved = alice.sync.resolve(c.id, losing_choice)
    assert resolved.status == "resolved" and alice.sync.conflicts() == []
    assert alice.partners.get(pid).notes == losing_value
    result = laptops.send(alice, bob)
    assert result.total["conflicts"] == 0
    assert bob.partners.get(pid).notes == losing_value
    assert bob.sync.conflicts() == []


def test_resolving_by_editing_writes_the_typed_value(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme", tier=3)
    laptops.send(alice, bob)
    edit(alice, Partner, pid, tier=1)
    edit(bob, Partner, pid, tier=2)
    laptops.send(bob, alice)
    (c,) = alice.sync.conflicts()
    alice.sync.resolve(c.id, "edit", "4")
    assert alice.partners.get(pid).tier == 4
    laptops.send(alice, bob)
    assert bob.partners.get(pid).tier == 4


def test_sequential_edit_is_not_a_conflict(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    edit(alice, Partner, pid, notes="v1")
    laptops.send(alice, bob)
    edit(bob, Partner, pid, notes="v2 by Bob, who saw v1")
    result = laptops.send(bob, alice)
    assert result.total["conflicts"] == 0
    assert alice.partners.get(pid).notes == "v2 by Bob, who saw v1"
    # And a third laptop that got v1 from Alice and v2 later sees no conflict either.
    carol = laptops.new("carol")
    laptops.send(alice, carol)
    assert carol.sync.conflicts() == []


def test_delete_against_a_concurrent_edit_keeps_the_record_and_raises_a_conflict(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    alice.partners.delete(pid)
    edit(bob, Partner, pid, notes="Bob kept working on it")
    pa, pb = laptops.package(), laptops.package()
    alice.sync.export(pa)
    bob.sync.export(pb)
    ra = alice.sync.import_package(pb, trust_new_signer=True)
    rb = bob.sync.import_package(pa, trust_new_signer=True)
    for s, r in ((alice, ra), (bob, rb)):
        assert r.tables["partners"]["conflicts"] == 1
        p = get(s, Partner, pid)
        assert p.deleted_at is None and p.notes == "Bob kept working on it"
        (c,) = s.sync.conflicts()
        assert c.field == "deleted_at"
    assert state(alice) == state(bob)
    # The user can still delete it: "keep the delete" is an edit like any other and travels.
    (c,) = alice.sync.conflicts()
    alice.sync.resolve(c.id, "mine" if c.local_value is not None else "theirs")
    assert get(alice, Partner, pid).deleted_at is not None
    laptops.send(alice, bob)
    assert get(bob, Partner, pid).deleted_at is not None


def test_sequential_delete_stays_deleted(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    bob.partners.delete(pid)
    result = laptops.send(bob, alice)
    assert result.total["conflicts"] == 0
    assert get(alice, Partner, pid).deleted_at is not None


def test_log_entries_and_measurements_are_unions(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    sid = add_session(alice, pid)
    laptops.send(alice, bob)
    mine = [add_log(alice, pid, sid, f"Alice note {i}", i) for i in range(3)]
    theirs = [add_log(bob, pid, sid, f"Bob note {i}", i + 0.5) for i in range(2)]
    m1 = add_measurement(alice, pid, 3, 90.0)
    m2 = add_measurement(bob, pid, 3, 92.0)  # the same period measured on both laptops: both kept
    laptops.send(alice, bob)
    laptops.send(bob, alice)
    for s in (alice, bob):
        with s.db.sessions() as ses:
            logs = set(ses.scalars(select(LogEntry.id).where(LogEntry.session_id == sid)))
            ms = set(ses.scalars(select(Measurement.id).where(Measurement.partner_id == pid)))
        assert logs == set(mine + theirs)
        assert ms == {m1, m2}


def test_order_of_packages_does_not_change_the_result(laptops):
    alice, bob, carol = laptops.new("alice"), laptops.new("bob"), laptops.new("carol")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    laptops.send(alice, carol)
    edit(alice, Partner, pid, notes="A", tier=1)
    edit(bob, Partner, pid, notes="B", segment="Bob's")
    edit(carol, Partner, pid, tier=5, country="Portugal")
    add_measurement(carol, pid, 5, 80.0)
    packages = []
    for s in (alice, bob, carol):
        path = laptops.package()
        s.sync.export(path)
        packages.append(path)
    dave, erin = laptops.new("dave"), laptops.new("erin")
    for path in packages:
        dave.sync.import_package(path, trust_new_signer=True)
    for path in reversed(packages):
        erin.sync.import_package(path, trust_new_signer=True)
    for path in (packages[1], packages[0], packages[2]):
        alice.sync.import_package(path, trust_new_signer=True)
    assert state(dave) == state(erin) == state(alice)
    p = dave.partners.get(pid)
    assert p.segment == "Bob's" and p.country == "Portugal"


def test_clock_skew_does_not_lose_a_later_edit(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    edit(alice, Partner, pid, notes="Alice, with a clock running a day fast")
    alice.db.clock._wall = lambda: int(utcnow().timestamp() * 1000) + 86_400_000  # noqa: SLF001
    edit(alice, Partner, pid, notes="Alice, clock a day fast")
    laptops.send(alice, bob)
    # Bob's clock is right (a day behind Alice's): his later edit must still win, and is not a conflict.
    edit(bob, Partner, pid, notes="Bob, a later edit")
    result = laptops.send(bob, alice)
    assert result.total["conflicts"] == 0
    assert alice.partners.get(pid).notes == "Bob, a later edit"


def test_clock_state_persists_after_import(laptops, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    ahead = bob.db.clock.wall_millis() + 3_600_000  # Alice's clock runs an hour fast: within the bound
    alice.db.clock._wall = lambda: ahead  # noqa: SLF001
    add_partner(alice, "Beta")
    laptops.send(alice, bob)
    conn = sqlite3.connect(bob.db.path)
    (saved,) = conn.execute("SELECT value FROM local_settings WHERE key='hlc_last'").fetchone()
    conn.close()
    assert saved.startswith(f"{ahead:016d}.")
    assert bob.db.clock.tick() > f"{ahead:016d}"


def test_incremental_export_since_last_carries_changes_including_imported_ones(laptops):
    alice, bob, carol = laptops.new("alice"), laptops.new("bob"), laptops.new("carol")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, carol)
    first = laptops.package()
    r1 = alice.sync.export(first, since="LAST", recipient="bob")
    assert "everything" in r1.note
    bob.sync.import_package(first, trust_new_signer=True)
    # Carol edits (her clock is behind Alice's: her revs are older than Alice's last export).
    carol_pid = add_partner(carol, "Carol's partner")
    edit(alice, Partner, pid, notes="after the first export")
    laptops.send(carol, alice)
    second = laptops.package()
    alice.sync.export(second, since="LAST", recipient="bob")
    records = read_records(second)
    ids = {r["id"] for r in records["partners"]}
    assert ids == {pid, carol_pid}
    assert sum(len(v) for v in records.values()) < sum(r1.counts.values())
    bob.sync.import_package(second, trust_new_signer=True)
    assert bob.partners.get(pid).notes == "after the first export"
    assert bob.partners.get(carol_pid).name == "Carol's partner"


def test_export_since_a_date(laptops):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    path = laptops.package()
    result = alice.sync.export(path, since="2999-01-01")
    assert result.total == 0
    result = alice.sync.export(laptops.package(), since="2000-01-01")
    assert result.counts["partners"] == 1


def test_conflict_rows_hold_both_values_as_json(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, tier=1)
    edit(bob, Partner, pid, tier=2)
    laptops.send(bob, alice)
    with alice.db.sessions() as s:
        (c,) = s.scalars(select(SyncConflict)).all()
    assert {c.local_value, c.incoming_value} == {1, 2}
    assert json.dumps(c.local_value)
    assert dataclasses.is_dataclass(alice.sync.conflicts()[0])


def test_two_deletes_and_an_edit_converge_whatever_the_order(laptops):
    """Found by the property test: two laptops delete, a third edits; every import order agrees."""
    one, two, three = laptops.new("one"), laptops.new("two"), laptops.new("three")
    pid = add_partner(one, "Acme")
    laptops.send(one, two)
    laptops.send(one, three)
    two.partners.delete(pid)
    one.partners.delete(pid)
    edit(three, Partner, pid, notes="still working on it")
    packages = {}
    for name, s in (("one", one), ("two", two), ("three", three)):
        packages[name] = laptops.package()
        s.sync.export(packages[name])
    for s, order in ((one, ("two", "three")), (two, ("one", "three")), (three, ("two", "one"))):
        for name in order:
            if packages[name] is not None:
                s.sync.import_package(packages[name], trust_new_signer=True)
    assert state(one) == state(two) == state(three)
    assert get(one, Partner, pid).deleted_at is None


def test_a_score_taken_back_travels_and_merges_like_any_value(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme", value_score=4, risk_score=2)
    laptops.send(alice, bob)
    edit(bob, Partner, pid, value_score=None, risk_score=None)  # "not scored" again
    edit(alice, Partner, pid, notes="Alice's notes")
    ra, rb = laptops.send(bob, alice), laptops.send(alice, bob)
    for s in (alice, bob):
        p = s.partners.get(pid)
        assert (p.value_score, p.risk_score, p.quadrant, p.notes) == (None, None, None, "Alice's notes")
    assert ra.total["conflicts"] == rb.total["conflicts"] == 0


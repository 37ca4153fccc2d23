"""Revision stamps: ordering across devices, clock skew, and the one stamping rule on every write."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.models import Contact, Partner
from app.services.clock import HybridClock, field_rev, parse_rev
from app.services.partners import ContactData, PartnerData


def test_revs_increase_even_when_the_wall_clock_stands_still_or_goes_back():
    times = iter([1000, 1000, 999, 500, 1001])
    clock = HybridClock("dev-a", wall=lambda: next(times))
    revs = [clock.tick() for _ in range(5)]
    assert revs == sorted(revs) and len(set(revs)) == 5


def test_observing_a_rev_from_a_laptop_whose_clock_runs_ahead_keeps_later_local_edits_later():
    ahead = HybridClock("dev-b", wall=lambda: 10_000_000)  # a laptop an hour or so ahead
    behind = HybridClock("dev-a", wall=lambda: 1_000)
    their_edit = ahead.tick()
    behind.observe(their_edit)
    my_later_edit = behind.tick()
    assert my_later_edit > their_edit
    assert parse_rev(my_later_edit)[2] == "dev-a"


def test_clock_resumes_after_the_last_rev_it_issued():
    first = HybridClock("dev-a", wall=lambda: 5_000)
    last = first.tick()
    restarted = HybridClock("dev-a", last, wall=lambda: 10)  # wall clock reset to the past after a restart
    assert restarted.tick() > last


def test_every_write_is_stamped_and_only_changed_fields_get_the_new_rev(services):
    created = services.partners.create(PartnerData(name="Kestrel Plastics", tier=2))
    with services.db.sessions() as s:
        row = s.get(Partner, created.id)
        first_rev = row.rev
        assert row.updated_by == services.db.device_id
        assert row.field_revs == {}  # never edited: every field is at the row's rev
    services.partners.update(replace(created, tier=1))
    with services.db.sessions() as s:
        row = s.get(Partner, created.id)
        assert row.rev > first_rev
        assert field_rev(row.field_revs, row.rev, "tier") == row.rev
        assert field_rev(row.field_revs, row.rev, "name") == first_rev


def test_saving_without_a_change_does_not_create_a_revision(services):
    created = services.partners.create(PartnerData(name="Kestrel Plastics"))
    with services.db.sessions() as s:
        before = s.get(Partner, created.id).rev
    services.partners.update(created)
    with services.db.sessions() as s:
        assert s.get(Partner, created.id).rev == before


def test_syncable_rows_cannot_be_deleted_only_tombstoned(services):
    created = services.partners.create(PartnerData(name="Acme", contacts=(ContactData("Bo"),)))
    with pytest.raises(ValueError, match="tombstoned"):
        with services.db.sessions.begin() as s:
            s.delete(s.scalars(select(Contact).where(Contact.partner_id == created.id)).one())
    services.partners.update(replace(created, contacts=()))
    with services.db.sessions() as s:
        contact = s.scalars(select(Contact).where(Contact.partner_id == created.id)).one()
        assert contact.deleted_at is not None

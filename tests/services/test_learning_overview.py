"""Certification status across partners, for the dashboard: people overdue (a track past its due date without a
certification), and the partners needing attention first."""

from __future__ import annotations

from datetime import date

from app.models.enums import Side
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id

ESCALATION = stable_id("learning_track", "escalation-path")  # ONB101, ESC101; certifies for 12 months
ONB, ESC = stable_id("learning", "ONB101"), stable_id("learning", "ESC101")
TODAY = date(2026, 11, 23)


def _partner(services, name: str, *people: str):
    p = services.partners.create(PartnerData(name=name, contacts=tuple(ContactData(n, Side.PARTNER) for n in people)))
    return p, {c.name: c.id for c in p.contacts}


def _assign(services, partner, contact_id, due_on=None):
    v = services.learning.latest(ESCALATION)
    services.learning.assign(partner.id, v.id, contact_id=contact_id, assigned_on=date(2025, 1, 10), due_on=due_on)


def _certify(services, partner, contact_id, day):
    for module in (ONB, ESC):
        services.learning.record_completion(partner.id, module, contact_id=contact_id, completed_on=day, today=TODAY)


def test_a_track_past_its_due_date_without_a_certification_is_overdue(services):
    p, ids = _partner(services, "Acme Castings", "Ana", "Bo", "Cy", "Di", "Ed")
    _assign(services, p, ids["Ana"], due_on=date(2026, 11, 1))  # past due, nothing done: overdue
    _assign(services, p, ids["Bo"], due_on=date(2026, 11, 1))
    services.learning.record_completion(p.id, ONB, contact_id=ids["Bo"], completed_on=date(2026, 10, 1),
                                        today=TODAY)  # half done and past due: overdue
    _assign(services, p, ids["Cy"], due_on=date(2026, 12, 31))  # not due yet: not overdue
    _assign(services, p, ids["Di"], due_on=date(2026, 11, 1))
    _certify(services, p, ids["Di"], date(2026, 10, 20))  # certified, however late: not overdue
    _assign(services, p, ids["Ed"], due_on=date(2025, 2, 1))
    _certify(services, p, ids["Ed"], date(2025, 1, 20))  # certified, and the certification expired since
    s = services.learning.summary(p.id, TODAY)
    assert (s.people, s.certified, s.expiring, s.expired, s.overdue, s.late) == (5, 1, 0, 1, 2, 3)
    assert s.text == "1 of 5 certified, 1 expired, 2 overdue"
    assert services.learning.summary(p.id, date(2026, 10, 31)).overdue == 0  # the day before it was due


def test_the_overview_puts_partners_needing_attention_first(services):
    calm, ids = _partner(services, "Aardvark Tools", "Ana")
    _assign(services, calm, ids["Ana"])
    _certify(services, calm, ids["Ana"], date(2026, 6, 1))  # certified until 2027-05-31: nothing to do
    waiting, ids = _partner(services, "Bolt Supply", "Bo")
    _assign(services, waiting, ids["Bo"])  # not certified yet, no due date
    expiring, ids = _partner(services, "Cobalt Parts", "Cy")
    _assign(services, expiring, ids["Cy"])
    _certify(services, expiring, ids["Cy"], date(2025, 12, 10))  # valid until 2026-12-09
    late, ids = _partner(services, "Zinc Works", "Zoe")
    _assign(services, late, ids["Zoe"], due_on=date(2026, 9, 30))
    _partner(services, "Empty Partner", "Nobody")  # no track: not listed

    by_name = services.learning.overview(TODAY)
    assert [r.partner_name for r in by_name] == ["Aardvark Tools", "Bolt Supply", "Cobalt Parts", "Zinc Works"]
    first = services.learning.overview(TODAY, attention_first=True)
    assert [r.partner_name for r in first] == ["Zinc Works", "Cobalt Parts", "Bolt Supply", "Aardvark Tools"]
    assert [(r.certified, r.people, r.expiring, r.late) for r in first] == [
        (0, 1, 0, 1), (1, 1, 1, 0), (0, 1, 0, 0), (1, 1, 0, 0)]
    # a wider window makes Aardvark's certification expiring too, and the order follows (by name within a tie)
    wide = services.learning.overview(TODAY, 400, attention_first=True)
    assert [r.partner_name for r in wide] == ["Zinc Works", "Aardvark Tools", "Cobalt Parts", "Bolt Supply"]

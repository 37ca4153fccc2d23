"""Learning rows travel like every syncable record: a package scoped to one partner carries that partner's
assignments, completions and certifications (and the track version they use), nothing of another partner's,
and a partner's laptop that records a completion sends it back."""

from __future__ import annotations

from datetime import date

from app.models.enums import Side
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id
from tests.sync.conftest import laptops  # noqa: F401  (the fixture)
from tests.sync.helpers import read_records

ESCALATION = stable_id("learning_track", "escalation-path")
QUALITY = stable_id("learning_track", "supplier-quality")
ONB, ESC = stable_id("learning", "ONB101"), stable_id("learning", "ESC101")
LEARNING_TABLES = ("learning_assignments", "learning_completions", "learning_certifications")


def _partner_with_learning(services, name: str, track_id: str, person: str) -> tuple[str, str]:
    p = services.partners.create(PartnerData(name=name, contacts=(ContactData(person, Side.PARTNER),)))
    contact = p.contacts[0].id
    v = services.learning.latest(track_id)
    services.learning.assign(p.id, v.id, contact_id=contact, assigned_on=date(2026, 1, 1))
    for item in v.items:
        services.learning.record_completion(p.id, item.module_id, contact_id=contact, completed_on=date(2026, 2, 1),
                                            rating=4, comment=f"{person} liked it", today=date(2026, 11, 23))
    return p.id, contact


def test_a_scoped_package_carries_the_partners_learning_rows_and_nothing_of_another(laptops):  # noqa: F811
    alice = laptops.new("alice")
    acme, _ = _partner_with_learning(alice, "Acme", ESCALATION, "Ana")
    beta, _ = _partner_with_learning(alice, "Beta", QUALITY, "Bea")
    assert len(alice.learning.certifications(beta)) == 1

    path = laptops.package("acme")
    alice.sync.export(path, partner_ids=[acme])
    rec = read_records(path)
    for table in LEARNING_TABLES:
        assert rec.get(table), table
        assert {r["partner_id"] for r in rec[table]} == {acme}, table
    assert len(rec["learning_certifications"]) == 1
    # the track version assigned travels with its items; Beta's quality track does not
    assert {r["id"] for r in rec["learning_track_versions"]} == {stable_id("learning_track", "escalation-path", "v1")}
    assert len(rec["learning_track_items"]) == 2
    assert {r["id"] for r in rec["learning_modules"]} == {ONB, ESC}
    text = path.read_bytes().decode("utf-8", "replace")
    assert beta not in text and "Bea liked it" not in text


def test_a_completion_recorded_on_the_partners_laptop_certifies_on_ours(laptops):  # noqa: F811
    alice, acme_laptop = laptops.new("alice"), laptops.new("acme")
    p = alice.partners.create(PartnerData(name="Acme", contacts=(ContactData("Ana", Side.PARTNER),)))
    contact = p.contacts[0].id
    v = alice.learning.latest(ESCALATION)
    alice.learning.assign(p.id, v.id, contact_id=contact, assigned_on=date(2026, 1, 1))
    alice.learning.record_completion(p.id, ONB, contact_id=contact, completed_on=date(2026, 2, 1),
                                     today=date(2026, 11, 23))
    laptops.send(alice, acme_laptop, partner_ids=[p.id])
    # on the partner's laptop, Ana completes the last module: the certification is granted there
    done = acme_laptop.learning.record_completion(p.id, ESC, contact_id=contact, completed_on=date(2026, 3, 1),
                                                  today=date(2026, 11, 23))
    assert len(done.granted) == 1
    result = laptops.send(acme_laptop, alice, partner_ids=[p.id])
    assert not result.rejections
    (cert,) = alice.learning.certifications(p.id)
    assert cert.id == done.granted[0].id and cert.expires_on == date(2027, 2, 28)
    assert alice.learning.summary(p.id, date(2026, 11, 23)).text == "1 of 1 certified"

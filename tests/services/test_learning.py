"""Learning tracks: the shipped library, versions, assignments, completions, automatic certification and renewal,
the matrix, the summaries, feedback and the renewals due."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.enums import PartnerKind, Side, TemplateStatus
from app.services.errors import NotFound, ValidationError
from app.services.learning import TrackItemData
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id

QUALITY = stable_id("learning_track", "supplier-quality")
ESCALATION = stable_id("learning_track", "escalation-path")
MOD = {code: stable_id("learning", code) for code in ("ONB101", "ESC101", "QMS110", "QMS201", "QMS120", "KPI101")}
TODAY = date(2026, 11, 23)


@pytest.fixture
def acme(services):
    p = services.partners.create(PartnerData(name="Acme Castings", kind=PartnerKind.SUPPLIER, contacts=(
        ContactData("Ana Lima", Side.PARTNER, "Quality manager"), ContactData("Bo Chen", Side.PARTNER, "Planner"),
        ContactData("Dee Ortiz", Side.OURS, "Buyer"))))
    return p


def _contact(partner, name):
    return next(c.id for c in partner.contacts if c.name == name)


def _escalation_v1(services):
    return services.learning.latest(ESCALATION)


def _complete(services, partner, person, code, day, **kw):
    return services.learning.record_completion(partner.id, MOD[code], contact_id=_contact(partner, person),
                                               completed_on=day, today=TODAY, **kw)


def test_the_shipped_tracks_are_published_over_the_shipped_modules(services):
    rows = {r.name: r for r in services.learning.tracks()}
    assert set(rows) == {"Supplier quality basics", "Our KPI definitions", "Escalation path"}
    assert rows["Supplier quality basics"].published_version == 1
    assert rows["Supplier quality basics"].audience == "Suppliers"
    v = services.learning.latest(QUALITY)
    assert [i.module_code for i in v.items] == ["QMS110", "QMS201", "QMS120"]
    module = services.learning.get_module(MOD["QMS201"])
    assert module.objective and module.format == "workshop" and module.duration_minutes == 180 and module.assessment


def test_editing_a_published_track_makes_a_draft_version_and_publish_freezes_it(services):
    v1 = _escalation_v1(services)
    items = [*v1.items, TrackItemData(MOD["KPI101"])]
    v2 = services.learning.edit_track(v1.id, v1.name, v1.description, items, validity_months=12,
                                      change_note="KPI basics too")
    assert (v2.version, v2.status) == (2, TemplateStatus.DRAFT)
    assert [i.key for i in v2.items][:2] == [i.key for i in v1.items]  # lineage kept
    assert services.learning.get_version(v1.id).items == v1.items  # the published one is untouched
    with pytest.raises(ValidationError, match="already a draft"):
        services.learning.edit_track(v1.id, "Other", "", v1.items)
    published = services.learning.publish(v2.id)
    assert published.is_published
    assert [r.version for r in services.learning.versions(ESCALATION)] == [2, 1]
    assert services.learning.published_versions()[0].version in (1, 2)


def test_a_track_without_modules_cannot_be_published_and_drafts_cannot_be_assigned(services, acme):
    draft = services.learning.create_track("Packaging rules", items=[])
    with pytest.raises(ValidationError, match="at least one module"):
        services.learning.publish(draft.id)
    with pytest.raises(ValidationError, match="draft"):
        services.learning.assign(acme.id, draft.id, contact_id=_contact(acme, "Ana Lima"))
    with pytest.raises(ValidationError, match="already in the track"):
        services.learning.create_track("Twice", items=[TrackItemData(MOD["ONB101"]), TrackItemData(MOD["ONB101"])])


def test_assignment_refuses_a_second_copy_and_a_contact_of_another_partner(services, acme):
    v1 = _escalation_v1(services)
    a = services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=TODAY)
    assert (a.person, a.side, a.track_name) == ("Ana Lima", Side.PARTNER, "Escalation path")
    with pytest.raises(ValidationError, match="already has"):
        services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"))
    other = services.partners.create(PartnerData(name="Beta", contacts=(ContactData("Eve"),)))
    with pytest.raises(ValidationError, match="another partner"):
        services.learning.assign(acme.id, v1.id, contact_id=other.contacts[0].id)
    ours = services.learning.assign(acme.id, v1.id, person="Sam Field", side=Side.OURS)
    assert ours.side is Side.OURS and ours.contact_id is None


def test_completing_the_last_module_grants_the_certification_with_its_expiry(services, acme):
    v1 = _escalation_v1(services)  # ONB101 + ESC101, valid 12 months; ESC101 itself counts 12 months
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2026, 1, 5))
    first = _complete(services, acme, "Ana Lima", "ONB101", date(2026, 1, 10), rating=4, comment="Clear")
    assert first.granted == ()
    second = _complete(services, acme, "Ana Lima", "ESC101", date(2026, 1, 31))
    (cert,) = second.granted
    assert (cert.person, cert.track_name, cert.granted_on) == ("Ana Lima", "Escalation path", date(2026, 1, 31))
    assert cert.expires_on == date(2027, 1, 30)
    # recording another module again does not certify twice
    assert _complete(services, acme, "Ana Lima", "ONB101", date(2026, 2, 1)).granted == ()
    assert len(services.learning.certifications(acme.id)) == 1


def test_a_failed_attempt_does_not_count(services, acme):
    v1 = _escalation_v1(services)
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Bo Chen"), assigned_on=date(2026, 3, 1))
    _complete(services, acme, "Bo Chen", "ONB101", date(2026, 3, 2))
    assert _complete(services, acme, "Bo Chen", "ESC101", date(2026, 3, 3), result="failed").granted == ()
    assert _complete(services, acme, "Bo Chen", "ESC101", date(2026, 3, 9)).granted[0].granted_on == date(2026, 3, 9)


def test_renewal_needs_every_module_again_and_names_the_certification_it_renews(services, acme):
    v1 = _escalation_v1(services)
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2025, 1, 1))
    _complete(services, acme, "Ana Lima", "ONB101", date(2025, 1, 10))
    (old,) = _complete(services, acme, "Ana Lima", "ESC101", date(2025, 1, 20)).granted
    assert old.state(TODAY) == "expired"
    assert _complete(services, acme, "Ana Lima", "ESC101", date(2026, 11, 1)).granted == ()  # ONB101 not redone
    (new,) = _complete(services, acme, "Ana Lima", "ONB101", date(2026, 11, 20)).granted
    assert new.renewed_from == old.id and new.granted_on == date(2026, 11, 20)
    assert new.expires_on == date(2027, 11, 19) and new.state(TODAY) == "current"


def test_an_expired_module_completion_blocks_the_certification(services, acme):
    v1 = services.learning.latest(QUALITY)  # QMS110 and QMS201 count 24 months, QMS120 36
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2023, 1, 1))
    _complete(services, acme, "Ana Lima", "QMS110", date(2023, 1, 1))  # valid until 2024-12-31
    _complete(services, acme, "Ana Lima", "QMS201", date(2025, 6, 1))
    assert _complete(services, acme, "Ana Lima", "QMS120", date(2025, 6, 2)).granted == ()
    assert _complete(services, acme, "Ana Lima", "QMS110", date(2025, 6, 3)).granted[0].granted_on == date(2025, 6, 3)


def test_completion_is_refused_for_a_future_date_or_a_rating_out_of_range(services, acme):
    with pytest.raises(ValidationError, match="future"):
        _complete(services, acme, "Ana Lima", "ONB101", date(2026, 12, 1))
    with pytest.raises(ValidationError, match="1 to 5"):
        _complete(services, acme, "Ana Lima", "ONB101", date(2026, 11, 1), rating=6)
    assert services.learning.completions(acme.id) == []


def test_the_matrix_marks_done_overdue_and_expiring(services, acme):
    v1 = _escalation_v1(services)
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2025, 11, 1))
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Bo Chen"), assigned_on=date(2026, 10, 1),
                             due_on=date(2026, 11, 1))
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Dee Ortiz"), assigned_on=date(2026, 11, 1),
                             due_on=date(2026, 12, 31))
    _complete(services, acme, "Ana Lima", "ONB101", date(2025, 12, 1))
    _complete(services, acme, "Ana Lima", "ESC101", date(2025, 12, 10))  # valid until 2026-12-09: expiring
    _complete(services, acme, "Bo Chen", "ONB101", date(2026, 10, 20))
    m = services.learning.matrix(acme.id, TODAY)
    assert [x.code for x in m.modules] == ["ONB101", "ESC101"]
    rows = {r.person: r for r in m.rows}
    assert list(rows) == ["Ana Lima", "Bo Chen", "Dee Ortiz"]  # the partner's people first, then ours
    assert [c.state for c in rows["Ana Lima"].cells] == ["done", "expiring"]
    assert rows["Ana Lima"].cells[1].valid_until == date(2026, 12, 9)
    assert [c.state for c in rows["Bo Chen"].cells] == ["done", "overdue"]
    assert [c.state for c in rows["Dee Ortiz"].cells] == ["due", "due"]
    assert rows["Ana Lima"].certifications[0].expires_on == date(2026, 12, 9)
    assert (rows["Bo Chen"].done, rows["Bo Chen"].required) == (1, 2)


def test_the_summary_counts_people_certified_and_expiring(services, acme):
    v1 = _escalation_v1(services)
    for name, done_on in (("Ana Lima", date(2025, 12, 10)), ("Bo Chen", date(2026, 6, 1)), ("Dee Ortiz", None)):
        services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, name), assigned_on=date(2025, 11, 1))
        if done_on:
            _complete(services, acme, name, "ONB101", done_on)
            _complete(services, acme, name, "ESC101", done_on)
    summary = services.learning.summary(acme.id, TODAY)
    assert (summary.people, summary.certified, summary.expiring) == (3, 2, 1)
    assert summary.text == "2 of 3 certified, 1 expiring in 30 days"
    assert [x.partner_name for x in services.learning.overview(TODAY)] == ["Acme Castings"]
    due = services.learning.renewals_due(TODAY, 30)
    assert [(r.certification.person, r.state) for r in due] == [("Ana Lima", "expiring")]
    progress = {p.person: p for p in services.learning.progress(acme.id, TODAY)}
    assert (progress["Bo Chen"].completed, progress["Bo Chen"].total) == (2, 2)
    assert progress["Bo Chen"].certified_until == date(2027, 5, 31)
    assert not progress["Dee Ortiz"].certified


def test_a_modules_feedback_lists_ratings_and_comments_newest_first(services, acme):
    _complete(services, acme, "Ana Lima", "ONB101", date(2026, 5, 1), rating=2, comment="Too long")
    _complete(services, acme, "Bo Chen", "ONB101", date(2026, 6, 1), rating=5, comment="")
    _complete(services, acme, "Dee Ortiz", "ONB101", date(2026, 7, 1))  # nothing said: not listed
    fb = services.learning.feedback(MOD["ONB101"])
    assert [(e.person, e.rating, e.comment) for e in fb.entries] == [("Bo Chen", 5, ""), ("Ana Lima", 2, "Too long")]
    assert fb.average_rating == 3.5


def test_certificate_data_names_both_companies_and_refuses_the_uncertified(services, acme):
    v1 = _escalation_v1(services)
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2026, 1, 1))
    _complete(services, acme, "Ana Lima", "ONB101", date(2026, 1, 10))
    _complete(services, acme, "Ana Lima", "ESC101", date(2026, 1, 31))
    with pytest.raises(ValidationError, match="company"):
        services.learning.certificate(acme.id, "Ana Lima", "Escalation path")
    services.learning.set_our_company("Northwind Components")
    data = services.learning.certificate(acme.id, "ana lima", "ESCALATION PATH")
    assert (data.person, data.partner_name, data.our_company) == ("Ana Lima", "Acme Castings", "Northwind Components")
    assert data.expires_on == date(2027, 1, 30) and len(data.modules) == 2
    with pytest.raises(NotFound, match="Ana Lima \\(Escalation path\\)"):
        services.learning.certificate(acme.id, "Bo Chen", "Escalation path")


def test_two_laptops_granting_the_same_certification_make_the_same_record(services, acme):
    v1 = _escalation_v1(services)
    services.learning.assign(acme.id, v1.id, contact_id=_contact(acme, "Ana Lima"), assigned_on=date(2026, 1, 1))
    _complete(services, acme, "Ana Lima", "ONB101", date(2026, 1, 10))
    (cert,) = _complete(services, acme, "Ana Lima", "ESC101", date(2026, 1, 31)).granted
    key = _contact(acme, "Ana Lima")
    assert cert.id == stable_id("learning_certification", acme.id, key, ESCALATION, "2026-01-31")

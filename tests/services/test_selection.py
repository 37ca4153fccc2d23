"""Selection service: weighted total, checklist completeness, signing with and without override, criteria sets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from app.models.enums import AlignmentGroup, PartnerStatus, TemplateStatus
from app.services.errors import NotFound, ValidationError
from app.services.partners import PartnerData
from app.services.selection import (
    CriteriaEdit,
    CriterionData,
    ReferenceCallData,
    SigningBlocked,
    checklist_template,
)


@pytest.fixture
def candidate(services):
    return services.partners.create(PartnerData(name="Kestrelforge Precision GmbH", segment="Machined parts",
                                                status=PartnerStatus.CANDIDATE))


@pytest.fixture
def assessment(services, candidate):
    return services.selection.start(candidate.id)


def _call(referee="Eva Lind", when=datetime(2026, 10, 2, 10, 0)):
    return ReferenceCallData(referee=referee, organisation="Nordline AB", called_by="Mira Holm", called_at=when)


def _complete_checklist(services, a):
    """Log two reference calls and tick every item."""
    a = services.selection.log_reference_call(a.id, _call("Eva Lind"))
    a = services.selection.log_reference_call(a.id, _call("Tom Berg"))
    for item in a.checklist:
        a = services.selection.update_item(item.id, done=True, by="Mira Holm")
    return a


def test_start_uses_the_shipped_criteria_and_checklist(assessment):
    assert assessment.criteria_set.status is TemplateStatus.PUBLISHED
    assert assessment.criteria_set.total_weight == pytest.approx(100)
    assert len(assessment.scores) == 10 and all(s.score is None for s in assessment.scores)
    assert [i.title for i in assessment.checklist] == [t.title for t in checklist_template()]
    assert len(assessment.checklist) == 10
    assert assessment.weighted_score is None and assessment.coverage == 0
    assert assessment.stage == "Not started"
    assert len(assessment.unscored) == 10


def test_start_twice_returns_the_same_workspace(services, candidate, assessment):
    assert services.selection.start(candidate.id).id == assessment.id
    assert services.selection.for_partner(candidate.id).id == assessment.id


def test_weighted_score_is_weighted_mean_of_scored_criteria(services, assessment):
    by_code = {line.criterion.code: line.criterion for line in assessment.scores}
    # TECH weighs 16, FIN 12: (16*5 + 12*2) / 28 = 3.714…
    a = services.selection.set_score(assessment.id, by_code["TECH"].id, 5, "Five-axis CNC, own tooling shop")
    a = services.selection.set_score(a.id, by_code["FIN"].id, 2)
    assert a.weighted_score == pytest.approx((16 * 5 + 12 * 2) / 28)
    assert a.percent == pytest.approx(a.weighted_score / 5 * 100)
    assert a.coverage == pytest.approx(28 / 100)
    assert a.scored_count == 2
    assert "Technical capability" not in a.unscored and "Capacity" in a.unscored
    tech = next(line for line in a.scores if line.criterion.code == "TECH")
    assert tech.evidence == "Five-axis CNC, own tooling shop" and tech.weighted == 80


def test_all_fives_is_one_hundred_percent(services, assessment):
    a = assessment
    for line in assessment.scores:
        a = services.selection.set_score(a.id, line.criterion.id, 5)
    assert a.weighted_score == pytest.approx(5) and a.percent == pytest.approx(100) and a.coverage == 1


def test_clearing_a_score_makes_it_missing_again(services, assessment):
    cid = assessment.scores[0].criterion.id
    services.selection.set_score(assessment.id, cid, 4)
    a = services.selection.set_score(assessment.id, cid, None)
    assert a.scores[0].score is None and a.weighted_score is None


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_scores_outside_one_to_five_are_refused(services, assessment, bad):
    with pytest.raises(ValidationError, match="between 1 and 5"):
        services.selection.set_score(assessment.id, assessment.scores[0].criterion.id, bad)


def test_signing_is_blocked_naming_every_missing_item(services, assessment):
    a = services.selection.update_item(assessment.checklist[0].id, done=True, by="Mira Holm")
    with pytest.raises(SigningBlocked) as err:
        services.selection.sign(a.id, "Mira Holm")
    assert len(err.value.missing) == 9
    assert "Requirements met" not in str(err.value)
    assert "Contract reviewed by legal" in str(err.value)
    assert "(0 of 2 calls logged)" in str(err.value)
    assert not services.selection.get(a.id).is_signed


def test_references_item_needs_two_logged_calls(services, assessment):
    refs = next(i for i in assessment.checklist if i.code == "REFS")
    with pytest.raises(ValidationError, match="at least 2 reference calls"):
        services.selection.update_item(refs.id, done=True, by="Mira Holm")
    services.selection.log_reference_call(assessment.id, _call("Eva Lind"))
    with pytest.raises(ValidationError, match="1 logged"):
        services.selection.update_item(refs.id, done=True, by="Mira Holm")
    a = services.selection.log_reference_call(assessment.id, _call("Tom Berg"))
    a = services.selection.update_item(refs.id, done=True, by="Mira Holm", note="Both positive")
    assert len(a.reference_calls) == 2
    assert {c.referee for c in a.reference_calls} == {"Eva Lind", "Tom Berg"}
    assert a.reference_calls[0].organisation == "Nordline AB" and a.reference_calls[0].called_by == "Mira Holm"
    assert not any(m.startswith("At least two reference calls") for m in a.missing_items)
    # removing a call afterwards makes the item incomplete again, whatever its tick says
    a = services.selection.remove_reference_call(a.reference_calls[0].id)
    assert "At least two reference calls made and logged (1 of 2 calls logged)" in a.missing_items


def test_item_records_who_and_when_and_unticking_clears_them(services, assessment):
    item = assessment.checklist[3]
    when = datetime(2026, 11, 2, 14, 30)
    a = services.selection.update_item(item.id, done=True, by="Priya Raman", at=when, note="Pilot lot of 500 OK")
    got = next(i for i in a.checklist if i.id == item.id)
    assert (got.done, got.done_by, got.done_at, got.note) == (True, "Priya Raman", when, "Pilot lot of 500 OK")
    a = services.selection.update_item(item.id, done=False)
    got = next(i for i in a.checklist if i.id == item.id)
    assert (got.done, got.done_by, got.done_at, got.note) == (False, "", None, "Pilot lot of 500 OK")
    with pytest.raises(ValidationError, match="who completed"):
        services.selection.update_item(item.id, done=True, by="  ")


def test_complete_checklist_signs_without_override(services, assessment):
    a = _complete_checklist(services, assessment)
    assert a.is_complete and a.stage == "Ready to sign"
    a = services.selection.sign(a.id, "Mira Holm", override_reason="not needed")
    assert a.is_signed and a.signed_by == "Mira Holm" and not a.overridden
    assert a.override_reason == "" and a.stage == "Signed"


def test_signing_can_move_a_candidate_to_onboarding_and_leaves_other_stages_alone(services, assessment, candidate):
    a = _complete_checklist(services, assessment)
    services.selection.sign(a.id, "Mira Holm")
    assert services.partners.get(candidate.id).status == PartnerStatus.CANDIDATE  # not asked: stays
    services.selection.reopen(a.id)
    services.selection.sign(a.id, "Mira Holm", to_onboarding=True)
    assert services.partners.get(candidate.id).status == PartnerStatus.ONBOARDING


def test_override_needs_a_reason_which_is_kept_with_the_missing_items(services, assessment):
    with pytest.raises(SigningBlocked):
        services.selection.sign(assessment.id, "Mira Holm", override_reason="   ")
    a = services.selection.sign(assessment.id, "Jakob Stein",
                                override_reason="Sole source for the housing; board approved on 12 Nov")
    assert a.is_signed and a.overridden and a.stage == "Signed (override)"
    assert a.override_reason == "Sole source for the housing; board approved on 12 Nov"
    assert "Contract reviewed by legal" in a.override_missing and len(a.override_missing) == 10
    # kept on re-read
    again = services.selection.get(a.id)
    assert again.override_reason == a.override_reason and again.override_missing == a.override_missing


def test_signed_assessment_is_read_only_until_reopened(services, assessment):
    a = services.selection.sign(assessment.id, "Mira Holm", override_reason="Urgent capacity need")
    with pytest.raises(ValidationError, match="reopen"):
        services.selection.set_score(a.id, a.scores[0].criterion.id, 3)
    with pytest.raises(ValidationError, match="Already signed"):
        services.selection.sign(a.id, "Mira Holm", override_reason="again")
    a = services.selection.reopen(a.id)
    assert not a.is_signed and a.override_reason == ""
    services.selection.set_score(a.id, a.scores[0].criterion.id, 3)


def test_reference_call_needs_referee_and_caller(services, assessment):
    with pytest.raises(ValidationError) as err:
        services.selection.log_reference_call(assessment.id, ReferenceCallData("", "Org", "", datetime(2026, 1, 1)))
    assert set(err.value.errors) == {"referee", "called_by"}


def test_compare_puts_candidates_side_by_side(services):
    a = services.selection.start(services.partners.create(PartnerData(name="Alpha Ltd")).id)
    b = services.selection.start(services.partners.create(PartnerData(name="Beta Ltd")).id)
    services.selection.set_score(a.id, a.scores[0].criterion.id, 4)
    services.selection.set_score(b.id, b.scores[0].criterion.id, 2)
    cmp = services.selection.compare([b.partner_id, a.partner_id])
    assert [x.partner_name for x in cmp.assessments] == ["Beta Ltd", "Alpha Ltd"]
    code = a.scores[0].criterion.code
    assert [cmp.score(x, code) for x in cmp.assessments] == [2, 4]
    assert len(cmp.criteria) == 10


def test_candidates_lists_candidate_partners_by_segment(services, candidate):
    services.partners.create(PartnerData(name="Active One", segment="Machined parts", status=PartnerStatus.ACTIVE))
    rows = services.selection.candidates("Machined parts")
    assert [r.name for r in rows] == ["Kestrelforge Precision GmbH"]
    assert services.selection.candidates("Plastics") == []


def _edit(weights=(60, 40)):
    return CriteriaEdit("Distributor criteria", "For channel partners", tuple(
        CriterionData(code=f"C{i}", name=f"Criterion {i}", group=AlignmentGroup.GOALS, weight=w)
        for i, w in enumerate(weights)))


def test_weights_must_add_up_to_100_with_a_clear_message(services):
    with pytest.raises(ValidationError) as err:
        services.selection.create_criteria_set(_edit((60, 36)))
    assert err.value.errors["weights"] == "The weights add up to 96, not 100 (4 missing)."
    with pytest.raises(ValidationError) as err:
        services.selection.create_criteria_set(_edit((60, 50)))
    assert err.value.errors["weights"] == "The weights add up to 110, not 100 (10 too many)."


def test_criteria_codes_must_be_unique_and_named(services):
    edit = _edit()
    edit = replace(edit, criteria=(edit.criteria[0], replace(edit.criteria[1], code="c0", name="")))
    with pytest.raises(ValidationError) as err:
        services.selection.create_criteria_set(edit)
    assert "used twice" in str(err.value) and "needs a name" in str(err.value)


def test_editing_a_published_set_makes_a_new_version(services, assessment):
    shipped = services.selection.latest_published()
    edit = CriteriaEdit(shipped.name, shipped.description,
                        tuple(replace(c, weight=c.weight + (4 if c.code == "TECH" else -4 if c.code == "LOC" else 0))
                              for c in shipped.criteria))
    draft = services.selection.save_criteria_set(shipped.id, edit)
    assert draft.id != shipped.id and draft.version == 2 and draft.status is TemplateStatus.DRAFT
    assert draft.lineage == shipped.lineage
    # the published version is untouched, and still the one new assessments use until v2 is published
    assert services.selection.criteria_set(shipped.id).criteria == shipped.criteria
    assert services.selection.latest_published().id == shipped.id
    # a draft is edited in place
    again = services.selection.save_criteria_set(draft.id, replace(edit, description="Tuned for 2027"))
    assert again.id == draft.id and again.description == "Tuned for 2027"
    published = services.selection.publish_criteria_set(draft.id)
    assert published.status is TemplateStatus.PUBLISHED
    assert services.selection.latest_published().id == draft.id
    # the existing assessment keeps the version it was scored on
    assert services.selection.get(assessment.id).criteria_set.id == shipped.id
    fresh = services.selection.start(services.partners.create(PartnerData(name="Gamma Oy")).id)
    assert fresh.criteria_set.id == draft.id
    tech = next(s for s in fresh.scores if s.criterion.code == "TECH")
    assert tech.criterion.weight == 20


def test_drafts_cannot_be_used_for_assessments(services, candidate):
    draft = services.selection.create_criteria_set(_edit())
    with pytest.raises(ValidationError, match="draft"):
        services.selection.start(candidate.id, draft.id)


def test_unknown_ids_raise_not_found(services):
    with pytest.raises(NotFound):
        services.selection.get("nope")
    with pytest.raises(NotFound):
        services.selection.start("nope")


def test_settings_paper_size(services):
    assert services.settings.paper_size() == "a4"
    assert services.settings.set_paper_size("Letter") == "letter"
    assert services.settings.paper_size() == "letter"
    with pytest.raises(ValidationError, match="A4 or Letter"):
        services.settings.set_paper_size("A3")
    assert services.settings.paper_size() == "letter"

"""The partner directory service: validation, search and filters in SQL, contacts, deletes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models.enums import PartnerKind, PartnerStatus, Quadrant, Side
from app.models import Syncable
from app.services.errors import NotFound, ValidationError
from app.services.integrity import problems, rules
from app.services.partners import ContactData, EscalationData, PartnerData, PartnerQuery, quadrant_of


@pytest.mark.parametrize("value, risk, quadrant", [
    (5, 1, Quadrant.STRATEGIC), (3, 2, Quadrant.STRATEGIC), (3, 3, Quadrant.OPPORTUNISTIC),
    (2, 2, Quadrant.OPERATIONAL), (1, 1, Quadrant.OPERATIONAL), (2, 3, Quadrant.AVOID), (1, 5, Quadrant.AVOID),
])
def test_quadrant_follows_value_and_risk(value, risk, quadrant, services):
    assert quadrant_of(value, risk) is quadrant
    created = services.partners.create(PartnerData(name=f"P{value}{risk}", value_score=value, risk_score=risk))
    # The SQL expression the directory filters on agrees with the Python rule.
    rows = services.partners.list(PartnerQuery(quadrants=(quadrant,)))
    assert created.id in {r.id for r in rows}


def test_a_new_partner_is_not_scored_until_someone_scores_it(services):
    created = services.partners.create(PartnerData(name="Candidate Oy"))
    got = services.partners.get(created.id)
    assert (got.value_score, got.risk_score, got.quadrant) == (None, None, None)
    [row] = services.partners.list(PartnerQuery(text="Candidate"))
    assert row.quadrant is None
    half = services.partners.update(replace(got, value_score=4))  # one score alone places it nowhere
    assert half.quadrant is None
    scored = services.partners.update(replace(half, risk_score=1))
    assert scored.quadrant is Quadrant.STRATEGIC
    cleared = services.partners.update(replace(scored, value_score=None, risk_score=None))
    assert services.partners.get(cleared.id).quadrant is None  # scores can be taken back


@given(value=st.one_of(st.none(), st.integers(1, 5)), risk=st.one_of(st.none(), st.integers(1, 5)))
def test_not_scored_exactly_when_a_score_is_missing(value, risk):
    assert (quadrant_of(value, risk) is None) == (value is None or risk is None)


def test_not_scored_is_a_filter_and_sorts_last_both_ways(services):
    for name, value, risk in (("Avoid AG", 1, 5), ("Blank Oy", None, None), ("Strat SA", 5, 1),
                              ("Half Ltd", 4, None)):
        services.partners.create(PartnerData(name=name, value_score=value, risk_score=risk))
    unscored = services.partners.list(PartnerQuery(quadrants=(None,)))
    assert [r.name for r in unscored] == ["Blank Oy", "Half Ltd"]
    mixed = services.partners.list(PartnerQuery(quadrants=(None, Quadrant.AVOID)))
    assert [r.name for r in mixed] == ["Avoid AG", "Blank Oy", "Half Ltd"]
    up = [r.name for r in services.partners.list(PartnerQuery(sort="quadrant"))]
    down = [r.name for r in services.partners.list(PartnerQuery(sort="quadrant", descending=True))]
    assert up[-2:] == down[-2:] == ["Blank Oy", "Half Ltd"]
    assert up[:2] == ["Avoid AG", "Strat SA"] and down[:2] == ["Strat SA", "Avoid AG"]


def test_only_the_two_scores_may_be_empty_in_a_stored_or_incoming_partner():
    """The rules stored rows and package records are checked against (app/services/integrity.py)."""
    empty = {name for name, rule in rules("partners").items() if rule.nullable}
    assert {"value_score", "risk_score"} <= empty
    assert empty - {"value_score", "risk_score"} <= {"deleted_at", "updated_at"} | set(Syncable.META_FIELDS)
    found = problems("partners", {"value_score": None, "risk_score": None, "tier": None})
    assert [p.field for p in found if p.reason == "required field is empty"] == ["tier"]


def test_create_and_read_back_everything(services):
    data = PartnerData(
        name="  Nordwerk Components GmbH ", kind=PartnerKind.SUPPLIER, segment="Electronics", tier=1,
        annual_spend=2_500_000, currency="eur", country="Germany", value_score=5, risk_score=2,
        enablement_level=3, alignment_goals=4, alignment_values=5, alignment_capabilities=3,
        status=PartnerStatus.ONBOARDING, enablement_lead="Mira Holm", notes="Prefers on-site reviews",
        contacts=(ContactData("Anna Becker", Side.PARTNER, "Quality manager", "anna@nordwerk.example",
                              is_primary=True),
                  ContactData("Mira Holm", Side.OURS, "Enablement lead")),
        escalation=(EscalationData(1, "Anna Becker"), EscalationData(2, "Jakob Stein", side=Side.OURS)),
    )
    created = services.partners.create(data)
    got = services.partners.get(created.id)
    assert got.name == "Nordwerk Components GmbH"  # trimmed
    assert got.currency == "EUR"
    assert got.quadrant is Quadrant.STRATEGIC
    assert {c.name for c in got.contacts} == {"Anna Becker", "Mira Holm"}
    assert [e.name for e in got.escalation] == ["Anna Becker", "Jakob Stein"]
    assert got.updated_by == services.db.device_id


def test_validation_names_every_wrong_field(services):
    with pytest.raises(ValidationError) as err:
        services.partners.create(PartnerData(name=" ", tier=4, value_score=6, annual_spend=-1, currency="EU",
                                             contacts=(ContactData("Bo", email="not-an-address"),)))
    assert set(err.value.errors) == {"name", "tier", "value_score", "annual_spend", "currency", "contacts.1"}
    assert services.partners.count() == 0  # nothing half-saved


def test_search_is_case_insensitive_and_treats_wildcards_literally(services):
    for name in ("Acme 100% Plastics", "ACME Logistics", "Beacon Supply", "Under_score Ltd"):
        services.partners.create(PartnerData(name=name))
    names = lambda q: [r.name for r in services.partners.list(PartnerQuery(text=q))]  # noqa: E731
    assert names("acme") == ["Acme 100% Plastics", "ACME Logistics"]
    assert names("100%") == ["Acme 100% Plastics"]
    assert names("%") == ["Acme 100% Plastics"]
    assert names("_") == ["Under_score Ltd"]


def test_filters_combine_and_sorting_runs_in_sql(services):
    services.partners.create(PartnerData(name="A", kind=PartnerKind.SUPPLIER, tier=1, annual_spend=10))
    services.partners.create(PartnerData(name="B", kind=PartnerKind.CUSTOMER, tier=1, annual_spend=30))
    services.partners.create(PartnerData(name="C", kind=PartnerKind.SUPPLIER, tier=2, annual_spend=20))
    q = PartnerQuery(kinds=(PartnerKind.SUPPLIER,), tiers=(1, 2), sort="annual_spend", descending=True)
    assert [r.name for r in services.partners.list(q)] == ["C", "A"]
    assert services.partners.count(q) == 2
    assert [r.name for r in services.partners.page(PartnerQuery(sort="annual_spend"), offset=1, limit=1)] == ["C"]


def test_update_replaces_contacts_and_a_removed_contact_can_come_back(services):
    created = services.partners.create(PartnerData(name="Acme", contacts=(ContactData("Bo"), ContactData("Cy"))))
    bo, cy = sorted(created.contacts, key=lambda c: c.name)
    edited = services.partners.update(replace(created, contacts=(replace(bo, role="Buyer"),)))
    assert [(c.name, c.role) for c in edited.contacts] == [("Bo", "Buyer")]
    restored = services.partners.update(created)  # undo: the old contact list with Cy's id
    assert {c.id for c in restored.contacts} == {bo.id, cy.id}


def test_delete_hides_the_partner_and_restore_brings_it_back(services):
    created = services.partners.create(PartnerData(name="Acme"))
    services.partners.delete(created.id)
    assert services.partners.count() == 0
    with pytest.raises(NotFound):
        services.partners.get(created.id)
    services.partners.restore(created.id)
    assert services.partners.get(created.id).name == "Acme"


def test_find_by_name_exact_partial_and_unknown(services):
    services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    services.partners.create(PartnerData(name="Nordline Supply"))
    assert services.partners.find("nordwerk components gmbh").name == "Nordwerk Components GmbH"
    assert services.partners.find("werk").name == "Nordwerk Components GmbH"
    with pytest.raises(NotFound, match="Did you mean"):
        services.partners.find("Nord")
    with pytest.raises(NotFound, match="No partner called 'Zeta'"):
        services.partners.find("Zeta")


def test_segments_lists_each_segment_once(services):
    for name, segment in (("A", "Plastics"), ("B", "Electronics"), ("C", "Plastics"), ("D", "")):
        services.partners.create(PartnerData(name=name, segment=segment))
    assert services.partners.segments() == ["Electronics", "Plastics"]

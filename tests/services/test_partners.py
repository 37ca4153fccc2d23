"""The partner directory service: validation, search and filters in SQL, contacts, deletes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.models.enums import PartnerKind, PartnerStatus, Quadrant, Side
from app.services.errors import NotFound, ValidationError
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

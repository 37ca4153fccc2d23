"""Onboarding checklists: starting from a playbook, due dates, ticking, progress, overdue, portfolio."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.models.enums import ItemStatus, PartnerKind, PartnerStatus, Side
from app.services.errors import NotFound, ValidationError
from app.services.partners import ContactData, PartnerData
from app.services.playbooks import StepData
from app.services.reference_data import stable_id

DEFAULT_V1 = stable_id("playbook", "default", "v1")
START = date(2026, 11, 2)


@pytest.fixture
def partner(services):
    return services.partners.create(PartnerData(
        name="Nordwerk Components GmbH", enablement_lead="Mira Holm",
        contacts=(ContactData("Anna Becker", Side.PARTNER, is_primary=True),)))


@pytest.fixture
def small_version(services):
    """Three steps, one per side; the partner's step needs evidence."""
    v = services.playbooks.create("Small", "", [
        StepData("Kick-off", owner_side=Side.JOINT, day_offset=0),
        StepData("Accounts set up", owner_side=Side.OURS, day_offset=5),
        StepData("Certificates sent", owner_side=Side.PARTNER, day_offset=10, evidence_required=True),
    ])
    return services.playbooks.publish(v.id)


def test_starting_copies_every_step_with_due_dates_and_owners(services, partner):
    c = services.onboarding.start(partner.id, DEFAULT_V1, START)
    v = services.playbooks.get_version(DEFAULT_V1)
    assert [i.title for i in c.items] == [s.title for s in v.steps]
    assert [i.due_date for i in c.items] == [START + timedelta(days=s.day_offset) for s in v.steps]
    assert c.playbook_version_id == DEFAULT_V1 and c.playbook_version == 1
    owners = {i.owner_side: i.owner_name for i in c.items}
    assert owners == {Side.JOINT: "Mira Holm", Side.OURS: "Mira Holm", Side.PARTNER: "Anna Becker"}
    assert all(i.status is ItemStatus.TODO for i in c.items)


def test_named_owners_override_the_defaults_and_a_candidate_moves_to_onboarding(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START, owners={Side.OURS: "Jakob Stein"})
    assert {i.owner_side: i.owner_name for i in c.items}[Side.OURS] == "Jakob Stein"
    assert services.partners.get(partner.id).status is PartnerStatus.ONBOARDING


def test_a_draft_version_cannot_start_onboarding(services, partner):
    draft = services.playbooks.create("Draft", "", [StepData("x")])
    with pytest.raises(ValidationError, match="publish it"):
        services.onboarding.start(partner.id, draft.id, START)
    with pytest.raises(NotFound):
        services.onboarding.start("nobody", DEFAULT_V1, START)


def test_ticking_records_who_and_when_and_moves_progress(services, partner, small_version):
    services.identity.set_names("Mira Holm", "Laptop")
    c = services.onboarding.start(partner.id, small_version.id, START)
    kickoff = c.items[0]
    done = services.onboarding.toggle_done(kickoff.id, today=date(2026, 11, 3))
    assert done.status is ItemStatus.DONE
    assert (done.completed_on, done.completed_by) == (date(2026, 11, 3), "Mira Holm")
    c = services.onboarding.get(c.id)
    assert (c.progress.done, c.progress.applicable) == (1, 3)
    assert c.progress_by_side()[Side.JOINT].percent == 100
    assert c.progress_by_side()[Side.OURS].percent == 0
    undone = services.onboarding.toggle_done(kickoff.id)
    assert undone.status is ItemStatus.TODO and undone.completed_on is None and undone.completed_by == ""


def test_not_applicable_items_leave_the_progress_figures(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    services.onboarding.set_status(c.items[0].id, ItemStatus.DONE)
    services.onboarding.set_status(c.items[1].id, ItemStatus.NOT_APPLICABLE)
    c = services.onboarding.get(c.id)
    assert (c.progress.done, c.progress.applicable, c.progress.percent) == (1, 2, 50)
    assert c.progress_by_side()[Side.OURS].applicable == 0


def test_evidence_is_required_before_done(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    certificates = c.items[2]
    with pytest.raises(ValidationError, match="needs evidence"):
        services.onboarding.set_status(certificates.id, ItemStatus.DONE)
    assert services.onboarding.get(c.id).items[2].status is ItemStatus.TODO
    done = services.onboarding.set_status(certificates.id, ItemStatus.DONE, evidence_note="ISO 9001 copy filed",
                                          completed_on=date(2026, 11, 10), completed_by="Anna Becker")
    assert (done.evidence_note, done.completed_on, done.completed_by) == (
        "ISO 9001 copy filed", date(2026, 11, 10), "Anna Becker")


def test_a_completion_date_in_the_future_is_refused(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    with pytest.raises(ValidationError, match="future"):
        services.onboarding.set_status(c.items[0].id, ItemStatus.DONE, completed_on=date(2026, 12, 1),
                                       today=date(2026, 11, 5))


def test_overdue_means_open_and_past_its_due_date(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    # On day 6 the kick-off (day 0) and the accounts (day 5) are overdue; the certificates (day 10) are not.
    day6 = START + timedelta(days=6)
    c = services.onboarding.get(c.id, today=day6)
    assert [i.title for i in c.overdue_items] == ["Kick-off", "Accounts set up"]
    services.onboarding.set_status(c.items[0].id, ItemStatus.DONE, today=day6)
    services.onboarding.set_status(c.items[1].id, ItemStatus.NOT_APPLICABLE)
    assert services.onboarding.get(c.id, today=day6).overdue_items == []
    # An item due today is not overdue yet.
    assert services.onboarding.get(c.id, today=START + timedelta(days=10)).overdue_items == []
    assert [i.title for i in services.onboarding.overdue_items(today=START + timedelta(days=11))] == [
        "Certificates sent"]


def test_moving_the_start_date_moves_every_due_date(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    services.onboarding.update_item(c.items[1].id, due_date=START + timedelta(days=8))  # agreed by hand
    moved = services.onboarding.move_start(c.id, START + timedelta(days=14))
    assert moved.start_date == START + timedelta(days=14)
    assert [i.due_date for i in moved.items] == [START + timedelta(days=d) for d in (14, 22, 24)]


def test_several_checklists_per_partner_and_the_current_one(services, partner, small_version):
    first = services.onboarding.start(partner.id, DEFAULT_V1, date(2025, 3, 1))
    services.onboarding.close(first.id)
    second = services.onboarding.start(partner.id, small_version.id, START, title="Re-onboarding")
    rows = services.onboarding.checklists(partner.id)
    assert [r.id for r in rows] == [second.id, first.id]
    assert services.onboarding.current(partner.id).id == second.id
    assert services.onboarding.get(first.id).is_open is False


def test_portfolio_lists_open_checklists_and_onboarding_partners_without_one(services, partner, small_version):
    waiting = services.partners.create(PartnerData(name="Alpgate Trading", status=PartnerStatus.ONBOARDING))
    c = services.onboarding.start(partner.id, small_version.id, START)
    services.onboarding.set_status(c.items[0].id, ItemStatus.DONE)
    rows = services.onboarding.portfolio(today=START + timedelta(days=7))
    by_name = {r.partner_name: r for r in rows}
    assert set(by_name) == {"Nordwerk Components GmbH", "Alpgate Trading"}
    row = by_name["Nordwerk Components GmbH"]
    assert (row.progress.done, row.progress.applicable, row.overdue) == (1, 3, 1)
    assert (row.next_due_title, row.next_due_date) == ("Accounts set up", START + timedelta(days=5))
    assert row.days_in_onboarding == 7
    assert by_name["Alpgate Trading"].checklist_id is None and waiting.id == by_name["Alpgate Trading"].partner_id
    # Closed: the partner stays listed while its status says onboarding, but without a checklist.
    services.onboarding.close(c.id)
    row = {r.partner_name: r for r in services.onboarding.portfolio()}["Nordwerk Components GmbH"]
    assert row.checklist_id is None
    services.partners.update(replace(services.partners.get(partner.id), status=PartnerStatus.ACTIVE))
    assert "Nordwerk Components GmbH" not in {r.partner_name for r in services.onboarding.portfolio()}


def test_deleting_a_checklist_hides_it(services, partner, small_version):
    c = services.onboarding.start(partner.id, small_version.id, START)
    services.onboarding.delete(c.id)
    assert services.onboarding.checklists(partner.id) == []
    with pytest.raises(NotFound):
        services.onboarding.get(c.id)


def test_demo_data_has_checklists_at_various_stages(demo_services):
    from tests.conftest import AS_OF

    rows = [r for r in demo_services.onboarding.portfolio(today=AS_OF) if r.checklist_id]
    assert rows, "partners in onboarding have checklists"
    percents = {r.progress.percent for r in rows}
    assert len(percents) > 2
    assert any(r.overdue for r in rows)


def test_the_playbook_offered_first_is_the_one_partners_of_the_same_kind_got(services, partner, small_version):
    """A supplier is offered what suppliers got here, else a playbook named for suppliers; never simply the
    first name in the alphabet (*Distributor channel onboarding* for a supplier)."""
    steps = [StepData("Kick-off", owner_side=Side.JOINT, day_offset=0)]
    distributor = services.playbooks.publish(services.playbooks.create("Distributor channel onboarding", "", steps).id)
    supplier = services.playbooks.publish(services.playbooks.create("Supplier quality onboarding", "", steps).id)
    ids = sorted({distributor.playbook_id, supplier.playbook_id, small_version.playbook_id})
    assert partner.kind == PartnerKind.SUPPLIER
    assert services.onboarding.suggested_playbook(partner.id, ids) == supplier.playbook_id  # by its name
    other = services.partners.create(PartnerData(name="Kestrel Metals", kind=PartnerKind.SUPPLIER))
    services.onboarding.start(other.id, small_version.id, START)
    assert services.onboarding.suggested_playbook(partner.id, ids) == small_version.playbook_id  # what suppliers got
    shop = services.partners.create(PartnerData(name="Retail One", kind=PartnerKind.CUSTOMER))
    assert services.onboarding.suggested_playbook(shop.id, ids) is None  # nothing to go by: the list's order

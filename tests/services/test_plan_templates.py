"""Plan templates are a versioned library: every save that changes a template adds a numbered version to its
history, with who made it, the note and what changed in words; a plan can become a new template or the next
version of one."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.enums import Side
from app.services.errors import NotFound, ValidationError
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id

DEFAULT_TEMPLATE = stable_id("plan_template", "default_30_60_90")
OUTLINE = {"phases": [
    {"phase": 30, "goals": [{"description": "Quality contact named", "measure": ""}],
     "milestones": [{"title": "Kick-off held", "owner_role": "Enablement lead"}]},
    {"phase": 60, "goals": [], "milestones": []},
    {"phase": 90, "goals": [], "milestones": []},
]}


def _with_milestone(outline: dict, phase: int, title: str) -> dict:
    phases = [dict(p, milestones=[*p["milestones"], {"title": title, "owner_role": "Partner contact"}])
              if p["phase"] == phase else p for p in outline["phases"]]
    return {"phases": phases}


def test_a_new_template_is_version_one_by_its_author(services):
    services.identity.set_names("Priya Raman", "Priya's laptop")
    row = services.plans.create_template("Distributor start", "For new distributors", OUTLINE)
    assert row.version == 1 and row.label.startswith("Distributor start v1 (1 goals, 1 milestones)")
    [first] = services.plans.template_history(row.id)
    assert (first.number, first.changed_by, first.change_note, first.changes) == (
        1, "Priya Raman", "Created", ("first version",))
    assert first.snapshot["content"] == OUTLINE


def test_an_edit_adds_a_version_that_says_what_changed(services):
    row = services.plans.create_template("Distributor start", "", OUTLINE)
    edited = services.plans.update_template(row.id, "Distributor onboarding", "",
                                            _with_milestone(OUTLINE, 60, "First order shipped"))
    assert edited.version == 2 and edited.name == "Distributor onboarding" and edited.milestone_count == 2
    newest, oldest = services.plans.template_history(row.id)
    assert (newest.number, oldest.number) == (2, 1)
    assert newest.changes == ("renamed 'Distributor start' → 'Distributor onboarding'",
                              "day 60: milestone added: First order shipped")
    assert newest.change_note == "; ".join(newest.changes)  # no note given: the changes speak for it
    assert oldest.snapshot["name"] == "Distributor start"  # the old version is still there to read


def test_a_note_is_kept_and_a_save_that_changes_nothing_adds_no_version(services):
    row = services.plans.create_template("Distributor start", "", OUTLINE)
    services.plans.update_template(row.id, "Distributor start", "", OUTLINE, note="Checked, no change")
    assert services.plans.template(row.id).version == 1
    assert len(services.plans.template_history(row.id)) == 1
    services.plans.update_template(row.id, "Distributor start", "Now for agents too", OUTLINE,
                                   note="Agents use it as well")
    newest = services.plans.template_history(row.id)[0]
    assert (newest.number, newest.change_note, newest.changes) == (2, "Agents use it as well",
                                                                  ("description edited",))


def test_a_plan_saved_as_the_next_version_of_its_template(services):
    partner = services.partners.create(PartnerData(
        name="Lumenforge Materials B.V.", contacts=(ContactData("Wen Chen", Side.PARTNER, is_primary=True),)))
    shipped = services.plans.template(DEFAULT_TEMPLATE)
    assert shipped.version == 1  # the shipped template arrives with its first version
    plan = services.plans.create(partner.id, date(2026, 10, 1), template_id=DEFAULT_TEMPLATE)
    services.plans.add_milestone(plan.id, 90, "Second source qualified", "Priya Raman")
    row = services.plans.save_as_template(plan.id, shipped.name, template_id=DEFAULT_TEMPLATE,
                                          note="Lumenforge taught us this one")
    assert (row.id, row.version, row.description) == (DEFAULT_TEMPLATE, 2, shipped.description)
    assert [t.id for t in services.plans.templates()] == [DEFAULT_TEMPLATE]  # no second template
    newest = services.plans.template_history(DEFAULT_TEMPLATE)[0]
    assert newest.change_note == "Lumenforge taught us this one"
    assert "day 90: milestone added: Second source qualified" in newest.changes
    other = services.partners.create(PartnerData(name="Other"))
    copy = services.plans.create(other.id, date(2027, 1, 4), template_id=DEFAULT_TEMPLATE)
    assert "Second source qualified" in [m.title for m in copy.milestones]


def test_reordered_or_reworded_items_are_described_as_edited(services):
    two = _with_milestone(OUTLINE, 30, "Audit booked")
    row = services.plans.create_template("T", "", two)
    swapped = {"phases": [dict(p, milestones=p["milestones"][::-1]) if p["phase"] == 30 else p
                          for p in two["phases"]]}
    services.plans.update_template(row.id, "T", "", swapped)
    assert services.plans.template_history(row.id)[0].changes == ("day 30: milestones edited",)


def test_bad_template_edits_are_refused_and_change_nothing(services):
    row = services.plans.create_template("T", "", OUTLINE)
    with pytest.raises(ValidationError):
        services.plans.update_template(row.id, "  ", "", OUTLINE)
    with pytest.raises(ValidationError):
        services.plans.update_template(row.id, "T", "", {"phases": [{"phase": 45}]})
    with pytest.raises(NotFound):
        services.plans.template_history("nobody")
    assert services.plans.template(row.id).version == 1
    services.plans.delete_template(row.id)
    with pytest.raises(NotFound):
        services.plans.template(row.id)

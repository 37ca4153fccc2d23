"""Playbook templates: versions, publishing, diffs, import and export."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.models.enums import Side, TemplateStatus
from app.services.errors import NotFound, ValidationError
from app.services.playbooks import StepData
from app.services.reference_data import stable_id

DEFAULT = stable_id("playbook", "default")


def _steps(*titles: str) -> list[StepData]:
    return [StepData(t, day_offset=i * 7) for i, t in enumerate(titles)]


def test_the_shipped_playbook_is_published_and_listed(services):
    rows = services.playbooks.list()
    assert [r.name for r in rows] == ["Standard partner onboarding"]
    assert rows[0].published_version == 1 and rows[0].step_count == 13


def test_a_new_playbook_starts_as_a_draft_that_is_edited_in_place(services):
    v = services.playbooks.create("Reseller onboarding", "For resellers", _steps("Agreement", "Training"))
    assert (v.version, v.status) == (1, TemplateStatus.DRAFT)
    edited = services.playbooks.edit(v.id, v.name, v.description, [*v.steps, StepData("Launch", day_offset=30)])
    assert edited.id == v.id and edited.version == 1
    assert [s.title for s in edited.steps] == ["Agreement", "Training", "Launch"]
    assert len(services.playbooks.versions(v.playbook_id)) == 1


def test_editing_a_published_version_makes_a_new_version_and_keeps_the_old(services):
    v1 = services.playbooks.latest(DEFAULT)
    steps = list(v1.steps)
    steps[0] = replace(steps[0], title="Kick-off with both sponsors")
    v2 = services.playbooks.edit(v1.id, v1.name, v1.description, steps[1:] + steps[:1], "Sponsors join")
    assert (v2.version, v2.status) == (2, TemplateStatus.DRAFT)
    assert v2.id != v1.id
    again = services.playbooks.get_version(v1.id)
    assert again.steps[0].title == "Kick-off and stakeholder introductions"
    assert again.status is TemplateStatus.PUBLISHED
    assert [r.version for r in services.playbooks.versions(DEFAULT)] == [2, 1]
    published = services.playbooks.publish(v2.id)
    assert published.is_published and published.published_at is not None
    assert services.playbooks.list()[0].published_version == 2


def test_a_second_draft_is_refused_while_one_exists(services):
    v1 = services.playbooks.latest(DEFAULT)
    services.playbooks.edit(v1.id, v1.name, "changed", v1.steps)
    with pytest.raises(ValidationError, match="already a draft"):
        services.playbooks.edit(v1.id, v1.name, "changed again", v1.steps)


def test_an_unchanged_edit_of_a_published_version_makes_nothing(services):
    v1 = services.playbooks.latest(DEFAULT)
    same = services.playbooks.edit(v1.id, v1.name, v1.description, v1.steps)
    assert same.id == v1.id
    assert len(services.playbooks.versions(DEFAULT)) == 1


def test_diff_lists_added_removed_and_changed_steps(services):
    v1 = services.playbooks.latest(DEFAULT)
    steps = list(v1.steps)
    removed = steps.pop(2)
    steps[0] = replace(steps[0], day_offset=1, owner_side=Side.OURS)
    steps.insert(4, StepData("Sustainability commitments signed", owner_side=Side.PARTNER, day_offset=10,
                             evidence_required=True))
    v2 = services.playbooks.edit(v1.id, v1.name, v1.description, steps)
    d = services.playbooks.diff(v1.id, v2.id)
    assert [c.title for c in d.added] == ["Sustainability commitments signed"]
    assert [c.title for c in d.removed] == [removed.title]
    assert [(c.title, c.fields) for c in d.changed] == [
        ("Kick-off and stakeholder introductions", ("owner_side", "day_offset"))]
    # the other direction reads the other way round
    back = services.playbooks.diff(v2.id, v1.id)
    assert [c.title for c in back.removed] == ["Sustainability commitments signed"]


def test_diff_sees_a_moved_step(services):
    v = services.playbooks.create("Short", "", _steps("A", "B", "C"))
    v = services.playbooks.publish(v.id)
    a, b, c = v.steps
    v2 = services.playbooks.edit(v.id, v.name, "", [c, a, b])
    d = services.playbooks.diff(v.id, v2.id)
    assert [(x.title, x.fields) for x in d.changed] == [("C", ("position",))]


def test_publishing_needs_steps_and_drafts_can_be_discarded(services):
    v = services.playbooks.create("Empty", "")
    with pytest.raises(ValidationError, match="at least one step"):
        services.playbooks.publish(v.id)
    services.playbooks.discard_draft(v.id)
    assert "Empty" not in [r.name for r in services.playbooks.list()]
    with pytest.raises(NotFound):
        services.playbooks.get_version(v.id)


def test_bad_steps_are_refused_with_every_problem_named(services):
    with pytest.raises(ValidationError) as info:
        services.playbooks.create(" ", "", [StepData(""), StepData("Far", day_offset=99999)])
    assert set(info.value.errors) == {"name", "steps.1", "steps.2"}


def test_export_is_readable_and_import_round_trips_as_a_new_version(services):
    v1 = services.playbooks.latest(DEFAULT)
    text = services.playbooks.export_json(v1.id)
    doc = json.loads(text)
    assert doc["name"] == "Standard partner onboarding" and len(doc["steps"]) == 13
    assert "\n  " in text  # indented for people
    # Unchanged: nothing to import.
    result = services.playbooks.import_json(text)
    assert not result.created and result.version.id == v1.id
    # A partner edits the file: renames one step, drops one, adds one with a KPI.
    doc["steps"][1]["title"] = "Name a point of contact and a deputy on each side"
    del doc["steps"][5]
    doc["steps"].append({"title": "On-time delivery above 95 % for a month", "owner_side": "partner",
                         "day_offset": 60, "kpi": "otd"})
    result = services.playbooks.import_json(json.dumps(doc))
    assert result.created and not result.new_playbook
    assert (result.version.version, result.version.status) == (2, TemplateStatus.DRAFT)
    assert len(result.diff.added) == 1 and len(result.diff.removed) == 1 and len(result.diff.changed) == 1
    assert result.version.steps[-1].kpi_code == "OTD"


def test_import_of_an_unknown_playbook_makes_a_new_one(services):
    doc = {"name": "Partner-written playbook", "steps": [{"title": "Meet"}, {"title": "Agree", "day_offset": 3}]}
    result = services.playbooks.import_json(json.dumps(doc))
    assert result.new_playbook and result.version.version == 1
    assert [s.title for s in result.version.steps] == ["Meet", "Agree"]


@pytest.mark.parametrize("text, message", [
    ("{not json", "not a readable playbook file"),
    ('{"name": "x"}', "list of steps"),
    ('{"name": "x", "steps": [{"title": "a", "owner_side": "them"}]}', "ours, partner or joint"),
    ('{"name": "x", "steps": [{"title": "a", "kpi": "NOPE"}]}', "no KPI with code"),
    ('{"name": "x", "steps": [{"title": "a", "day_offset": "soon"}]}', "whole number"),
])
def test_import_explains_a_bad_file_and_stores_nothing(services, text, message):
    before = services.playbooks.list()
    with pytest.raises(ValidationError, match=message):
        services.playbooks.import_json(text)
    assert services.playbooks.list() == before

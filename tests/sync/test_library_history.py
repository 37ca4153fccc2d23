"""Two laptops that each make a new version of the same library item end with the same history and the same
numbers: both versions are kept, numbered in the same order everywhere (v2 and v3), for playbooks, learning
tracks, criteria sets, KPIs and plan templates alike."""

from __future__ import annotations

from dataclasses import replace

from app.services.learning import TrackItemData
from app.services.playbooks import StepData
from app.services.reference_data import stable_id
from app.services.selection import CriteriaEdit, default_lineage


def _exchange(laptops, a, b) -> None:
    laptops.send(a, b)
    laptops.send(b, a)


def _both_publish_a_version(laptops, make, edit_and_publish, history):
    """``make(a)`` creates and publishes the item on laptop A (returns its id); each laptop then edits the
    published version and publishes the edit; after packages go both ways, both histories are returned."""
    a, b = laptops.new("anna"), laptops.new("ben")
    item = make(a)
    _exchange(laptops, a, b)
    edit_and_publish(a, item, "anna")
    edit_and_publish(b, item, "ben")
    _exchange(laptops, a, b)
    return history(a, item), history(b, item)


def test_two_laptops_publishing_a_playbook_version_each_keep_both_with_the_same_numbers(laptops):
    def make(lt):
        v = lt.playbooks.create("Field onboarding", "", [StepData("Kick-off", day_offset=0)])
        lt.playbooks.publish(v.id)
        return v.playbook_id

    def edit_and_publish(lt, playbook_id, who):
        current = lt.playbooks.latest_published(playbook_id)
        steps = (*current.steps, StepData(f"Plant walk with {who}", day_offset=5))
        lt.playbooks.publish(lt.playbooks.edit(current.id, current.name, "", steps).id)

    def history(lt, playbook_id):
        return [(v.version, v.id) for v in lt.playbooks.versions(playbook_id)]

    on_a, on_b = _both_publish_a_version(laptops, make, edit_and_publish, history)
    assert on_a == on_b
    assert [n for n, _id in on_a] == [3, 2, 1]


def test_two_laptops_publishing_a_track_version_each_keep_both_with_the_same_numbers(laptops):
    def make(lt):
        modules = lt.learning.modules()
        v = lt.learning.create_track("Supplier quality basics", "", [TrackItemData(modules[0].id)])
        lt.learning.publish(v.id)
        return v.track_id

    def edit_and_publish(lt, track_id, who):
        current = next(v for v in lt.learning.versions(track_id))
        data = lt.learning.get_version(current.id)
        extra = next(m for m in lt.learning.modules() if m.id not in {i.module_id for i in data.items})
        new = lt.learning.edit_track(data.id, data.name, f"Edited by {who}", (*data.items, TrackItemData(extra.id)))
        lt.learning.publish(new.id)

    def history(lt, track_id):
        return [(v.version, v.id) for v in lt.learning.versions(track_id)]

    on_a, on_b = _both_publish_a_version(laptops, make, edit_and_publish, history)
    assert on_a == on_b
    assert [n for n, _id in on_a] == [3, 2, 1]


def test_two_laptops_publishing_a_criteria_set_version_each_keep_both_with_the_same_numbers(laptops):
    def edit_and_publish(lt, lineage, who):
        current = lt.selection.latest_published(lineage)
        first = replace(current.criteria[0], name=f"{current.criteria[0].name} ({who})")
        new = lt.selection.save_criteria_set(current.id, CriteriaEdit(current.name, current.description,
                                                                      (first, *current.criteria[1:])))
        lt.selection.publish_criteria_set(new.id)

    def history(lt, lineage):
        return sorted((s.version, s.id) for s in lt.selection.criteria_sets() if s.lineage == lineage)

    on_a, on_b = _both_publish_a_version(laptops, lambda _lt: default_lineage(), edit_and_publish, history)
    assert on_a == on_b
    assert [n for n, _id in on_a] == [1, 2, 3]
    a = laptops.opened[0]
    assert a.selection.latest_published().id == on_a[-1][1]  # the newest is the same one everywhere


def test_two_laptops_editing_a_kpi_each_keep_both_snapshots_with_the_same_numbers(laptops):
    def edit_and_publish(lt, code, who):
        k = lt.kpis.find(code)
        lt.kpis.update(replace(k, definition=f"{k.definition} Checked by {who}."), note=f"{who}'s wording")

    def history(lt, code):
        k = lt.kpis.find(code)
        return k.version, [(h.version, h.change_note) for h in lt.kpis.history(k.id)]

    on_a, on_b = _both_publish_a_version(laptops, lambda _lt: "OTD", edit_and_publish, history)
    assert on_a == on_b
    version, entries = on_a
    assert version == 3 and [n for n, _note in entries] == [3, 2, 1]
    assert {note for _n, note in entries[:2]} == {"anna's wording", "ben's wording"}


def test_two_laptops_saving_a_plan_template_version_each_keep_both_with_the_same_numbers(laptops):
    template_id = stable_id("plan_template", "default_30_60_90")

    def edit_and_publish(lt, tid, who):
        t = lt.plans.template(tid)
        lt.plans.update_template(tid, t.name, f"{t.description} Checked by {who}.", lt.plans.template_content(tid),
                                 note=f"{who}'s wording")

    def history(lt, tid):
        return [(v.number, v.change_note) for v in lt.plans.template_history(tid)]

    on_a, on_b = _both_publish_a_version(laptops, lambda _lt: template_id, edit_and_publish, history)
    assert on_a == on_b
    assert [n for n, _note in on_a] == [3, 2, 1]
    assert {note for _n, note in on_a[:2]} == {"anna's wording", "ben's wording"}

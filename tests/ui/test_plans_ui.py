"""The Success plan tab: make a plan from the template, tick milestones, move the start, see the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from app.models.enums import ItemStatus
from app.services.partners import PartnerData
from app.services.reference_data import stable_id
from app.ui.bus import ChangeBus
from app.ui.formatting import format_date
from app.ui.onboarding.common import OVERDUE_BG, to_qdate
from app.ui.plans.dialogs import SaveTemplateDialog
from app.ui.plans.plan_tab import SuccessPlanTab

TEMPLATE = stable_id("plan_template", "default_30_60_90")


@pytest.fixture
def tab(qtbot, services):
    p = services.partners.create(PartnerData(name="Lumenforge Materials B.V.", enablement_lead="Priya Raman"))
    services.plans.create(p.id, date.today() - timedelta(days=40), template_id=TEMPLATE)
    widget = SuccessPlanTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    widget.set_partner(p.id)
    return widget


def test_the_three_phases_show_goals_and_milestones(tab):
    assert [box.milestones.rowCount() for box in tab.phase_boxes.values()] == [4, 3, 3]
    assert all(box.goals.rowCount() > 0 for box in tab.phase_boxes.values())
    # Day 30 is over and nothing is done: its milestones are overdue and shaded.
    box = tab.phase_boxes[30]
    assert box.milestones.item(0, 0).background().color() == OVERDUE_BG
    assert "4 overdue" in tab.summary.text()


def test_the_timeline_draws_every_milestone_and_marks_overdue(tab):
    points = tab.timeline.points
    assert len(points) == 10
    assert sum(p["overdue"] for p in points) == 4
    assert {p["lane"] for p in points if not p["overdue"]} >= {2, 1}


def test_every_milestone_on_the_timeline_carries_the_number_its_table_row_shows(tab):
    """A marker said nothing about which milestone it was until hovered: now each carries a number, and the
    phase tables print the same number before the title."""
    from pyqtgraph import TextItem

    drawn = {item.toPlainText() for item in tab.timeline.plot.getPlotItem().items if isinstance(item, TextItem)}
    listed = {}
    for box in tab.phase_boxes.values():
        for r, m in enumerate(box.data.milestones):
            number, _sep, title = box.milestones.item(r, 0).text().partition(". ")
            assert title == m.title
            listed[m.id] = number
    assert sorted(listed.values(), key=int) == [str(n) for n in range(1, 11)]
    assert {p["milestone_id"]: str(p["number"]) for p in tab.timeline.points} == listed
    assert set(listed.values()) <= drawn


@pytest.mark.parametrize("width", [480, 1100])
def test_the_last_date_on_the_timeline_fits_beside_the_axis(qtbot, tab, width):
    """The day-90 date label sat on the chart's right edge and was cut off (or dropped) on a narrow chart."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetrics

    from app.ui.plans.timeline import PlanTimelineWidget

    chart = PlanTimelineWidget()
    qtbot.addWidget(chart)
    chart.show_plan(tab.plan)
    chart.resize(width, 170)
    chart.show()
    qtbot.waitExposed(chart)
    axis = chart.plot.getAxis("bottom")
    view = chart.plot.getPlotItem().getViewBox()
    last = (tab.plan.start_date + timedelta(days=90)).strftime("%d %b")
    half = QFontMetrics(axis.style.get("tickFont") or chart.font()).horizontalAdvance(last) / 2
    right_of_90 = view.width() - view.mapFromView(QPointF(90, 0)).x()
    assert right_of_90 >= half, f"{right_of_90:.0f} px right of day 90, the label needs {half:.0f}"


def test_space_ticks_a_milestone_off(qtbot, tab, services):
    box = tab.phase_boxes[30]
    box.milestones.setCurrentCell(0, 0)
    box.milestones.setFocus()
    qtbot.keyClick(box.milestones, Qt.Key.Key_Space)
    assert tab.plan.phase(30).milestones[0].status is ItemStatus.DONE
    assert "3 overdue" in tab.summary.text()
    assert tab.summary.text().startswith("1 of 10")


def test_moving_the_start_moves_automatic_dates(qtbot, tab):
    before = tab.plan.phase(60).milestones[0].due_date
    tab.start.setDate(to_qdate(tab.plan.start_date + timedelta(days=7)))
    tab._save_start()
    assert tab.plan.phase(60).milestones[0].due_date == before + timedelta(days=7)
    assert tab.phase_boxes[60].milestones.item(0, 2).text().startswith(format_date(before + timedelta(days=7)))


def test_an_empty_plan_and_no_plan(qtbot, services):
    p = services.partners.create(PartnerData(name="Nova"))
    widget = SuccessPlanTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(widget)
    widget.set_partner(p.id)
    assert widget.stack.currentIndex() == 0 and "New plan" in widget.empty.text()
    services.plans.create(p.id, date.today())
    widget.set_partner(p.id)
    assert widget.stack.currentIndex() == 1 and widget.timeline.points == []


# -- undo (Edit → Undo takes back every plan edit) -----------------------------------------------------------

def _answer(monkeypatch, dialog_class, fill=None, result=None):
    """Make ``dialog_class.exec`` fill the dialog with ``fill(dialog)`` and return ``result`` (default OK)."""
    def fake_exec(dialog):
        if fill:
            fill(dialog)
        return dialog_class.DialogCode.Accepted if result is None else result
    monkeypatch.setattr(dialog_class, "exec", fake_exec)


def test_renaming_and_moving_the_start_are_undone(qtbot, tab, services):
    stack = tab._bus.undo_stack
    old_title, old_start = tab.plan.title, tab.plan.start_date
    old_due = tab.plan.phase(60).milestones[0].due_date
    tab.title.setText("Lumenforge ramp-up")
    tab._save_title()
    tab.start.setDate(to_qdate(old_start + timedelta(days=7)))
    tab._save_start()
    assert services.plans.get(tab.plan.id).start_date == old_start + timedelta(days=7)

    stack.undo()  # the start moves back, and the dates that follow it
    assert tab.start.date() == to_qdate(old_start)
    assert services.plans.get(tab.plan.id).phase(60).milestones[0].due_date == old_due
    assert tab.phase_boxes[60].milestones.item(0, 2).text().startswith(format_date(old_due))
    stack.undo()
    assert tab.title.text() == old_title == services.plans.get(tab.plan.id).title
    stack.redo()
    assert tab.title.text() == "Lumenforge ramp-up" == services.plans.get(tab.plan.id).title


def test_adding_editing_and_removing_goals_are_undone(qtbot, tab, services, monkeypatch):
    from app.ui.plans.dialogs import REMOVE, GoalDialog

    stack = tab._bus.undo_stack
    box = tab.phase_boxes[30]
    goals = box.goals.rowCount()
    first = box.data.goals[0]

    def fill(d):
        d.description.setPlainText("Every buyer can order on the portal")
        d.measure.setPlainText("10 buyers active")
    _answer(monkeypatch, GoalDialog, fill)
    tab.edit_goal(30, None)
    assert box.goals.rowCount() == goals + 1
    stack.undo()
    assert box.goals.rowCount() == goals and len(services.plans.get(tab.plan.id).phase(30).goals) == goals
    stack.redo()
    assert box.goals.item(goals, 0).text() == "Every buyer can order on the portal"

    # An edit that also moves the goal to day 60 is undone into its old place.
    _answer(monkeypatch, GoalDialog, lambda d: (d.measure.setPlainText("Changed"), d.phase.setCurrentIndex(1)))
    tab.edit_goal(30, first)
    assert first.id in {g.id for g in services.plans.get(tab.plan.id).phase(60).goals}
    stack.undo()
    assert box.data.goals[0] == first and box.goals.item(0, 1).text() == first.measure

    # Remove with the dialog's Remove button, and with the Delete key.
    _answer(monkeypatch, GoalDialog, result=REMOVE)
    tab.edit_goal(30, first)
    box.goals.setCurrentCell(0, 0)
    qtbot.keyClick(box.goals, Qt.Key.Key_Delete)
    assert box.goals.rowCount() == goals - 1
    stack.undo()
    stack.undo()
    assert box.data.goals[0] == first and box.goals.rowCount() == goals + 1
    assert services.plans.get(tab.plan.id).phase(30).goals[0] == first


def test_milestone_edits_status_and_removal_are_undone(qtbot, tab, services, monkeypatch):
    from app.ui.plans.dialogs import MilestoneDialog

    stack = tab._bus.undo_stack
    box = tab.phase_boxes[30]
    m = box.data.milestones[1]
    assert not m.due_date_manual
    by_hand = tab.plan.start_date + timedelta(days=50)

    def fill(d):
        d.owner.setText("Jakob Stein")
        d.status.setCurrentIndex(d.status.findData(ItemStatus.BLOCKED))
        d.manual.setChecked(True)
        d.due.setDate(to_qdate(by_hand))
    _answer(monkeypatch, MilestoneDialog, fill)
    tab.edit_milestone(30, m)
    changed = services.plans.get(tab.plan.id).phase(30).milestones[1]
    assert (changed.owner, changed.status, changed.due_date, changed.due_date_manual) == (
        "Jakob Stein", ItemStatus.BLOCKED, by_hand, True)
    assert box.milestones.item(1, 2).text() == f"{format_date(by_hand)} ✎"

    stack.undo()  # owner, status and the date that follows the phase end are back
    assert services.plans.get(tab.plan.id).phase(30).milestones[1] == m
    assert box.milestones.item(1, 1).text() == m.owner
    assert box.milestones.item(1, 2).text() == format_date(m.due_date)
    assert box.milestones.item(1, 3).text().startswith("To do")
    stack.redo()
    assert box.milestones.item(1, 2).text() == f"{format_date(by_hand)} ✎"
    stack.undo()

    # Space ticks off; undo un-ticks.
    box.milestones.setCurrentCell(1, 0)
    qtbot.keyClick(box.milestones, Qt.Key.Key_Space)
    assert box.data.milestones[1].status is ItemStatus.DONE
    stack.undo()
    assert box.data.milestones[1].status is ItemStatus.TODO
    assert stack.redoText().startswith("Done")

    # Delete removes; undo brings it back in its row.
    box.milestones.setCurrentCell(1, 0)
    qtbot.keyClick(box.milestones, Qt.Key.Key_Delete)
    assert m.id not in {x.id for x in services.plans.get(tab.plan.id).milestones}
    stack.undo()
    assert box.data.milestones[1] == m and box.milestones.item(1, 0).text() == f"2. {m.title}"
    assert len(tab.timeline.points) == 10


def test_adding_a_milestone_is_undone_and_redone(qtbot, tab, services, monkeypatch):
    from app.ui.plans.dialogs import MilestoneDialog

    stack = tab._bus.undo_stack
    _answer(monkeypatch, MilestoneDialog, lambda d: d.title.setText("Second source qualified"))
    tab.edit_milestone(90, None)
    assert tab.phase_boxes[90].milestones.rowCount() == 4
    stack.undo()
    assert tab.phase_boxes[90].milestones.rowCount() == 3 and len(services.plans.get(tab.plan.id).milestones) == 10
    stack.redo()
    assert tab.phase_boxes[90].milestones.item(3, 0).text() == "11. Second source qualified"
    assert stack.undoText() == "Add milestone: Second source qualified"


def test_a_plan_is_saved_as_the_next_version_of_its_template_with_a_note(qtbot, tab, services, monkeypatch):
    seen = {}

    def fill(d):
        assert d.name.text().startswith(tab.plan.title)  # a new template is suggested first
        d.as_version.setChecked(True)
        d.target.setCurrentIndex(d.target.findData(TEMPLATE))
        seen["name"] = d.name.text()
        seen["history"] = [d.versions.item(i).text() for i in range(d.versions.count())]
        d.note.setText("Lumenforge needed a second source")

    services.plans.add_milestone(tab.plan.id, 90, "Second source qualified", "Priya Raman")
    _answer(monkeypatch, SaveTemplateDialog, fill)
    tab.save_as_template()
    shipped = services.plans.template(TEMPLATE)
    assert seen["name"] == shipped.name  # versioning keeps the template's name
    assert seen["history"][0] == "v2 · this save" and seen["history"][1].startswith("v1 ·")
    assert shipped.version == 2 and len(services.plans.templates()) == 1
    newest = services.plans.template_history(TEMPLATE)[0]
    assert newest.change_note == "Lumenforge needed a second source"


def test_a_plan_saved_as_a_new_template_without_a_name_shows_why_and_keeps_the_dialog(
        qtbot, tab, services, monkeypatch):
    attempts = []

    def fake_exec(dialog):
        attempts.append(dialog.error.text())
        if len(attempts) == 1:
            dialog.name.setText("   ")
        elif len(attempts) == 2:
            dialog.name.setText("Lumenforge outline")
        else:
            return SaveTemplateDialog.DialogCode.Rejected
        return SaveTemplateDialog.DialogCode.Accepted

    monkeypatch.setattr(SaveTemplateDialog, "exec", fake_exec)
    tab.save_as_template()
    assert len(attempts) == 2 and "name" in attempts[1]  # the second showing tells why the first failed
    names = [t.label for t in services.plans.templates()]
    assert any(n.startswith("Lumenforge outline v1") for n in names) and len(names) == 2

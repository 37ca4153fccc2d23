"""Undoable success plan edits (Edit → Undo). Commands call the plan service (redo: the new state, undo: the
old one), never a session; see app/ui/undo.py for the shape they share."""

from __future__ import annotations

from app.services.plans import AUTOMATIC, GoalData, MilestoneData, PlanData, PlanService
from app.ui.bus import ChangeBus
from app.ui.undo import ServiceCommand

TABLES = ("success_plans", "plan_goals", "plan_milestones")


class _PlanCommand(ServiceCommand):
    def __init__(self, text: str, plans: PlanService, bus: ChangeBus) -> None:
        super().__init__(text, bus)
        self._plans = plans


class PlanFieldsCommand(_PlanCommand):
    """A new title or start date (moving the start moves, and its undo moves back, the automatic dates)."""

    def __init__(self, plans: PlanService, bus: ChangeBus, before: PlanData, after: PlanData) -> None:
        what = "Move plan start" if before.start_date != after.start_date else "Rename plan"
        super().__init__(f"{what}: {after.title}", plans, bus)
        self.before, self.after = before, after

    def _apply(self, p: PlanData) -> None:
        self._plans.update(p.id, title=p.title, start_date=p.start_date)

    def forward(self) -> None:
        self._apply(self.after)

    def back(self) -> None:
        self._apply(self.before)


class GoalCommand(_PlanCommand):
    """A goal added (``before`` None), edited, or removed (``after`` None)."""

    def __init__(self, plans: PlanService, bus: ChangeBus, before: GoalData | None, after: GoalData | None) -> None:
        verb = "Add goal" if before is None else "Remove goal" if after is None else "Edit goal"
        super().__init__(f"{verb}: {(after or before).description[:40]}", plans, bus)
        self.before, self.after = before, after

    def _set(self, g: GoalData) -> None:
        self._plans.update_goal(g.id, description=g.description, measure=g.measure, phase=g.phase,
                                position=g.position)

    def forward(self) -> None:
        if self.after is None:
            self._plans.remove_goal(self.before.id)
        elif self.before is None:
            self._plans.restore_goal(self.after.id)
        else:
            self._set(self.after)

    def back(self) -> None:
        if self.before is None:
            self._plans.remove_goal(self.after.id)
        elif self.after is None:
            self._plans.restore_goal(self.before.id)
        else:
            self._set(self.before)


class MilestoneCommand(_PlanCommand):
    """A milestone added (``before`` None), edited (title, owner, phase, status, due date), or removed
    (``after`` None)."""

    def __init__(self, plans: PlanService, bus: ChangeBus, before: MilestoneData | None,
                 after: MilestoneData | None, text: str = "") -> None:
        verb = "Add milestone" if before is None else "Remove milestone" if after is None else "Edit milestone"
        super().__init__(text or f"{verb}: {(after or before).title}", plans, bus)
        self.before, self.after = before, after

    def _set(self, m: MilestoneData) -> None:
        # A date that followed the phase end goes back to following it (it may have moved with the start).
        self._plans.update_milestone(m.id, title=m.title, owner=m.owner, phase=m.phase, position=m.position,
                                     status=m.status, due_date=m.due_date if m.due_date_manual else AUTOMATIC)

    def forward(self) -> None:
        if self.after is None:
            self._plans.remove_milestone(self.before.id)
        elif self.before is None:
            self._plans.restore_milestone(self.after.id)
        else:
            self._set(self.after)

    def back(self) -> None:
        if self.before is None:
            self._plans.remove_milestone(self.after.id)
        elif self.after is None:
            self._plans.restore_milestone(self.before.id)
        else:
            self._set(self.before)

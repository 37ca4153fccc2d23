"""A known week for the agenda, calendar, brief and visit tests, built with the services (not the random demo).

Today is Monday 2026-11-23; the local user is Mira Holm, enablement lead of Nordwerk; Jonas Berg leads Ølands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.models.enums import ItemStatus, PdcaStage, PeriodKind, SessionType, Side
from app.services.coaching import Attendee, SessionPlan
from app.services.experiments import ExperimentInput
from app.services.measurements import CellEdit
from app.services.partners import ContactData, PartnerData
from app.services.playbooks import StepData

TODAY = date(2026, 11, 23)


@dataclass
class Week:
    nordwerk: str
    olands: str
    ids: dict[str, str]


def build_week(services) -> Week:
    services.identity.set_names("Mira Holm", "Field laptop")
    nordwerk = services.partners.create(PartnerData(
        name="Nordwerk Components GmbH", enablement_lead="Mira Holm",
        contacts=(ContactData("Anna Becker", Side.PARTNER, is_primary=True),))).id
    olands = services.partners.create(PartnerData(
        name="Ølands Fisk AB", enablement_lead="Jonas Berg",
        contacts=(ContactData("Åsa Lind", Side.PARTNER, is_primary=True),))).id
    ids: dict[str, str] = {}
    a = services.actions
    ids["overdue_mine"] = a.create(nordwerk, "Send the audit plan", "mira holm", Side.OURS, date(2026, 11, 20)).id
    ids["partner_due"] = a.create(nordwerk, "Share scrap data", "Anna Becker", Side.PARTNER, date(2026, 11, 25)).id
    done = a.create(nordwerk, "Book the plant visit", "Mira Holm", Side.OURS, date(2026, 11, 24))
    a.set_done(done.id, on=date(2026, 11, 22))
    ids["done"] = done.id
    ids["later"] = a.create(nordwerk, "Quarterly letter", "Mira Holm", Side.OURS, date(2026, 12, 20)).id
    ids["olands_action"] = a.create(olands, "Call back about pallets", "", Side.OURS, date(2026, 11, 26)).id

    ids["experiment"] = services.experiments.create(ExperimentInput(
        nordwerk, "Two-bin kanban on line 3", owner="Anna Becker", owner_side=Side.PARTNER,
        check_date=date(2026, 11, 27))).id
    services.experiments.move(ids["experiment"], PdcaStage.DO)

    version = services.playbooks.create("Small", "", [
        StepData("Kick-off", owner_side=Side.JOINT, day_offset=0),
        StepData("Certificates sent", owner_side=Side.PARTNER, day_offset=10, evidence_required=True),
    ])
    version = services.playbooks.publish(version.id)
    checklist = services.onboarding.start(olands, version.id, date(2026, 11, 14),
                                          owners={Side.JOINT: "Jonas Berg", Side.PARTNER: "Åsa Lind"})
    ids["checklist"] = checklist.id
    ids["kickoff"], ids["certificates"] = (i.id for i in checklist.items)  # due 11-14 (overdue), 11-24

    plan = services.plans.create(nordwerk, date(2026, 10, 1), "Nordwerk 30-60-90")
    ids["plan"] = plan.id
    ids["milestone"] = services.plans.add_milestone(plan.id, 60, "First PPAP approved", "Mira Holm",
                                                    date(2026, 11, 28)).id
    ids["milestone_done"] = services.plans.add_milestone(plan.id, 60, "Kick-off held", "Mira Holm",
                                                         date(2026, 11, 24), ItemStatus.DONE).id

    ids["session"] = services.coaching.plan(SessionPlan(
        nordwerk, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 12, 0), title="November review",
        location="Poznań plant", facilitator="Anna Becker", facilitator_side=Side.PARTNER,
        attendees=(Attendee("Anna Becker", Side.PARTNER), Attendee("Mira Holm", Side.OURS)))).id
    ids["session_later"] = services.coaching.plan(SessionPlan(
        olands, SessionType.WEEKLY_OPS, datetime(2026, 12, 15, 12, 0), title="Ølands weekly",
        facilitator="Jonas Berg")).id

    otd = services.kpis.find("OTD")
    services.measurements.save_cells(nordwerk, PeriodKind.MONTH, [
        CellEdit(otd.id, date(2026, 9, 1), 96.0), CellEdit(otd.id, date(2026, 10, 1), 85.0)])
    ids["otd"] = otd.id
    return Week(nordwerk, olands, ids)

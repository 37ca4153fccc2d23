"""Partners named in every script Tandem prints, and a helper that prints every report for one of them.

Shared by tests/reports/test_scripts.py and by hand (render to PNG to look at the pages).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from app.models.enums import PeriodKind, SessionType, Side
from app.reports.onboarding import write_onboarding_pdf
from app.reports.plan import write_plan_pdf
from app.reports.scorecard import write_scorecard_pdf
from app.reports.selection import write_blank, write_filled
from app.reports.session import write_minutes_pdf
from app.services.coaching import Attendee, SessionPlan
from app.services.measurements import CellEdit, shift_period
from app.services.partners import PartnerData
from app.services.reference_data import stable_id

TODAY = date(2026, 11, 23)

#: script -> (partner name, a sentence in that script for notes and log lines)
SCRIPTS: dict[str, tuple[str, str]] = {
    "czech": ("Přesné strojírny Dvořák s.r.o.", "Příští týden ověříme řízení výroby."),
    "polish": ("Zakłady Łódzkie Żuraw Sp. z o.o.", "Łączna dostawa źle oznaczona."),
    "turkish": ("Şişecam İzmir Ağır Sanayi A.Ş.", "Teslimat ğüşiöç İstanbul'a gidiyor."),
    "greek": ("Ελληνικά Μηχανουργεία Α.Ε.", "Η παράδοση καθυστέρησε δύο ημέρες."),
    "cyrillic": ("Завод Точмаш ООО", "Поставка задержана на два дня."),
    "arabic": ("شركة الخليج للصناعات الدقيقة", "تأخر التسليم يومين"),
    "hebrew": ("חברת אור תעשיות בעמ", "המשלוח התעכב ביומיים"),
    "chinese": ("深圳精密制造有限公司", "交货延迟了两天。"),
    "japanese": ("株式会社トウキョウ精機", "納品が二日遅れました。"),
    "korean": ("대한정밀 주식회사", "납품이 이틀 늦어졌습니다."),
    "mixed": ("Nordwerk 北京 GmbH", "Kickoff in 北京 with Ms. 王"),
    "emoji": ("Rocket Parts 🚀 Ltd", "Great audit 👍 😀"),
    "long": ("Kestrelforge " + "Präzisionsfertigung " * 9 + "GmbH & Co. KG " + "x" * 5, "Long " * 60),
}
SCRIPTS["long"] = (SCRIPTS["long"][0][:200], SCRIPTS["long"][1])


def print_every_report(services, name: str, note: str, out: Path) -> dict[str, Path]:
    """Make a partner called ``name`` with a checklist, a plan, a session, measurements and a selection
    assessment (using ``note`` in their texts), and print every report of it into ``out``."""
    p = services.partners.create(PartnerData(name=name, segment=note[:60], country=note[:40]))
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    checklist = services.onboarding.start(p.id, stable_id("playbook", "default", "v1"), date(2026, 10, 1))
    services.onboarding.update_item(checklist.items[0].id, evidence_note=note, owner_name=name[:100])
    checklist = services.onboarding.get(checklist.id, today=TODAY)
    paths["onboarding"] = write_onboarding_pdf(out / "onboarding.pdf", [checklist], printed_on=TODAY)

    plan = services.plans.create(p.id, date(2026, 10, 1), title=note[:80])
    services.plans.add_goal(plan.id, 30, note, measure=name)
    services.plans.add_milestone(plan.id, 30, note, owner=name[:100])
    paths["plan"] = write_plan_pdf(out / "plan.pdf", services.plans.get(plan.id, today=TODAY), printed_on=TODAY)

    session = services.coaching.plan(SessionPlan(
        p.id, SessionType.QUARTERLY_REVIEW, datetime(2026, 11, 20, 9), location=note[:100],
        facilitator="Lena Fischer", attendees=(Attendee(name[:100], Side.PARTNER), Attendee("Lena Fischer", Side.OURS))))
    services.coaching.start(session.id)
    services.coaching.log(session.id, note)
    services.coaching.log(session.id, f"d: {note}")
    services.coaching.log(session.id, f"a: {note} due 2026-12-04")
    services.coaching.end(session.id, note)
    paths["session"] = write_minutes_pdf(out / "session.pdf", services.coaching.minutes(session.id))

    otd = services.kpis.find("OTD")
    last = date(2026, 10, 1)
    services.measurements.save_cells(p.id, PeriodKind.MONTH, [
        CellEdit(otd.id, shift_period(PeriodKind.MONTH, last, -i), v) for i, v in enumerate([88.5, 92, 96])])
    card = services.scorecards.partner_scorecard(p.id, today=TODAY)
    trends = [services.scorecards.trend(p.id, r.kpi_id) for r in card.rows if r.latest_value is not None]
    paths["scorecard"] = write_scorecard_pdf(out / "scorecard.pdf", card, trends, printed_on=TODAY)

    a = services.selection.start(p.id)
    services.selection.set_score(a.id, a.scores[0].criterion.id, 4, note)
    paths["selection"] = write_filled(out / "selection.pdf", services.selection.for_partner(p.id), printed_on=TODAY)
    paths["selection-blank"] = write_blank(out / "selection-blank.pdf", [services.selection.blank_form(p.id)],
                                           printed_on=TODAY)
    return paths

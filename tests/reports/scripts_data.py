"""Partners named in every script Tandem prints, and a helper that prints every report for one of them.

Shared by tests/reports/test_scripts.py and by hand, to render the pages to PNG and look at them:

    python -m tests.reports.scripts_data OUT_DIR [SCRIPT...]    # then: pdftoppm -png -r 60 OUT_DIR/arabic/plan.pdf x
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from app.models.enums import PeriodKind, SessionType, Side
from app.reports.brief import write_brief_pdf, write_session_agenda_pdf
from app.reports.certificate import write_certificate_pdf
from app.reports.onboarding import write_onboarding_pdf
from app.reports.plan import write_plan_pdf
from app.reports.scorecard import write_scorecard_pdf
from app.reports.selection import write_blank, write_filled
from app.reports.session import write_minutes_pdf
from app.services.brief import gather_brief
from app.services.coaching import Attendee, SessionPlan
from app.services.learning import CertificateData
from app.services.measurements import CellEdit, shift_period
from app.services.partners import PartnerData
from app.services.reference_data import stable_id

TODAY = date(2026, 11, 23)

#: script -> (partner name, a sentence in that script for notes and log lines)
SCRIPTS: dict[str, tuple[str, str]] = {
    "czech": ("Řízení Łódź Şişecam Dvořák s.r.o.", "Příští týden ověříme řízení výroby."),  # cs, pl, tr letters
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
    "long": ("Kestrelforge " + "Präzisionsfertigung " * 9 + "GmbH & Co. KG " + "x" * 5,
             "Long " * 60 + "https://example.com/" + "a" * 120),  # and one word wider than any column
}
SCRIPTS["long"] = (SCRIPTS["long"][0][:200], SCRIPTS["long"][1])


#: What `print_every_report` writes, by name: each report, the selection form and the certificate on both papers.
REPORTS = ("onboarding", "plan", "session", "agenda", "scorecard", "brief", "selection", "selection-letter",
           "selection-blank", "selection-blank-letter", "certificate", "certificate-letter")


def print_every_report(services, name: str, note: str, out: Path) -> dict[str, Path]:
    """Make a partner called ``name`` with a checklist, a plan, a session (titled with the partner's name),
    measurements with a dispute, a selection assessment and a certificate (using ``note`` in their texts), and
    print every report of it into ``out``: {name in `REPORTS`: path}."""
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

    attendees = (Attendee(name[:100], Side.PARTNER), Attendee("Lena Fischer", Side.OURS))
    session = services.coaching.plan(SessionPlan(
        p.id, SessionType.QUARTERLY_REVIEW, datetime(2026, 11, 20, 9), title=f"{name[:100]} · Q4 review",
        location=note[:100], facilitator="Lena Fischer", attendees=attendees))
    services.coaching.start(session.id)
    services.coaching.log(session.id, note)
    services.coaching.log(session.id, f"d: {note}")
    services.coaching.log(session.id, f"a: {note} due 2026-12-04")
    services.coaching.end(session.id, note)
    paths["session"] = write_minutes_pdf(out / "session.pdf", services.coaching.minutes(session.id))
    upcoming = services.coaching.plan(SessionPlan(
        p.id, SessionType.QUARTERLY_REVIEW, datetime(2026, 12, 10, 9), title=f"{name[:100]} · Q1 review",
        objective=note, location=note[:100], attendees=attendees))
    paths["agenda"] = write_session_agenda_pdf(out / "agenda.pdf", upcoming, printed_on=TODAY)

    otd = services.kpis.find("OTD")
    last = date(2026, 10, 1)
    services.measurements.save_cells(p.id, PeriodKind.MONTH, [
        CellEdit(otd.id, shift_period(PeriodKind.MONTH, last, -i), v) for i, v in enumerate([88.5, 92, 96])])
    services.disputes.raise_dispute(p.id, otd.id, PeriodKind.MONTH, last, 97.2, note, today=TODAY)
    card = services.scorecards.partner_scorecard(p.id, today=TODAY)
    trends = [services.scorecards.trend(p.id, r.kpi_id) for r in card.rows if r.latest_value is not None]
    paths["scorecard"] = write_scorecard_pdf(out / "scorecard.pdf", card, trends, printed_on=TODAY)
    paths["brief"] = write_brief_pdf(out / "brief.pdf", gather_brief(services, p.id, TODAY), printed_on=TODAY)

    a = services.selection.start(p.id)
    services.selection.set_score(a.id, a.scores[0].criterion.id, 4, note)
    assessment = services.selection.for_partner(p.id)
    blank = [services.selection.blank_form(p.id)]
    paths["selection"] = write_filled(out / "selection.pdf", assessment, printed_on=TODAY)
    paths["selection-letter"] = write_filled(out / "selection-letter.pdf", assessment, "letter", printed_on=TODAY)
    paths["selection-blank"] = write_blank(out / "selection-blank.pdf", blank, printed_on=TODAY)
    paths["selection-blank-letter"] = write_blank(out / "selection-blank-letter.pdf", blank, "letter",
                                                  printed_on=TODAY)

    certificate = CertificateData(person=name, side=Side.PARTNER, partner_name=name, our_company="Northwind Components",
                                  track_name=note[:120], track_version=1, track_description=note,
                                  modules=(note[:60], "Working with us"), granted_on=TODAY,
                                  expires_on=date(2027, 11, 22), certificate_id="c-1")
    paths["certificate"] = write_certificate_pdf(out / "certificate.pdf", certificate)
    paths["certificate-letter"] = write_certificate_pdf(out / "certificate-letter.pdf", certificate, "letter")
    assert set(paths) == set(REPORTS)
    return paths


def main(argv: list[str]) -> None:
    """Print every report for the partners of the scripts named (all by default) into OUT_DIR/<script>/."""
    import os
    import shutil
    import tempfile

    os.environ.setdefault("TANDEM_DATA_DIR", tempfile.mkdtemp())
    from app.services import build_services
    from app.services.database import open_database

    out = Path(argv[0])
    template = Path(tempfile.mkdtemp()) / "template.sqlite"
    build_services(db := open_database(template))
    db.close()
    for script in argv[1:] or SCRIPTS:
        path = out / script / "tandem.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, path)
        db = open_database(path)
        try:
            for kind, pdf in print_every_report(build_services(db), *SCRIPTS[script], out / script).items():
                print(script, kind, pdf)
        finally:
            db.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

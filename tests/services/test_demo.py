"""Demo data: varied across the whole domain, deterministic for a seed and date."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.models import Contact, EscalationStep, Measurement, Partner
from app.models.enums import PartnerKind, PartnerStatus, Quadrant
from app.services import build_services
from app.services.database import open_database
from app.services.demo import DemoOptions, generate_demo
from app.services.partners import PartnerQuery
from tests.conftest import AS_OF


def content(services) -> tuple:
    """What a user sees of the demo data (ids and stamps aside)."""
    with services.db.sessions() as s:
        partners = s.execute(select(Partner.name, Partner.kind, Partner.tier, Partner.status, Partner.annual_spend)
                             .order_by(Partner.name)).all()
        values = s.execute(select(Partner.name, Measurement.period_start, Measurement.value)
                           .join(Partner, Partner.id == Measurement.partner_id)
                           .order_by(Partner.name, Measurement.period_start, Measurement.value)).all()
    return partners, values


def test_demo_covers_every_kind_status_and_quadrant(demo_services):
    rows = demo_services.partners.list(PartnerQuery())
    assert len(rows) == 60
    assert {r.kind for r in rows} == set(PartnerKind)
    assert len({r.status for r in rows}) >= 5
    assert {r.quadrant for r in rows} == set(Quadrant) | {None}  # a few candidates are not scored yet
    unscored = [r for r in rows if r.quadrant is None]
    assert 0 < len(unscored) < 10 and {r.status for r in unscored} == {PartnerStatus.CANDIDATE}
    with demo_services.db.sessions() as s:
        assert s.scalar(select(func.count(Contact.id))) >= 2 * 60
        assert s.scalar(select(func.count(EscalationStep.id))) == 3 * 60
        per_partner = Counter(s.scalars(select(Measurement.partner_id)))
        candidates = set(s.scalars(select(Partner.id).where(Partner.status == PartnerStatus.CANDIDATE)))
    assert per_partner and not candidates & set(per_partner)  # candidates have no measurements yet
    assert max(per_partner.values()) >= 18 * 4  # an established partner: 4+ KPIs over every month


def test_same_seed_gives_the_same_data_and_another_seed_does_not(tmp_path):
    results = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        db = open_database(tmp_path / f"{name}.sqlite")
        services = build_services(db)
        generate_demo(db, DemoOptions(partners=25, months=6, seed=seed, as_of=AS_OF))
        results.append(content(services))
        db.close()
    assert results[0] == results[1]
    assert results[0] != results[2]


def test_measurements_end_last_month_and_span_the_requested_months(tmp_path):
    db = open_database(tmp_path / "m.sqlite")
    services = build_services(db)
    generate_demo(db, DemoOptions(partners=30, months=12, seed=1, as_of=AS_OF))
    with db.sessions() as s:
        first, last = s.execute(select(func.min(Measurement.period_start), func.max(Measurement.period_start))).one()
    db.close()
    assert (last.year, last.month) == (2026, 10)
    assert (first.year, first.month) == (2025, 11)
    assert services

"""Demo KPI measurements: monthly values per partner with a level, a trend and noise.

Each partner follows 4 to 6 KPIs suited to its kind. A series starts when the relationship started (at most
``months`` back) and drifts from a starting level toward better or worse, so scorecards show every status,
trend and alert. Generated with numpy so five thousand partners over sixty months take seconds.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import select

from app.models import Kpi
from app.models.enums import Direction, PartnerKind, PartnerStatus, PeriodKind
from app.models.kpi import measurement_id
from app.services.demo.context import DemoContext

KPIS_BY_KIND = {
    PartnerKind.SUPPLIER: (["OTD", "PPM", "LT", "COSTRED"], ["FPY", "CAPA", "OTIF", "IDEAS"]),
    PartnerKind.CUSTOMER: (["RESP", "RESOLVE", "FCA", "INVACC"], ["OTIF", "IDEAS"]),
    PartnerKind.DISTRIBUTOR: (["OTIF", "FCA", "RESP", "COSTRED"], ["INVACC", "LT"]),
}
#: How a series starts (in units of its green-to-red band) and drifts per month, by partner status.
PROFILE = {
    PartnerStatus.ACTIVE: (0.6, 0.015),
    PartnerStatus.ONBOARDING: (-0.2, 0.05),
    PartnerStatus.AT_RISK: (-0.3, -0.04),
    PartnerStatus.EXITING: (-0.8, -0.02),
    PartnerStatus.EXITED: (-0.6, -0.01),
}


def month_starts(last: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``last``'s month, oldest first."""
    y, m = last.year, last.month
    out = []
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def generate(ctx: DemoContext) -> None:
    with ctx.db.sessions() as s:
        kpis = {k.code: k for k in s.scalars(select(Kpi).where(Kpi.deleted_at.is_(None)))}
    # Measurements go up to last month: the current month is not over yet.
    last_month = date(ctx.today.year, ctx.today.month, 1)
    months = month_starts(date(last_month.year - (last_month.month == 1), (last_month.month - 2) % 12 + 1, 1),
                          ctx.options.months)
    np_rng = np.random.default_rng(ctx.options.seed)
    rng = ctx.rng

    def rows():
        for p in ctx.partners:
            if p.status is PartnerStatus.CANDIDATE:
                continue
            first = next((i for i, m in enumerate(months) if m >= p.since.replace(day=1)), len(months))
            n = len(months) - first
            if p.status is PartnerStatus.EXITED:
                n = max(0, n - rng.randint(1, 6))  # measurements stopped when the partner left
            if n <= 0:
                continue
            core, extra = KPIS_BY_KIND[p.kind]
            codes = core + rng.sample(extra, rng.randint(1, 2))
            start_level, drift = PROFILE[p.status]
            for code in codes:
                k = kpis.get(code)
                if k is None:
                    continue
                better = 1.0 if k.direction is Direction.HIGHER_IS_BETTER else -1.0
                band = abs(k.amber_threshold - k.red_threshold) or 1.0
                # position in band units: 0 = amber threshold, +1 = one band better, -1 = at red
                level = start_level + np_rng.normal(0, 0.8)
                slope = drift + np_rng.normal(0, 0.02)
                t = np.arange(n)
                noise = np.cumsum(np_rng.normal(0, 0.12, n)) * 0.5 + np_rng.normal(0, 0.25, n)
                # Good series level off a little beyond target rather than run away: saturate the good side softly.
                ceiling = abs(k.target - k.amber_threshold) / band + 0.6
                if better < 0:  # lower is better: stay above zero (no lead time of 0 days)
                    ceiling = min(ceiling, 0.9 * k.amber_threshold / band)
                raw = level + slope * t + noise
                position = np.where(raw > 0, ceiling * np.tanh(raw / ceiling), raw)
                values = k.amber_threshold + better * position * band
                if k.unit == "%":  # near 100 % a series jitters just below it, not flat on the limit
                    values = np.minimum(values, 100 - np.abs(np_rng.normal(0, 0.4, n)))
                values = np.maximum(values, 0)
                values = np.round(values, 2 if k.unit in ("%", "days", "hours") else 0)
                for i, v in zip(range(first, first + n), values.tolist()):
                    yield dict(id=measurement_id(p.id, k.id, PeriodKind.MONTH, months[i]), partner_id=p.id,
                               kpi_id=k.id, period_kind=PeriodKind.MONTH, period_start=months[i], value=v, note="")

    ctx.insert("measurements", rows())

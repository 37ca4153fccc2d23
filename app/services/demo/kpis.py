"""Demo KPI library history and per-partner overrides.

Two library edits by enablement leads (a definition clarified, a weight raised; thresholds stay, so the
generated measurements keep their meaning) and segment benchmarks for some partners: machined-parts suppliers
get a looser on-time-delivery band, electronics suppliers a tighter defect-rate band.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Kpi, KpiVersion
from app.models.enums import PartnerKind, PartnerStatus
from app.services.demo.context import DemoContext
from app.services.kpis import DEFINITION_FIELDS, describe_changes

LIBRARY_EDITS = [
    ("PPM", "Priya Raman", 140, "Count line rejects too, as agreed with the quality team",
     {"definition": "Rejected parts per million parts received, in the period: incoming inspection rejects plus "
                    "line rejects traced to the supplier. Source: incoming inspection and line-stop records."}),
    ("CAPA", "Mira Holm", 60, "Raised: open corrective actions drive most escalations", {"weight": 2.0}),
]
BENCHMARKS = {
    "Machined parts": ("OTD", dict(amber_threshold=93.0, red_threshold=88.0),
                       "Segment benchmark for machined parts: long set-up times"),
    "Electronics": ("PPM", dict(target=150.0, amber_threshold=300.0, red_threshold=1000.0),
                    "Segment benchmark for electronics: tighter defect rate"),
}


def generate(ctx: DemoContext) -> None:
    with ctx.db.sessions.begin() as s:
        kpis = {k.code: k for k in s.scalars(select(Kpi).where(Kpi.deleted_at.is_(None)))}
        for code, who, days_ago, note, changes in LIBRARY_EDITS:
            k = kpis.get(code)
            if k is None:
                continue
            before = {f: getattr(k, f) for f in DEFINITION_FIELDS}
            for field, value in changes.items():
                setattr(k, field, value)
            k.version += 1
            after = {f: (str(getattr(k, f)) if f in ("category", "direction", "indicator") else getattr(k, f))
                     for f in DEFINITION_FIELDS}
            s.add(KpiVersion(id=ctx.new_id(), kpi_id=k.id, version=k.version, snapshot=after,
                             change_note=note or "; ".join(describe_changes(before, after)), changed_by=who,
                             changed_at=ctx.at(ctx.today - timedelta(days=days_ago), 10)))
        ids = {code: k.id for code, k in kpis.items()}
    rows = []
    for p in ctx.partners:
        bench = BENCHMARKS.get(p.segment)
        if p.kind is not PartnerKind.SUPPLIER or bench is None or p.status is PartnerStatus.CANDIDATE:
            continue
        if ctx.rng.random() < 0.5:  # not every partner of the segment has agreed its benchmark yet
            continue
        code, values, reason = bench
        if code in ids:
            rows.append(dict(id=ctx.new_id(), partner_id=p.id, kpi_id=ids[code], reason=reason,
                             **{"target": None, "amber_threshold": None, "red_threshold": None, **values}))
    ctx.insert("kpi_overrides", rows)

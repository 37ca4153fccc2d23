"""Realistic demo data for every part of the domain, deterministic for a seed and an as-of date.

`generate_demo` runs the parts in `PARTS` in order; each part reads what earlier parts made from the shared
`DemoContext` (the partners above all) and inserts its own rows. A capability adds its demo data by adding
its module here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from app.services.database import Database
from app.services.demo import coaching as coaching_demo
from app.services.demo import kpis as kpi_demo
from app.services.demo import learning as learning_demo
from app.services.demo import measurements, onboarding, partners
from app.services.demo import selection as selection_demo
from app.services.demo.context import DemoContext, DemoOptions, DemoPartner

PARTS = [
    ("partners and contacts", partners.generate),
    ("KPI measurements", measurements.generate),
    ("KPI library history and partner overrides", kpi_demo.generate),
    ("onboarding checklists and success plans", onboarding.generate),
    ("selection assessments", selection_demo.generate),
    ("coaching sessions and experiments", coaching_demo.generate),
    ("learning tracks and certifications", learning_demo.generate),
]

__all__ = ["DemoContext", "DemoOptions", "DemoPartner", "generate_demo", "PARTS"]


def generate_demo(db: Database, options: DemoOptions,
                  progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Fill ``db`` with demo data; returns rows written per table. The database should hold no partners."""
    ctx = DemoContext(db=db, options=options, rng=random.Random(options.seed),
                      today=options.as_of or date.today(), progress=progress)
    for name, part in PARTS:
        progress(name)
        part(ctx)
    return ctx.counts

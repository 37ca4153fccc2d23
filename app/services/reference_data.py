"""The default libraries Tandem ships in resources/: KPI library, selection criteria, onboarding playbook,
learning modules.

They are loaded once into a new database. Their ids are derived from their codes (UUID v5), so two laptops
that each loaded the defaults hold the *same* records and an export package merges them instead of
duplicating them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    CriteriaSet,
    Criterion,
    Kpi,
    KpiVersion,
    LearningModule,
    LocalSetting,
    Playbook,
    PlaybookStep,
    PlaybookVersion,
)
from app.models.enums import TemplateStatus
from app.paths import resource_path

SEEDED_KEY = "reference_data_seeded"
#: Shipped records carry this date, not the day they were loaded, so every laptop holds identical copies
#: and packages merge them without conflicts.
SHIPPED_AT = datetime(2025, 1, 1)
NAMESPACE = uuid.UUID("6f1c7a52-3b1e-4c8e-9a55-2b8f0e7d4c11")


def stable_id(*parts: str) -> str:
    """The id a shipped default record has on every laptop."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def load_json(*parts: str) -> Any:
    return json.loads(resource_path(*parts).read_text(encoding="utf-8"))


KPI_FIELDS = ("code", "name", "category", "unit", "direction", "indicator", "target", "amber_threshold",
              "red_threshold", "weight", "definition")


def seed_kpis(s: Session) -> None:
    for spec in load_json("kpi_library.json")["kpis"]:
        kpi_id = stable_id("kpi", spec["code"])
        s.add(Kpi(id=kpi_id, version=1, **{k: spec[k] for k in KPI_FIELDS}))
        s.flush()  # parents before children: the models declare no relationships to order inserts
        s.add(KpiVersion(id=stable_id("kpi", spec["code"], "v1"), kpi_id=kpi_id, version=1,
                         snapshot={k: spec[k] for k in KPI_FIELDS}, change_note="Shipped with Tandem",
                         changed_by="Tandem", changed_at=SHIPPED_AT))


def seed_criteria(s: Session) -> None:
    spec = load_json("selection_criteria.json")
    set_id = stable_id("criteria_set", "default", "v1")
    s.add(CriteriaSet(id=set_id, lineage=stable_id("criteria_set", "default"), version=1, name=spec["name"],
                      description=spec["description"], status=TemplateStatus.PUBLISHED))
    s.flush()
    for pos, c in enumerate(spec["criteria"]):
        s.add(Criterion(id=stable_id("criterion", "default", "v1", c["code"]), criteria_set_id=set_id,
                        position=pos, code=c["code"], name=c["name"], description=c["description"],
                        group=c["group"], weight=c["weight"]))


def seed_playbook(s: Session) -> None:
    spec = load_json("playbooks", "default_onboarding.json")
    playbook_id = stable_id("playbook", "default")
    version_id = stable_id("playbook", "default", "v1")
    s.add(Playbook(id=playbook_id, name=spec["name"], description=spec["description"]))
    s.flush()
    s.add(PlaybookVersion(id=version_id, playbook_id=playbook_id, version=1, name=spec["name"],
                          description=spec["description"], status=TemplateStatus.PUBLISHED,
                          published_at=SHIPPED_AT, change_note="Shipped with Tandem"))
    s.flush()
    for pos, step in enumerate(spec["steps"]):
        s.add(PlaybookStep(id=stable_id("playbook", "default", "v1", str(pos)), version_id=version_id,
                           position=pos, **step))


def seed_learning(s: Session) -> None:
    for m in load_json("learning_modules.json")["modules"]:
        s.add(LearningModule(id=stable_id("learning", m["code"]), **m))


def seed_plan_templates(s: Session) -> None:
    from app.models import PlanTemplate

    spec = load_json("plan_templates", "default_30_60_90.json")
    s.add(PlanTemplate(id=stable_id("plan_template", "default_30_60_90"), name=spec["name"],
                       description=spec["description"], content=spec["content"]))


#: Every seeder, in order. A later capability appends its own (plan templates, session agendas…).
SEEDERS: list[Callable[[Session], None]] = [seed_kpis, seed_criteria, seed_playbook, seed_learning,
                                            seed_plan_templates]


def seed_reference_data(sessions: sessionmaker) -> bool:
    """Load the shipped defaults into a database that has never had them. Returns True if it loaded them.

    One transaction; runs once per database (a flag in local settings), so a user who deletes a default
    KPI does not see it come back.
    """
    with sessions.begin() as s:
        if s.scalar(select(LocalSetting.value).where(LocalSetting.key == SEEDED_KEY)):
            return False
        s.info["shipped"] = True  # identical revs on every laptop (app.services.clock.SHIPPED_REV)
        for seeder in SEEDERS:
            seeder(s)
        s.add(LocalSetting(key=SEEDED_KEY, value="1"))
    return True

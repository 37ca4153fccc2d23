"""The default libraries Tandem ships in resources/: KPI library, selection criteria, onboarding playbook,
learning modules.

Their ids are derived from their codes (UUID v5) and their revs from the edition in which their content last
changed (resources/shipped_editions.json, kept by tools/shipped_editions.py and checked by the tests), so two
laptops that loaded the same defaults hold the *same* records, and a newer release's change merges into older
laptops' records like any edit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, select
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
from app.services.clock import SHIPPED_DEVICE, format_rev

SEEDED_KEY = "reference_data_seeded"  # the edition of the shipped defaults this database holds
EDITIONS_FILE = "shipped_editions.json"
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


def seed_learning_tracks(s: Session) -> None:
    """The shipped learning tracks, each published as version 1 over the shipped modules."""
    from app.models.enums import PartnerKind
    from app.models.learning import LearningTrack, LearningTrackItem, LearningTrackVersion

    s.flush()  # the modules first: items point at them
    for t in load_json("learning_tracks.json")["tracks"]:
        track_id = stable_id("learning_track", t["code"])
        version_id = stable_id("learning_track", t["code"], "v1")
        s.add(LearningTrack(id=track_id, name=t["name"], description=t["description"]))
        s.flush()
        s.add(LearningTrackVersion(id=version_id, track_id=track_id, version=1, name=t["name"],
                                   description=t["description"], segment=t["segment"],
                                   partner_kind=PartnerKind(t["partner_kind"]) if t["partner_kind"] else None,
                                   validity_months=t["validity_months"], status=TemplateStatus.PUBLISHED,
                                   published_at=SHIPPED_AT, change_note="Shipped with Tandem"))
        s.flush()
        for pos, code in enumerate(t["modules"]):
            s.add(LearningTrackItem(id=stable_id("learning_track", t["code"], "v1", code), version_id=version_id,
                                    position=pos, module_id=stable_id("learning", code)))


def seed_plan_templates(s: Session) -> None:
    """The shipped plan template, with its history's first version."""
    from app.models import PlanTemplate, PlanTemplateVersion
    from app.services.plans import template_snapshot

    spec = load_json("plan_templates", "default_30_60_90.json")
    template_id = stable_id("plan_template", "default_30_60_90")
    s.add(PlanTemplate(id=template_id, name=spec["name"], description=spec["description"], content=spec["content"]))
    s.flush()
    s.add(PlanTemplateVersion(id=stable_id("plan_template", "default_30_60_90", "v1"), template_id=template_id,
                              version=1, snapshot=template_snapshot(spec["name"], spec["description"], spec["content"]),
                              change_note="Shipped with Tandem", changed_by="Tandem", changed_at=SHIPPED_AT))


#: Every seeder, in order. A later capability appends its own (plan templates, session agendas…).
SEEDERS: list[Callable[[Session], None]] = [seed_kpis, seed_criteria, seed_playbook, seed_learning,
                                            seed_plan_templates, seed_learning_tracks]


def shipped_records() -> dict[str, list[dict[str, Any]]]:
    """Every shipped default record in storage form (table -> records, parents first), each with the rev of
    the edition in which its content last changed (resources/shipped_editions.json)."""
    from app.models import Base
    from app.services.sync.tables import table_specs

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sessionmaker(engine).begin() as s:
        for seeder in SEEDERS:
            seeder(s)
    editions = shipped_editions()
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for spec in table_specs().values():
            rows = [spec.from_db(v) for v in conn.exec_driver_sql(spec.select_sql + spec.order_sql)]
            for row in rows:
                edition = editions.get(f"{spec.name}/{row['id']}", (1, ""))[0]
                row.update(rev=format_rev(edition, 0, SHIPPED_DEVICE), field_revs={}, seen_revs={}, base_revs={},
                           updated_at=None, updated_by=SHIPPED_DEVICE)
            if rows:
                out[spec.name] = rows
    engine.dispose()
    return out


def content_digest(table: str, row: dict[str, Any]) -> str:
    """What a shipped record holds, as a digest: a change of content needs a new edition."""
    from app.services.sync.tables import canonical_json, table_specs

    spec = table_specs()[table]
    # A column added since (`TableSpec.absent`) holding the value a record without it is read as changes
    # nothing: the record's content is what it was.
    absent = dict(spec.absent)
    fields = [f for f in spec.user_fields if f not in absent or row[f] != absent[f]]
    return hashlib.sha256(canonical_json({f: row[f] for f in fields})).hexdigest()[:16]


def shipped_editions() -> dict[str, tuple[int, str]]:
    """``table/id`` -> (edition in which the record's content last changed, its content digest)."""
    path = resource_path(EDITIONS_FILE)
    if not path.exists():
        return {}
    return {k: (int(v[0]), str(v[1])) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}


def shipped_edition() -> int:
    """The newest edition of the shipped defaults this version of Tandem carries."""
    return max((e for e, _ in shipped_editions().values()), default=1)


def seed_reference_data(db) -> bool:
    """Bring the shipped defaults into ``db`` when it has not had this edition of them. Returns True if it did.

    The defaults merge exactly like a package from another laptop (sync/importer.py): new records are added,
    a record whose content changed in a newer edition takes the change, and a user's own edit or delete of a
    default is later than any edition (the shipped revs are the smallest there are), so it stands; where the
    new edition changed the same field, the shipped value is listed as a conflict. Every laptop holding the
    same edition holds identical records, metadata included."""
    from app.services.sync.importer import merge_records

    with db.sessions() as s:
        seeded = s.scalar(select(LocalSetting.value).where(LocalSetting.key == SEEDED_KEY))
    edition = shipped_edition()
    if seeded and int(seeded) >= edition:
        return False
    merge_records(db, shipped_records(), peer="Tandem's shipped defaults", package_id=f"shipped-{edition}")
    with db.sessions.begin() as s:
        row = s.get(LocalSetting, SEEDED_KEY)
        if row is None:
            s.add(LocalSetting(key=SEEDED_KEY, value=str(edition)))
        else:
            row.value = str(edition)
    return True

"""Onboarding playbook templates: versioned, co-created lists of onboarding steps.

A playbook is a name and a line of versions. A version is a *draft* until it is published; a published
version is frozen: editing it makes the next version (a draft) and leaves it readable. Onboarding checklists
are started from published versions and remember which one. Two versions compare step by step (added,
removed, changed), because a step copied into a new version keeps its lineage key.

Playbooks travel outside the app as readable JSON (`export_json` / `import_json`), so a partner can
co-author one in a text editor and send it back.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Kpi, Playbook, PlaybookStep, PlaybookVersion
from app.models.enums import Side, TemplateStatus
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.library_versions import Versioning
from app.services.records import get_live
from app.services.workspace import PLAYBOOK_LIBRARY, WorkspaceService, check_library

#: Version numbers come from the history's order, never from the stored ``version`` (library_versions).
VERSIONS = Versioning.with_status(PlaybookVersion, "playbook_id")

EXPORT_FORMAT = "tandem-playbook"
EXPORT_FORMAT_VERSION = 1
MAX_OFFSET = 3650  # ten years: anything larger is a typo
STEP_FIELDS = ("title", "description", "owner_side", "day_offset", "evidence_required", "kpi_id")


@dataclass(frozen=True)
class StepData:
    """One step of a playbook version. ``key`` is the step's lineage across versions (None: a new step)."""

    title: str
    description: str = ""
    owner_side: Side = Side.JOINT
    day_offset: int = 0
    evidence_required: bool = False
    kpi_id: str | None = None
    key: str | None = None
    id: str | None = None
    kpi_code: str = ""  # filled in when read, for display


@dataclass(frozen=True)
class PlaybookVersionData:
    """One version of a playbook with its ordered steps."""

    id: str
    playbook_id: str
    version: int
    name: str
    description: str
    status: TemplateStatus
    published_at: datetime | None
    change_note: str
    steps: tuple[StepData, ...]
    updated_at: datetime | None = None

    @property
    def is_published(self) -> bool:
        return self.status is TemplateStatus.PUBLISHED

    @property
    def label(self) -> str:
        return f"{self.name} · v{self.version}" + ("" if self.is_published else " (draft)")


@dataclass(frozen=True)
class PlaybookRow:
    """One line of the playbook list: the playbook and its newest version."""

    id: str
    name: str
    description: str
    latest_version_id: str
    latest_version: int
    latest_status: TemplateStatus
    published_version: int | None  # the newest published version number, if any
    step_count: int
    updated_at: datetime | None


@dataclass(frozen=True)
class VersionRow:
    """One version in a playbook's history (also used to pick a version when starting onboarding)."""

    id: str
    playbook_id: str
    playbook_name: str
    version: int
    status: TemplateStatus
    published_at: datetime | None
    change_note: str
    step_count: int

    @property
    def label(self) -> str:
        state = "published" if self.status is TemplateStatus.PUBLISHED else "draft"
        return f"{self.playbook_name} · v{self.version} ({state})"


@dataclass(frozen=True)
class StepChange:
    """How one step differs between two versions. ``kind`` is "added", "removed" or "changed"."""

    kind: str
    key: str
    old: StepData | None
    new: StepData | None
    fields: tuple[str, ...] = ()  # for "changed": which fields differ ("position" when it moved)

    @property
    def title(self) -> str:
        return (self.new or self.old).title


@dataclass(frozen=True)
class PlaybookDiff:
    """What changed from version ``old`` to version ``new``, in the new version's step order."""

    old: PlaybookVersionData
    new: PlaybookVersionData
    changes: tuple[StepChange, ...]
    header_changes: tuple[str, ...] = ()  # "name", "description"

    def of_kind(self, kind: str) -> list[StepChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def added(self) -> list[StepChange]:
        return self.of_kind("added")

    @property
    def removed(self) -> list[StepChange]:
        return self.of_kind("removed")

    @property
    def changed(self) -> list[StepChange]:
        return self.of_kind("changed")

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.header_changes


@dataclass(frozen=True)
class ImportResult:
    """What `import_json` did: the version it made (or the unchanged one it found) and the changes."""

    version: PlaybookVersionData
    created: bool
    new_playbook: bool
    diff: PlaybookDiff | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)


def _clean_step(step: StepData) -> StepData:
    return replace(step, title=step.title.strip(), description=step.description.strip(),
                   owner_side=Side(step.owner_side), day_offset=int(step.day_offset),
                   evidence_required=bool(step.evidence_required), kpi_id=step.kpi_id or None)


def validate(name: str, steps: tuple[StepData, ...] | list[StepData]) -> None:
    """Raise ValidationError naming every problem of a playbook's name and steps."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "The playbook needs a name."
    elif len(name.strip()) > 160:
        errors["name"] = "The name is too long (160 characters at most)."
    for i, step in enumerate(steps, 1):
        if not step.title.strip():
            errors[f"steps.{i}"] = f"Step {i} needs a title."
        elif len(step.title.strip()) > 200:
            errors[f"steps.{i}"] = f"Step {i}: the title is too long (200 characters at most)."
        elif not -MAX_OFFSET <= step.day_offset <= MAX_OFFSET:
            errors[f"steps.{i}"] = f"Step {i}: the day offset must be between -{MAX_OFFSET} and {MAX_OFFSET}."
    if errors:
        raise ValidationError(errors)


class PlaybookService:
    """Playbook templates and their versions over one session factory."""

    def __init__(self, sessions: sessionmaker, workspace: WorkspaceService | None = None) -> None:
        self._sessions = sessions
        self._workspace = workspace  # in a partner's workspace the library is read-only

    # -- reading -------------------------------------------------------------------------------------------

    def list(self) -> list[PlaybookRow]:
        """Every live playbook with its newest version, by name."""
        with self._sessions() as s:
            rows = []
            for pb in s.scalars(select(Playbook).where(Playbook.deleted_at.is_(None))
                                .order_by(func.lower(Playbook.name))):
                versions = self._live_versions(s, pb.id)
                if not versions:
                    continue
                latest = versions[0]
                numbers = VERSIONS.numbers(s, [pb.id])
                published = next((numbers[v.id] for v in versions if v.status is TemplateStatus.PUBLISHED), None)
                count = s.scalar(select(func.count(PlaybookStep.id)).where(
                    PlaybookStep.version_id == latest.id, PlaybookStep.deleted_at.is_(None))) or 0
                rows.append(PlaybookRow(pb.id, latest.name, latest.description, latest.id, numbers[latest.id],
                                        latest.status, published, count, latest.updated_at))
            return rows

    def versions(self, playbook_id: str) -> list[VersionRow]:
        """Every live version of a playbook, newest first. Raises NotFound."""
        with self._sessions() as s:
            self._playbook(s, playbook_id)
            return [self._version_row(s, v) for v in self._live_versions(s, playbook_id)]

    def published_versions(self) -> list[VersionRow]:
        """Every published version of every playbook (newest version of each first), to start onboarding."""
        with self._sessions() as s:
            stmt = (select(PlaybookVersion).join(Playbook, Playbook.id == PlaybookVersion.playbook_id)
                    .where(Playbook.deleted_at.is_(None), PlaybookVersion.deleted_at.is_(None),
                           PlaybookVersion.status == TemplateStatus.PUBLISHED)
                    .order_by(func.lower(Playbook.name), Playbook.id))
            published = list(s.scalars(stmt))
            numbers = VERSIONS.numbers(s, [v.playbook_id for v in published])
            order = {pid: i for i, pid in enumerate(dict.fromkeys(v.playbook_id for v in published))}
            published.sort(key=lambda v: (order[v.playbook_id], -numbers[v.id]))
            return [self._version_row(s, v, numbers[v.id]) for v in published]

    def get_version(self, version_id: str) -> PlaybookVersionData:
        """One version with its steps. Raises NotFound."""
        with self._sessions() as s:
            return self._to_data(s, self._version(s, version_id))

    def latest(self, playbook_id: str) -> PlaybookVersionData:
        """The newest version (draft or published) of a playbook. Raises NotFound."""
        with self._sessions() as s:
            self._playbook(s, playbook_id)
            versions = self._live_versions(s, playbook_id)
            if not versions:
                raise NotFound(f"Playbook {playbook_id} has no versions")
            return self._to_data(s, versions[0])

    def latest_published(self, playbook_id: str) -> PlaybookVersionData | None:
        """The newest published version of a playbook, or None while it only has a draft."""
        with self._sessions() as s:
            for v in self._live_versions(s, playbook_id):
                if v.status is TemplateStatus.PUBLISHED:
                    return self._to_data(s, v)
            return None

    def kpi_choices(self) -> list[tuple[str, str, str]]:
        """(id, code, name) of every live KPI, for linking a step to a KPI."""
        with self._sessions() as s:
            return [(k.id, k.code, k.name) for k in s.scalars(
                select(Kpi).where(Kpi.deleted_at.is_(None)).order_by(Kpi.code))]

    # -- writing -------------------------------------------------------------------------------------------

    def create(self, name: str, description: str = "", steps: list[StepData] | tuple[StepData, ...] = ()
               ) -> PlaybookVersionData:
        """A new playbook with version 1 as a draft; returns that version. One transaction."""
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        steps = tuple(_clean_step(x) for x in steps)
        validate(name, steps)
        with self._sessions.begin() as s:
            pb = Playbook(name=name.strip(), description=description.strip())
            s.add(pb)
            s.flush()
            version = self._new_version(s, pb.id, name, description, "", steps)
            version_id = version.id
        return self.get_version(version_id)

    def edit(self, version_id: str, name: str, description: str, steps: list[StepData] | tuple[StepData, ...],
             change_note: str | None = None) -> PlaybookVersionData:
        """Store an edit of a version and return the version that holds it.

        A draft is changed in place. A published version stays as it is: the edit becomes the playbook's next
        version, a draft (unless nothing changed, then the published version is returned). Refused while the
        playbook already has a newer draft, so two drafts never compete. One transaction.
        """
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        steps = tuple(_clean_step(x) for x in steps)
        validate(name, steps)
        with self._sessions.begin() as s:
            v = self._version(s, version_id)
            if v.status is TemplateStatus.DRAFT:
                v.name, v.description = _changed(v.name, name.strip()), _changed(v.description, description.strip())
                if change_note is not None:
                    v.change_note = change_note.strip()
                self._write_steps(s, v.id, steps)
                pb = self._playbook(s, v.playbook_id)
                pb.name = _changed(pb.name, v.name)
                pb.description = _changed(pb.description, v.description)
                return_id = v.id
            else:
                current = self._to_data(s, v)
                if (current.name == name.strip() and current.description == description.strip()
                        and _same_steps(current.steps, steps)):
                    return current
                newest = self._live_versions(s, v.playbook_id)[0]
                if newest.status is TemplateStatus.DRAFT:
                    raise ValidationError({"version": (
                        f"Version {VERSIONS.number_of(s, newest)} of this playbook is already a draft: edit that one, "
                        "or discard it first.")})
                # Steps keep their lineage so the new version can be compared with this one.
                steps = tuple(replace(x, key=x.key or x.id, id=None) for x in steps)
                new = self._new_version(s, v.playbook_id, name, description, (change_note or "").strip(), steps)
                return_id = new.id
        return self.get_version(return_id)

    def publish(self, version_id: str, change_note: str | None = None) -> PlaybookVersionData:
        """Publish a draft: it becomes frozen and usable for onboarding. One transaction."""
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        with self._sessions.begin() as s:
            v = self._version(s, version_id)
            if v.status is TemplateStatus.PUBLISHED:
                raise ValidationError({"version": f"Version {VERSIONS.number_of(s, v)} is already published."})
            count = s.scalar(select(func.count(PlaybookStep.id)).where(
                PlaybookStep.version_id == v.id, PlaybookStep.deleted_at.is_(None))) or 0
            if not count:
                raise ValidationError({"steps": "A playbook needs at least one step before it is published."})
            v.status = TemplateStatus.PUBLISHED
            v.published_at = utcnow()
            if change_note is not None:
                v.change_note = change_note.strip()
        return self.get_version(version_id)

    def discard_draft(self, version_id: str) -> None:
        """Tombstone a draft version (and the playbook too when that was its only version)."""
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        with self._sessions.begin() as s:
            v = self._version(s, version_id)
            if v.status is TemplateStatus.PUBLISHED:
                raise ValidationError({"version": "A published version cannot be discarded; it stays readable."})
            now = utcnow()
            v.deleted_at = now
            for step in s.scalars(select(PlaybookStep).where(PlaybookStep.version_id == v.id,
                                                             PlaybookStep.deleted_at.is_(None))):
                step.deleted_at = now
            s.flush()
            if not self._live_versions(s, v.playbook_id):
                self._playbook(s, v.playbook_id).deleted_at = now

    def delete(self, playbook_id: str) -> None:
        """Tombstone a playbook: it leaves the list; checklists made from it keep their items."""
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        with self._sessions.begin() as s:
            self._playbook(s, playbook_id).deleted_at = utcnow()

    # -- comparing -----------------------------------------------------------------------------------------

    def diff(self, old_version_id: str, new_version_id: str) -> PlaybookDiff:
        """Steps added, removed and changed from one version to another (any two versions, any order)."""
        return diff_versions(self.get_version(old_version_id), self.get_version(new_version_id))

    # -- files ---------------------------------------------------------------------------------------------

    def export_json(self, version_id: str) -> str:
        """The version as readable, indented JSON (KPIs by code), for a partner to edit and send back."""
        v = self.get_version(version_id)
        doc = {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "playbook_id": v.playbook_id,
            "name": v.name,
            "description": v.description,
            "version": v.version,
            "status": str(v.status),
            "change_note": v.change_note,
            "steps": [{
                "id": step.key or step.id,
                "title": step.title,
                "description": step.description,
                "owner_side": str(step.owner_side),
                "day_offset": step.day_offset,
                "evidence_required": step.evidence_required,
                "kpi": step.kpi_code or None,
            } for step in v.steps],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def import_json(self, text: str) -> ImportResult:
        """Read a playbook file made by `export_json` (possibly edited by hand).

        A file whose ``playbook_id`` names a playbook here becomes that playbook's next version, a draft (or
        nothing, if it changes nothing); any other file becomes a new playbook. Raises ValidationError naming
        each problem of the file; nothing is stored then. One transaction.
        """
        check_library(self._workspace, PLAYBOOK_LIBRARY)
        name, description, change_note, playbook_id, steps = self._parse(text)
        validate(name, steps)
        with self._sessions() as s:
            existing = None
            if playbook_id:
                pb = s.get(Playbook, playbook_id)
                if pb is not None and pb.deleted_at is None and self._live_versions(s, pb.id):
                    existing = self._to_data(s, self._live_versions(s, pb.id)[0])
        if existing is None:
            created = self.create(name, description, steps)
            if change_note:
                created = self.edit(created.id, created.name, created.description, created.steps, change_note)
            return ImportResult(created, created=True, new_playbook=True,
                                messages=(f"Imported '{created.name}' as a new playbook (version 1, draft).",))
        # Steps keep their id from the file: match them to the existing lineage keys.
        known = {x.key or x.id for x in existing.steps}
        steps = tuple(replace(x, key=x.key if x.key in known else None) for x in steps)
        if existing.status is TemplateStatus.DRAFT:
            raise ValidationError({"file": (
                f"'{existing.name}' already has a draft (version {existing.version}). Publish or discard it, "
                "then import the file again.")})
        probe = PlaybookVersionData("", existing.playbook_id, existing.version + 1, name, description,
                                    TemplateStatus.DRAFT, None, change_note, steps)
        d = diff_versions(existing, probe)
        if d.is_empty:
            return ImportResult(existing, created=False, new_playbook=False, diff=d,
                                messages=(f"The file matches version {existing.version}: nothing to import.",))
        new = self.edit(existing.id, name, description, steps, change_note or "Imported from a file")
        d = diff_versions(existing, new)
        return ImportResult(new, created=True, new_playbook=False, diff=d, messages=(
            f"Imported as version {new.version} (draft) of '{new.name}': {len(d.added)} added, "
            f"{len(d.removed)} removed, {len(d.changed)} changed.",))

    def _parse(self, text: str) -> tuple[str, str, str, str | None, tuple[StepData, ...]]:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"file": f"This is not a readable playbook file: {exc.msg} at line "
                                           f"{exc.lineno}, column {exc.colno}."}) from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
            raise ValidationError({"file": "This is not a playbook file: it needs a name and a list of steps."})
        if doc.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
            raise ValidationError({"file": f"This file holds '{doc.get('format')}', not a playbook."})
        kpis = {code.upper(): kid for kid, code, _name in self.kpi_choices()}
        errors: dict[str, str] = {}
        steps = []
        for i, raw in enumerate(doc["steps"], 1):
            if not isinstance(raw, dict):
                errors[f"steps.{i}"] = f"Step {i} is not a set of fields."
                continue
            side = str(raw.get("owner_side", "joint")).strip().lower()
            if side not in {x.value for x in Side}:
                errors[f"steps.{i}"] = f"Step {i}: owner_side must be ours, partner or joint, not '{side}'."
                continue
            try:
                offset = int(raw.get("day_offset", 0))
            except (TypeError, ValueError):
                errors[f"steps.{i}"] = f"Step {i}: day_offset must be a whole number of days."
                continue
            kpi_code = raw.get("kpi") or ""
            kpi_id = None
            if kpi_code:
                kpi_id = kpis.get(str(kpi_code).strip().upper())
                if kpi_id is None:
                    errors[f"steps.{i}"] = f"Step {i}: no KPI with code '{kpi_code}' in the library."
                    continue
            steps.append(StepData(title=str(raw.get("title", "")), description=str(raw.get("description", "")),
                                  owner_side=Side(side), day_offset=offset,
                                  evidence_required=bool(raw.get("evidence_required", False)), kpi_id=kpi_id,
                                  key=str(raw["id"]) if raw.get("id") else None))
        if errors:
            raise ValidationError(errors)
        playbook_id = doc.get("playbook_id")
        return (str(doc.get("name", "")), str(doc.get("description", "")), str(doc.get("change_note", "")),
                str(playbook_id) if playbook_id else None, tuple(_clean_step(x) for x in steps))

    # -- helpers -------------------------------------------------------------------------------------------

    @staticmethod
    def _playbook(s: Session, playbook_id: str) -> Playbook:
        return get_live(s, Playbook, playbook_id, "playbook")

    @staticmethod
    def _version(s: Session, version_id: str) -> PlaybookVersion:
        return get_live(s, PlaybookVersion, version_id, "playbook version")

    @staticmethod
    def _live_versions(s: Session, playbook_id: str) -> list[PlaybookVersion]:
        """The playbook's live versions, newest first (in the history's order, the same on every laptop)."""
        return [v for _n, v in VERSIONS.live(s, playbook_id)]

    @staticmethod
    def _version_row(s: Session, v: PlaybookVersion, number: int | None = None) -> VersionRow:
        count = s.scalar(select(func.count(PlaybookStep.id)).where(
            PlaybookStep.version_id == v.id, PlaybookStep.deleted_at.is_(None))) or 0
        return VersionRow(v.id, v.playbook_id, v.name, number or VERSIONS.number_of(s, v), v.status, v.published_at,
                          v.change_note, count)

    @staticmethod
    def _to_data(s: Session, v: PlaybookVersion) -> PlaybookVersionData:
        codes = dict(s.execute(select(Kpi.id, Kpi.code)).all())
        steps = s.scalars(select(PlaybookStep).where(PlaybookStep.version_id == v.id,
                                                     PlaybookStep.deleted_at.is_(None))
                          .order_by(PlaybookStep.position))
        return PlaybookVersionData(
            v.id, v.playbook_id, VERSIONS.number_of(s, v), v.name, v.description, v.status, v.published_at,
            v.change_note,
            tuple(StepData(x.title, x.description, x.owner_side, x.day_offset, x.evidence_required, x.kpi_id,
                           key=x.key or x.id, id=x.id, kpi_code=codes.get(x.kpi_id, "") if x.kpi_id else "")
                  for x in steps),
            v.updated_at,
        )

    def _new_version(self, s: Session, playbook_id: str, name: str, description: str,
                     change_note: str, steps: tuple[StepData, ...]) -> PlaybookVersion:
        number = len(VERSIONS.rows(s, [playbook_id]).get(playbook_id, ())) + 1  # stored as a hint only
        v = PlaybookVersion(playbook_id=playbook_id, version=number, name=name.strip(),
                            description=description.strip(), status=TemplateStatus.DRAFT, change_note=change_note)
        s.add(v)
        s.flush()
        self._write_steps(s, v.id, steps)
        pb = self._playbook(s, playbook_id)
        pb.name = _changed(pb.name, v.name)
        pb.description = _changed(pb.description, v.description)
        return v

    @staticmethod
    def _write_steps(s: Session, version_id: str, steps: tuple[StepData, ...]) -> None:
        """Make the version's live steps equal ``steps``: matched by id, updated in place; others tombstoned."""
        existing = {x.id: x for x in s.scalars(select(PlaybookStep).where(PlaybookStep.version_id == version_id))}
        keep = set()
        for position, step in enumerate(steps):
            row = existing.get(step.id) if step.id else None
            values = dict(position=position, **{k: getattr(step, k) for k in STEP_FIELDS})
            if row is None:
                row = PlaybookStep(version_id=version_id, key=step.key or "", **values)
                s.add(row)
            else:
                for k, val in values.items():
                    if getattr(row, k) != val:
                        setattr(row, k, val)
                row.deleted_at = None
            s.flush()
            keep.add(row.id)
        now = utcnow()
        for row_id, row in existing.items():
            if row_id not in keep and row.deleted_at is None:
                row.deleted_at = now


def _changed(old, new):
    """``new``, or ``old`` itself when equal (so the stamping hook sees no change)."""
    return old if old == new else new


def _same_steps(a: tuple[StepData, ...], b: tuple[StepData, ...]) -> bool:
    return len(a) == len(b) and all(
        all(getattr(x, k) == getattr(y, k) for k in STEP_FIELDS) for x, y in zip(a, b))


def diff_versions(old: PlaybookVersionData, new: PlaybookVersionData) -> PlaybookDiff:
    """Compare two versions step by step through the steps' lineage keys."""
    old_by_key = {x.key or x.id: x for x in old.steps}
    new_by_key = {x.key or x.id: x for x in new.steps}
    common = [k for k in new_by_key if k in old_by_key]
    old_index = {k: i for i, k in enumerate(old_by_key)}
    # Steps outside the longest run that kept its order are the ones that moved (the fewest moves).
    stayed = _longest_increasing(common, old_index)
    changes: list[StepChange] = []
    for key, step in new_by_key.items():
        before = old_by_key.get(key)
        if before is None:
            changes.append(StepChange("added", key, None, step))
            continue
        fields_ = [k for k in STEP_FIELDS if getattr(before, k) != getattr(step, k)]
        if key not in stayed:
            fields_.append("position")
        if fields_:
            changes.append(StepChange("changed", key, before, step, tuple(fields_)))
    for key, step in old_by_key.items():
        if key not in new_by_key:
            changes.append(StepChange("removed", key, step, None))
    header = tuple(k for k in ("name", "description") if getattr(old, k) != getattr(new, k))
    return PlaybookDiff(old, new, tuple(changes), header)


def _longest_increasing(keys: list[str], rank: dict[str, int]) -> set[str]:
    """The largest subset of ``keys`` whose ``rank`` increases along the list (patience sorting)."""
    tails: list[int] = []  # tails[n]: index into keys of the smallest tail of an increasing run of length n+1
    previous: list[int | None] = [None] * len(keys)
    for i, key in enumerate(keys):
        n = bisect_left([rank[keys[j]] for j in tails], rank[key])
        previous[i] = tails[n - 1] if n else None
        if n == len(tails):
            tails.append(i)
        else:
            tails[n] = i
    result, i = set(), tails[-1] if tails else None
    while i is not None:
        result.add(keys[i])
        i = previous[i]
    return result

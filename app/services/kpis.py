"""The shared KPI library: definitions, their version history, and per-partner overrides.

Every change of a definition or of its thresholds writes a `KpiVersion` snapshot
that says who made it (this installation's display name) and why (the change note), so the history shows
who changed what. A change is published at once ("Save as new version", `update`), or first kept as a *draft*
(`save_draft`): a version row with status draft that changes nothing the scorecards, the measurement grid,
alerts or reports use (they read the `Kpi` row) until it is published (`publish_draft`: the KPI takes the
draft's definition and the draft becomes the next numbered version) or discarded (`discard_draft`), as
playbook drafts are. A KPI has one draft at a time here; drafts started on two laptops both arrive and both show
in the history, the newest being the one the library edits. A partner may carry its own target and thresholds
for a KPI (a segment benchmark): a `KpiOverride`, shown as an override wherever the scorecard uses it.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Kpi, KpiOverride, KpiVersion, Partner
from app.models.enums import Direction, IndicatorKind, KpiCategory, TemplateStatus, label
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.identity import IdentityService
from app.services.library_versions import Versioning
from app.services.workspace import KPI_LIBRARY, WorkspaceService, check_library


@dataclass(frozen=True)
class KpiData:
    """A KPI definition as the library shows and edits it. ``id`` is None for one not yet created."""

    code: str
    name: str
    category: KpiCategory = KpiCategory.QUALITY
    unit: str = ""
    direction: Direction = Direction.HIGHER_IS_BETTER
    indicator: IndicatorKind = IndicatorKind.LAGGING
    target: float = 0.0
    amber_threshold: float = 0.0
    red_threshold: float = 0.0
    weight: float = 1.0
    definition: str = ""
    id: str | None = None
    version: int = 1  # the number of the published version this definition is
    updated_at: datetime | None = None
    draft: int | None = None  # the number of the KPI's draft version, if it has one

    @property
    def higher_is_better(self) -> bool:
        return Direction(self.direction) is Direction.HIGHER_IS_BETTER

    def describe_bands(self) -> str:
        """The status rule in words, e.g. 'green at 95 % or more, amber from 90 %, red below 90 %'."""
        unit = f" {self.unit}" if self.unit else ""
        if self.higher_is_better:
            return (f"green at {fmt(self.amber_threshold)}{unit} or more, amber from {fmt(self.red_threshold)}{unit}, "
                    f"red below {fmt(self.red_threshold)}{unit}")
        return (f"green at {fmt(self.amber_threshold)}{unit} or less, amber up to {fmt(self.red_threshold)}{unit}, "
                f"red above {fmt(self.red_threshold)}{unit}")


#: A KPI's history: a version is published when its status becomes published (at once for "Save as new
#: version"), numbered by the history's order; drafts come after the published versions.
VERSIONS = Versioning.with_status(KpiVersion, "kpi_id")
#: The fields of a definition that make a new version when they change (everything the user edits).
DEFINITION_FIELDS = ("code", "name", "category", "unit", "direction", "indicator", "target", "amber_threshold",
                     "red_threshold", "weight", "definition")
FIELD_LABELS = {"code": "code", "name": "name", "category": "category", "unit": "unit", "direction": "direction",
                "indicator": "leading/lagging", "target": "target", "amber_threshold": "amber threshold",
                "red_threshold": "red threshold", "weight": "weight", "definition": "definition"}


@dataclass(frozen=True)
class KpiVersionRow:
    """One entry of a KPI's history: the version, who made it and when, why, and what changed in words."""

    version: int
    changed_by: str
    changed_at: datetime | None
    change_note: str
    changes: tuple[str, ...]  # for a draft: what it changes from the KPI's current definition
    snapshot: dict[str, Any] = field(compare=False)
    is_draft: bool = False

    @property
    def label(self) -> str:
        """"v3", or "v4 draft" for a draft."""
        return f"v{self.version}" + (" draft" if self.is_draft else "")


@dataclass(frozen=True)
class KpiDraft:
    """A KPI's draft: the definition it holds (``data.id`` is the KPI's), its number and its change note."""

    version_id: str
    version: int
    data: KpiData
    change_note: str
    changed_by: str
    changed_at: datetime | None


@dataclass(frozen=True)
class OverrideRow:
    """A partner's own target/thresholds for one KPI, next to the library's (None: the library value applies)."""

    id: str
    partner_id: str
    partner_name: str
    kpi_id: str
    kpi_code: str
    kpi_name: str
    target: float | None
    amber_threshold: float | None
    red_threshold: float | None
    reason: str
    library_target: float
    library_amber: float
    library_red: float
    updated_at: datetime | None

    @property
    def effective(self) -> tuple[float, float, float]:
        """(target, amber, red) that apply to this partner."""
        return (self.library_target if self.target is None else self.target,
                self.library_amber if self.amber_threshold is None else self.amber_threshold,
                self.library_red if self.red_threshold is None else self.red_threshold)


def fmt(value: float | None) -> str:
    """A number as people write it: 95, 2.5, 1500 (no trailing .0)."""
    if value is None:
        return "–"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def check_bands(direction: Direction, target: float, amber: float, red: float, prefix: str = "") -> dict[str, str]:
    """Errors when target, amber and red are not in order for the direction (target best, red worst)."""
    errors: dict[str, str] = {}
    better = "higher" if direction is Direction.HIGHER_IS_BETTER else "lower"
    sign = 1 if direction is Direction.HIGHER_IS_BETTER else -1
    if sign * amber <= sign * red:
        errors[prefix + "red_threshold"] = (
            f"The amber threshold ({fmt(amber)}) must be better than the red threshold ({fmt(red)}): "
            f"{better} is better for this KPI.")
    if sign * target < sign * amber:
        errors[prefix + "target"] = (
            f"The target ({fmt(target)}) must be at least as good as the amber threshold ({fmt(amber)}): "
            f"{better} is better for this KPI.")
    return errors


def validate(data: KpiData) -> None:
    """Raise ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    if not data.code.strip():
        errors["code"] = "The KPI needs a short code, such as OTD."
    elif len(data.code) > 40 or " " in data.code.strip():
        errors["code"] = "The code is one word of at most 40 characters, such as OTD or PPM."
    if not data.name.strip():
        errors["name"] = "The KPI needs a name."
    elif len(data.name) > 160:
        errors["name"] = "The name is too long (160 characters at most)."
    if len(data.unit) > 40:
        errors["unit"] = "The unit is too long (40 characters at most)."
    if data.weight < 0:
        errors["weight"] = "The weight cannot be negative (0 leaves the KPI out of the composite score)."
    errors.update(check_bands(data.direction, data.target, data.amber_threshold, data.red_threshold))
    if errors:
        raise ValidationError(errors)


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    """What changed between two snapshots, in words: ('amber threshold 95 → 96', 'definition edited')."""
    out = []
    for k in DEFINITION_FIELDS:
        a, b = old.get(k), new.get(k)
        if a == b:
            continue
        if k == "definition":
            out.append("definition edited")
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            out.append(f"{FIELD_LABELS[k]} {fmt(a)} → {fmt(b)}")
        else:
            out.append(f"{FIELD_LABELS[k]} {label(a) if k in ('category', 'indicator') else a} → "
                       f"{label(b) if k in ('category', 'indicator') else b}")
    return tuple(out)


def _snapshot(k: Kpi | KpiData) -> dict[str, Any]:
    return {f: (str(getattr(k, f)) if f in ("category", "direction", "indicator") else getattr(k, f))
            for f in DEFINITION_FIELDS}


def _same(old: Any, new: Any) -> Any:
    """``new``, or ``old`` itself when equal (so the stamping hook sees no change)."""
    return old if old == new else new


def _to_data(k: Kpi, version: tuple[int, int | None]) -> KpiData:
    return KpiData(**{f: getattr(k, f) for f in DEFINITION_FIELDS}, id=k.id, version=version[0],
                   updated_at=k.updated_at, draft=version[1])


def _is_draft(v: KpiVersion) -> bool:
    return v.status is TemplateStatus.DRAFT


def _versions(s: Session, kpi_ids: list[str]) -> dict[str, tuple[int, int | None]]:
    """kpi id -> (its current version number: how many versions it has published, the number of its draft or
    None)."""
    rows = VERSIONS.rows(s, kpi_ids)
    out = {}
    for kid in kpi_ids:
        history = rows.get(kid, [])
        published = sum(1 for v in history if not _is_draft(v))
        drafts = [n for n, v in enumerate(history, 1) if _is_draft(v) and v.deleted_at is None]
        out[kid] = (published or 1, drafts[-1] if drafts else None)
    return out


def _data(s: Session, k: Kpi) -> KpiData:
    return _to_data(k, _versions(s, [k.id])[k.id])


def _next_hint(s: Session, kpi_id: str) -> int:
    """The stored ``version`` of a new version row: a hint only, numbers come from the history's order."""
    return len(VERSIONS.rows(s, [kpi_id]).get(kpi_id, ())) + 1


def _draft_row(s: Session, kpi_id: str) -> tuple[int, KpiVersion] | None:
    """(number, row) of the KPI's draft: its newest live draft (drafts from two laptops may both be here)."""
    return next(((n, v) for n, v in VERSIONS.live(s, kpi_id) if _is_draft(v)), None)


def _from_snapshot(snapshot: dict[str, Any], **kw: Any) -> KpiData:
    return _clean(KpiData(**{f: snapshot[f] for f in DEFINITION_FIELDS}, **kw))


def _clean(data: KpiData) -> KpiData:
    return replace(data, code=data.code.strip().upper(), name=data.name.strip(), unit=data.unit.strip(),
                   definition=data.definition.strip(), category=KpiCategory(data.category),
                   direction=Direction(data.direction), indicator=IndicatorKind(data.indicator),
                   target=float(data.target), amber_threshold=float(data.amber_threshold),
                   red_threshold=float(data.red_threshold), weight=float(data.weight))


class KpiService:
    """KPI library use cases over one session factory."""

    def __init__(self, sessions: sessionmaker, identity: IdentityService,
                 workspace: WorkspaceService | None = None) -> None:
        self._sessions = sessions
        self._identity = identity
        self._workspace = workspace  # in a partner's workspace the library is read-only

    def _author(self) -> str:
        who = self._identity.get()
        return who.display_name.strip() or who.device_name or "Unknown"

    # -- the library ---------------------------------------------------------------------------------------

    def list(self) -> list[KpiData]:
        """Every live KPI of the library, by category then code."""
        with self._sessions() as s:
            rows = list(s.scalars(select(Kpi).where(Kpi.deleted_at.is_(None)).order_by(Kpi.category, Kpi.code)))
            versions = _versions(s, [k.id for k in rows])
            order = list(KpiCategory)
            return sorted((_to_data(k, versions[k.id]) for k in rows),
                          key=lambda d: (order.index(d.category), d.code))

    def get(self, kpi_id: str) -> KpiData:
        """The KPI ``kpi_id``. Raises NotFound when it does not exist or was deleted."""
        with self._sessions() as s:
            k = s.get(Kpi, kpi_id)
            if k is None or k.deleted_at is not None:
                raise NotFound(f"No KPI with id {kpi_id}")
            return _data(s, k)

    def find(self, code_or_name: str) -> KpiData:
        """The live KPI whose code or name is ``code_or_name`` (case-insensitive). Raises NotFound."""
        key = code_or_name.strip().lower()
        with self._sessions() as s:
            k = s.scalars(select(Kpi).where(Kpi.deleted_at.is_(None),
                                            (func.lower(Kpi.code) == key) | (func.lower(Kpi.name) == key))).first()
            if k is None:
                raise NotFound(f"No KPI with code or name '{code_or_name}'.")
            return _data(s, k)

    def create(self, data: KpiData, note: str = "") -> KpiData:
        """Validate and add a KPI to the library as version 1 (with its first history entry)."""
        check_library(self._workspace, KPI_LIBRARY)
        data = _clean(data)
        validate(data)
        with self._sessions.begin() as s:
            self._check_code_free(s, data.code, None)
            k = Kpi(**{f: getattr(data, f) for f in DEFINITION_FIELDS}, version=1)
            s.add(k)
            s.flush()
            s.add(KpiVersion(kpi_id=k.id, version=1, snapshot=_snapshot(k), change_note=note.strip() or "Created",
                             changed_by=self._author(), changed_at=utcnow(), status=TemplateStatus.PUBLISHED))
        return self.get(k.id)

    def update(self, data: KpiData, note: str = "") -> KpiData:
        """Store ``data`` over the KPI ``data.id`` and publish it at once ("Save as new version"). If anything
        changed, the history gains a snapshot (the next version) with the author and ``note``; an unchanged save
        writes nothing. Refused while the KPI has a draft (publish or discard it first), so a draft and a
        direct edit never compete."""
        data = self._checked_edit(data, "update() needs a KPI id; use create() for a new KPI")
        with self._sessions.begin() as s:
            k = self._editable(s, data)
            draft = _draft_row(s, k.id)
            if draft is not None:
                raise ValidationError({"version": (
                    f"Version {draft[0]} of {k.code} is a draft: edit and publish that one, or discard it first.")})
            self._publish(s, k, data, note, None)
        return self.get(data.id)

    # -- drafts ----------------------------------------------------------------------------------------------

    def draft(self, kpi_id: str) -> KpiDraft | None:
        """The KPI's draft (the definition it holds, its number and note), or None. Raises NotFound."""
        with self._sessions() as s:
            k = self._live_kpi(s, kpi_id)
            found = _draft_row(s, k.id)
            if found is None:
                return None
            number, v = found
            data = _from_snapshot(v.snapshot, id=k.id, version=_versions(s, [k.id])[k.id][0],
                                  updated_at=v.updated_at, draft=number)
            return KpiDraft(v.id, number, data, v.change_note, v.changed_by, v.changed_at)

    def save_draft(self, data: KpiData, note: str = "") -> KpiDraft | None:
        """Keep ``data`` as the draft of the KPI ``data.id``: its draft is changed in place, or one is started
        (the next version, numbered after the published ones). Nothing the scorecards use changes. Returns the
        draft, or None when there is no draft and ``data`` is the KPI's definition as published (nothing to
        keep). One transaction."""
        data = self._checked_edit(data, "save_draft() needs a KPI id; a new KPI is added with create()")
        with self._sessions.begin() as s:
            k = self._editable(s, data)
            snapshot = _snapshot(data)
            found = _draft_row(s, k.id)
            if found is None:
                if snapshot == _snapshot(k):
                    return None
                s.add(KpiVersion(kpi_id=k.id, version=_next_hint(s, k.id), snapshot=snapshot, change_note=note.strip(),
                                 changed_by=self._author(), changed_at=utcnow(), status=TemplateStatus.DRAFT))
            else:
                v, note = found[1], note.strip()
                if (v.snapshot, v.change_note) != (snapshot, note):
                    v.snapshot, v.change_note = _same(v.snapshot, snapshot), _same(v.change_note, note)
                    v.changed_by, v.changed_at = self._author(), utcnow()
        return self.draft(data.id)

    def publish_draft(self, kpi_id: str, note: str | None = None) -> KpiData:
        """Publish the KPI's draft: the KPI takes the draft's definition (what scorecards, the grid, alerts and
        reports use from now on) and the draft becomes its newest numbered version, with ``note`` (or the
        draft's own note, or what changed in words). Raises ValidationError when there is no draft or its
        definition is no longer valid (its code taken meanwhile). One transaction."""
        check_library(self._workspace, KPI_LIBRARY)
        with self._sessions.begin() as s:
            k = self._live_kpi(s, kpi_id)
            found = _draft_row(s, k.id)
            if found is None:
                raise ValidationError({"version": f"{k.code} has no draft to publish."})
            v = found[1]
            data = _from_snapshot(v.snapshot, id=k.id)
            validate(data)
            self._check_code_free(s, data.code, k.id)
            self._publish(s, k, data, v.change_note if note is None else note, v)
        return self.get(kpi_id)

    def discard_draft(self, kpi_id: str) -> int:
        """Drop the KPI's draft (a tombstone); the KPI stays as published. Returns the draft's number.
        Raises ValidationError when there is none."""
        check_library(self._workspace, KPI_LIBRARY)
        with self._sessions.begin() as s:
            k = self._live_kpi(s, kpi_id)
            found = _draft_row(s, k.id)
            if found is None:
                raise ValidationError({"version": f"{k.code} has no draft to discard."})
            found[1].deleted_at = utcnow()
            return found[0]

    def _publish(self, s: Session, k: Kpi, data: KpiData, note: str, draft: KpiVersion | None) -> None:
        """Make ``data`` the KPI's definition and its newest published version: ``draft`` published, or (None)
        a new snapshot when anything changed."""
        before = _snapshot(k)
        for f in DEFINITION_FIELDS:
            if getattr(k, f) != getattr(data, f):
                setattr(k, f, getattr(data, f))
        after = _snapshot(k)
        changes = describe_changes(before, after)
        text = note.strip() or "; ".join(changes)
        if draft is not None:
            draft.status = TemplateStatus.PUBLISHED
            draft.change_note = _same(draft.change_note, text or "Published")
            draft.changed_by, draft.changed_at = self._author(), utcnow()
        elif after != before:
            s.add(KpiVersion(kpi_id=k.id, version=_next_hint(s, k.id), snapshot=after, change_note=text,
                             changed_by=self._author(), changed_at=utcnow(), status=TemplateStatus.PUBLISHED))

    def _checked_edit(self, data: KpiData, without_id: str) -> KpiData:
        """``data`` cleaned and validated, for an edit of the stored KPI ``data.id``; raises ValueError
        (``without_id``) for a KPI not stored yet, ValidationError, or a refusal in a partner's workspace."""
        if not data.id:
            raise ValueError(without_id)
        check_library(self._workspace, KPI_LIBRARY)
        data = _clean(data)
        validate(data)
        return data

    def _editable(self, s: Session, data: KpiData) -> Kpi:
        """The live KPI ``data`` edits, once its code is known to be free. Raises NotFound, ValidationError."""
        k = self._live_kpi(s, data.id)
        self._check_code_free(s, data.code, k.id)
        return k

    @staticmethod
    def _live_kpi(s: Session, kpi_id: str) -> Kpi:
        k = s.get(Kpi, kpi_id)
        if k is None or k.deleted_at is not None:
            raise NotFound(f"No KPI with id {kpi_id}")
        return k

    def delete(self, kpi_id: str) -> None:
        """Retire a KPI from the library (a tombstone: its measurements and history stay, hidden)."""
        check_library(self._workspace, KPI_LIBRARY)
        with self._sessions.begin() as s:
            k = s.get(Kpi, kpi_id)
            if k is None or k.deleted_at is not None:
                raise NotFound(f"No KPI with id {kpi_id}")
            k.deleted_at = utcnow()

    def restore(self, kpi_id: str) -> KpiData:
        """Undo `delete`."""
        check_library(self._workspace, KPI_LIBRARY)
        with self._sessions.begin() as s:
            k = s.get(Kpi, kpi_id)
            if k is None:
                raise NotFound(f"No KPI with id {kpi_id}")
            self._check_code_free(s, k.code, k.id)
            k.deleted_at = None
        return self.get(kpi_id)

    def history(self, kpi_id: str) -> list[KpiVersionRow]:
        """The KPI's versions, newest first (its draft, if any, on top), each with who, when, the note and what
        changed in words (a draft: what it would change in the current definition)."""
        with self._sessions() as s:
            rows = VERSIONS.live(s, kpi_id, newest_first=False)
            k = s.get(Kpi, kpi_id)
            current = _snapshot(k) if k is not None else None
        out, previous = [], None
        for number, v in rows:
            if _is_draft(v):
                changes = describe_changes(current, v.snapshot) if current is not None else ()
            else:
                changes = ("first version",) if previous is None else describe_changes(previous, v.snapshot)
                previous = v.snapshot
            out.append(KpiVersionRow(number, v.changed_by, v.changed_at, v.change_note, changes, dict(v.snapshot),
                                     is_draft=_is_draft(v)))
        return out[::-1]

    @staticmethod
    def _check_code_free(s: Session, code: str, own_id: str | None) -> None:
        clash = s.scalar(select(Kpi.name).where(Kpi.deleted_at.is_(None), func.lower(Kpi.code) == code.lower(),
                                               Kpi.id != (own_id or "")))
        if clash:
            raise ValidationError({"code": f"The code {code} is already used by '{clash}'. Choose another code."})

    # -- per-partner overrides ----------------------------------------------------------------------------

    def overrides(self, partner_id: str | None = None, kpi_id: str | None = None) -> list[OverrideRow]:
        """Live overrides, optionally of one partner and/or one KPI, by partner name then KPI code."""
        stmt = (select(KpiOverride, Partner.name, Kpi)
                .join(Partner, Partner.id == KpiOverride.partner_id).join(Kpi, Kpi.id == KpiOverride.kpi_id)
                .where(KpiOverride.deleted_at.is_(None), Partner.deleted_at.is_(None), Kpi.deleted_at.is_(None))
                .order_by(func.lower(Partner.name), Kpi.code))
        if partner_id:
            stmt = stmt.where(KpiOverride.partner_id == partner_id)
        if kpi_id:
            stmt = stmt.where(KpiOverride.kpi_id == kpi_id)
        with self._sessions() as s:
            return [_override_row(o, name, k) for o, name, k in s.execute(stmt)]

    def set_override(self, partner_id: str, kpi_id: str, *, target: float | None = None,
                     amber_threshold: float | None = None, red_threshold: float | None = None,
                     reason: str = "") -> OverrideRow:
        """Give a partner its own target and/or thresholds for a KPI (None keeps the library's value).

        The combined values must still be in order for the KPI's direction; ValidationError otherwise.
        Replaces the partner's existing override of that KPI. One transaction.
        """
        if target is None and amber_threshold is None and red_threshold is None:
            raise ValidationError({"target": "Set at least one of target, amber or red threshold, "
                                             "or remove the override."})
        with self._sessions.begin() as s:
            k = s.get(Kpi, kpi_id)
            p = s.get(Partner, partner_id)
            if k is None or k.deleted_at is not None:
                raise NotFound(f"No KPI with id {kpi_id}")
            if p is None or p.deleted_at is not None:
                raise NotFound(f"No partner with id {partner_id}")
            eff = (k.target if target is None else target, k.amber_threshold if amber_threshold is None
                   else amber_threshold, k.red_threshold if red_threshold is None else red_threshold)
            errors = check_bands(k.direction, *eff)
            if errors:
                raise ValidationError({key: f"{p.name}, {k.code}: {msg}" for key, msg in errors.items()})
            o = s.scalar(select(KpiOverride).where(KpiOverride.partner_id == partner_id,
                                                   KpiOverride.kpi_id == kpi_id)
                         .order_by(KpiOverride.deleted_at.is_not(None)))
            if o is None:
                o = KpiOverride(partner_id=partner_id, kpi_id=kpi_id)
                s.add(o)
            values = dict(target=target, amber_threshold=amber_threshold, red_threshold=red_threshold,
                          reason=reason.strip(), deleted_at=None)
            for key, value in values.items():
                if getattr(o, key) != value:
                    setattr(o, key, value)
            s.flush()
            return _override_row(o, p.name, k)

    def clear_override(self, partner_id: str, kpi_id: str) -> bool:
        """Remove a partner's override of a KPI (tombstoned); the library values apply again.
        Returns False when there was none."""
        with self._sessions.begin() as s:
            o = s.scalar(select(KpiOverride).where(KpiOverride.partner_id == partner_id,
                                                   KpiOverride.kpi_id == kpi_id, KpiOverride.deleted_at.is_(None)))
            if o is None:
                return False
            o.deleted_at = utcnow()
            return True


def _override_row(o: KpiOverride, partner_name: str, k: Kpi) -> OverrideRow:
    return OverrideRow(o.id, o.partner_id, partner_name, k.id, k.code, k.name, o.target, o.amber_threshold,
                       o.red_threshold, o.reason, k.target, k.amber_threshold, k.red_threshold, o.updated_at)


__all__ = ["DEFINITION_FIELDS", "KpiData", "KpiDraft", "KpiService", "KpiVersionRow", "OverrideRow", "check_bands",
           "describe_changes", "fmt", "validate"]

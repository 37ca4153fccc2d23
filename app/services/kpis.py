"""The shared KPI library: definitions, their version history, and per-partner overrides.

Every change of a definition or of its thresholds writes a `KpiVersion` snapshot
that says who made it (this installation's display name) and why (the change note), so the history shows
who changed what. A partner may carry its own target and thresholds for a KPI (a segment benchmark): a
`KpiOverride`, shown as an override wherever the scorecard uses it.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Kpi, KpiOverride, KpiVersion, Partner
from app.models.enums import Direction, IndicatorKind, KpiCategory, label
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
    version: int = 1
    updated_at: datetime | None = None

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


#: The fields of a definition that make a new version when they change (everything the user edits).
#: A KPI's history: every snapshot is published as it is written, numbered by the history's order.
VERSIONS = Versioning(KpiVersion, "kpi_id", "snapshot")
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
    changes: tuple[str, ...]
    snapshot: dict[str, Any] = field(compare=False)


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


def _snapshot(k: Kpi) -> dict[str, Any]:
    return {f: (str(getattr(k, f)) if f in ("category", "direction", "indicator") else getattr(k, f))
            for f in DEFINITION_FIELDS}


def _to_data(k: Kpi, version: int) -> KpiData:
    return KpiData(**{f: getattr(k, f) for f in DEFINITION_FIELDS}, id=k.id, version=version,
                   updated_at=k.updated_at)


def _versions(s: Session, kpi_ids: list[str]) -> dict[str, int]:
    """kpi id -> its current version number: the length of its history (every snapshot is published)."""
    counts = dict(s.execute(select(KpiVersion.kpi_id, func.count(KpiVersion.id))
                            .where(KpiVersion.kpi_id.in_(kpi_ids)).group_by(KpiVersion.kpi_id)).all())
    return {kid: counts.get(kid, 1) for kid in kpi_ids}


def _data(s: Session, k: Kpi) -> KpiData:
    return _to_data(k, _versions(s, [k.id])[k.id])


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
                             changed_by=self._author(), changed_at=utcnow()))
        return self.get(k.id)

    def update(self, data: KpiData, note: str = "") -> KpiData:
        """Store ``data`` over the KPI ``data.id``. If anything changed, the history gains a snapshot (the next
        version) with the author and ``note``; an unchanged save writes nothing."""
        if not data.id:
            raise ValueError("update() needs a KPI id; use create() for a new KPI")
        check_library(self._workspace, KPI_LIBRARY)
        data = _clean(data)
        validate(data)
        with self._sessions.begin() as s:
            k = s.get(Kpi, data.id)
            if k is None or k.deleted_at is not None:
                raise NotFound(f"No KPI with id {data.id}")
            self._check_code_free(s, data.code, k.id)
            before = _snapshot(k)
            for f in DEFINITION_FIELDS:
                if getattr(k, f) != getattr(data, f):
                    setattr(k, f, getattr(data, f))
            after = _snapshot(k)
            if after != before:
                changes = describe_changes(before, after)
                hint = _versions(s, [k.id])[k.id] + 1  # stored as a hint only: numbers come from the history
                s.add(KpiVersion(kpi_id=k.id, version=hint, snapshot=after,
                                 change_note=note.strip() or "; ".join(changes), changed_by=self._author(),
                                 changed_at=utcnow()))
        return self.get(data.id)

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
        """The KPI's versions, newest first, each with who, when, the note and what changed in words."""
        with self._sessions() as s:
            rows = VERSIONS.live(s, kpi_id, newest_first=False)
        out, previous = [], None
        for number, v in rows:
            changes = ("first version",) if previous is None else describe_changes(previous, v.snapshot)
            out.append(KpiVersionRow(number, v.changed_by, v.changed_at, v.change_note, changes, dict(v.snapshot)))
            previous = v.snapshot
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


__all__ = ["DEFINITION_FIELDS", "KpiData", "KpiService", "KpiVersionRow", "OverrideRow", "check_bands",
           "describe_changes", "fmt", "validate"]

"""Learning tracks and partner certifications.

- **Library**: modules (objective, format, duration, how assessed, how long a completion counts) grouped into
  tracks for a partner kind or segment. Tracks are versioned like playbooks: a version is a *draft* until it is
  published, a published version is frozen (editing it makes the next version, a draft), and an item copied
  into a new version keeps its lineage ``key``.
- **People**: a published track version is assigned to a person of one partnership, on either side (one of
  the partner's contacts, or a name). Completions record date, result (passed or failed), evidence and the
  person's rating (1-5) and comment on the module: the feedback loop.
- **Certifications** are granted by `record_completion` itself, in the same transaction, when the person's
  track is complete: every module of the track has a passed completion still valid on the day the last one
  was made. The certification is valid until ``add_months(granted_on, validity) - 1 day``. A *renewal* is a new
  certification naming the one it renews, granted when every module was completed again after the previous
  grant. Certification ids are derived from (partner, person, track, day), so two laptops that grant the same
  certification hold the same record and a package merges them.

Expiry arithmetic is in plain functions (`add_months`, `valid_until`, `expiry_state`) so it can be tested for
every date. Every public method of `LearningService` opens its own transaction and returns frozen
dataclasses; any thread may call it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, sessionmaker

from app.models import Contact, LocalSetting, Partner
from app.models.enums import PartnerKind, Side, TemplateStatus
from app.models.learning import (
    LearningAssignment,
    LearningCertification,
    LearningCompletion,
    LearningModule,
    LearningTrack,
    LearningTrackItem,
    LearningTrackVersion,
)
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.library_versions import Versioning
from app.services.records import get_live
from app.services.reference_data import stable_id
from app.services.workspace import LEARNING_LIBRARY, WorkspaceService, check_library

#: Version numbers come from the history's order, never from the stored ``version`` (library_versions).
VERSIONS = Versioning.with_status(LearningTrackVersion, "track_id")
DEFAULT_WINDOW_DAYS = 30  # "expiring" means: the last valid day falls within this many days
MAX_VALIDITY_MONTHS = 120
RESULTS = ("passed", "failed")
FORMATS = ("e-learning", "workshop", "on the job", "video", "reading", "audit")
OUR_COMPANY_KEY = "learning_our_company"

# Expiry states, from best to worst.
CURRENT, EXPIRING, EXPIRED = "current", "expiring", "expired"


# -- expiry arithmetic -----------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day when it has fewer."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: date, months: int | None) -> date | None:
    """The last day a completion or certification made on ``start`` counts (None: it never expires)."""
    if months is None:
        return None
    return add_months(start, months) - timedelta(days=1)


def expiry_state(last_valid_day: date | None, today: date, days: int = DEFAULT_WINDOW_DAYS) -> str:
    """``expired`` after the last valid day, ``expiring`` when it falls within ``days`` days from today
    (today included), else ``current`` (also for what never expires)."""
    if last_valid_day is None:
        return CURRENT
    if last_valid_day < today:
        return EXPIRED
    if last_valid_day <= today + timedelta(days=days):
        return EXPIRING
    return CURRENT


def renewal_due(last_valid_day: date | None, today: date, days: int = DEFAULT_WINDOW_DAYS) -> bool:
    """True when a certification valid until ``last_valid_day`` should be renewed now: expiring or expired."""
    return expiry_state(last_valid_day, today, days) != CURRENT


def person_key(contact_id: str | None, name: str) -> str:
    """Who a row is about: the contact when known, else the name without case or surrounding spaces."""
    return contact_id or "name:" + name.strip().casefold()


# -- values ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleData:
    """A module of the library. ``validity_months`` None: a completion counts for good."""

    code: str
    title: str
    kind: str = "training"
    description: str = ""
    objective: str = ""
    format: str = "e-learning"
    duration_minutes: int = 0
    assessment: str = ""
    validity_months: int | None = None
    id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.code} · {self.title}"


@dataclass(frozen=True)
class TrackItemData:
    """One module of a track version. ``key`` is its lineage across versions (None: new in this version)."""

    module_id: str
    key: str | None = None
    id: str | None = None
    module_code: str = ""  # filled in when read, for display
    module_title: str = ""


@dataclass(frozen=True)
class TrackVersionData:
    id: str
    track_id: str
    version: int
    name: str
    description: str
    partner_kind: PartnerKind | None
    segment: str
    validity_months: int | None
    status: TemplateStatus
    published_at: datetime | None
    change_note: str
    items: tuple[TrackItemData, ...]

    @property
    def is_published(self) -> bool:
        return self.status is TemplateStatus.PUBLISHED

    @property
    def audience(self) -> str:
        return audience_label(self.partner_kind, self.segment)

    @property
    def label(self) -> str:
        return f"{self.name} · v{self.version}" + ("" if self.is_published else " (draft)")


@dataclass(frozen=True)
class TrackRow:
    """One line of the track library: the track and its newest version."""

    id: str
    name: str
    audience: str
    latest_version_id: str
    latest_version: int
    latest_status: TemplateStatus
    published_version: int | None
    module_count: int
    validity_months: int | None


@dataclass(frozen=True)
class TrackVersionRow:
    id: str
    track_id: str
    track_name: str
    version: int
    status: TemplateStatus
    published_at: datetime | None
    change_note: str
    module_count: int

    @property
    def label(self) -> str:
        state = "published" if self.status is TemplateStatus.PUBLISHED else "draft"
        return f"{self.track_name} · v{self.version} ({state})"


@dataclass(frozen=True)
class PersonChoice:
    """Someone a track can be assigned to: a contact of the partnership, on either side."""

    contact_id: str | None
    name: str
    side: Side
    role: str = ""


@dataclass(frozen=True)
class AssignmentData:
    id: str
    partner_id: str
    track_id: str
    track_version_id: str
    track_name: str
    version: int
    contact_id: str | None
    person: str
    side: Side
    assigned_on: date
    due_on: date | None


@dataclass(frozen=True)
class CompletionData:
    id: str
    partner_id: str
    module_id: str
    contact_id: str | None
    person: str
    side: Side
    completed_on: date
    result: str
    score: float | None
    evidence_note: str
    rating: int | None
    comment: str


@dataclass(frozen=True)
class CertificationData:
    id: str
    partner_id: str
    track_id: str
    track_version_id: str
    track_name: str
    version: int
    contact_id: str | None
    person: str
    side: Side
    granted_on: date
    expires_on: date | None  # the last valid day
    renewed_from: str

    def state(self, today: date, days: int = DEFAULT_WINDOW_DAYS) -> str:
        return expiry_state(self.expires_on, today, days)


@dataclass(frozen=True)
class CompletionResult:
    """What `record_completion` stored, and the certifications it granted (renewals included)."""

    completion: CompletionData
    granted: tuple[CertificationData, ...] = ()


@dataclass(frozen=True)
class MatrixCell:
    """One person x one module. ``state``: done, expiring, expired, due, overdue, or "" (not in their tracks
    and never done)."""

    state: str
    required: bool
    completed_on: date | None = None
    valid_until: date | None = None
    due_on: date | None = None
    result: str = ""
    completion_id: str | None = None  # the completion shown (its evidence files attach to it)


@dataclass(frozen=True)
class MatrixRow:
    person: str
    side: Side
    contact_id: str | None
    tracks: tuple[str, ...]
    cells: tuple[MatrixCell, ...]
    certifications: tuple[CertificationData, ...]  # the latest one of each assigned track that has one

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.required and c.state in ("done", "expiring"))

    @property
    def required(self) -> int:
        return sum(1 for c in self.cells if c.required)


@dataclass(frozen=True)
class LearningMatrix:
    """A partner's people x the modules of their assigned tracks, as of ``today``."""

    partner_id: str
    today: date
    days: int
    modules: tuple[ModuleData, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class CertificationSummary:
    """A partner's certification status: of the people with a track, how many hold a valid certification of
    every track they were given, and how many of those expire within ``days`` days. Of the others, ``expired``
    hold a certification of every track but one has expired; ``overdue`` have a track past its due date
    without a certification yet. A person counts in one of certified, expired and overdue at most."""

    partner_id: str
    partner_name: str
    people: int
    certified: int
    expiring: int
    expired: int
    days: int
    overdue: int = 0

    @property
    def late(self) -> int:
        """People to act on now: a certification expired, or a track not certified by its due date."""
        return self.expired + self.overdue

    @property
    def attention(self) -> tuple[int, int, int]:
        """How much this partner needs attention, larger first: people late, then expiring, then not certified
        yet (`overview` with ``attention_first`` sorts by it)."""
        return self.late, self.expiring, self.people - self.certified

    @property
    def text(self) -> str:
        if not self.people:
            return "No learning tracks assigned"
        out = f"{self.certified} of {self.people} certified"
        if self.expiring:
            out += f", {self.expiring} expiring in {self.days} days"
        if self.expired:
            out += f", {self.expired} expired"
        if self.overdue:
            out += f", {self.overdue} overdue"
        return out


@dataclass(frozen=True)
class FeedbackEntry:
    partner_id: str
    partner_name: str
    person: str
    side: Side
    completed_on: date
    result: str
    rating: int | None
    comment: str


@dataclass(frozen=True)
class ModuleFeedback:
    module: ModuleData
    entries: tuple[FeedbackEntry, ...]

    @property
    def average_rating(self) -> float | None:
        ratings = [e.rating for e in self.entries if e.rating is not None]
        return sum(ratings) / len(ratings) if ratings else None


@dataclass(frozen=True)
class RenewalDue:
    """A certification to renew: the latest of its person and track, expiring or expired."""

    certification: CertificationData
    partner_name: str
    enablement_lead: str
    state: str


@dataclass(frozen=True)
class PersonProgress:
    """One assignment's progress, for the command line: modules done (and still valid) of the track's total."""

    partner_id: str
    partner_name: str
    person: str
    side: Side
    track_name: str
    version: int
    completed: int
    total: int
    due_on: date | None
    certified_until: date | None
    certified: bool
    certification_state: str = ""

    def as_json(self) -> dict:
        return {"name": self.person, "partner": self.partner_name, "side": self.side.value,
                "track": self.track_name, "version": self.version, "completed": self.completed,
                "total": self.total, "due_on": self.due_on.isoformat() if self.due_on else None,
                "certified": self.certified,
                "certified_until": self.certified_until.isoformat() if self.certified_until else None,
                "certification_state": self.certification_state or None}


@dataclass(frozen=True)
class CertificateData:
    """What a certificate prints (plain data for app/reports/certificate.py)."""

    person: str
    side: Side
    partner_name: str
    our_company: str
    track_name: str
    track_version: int
    track_description: str
    modules: tuple[str, ...]
    granted_on: date
    expires_on: date | None
    certificate_id: str
    renewal: bool = False


def audience_label(kind: PartnerKind | None, segment: str) -> str:
    parts = [f"{kind.value}s" if kind else "", segment]
    text = " · ".join(p for p in parts if p)
    return text.capitalize() if text else "Every partner"


# -- validation -----------------------------------------------------------------------------------------------

def _check_validity(errors: dict[str, str], months: int | None, field_: str = "validity_months") -> None:
    if months is not None and not 1 <= months <= MAX_VALIDITY_MONTHS:
        errors[field_] = f"The validity must be between 1 and {MAX_VALIDITY_MONTHS} months (or none)."


def validate_module(m: ModuleData) -> None:
    errors: dict[str, str] = {}
    if not m.code.strip():
        errors["code"] = "The module needs a code."
    elif len(m.code.strip()) > 40:
        errors["code"] = "The code is too long (40 characters at most)."
    if not m.title.strip():
        errors["title"] = "The module needs a title."
    elif len(m.title.strip()) > 200:
        errors["title"] = "The title is too long (200 characters at most)."
    if not 0 <= m.duration_minutes <= 100_000:
        errors["duration_minutes"] = "The duration is a number of minutes, 0 or more."
    _check_validity(errors, m.validity_months)
    if errors:
        raise ValidationError(errors)


def validate_track(name: str, items: Iterable[TrackItemData], validity_months: int | None) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "The track needs a name."
    elif len(name.strip()) > 160:
        errors["name"] = "The name is too long (160 characters at most)."
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        if not item.module_id:
            errors[f"items.{i}"] = f"Item {i} names no module."
        elif item.module_id in seen:
            errors[f"items.{i}"] = f"Item {i}: that module is already in the track."
        seen.add(item.module_id)
    _check_validity(errors, validity_months)
    if errors:
        raise ValidationError(errors)


# -- the service ----------------------------------------------------------------------------------------------

class LearningService:
    """Modules, versioned tracks, assignments, completions and certifications over one session factory."""

    def __init__(self, sessions: sessionmaker, workspace: WorkspaceService | None = None) -> None:
        self._sessions = sessions
        self._workspace = workspace  # in a partner's workspace modules and tracks are read-only

    # -- modules ------------------------------------------------------------------------------------------------

    def modules(self) -> list[ModuleData]:
        """Every live module of the library, by code."""
        with self._sessions() as s:
            return [_module(m) for m in s.scalars(select(LearningModule).where(LearningModule.deleted_at.is_(None))
                                                  .order_by(LearningModule.code))]

    def get_module(self, module_id: str) -> ModuleData:
        with self._sessions() as s:
            return _module(get_live(s, LearningModule, module_id, "learning module"))

    def save_module(self, data: ModuleData) -> ModuleData:
        """Create (no id) or update a module; codes are unique (any case). One transaction."""
        check_library(self._workspace, LEARNING_LIBRARY)
        data = replace(data, code=data.code.strip(), title=data.title.strip(), description=data.description.strip(),
                       objective=data.objective.strip(), format=data.format.strip() or "e-learning",
                       assessment=data.assessment.strip(), duration_minutes=int(data.duration_minutes))
        validate_module(data)
        with self._sessions.begin() as s:
            clash = s.scalar(select(LearningModule.id).where(
                func.lower(LearningModule.code) == data.code.lower(), LearningModule.deleted_at.is_(None),
                LearningModule.id != (data.id or "")))
            if clash:
                raise ValidationError({"code": f"Another module already has the code '{data.code}'."})
            values = {k: getattr(data, k) for k in ("code", "title", "kind", "description", "objective", "format",
                                                    "duration_minutes", "assessment", "validity_months")}
            if data.id:
                row = get_live(s, LearningModule, data.id, "learning module")
                for k, v in values.items():
                    if getattr(row, k) != v:
                        setattr(row, k, v)
            else:
                row = LearningModule(**values)
                s.add(row)
            s.flush()
            return _module(row)

    # -- tracks -------------------------------------------------------------------------------------------------

    def tracks(self) -> list[TrackRow]:
        """Every live track with its newest version, by name."""
        with self._sessions() as s:
            out = []
            for t in s.scalars(select(LearningTrack).where(LearningTrack.deleted_at.is_(None))
                               .order_by(func.lower(LearningTrack.name))):
                versions = _live_versions(s, t.id)
                if not versions:
                    continue
                latest = versions[0]
                numbers = VERSIONS.numbers(s, [t.id])
                published = next((numbers[v.id] for v in versions if v.status is TemplateStatus.PUBLISHED), None)
                out.append(TrackRow(t.id, latest.name, audience_label(latest.partner_kind, latest.segment),
                                    latest.id, numbers[latest.id], latest.status, published,
                                    len(_items(s, latest.id)), latest.validity_months))
            return out

    def versions(self, track_id: str) -> list[TrackVersionRow]:
        """Every live version of a track, newest first. Raises NotFound."""
        with self._sessions() as s:
            get_live(s, LearningTrack, track_id, "learning track")
            return [_version_row(s, v) for v in _live_versions(s, track_id)]

    def published_versions(self, partner_id: str | None = None) -> list[TrackVersionRow]:
        """The newest published version of every track (the ones that can be assigned). With ``partner_id``,
        the tracks meant for that partner's kind and segment come first."""
        with self._sessions() as s:
            rows = []
            for t in s.scalars(select(LearningTrack).where(LearningTrack.deleted_at.is_(None))
                               .order_by(func.lower(LearningTrack.name))):
                v = next((v for v in _live_versions(s, t.id) if v.status is TemplateStatus.PUBLISHED), None)
                if v is not None:
                    rows.append(v)
            if partner_id:
                p = get_live(s, Partner, partner_id, "partner")

                def fits(v: LearningTrackVersion) -> bool:
                    return ((v.partner_kind is None or v.partner_kind == p.kind)
                            and (not v.segment or v.segment.casefold() == (p.segment or "").casefold()))

                rows.sort(key=lambda v: not fits(v))
            return [_version_row(s, v) for v in rows]

    def get_version(self, version_id: str) -> TrackVersionData:
        with self._sessions() as s:
            return _version_data(s, get_live(s, LearningTrackVersion, version_id, "track version"))

    def latest(self, track_id: str) -> TrackVersionData:
        with self._sessions() as s:
            get_live(s, LearningTrack, track_id, "learning track")
            versions = _live_versions(s, track_id)
            if not versions:
                raise NotFound(f"Track {track_id} has no versions")
            return _version_data(s, versions[0])

    def create_track(self, name: str, description: str = "", items: Iterable[TrackItemData] = (), *,
                     partner_kind: PartnerKind | None = None, segment: str = "",
                     validity_months: int | None = None) -> TrackVersionData:
        """A new track with version 1 as a draft. One transaction."""
        check_library(self._workspace, LEARNING_LIBRARY)
        items = tuple(items)
        validate_track(name, items, validity_months)
        with self._sessions.begin() as s:
            self._check_modules(s, items)
            t = LearningTrack(name=name.strip(), description=description.strip())
            s.add(t)
            s.flush()
            v = self._new_version(s, t, name, description, partner_kind, segment, validity_months, "", items)
            version_id = v.id
        return self.get_version(version_id)

    def edit_track(self, version_id: str, name: str, description: str, items: Iterable[TrackItemData], *,
                   partner_kind: PartnerKind | None = None, segment: str = "", validity_months: int | None = None,
                   change_note: str | None = None) -> TrackVersionData:
        """Store an edit and return the version holding it: a draft changes in place; a published version stays
        as it is and the edit becomes the next version, a draft (refused while another draft exists). An edit
        that changes nothing of a published version returns it unchanged."""
        check_library(self._workspace, LEARNING_LIBRARY)
        items = tuple(items)
        validate_track(name, items, validity_months)
        with self._sessions.begin() as s:
            self._check_modules(s, items)
            v = get_live(s, LearningTrackVersion, version_id, "track version")
            header = dict(name=name.strip(), description=description.strip(), partner_kind=partner_kind,
                          segment=segment.strip(), validity_months=validity_months)
            if v.status is TemplateStatus.DRAFT:
                for k, val in header.items():
                    if getattr(v, k) != val:
                        setattr(v, k, val)
                if change_note is not None and v.change_note != change_note.strip():
                    v.change_note = change_note.strip()
                self._write_items(s, v.id, items)
                track = get_live(s, LearningTrack, v.track_id, "learning track")
                track.name = _changed(track.name, v.name)
                return_id = v.id
            else:
                current = _version_data(s, v)
                same = (all(getattr(current, k) == val for k, val in header.items())
                        and [x.module_id for x in current.items] == [x.module_id for x in items])
                if same:
                    return_id = v.id
                else:
                    newest = _live_versions(s, v.track_id)[0]
                    if newest.status is TemplateStatus.DRAFT:
                        raise ValidationError({"version": (
                            f"Version {VERSIONS.number_of(s, newest)} of this track is already a draft: edit that one, "
                            "or discard it first.")})
                    items = tuple(replace(x, key=x.key or x.id, id=None) for x in items)
                    track = get_live(s, LearningTrack, v.track_id, "learning track")
                    new = self._new_version(s, track, name, description, partner_kind, segment,
                                            validity_months, (change_note or "").strip(), items)
                    return_id = new.id
        return self.get_version(return_id)

    def publish(self, version_id: str, change_note: str | None = None) -> TrackVersionData:
        """Publish a draft: it is frozen and can be assigned. Refused without modules. One transaction."""
        check_library(self._workspace, LEARNING_LIBRARY)
        with self._sessions.begin() as s:
            v = get_live(s, LearningTrackVersion, version_id, "track version")
            if v.status is TemplateStatus.PUBLISHED:
                raise ValidationError({"version": f"Version {VERSIONS.number_of(s, v)} is already published."})
            if not _items(s, v.id):
                raise ValidationError({"items": "A track needs at least one module before it is published."})
            v.status = TemplateStatus.PUBLISHED
            v.published_at = utcnow()
            if change_note is not None:
                v.change_note = change_note.strip()
        return self.get_version(version_id)

    def discard_draft(self, version_id: str) -> None:
        """Tombstone a draft version (and the track when that was its only version)."""
        check_library(self._workspace, LEARNING_LIBRARY)
        with self._sessions.begin() as s:
            v = get_live(s, LearningTrackVersion, version_id, "track version")
            if v.status is TemplateStatus.PUBLISHED:
                raise ValidationError({"version": "A published version cannot be discarded; it stays readable."})
            now = utcnow()
            v.deleted_at = now
            for item in _items(s, v.id):
                item.deleted_at = now
            s.flush()
            if not _live_versions(s, v.track_id):
                get_live(s, LearningTrack, v.track_id, "learning track").deleted_at = now

    # -- people and assignments ---------------------------------------------------------------------------------

    def people(self, partner_id: str) -> list[PersonChoice]:
        """The partnership's contacts on both sides (the partner's first), to assign a track to."""
        with self._sessions() as s:
            get_live(s, Partner, partner_id, "partner")
            rows = s.scalars(select(Contact).where(Contact.partner_id == partner_id, Contact.deleted_at.is_(None)))
            out = [PersonChoice(c.id, c.name, c.side, c.role) for c in rows]
        return sorted(out, key=lambda p: (p.side is not Side.PARTNER, p.name.casefold()))

    def assignments(self, partner_id: str) -> list[AssignmentData]:
        """The partner's live assignments, by person then track."""
        with self._sessions() as s:
            return sorted((_assignment(s, a) for a in self._assignment_rows(s, partner_id)),
                          key=lambda a: (a.person.casefold(), a.track_name.casefold()))

    def assign(self, partner_id: str, track_version_id: str, *, contact_id: str | None = None, person: str = "",
               side: Side = Side.PARTNER, assigned_on: date | None = None, due_on: date | None = None
               ) -> AssignmentData:
        """Assign a published track version to a contact of the partnership (or a named person on ``side``).

        Refused (ValidationError) for a draft, for a contact of another partner, for a due date before the
        assignment, and when the person already has this track. One transaction.
        """
        assigned_on = assigned_on or date.today()
        with self._sessions.begin() as s:
            get_live(s, Partner, partner_id, "partner")
            v = get_live(s, LearningTrackVersion, track_version_id, "track version")
            if v.status is not TemplateStatus.PUBLISHED:
                raise ValidationError({"track": f"Version {VERSIONS.number_of(s, v)} of '{v.name}' is a draft: publish it first."})
            if contact_id:
                c = get_live(s, Contact, contact_id, "contact")
                if c.partner_id != partner_id:
                    raise ValidationError({"person": f"{c.name} is a contact of another partner."})
                person, side = c.name, c.side
            person = person.strip()
            if not person:
                raise ValidationError({"person": "Choose a person, or type a name."})
            if len(person) > 120:
                raise ValidationError({"person": "The name is too long (120 characters at most)."})
            if due_on is not None and due_on < assigned_on:
                raise ValidationError({"due_on": "The due date is before the day the track is assigned."})
            key = person_key(contact_id, person)
            for a in self._assignment_rows(s, partner_id):
                other = s.get(LearningTrackVersion, a.track_version_id)
                if person_key(a.contact_id, a.person) == key and other.track_id == v.track_id:
                    raise ValidationError({"track": f"{person} already has '{other.name}' (version {VERSIONS.number_of(s, other)})."})
            a = LearningAssignment(partner_id=partner_id, track_version_id=v.id, contact_id=contact_id or None,
                                   person=person, side=Side(side), assigned_on=assigned_on, due_on=due_on)
            s.add(a)
            s.flush()
            self._grant_due(s, partner_id, key, assigned_on)  # modules done before the assignment count
            return _assignment(s, a)

    def unassign(self, assignment_id: str) -> None:
        """Tombstone an assignment; completions and certifications already made stay."""
        with self._sessions.begin() as s:
            get_live(s, LearningAssignment, assignment_id, "assignment").deleted_at = utcnow()

    # -- completions and certifications ------------------------------------------------------------------------

    def record_completion(self, partner_id: str, module_id: str, *, completed_on: date,
                          contact_id: str | None = None, person: str = "", side: Side = Side.PARTNER,
                          result: str = "passed", score: float | None = None, evidence_note: str = "",
                          rating: int | None = None, comment: str = "", today: date | None = None
                          ) -> CompletionResult:
        """Record that a person completed (or failed) a module, with evidence and feedback, and grant or renew
        every certification this completes, in the same transaction.

        Refused: a date after ``today``, a rating outside 1-5, a result other than passed/failed, a contact of
        another partner, no person.
        """
        today = today or date.today()
        errors: dict[str, str] = {}
        if completed_on > today:
            errors["completed_on"] = "The completion date is in the future."
        if rating is not None and not 1 <= int(rating) <= 5:
            errors["rating"] = "The rating is from 1 to 5."
        if result not in RESULTS:
            errors["result"] = "The result is passed or failed."
        if errors:
            raise ValidationError(errors)
        with self._sessions.begin() as s:
            get_live(s, Partner, partner_id, "partner")
            get_live(s, LearningModule, module_id, "learning module")
            if contact_id:
                c = get_live(s, Contact, contact_id, "contact")
                if c.partner_id != partner_id:
                    raise ValidationError({"person": f"{c.name} is a contact of another partner."})
                person, side = c.name, c.side
            person = person.strip()
            if not person:
                raise ValidationError({"person": "Choose a person, or type a name."})
            row = LearningCompletion(partner_id=partner_id, module_id=module_id, contact_id=contact_id or None,
                                     person=person, side=Side(side), completed_on=completed_on, result=result,
                                     score=score, evidence_note=evidence_note.strip(),
                                     rating=int(rating) if rating is not None else None, comment=comment.strip())
            s.add(row)
            s.flush()
            granted = self._grant_due(s, partner_id, person_key(contact_id, person), today)
            return CompletionResult(_completion(row), tuple(granted))

    def completions(self, partner_id: str) -> list[CompletionData]:
        """The partner's live completions, newest first."""
        with self._sessions() as s:
            return [_completion(c) for c in s.scalars(
                select(LearningCompletion).where(LearningCompletion.partner_id == partner_id,
                                                 LearningCompletion.deleted_at.is_(None))
                .order_by(LearningCompletion.completed_on.desc()))]

    def certifications(self, partner_id: str | None = None) -> list[CertificationData]:
        """Live certifications (one partner's, or everyone's), newest grant first."""
        with self._sessions() as s:
            stmt = select(LearningCertification).where(LearningCertification.deleted_at.is_(None))
            if partner_id:
                stmt = stmt.where(LearningCertification.partner_id == partner_id)
            return [_certification(s, c) for c in s.scalars(stmt.order_by(LearningCertification.granted_on.desc()))]

    def _grant_due(self, s: Session, partner_id: str, key: str, today: date) -> list[CertificationData]:
        """Grant (or renew) the certification of each of the person's assigned tracks that is now complete."""
        granted = []
        done = _passed_by_module(s, partner_id, key)
        validity = dict(s.execute(select(LearningModule.id, LearningModule.validity_months)).all())
        for a in self._assignment_rows(s, partner_id):
            if person_key(a.contact_id, a.person) != key:
                continue
            v = s.get(LearningTrackVersion, a.track_version_id)
            modules = [i.module_id for i in _items(s, v.id) if i.module_id]
            latest = _latest_certification(s, partner_id, key, v.track_id)
            after = latest.granted_on if latest is not None else None
            if latest is not None and latest.expires_on is None:
                continue  # certified for good
            day = completion_day(modules, done, validity, after)
            if day is None or day > today:
                continue
            cert_id = stable_id("learning_certification", partner_id, key, v.track_id, day.isoformat())
            if s.get(LearningCertification, cert_id) is not None:
                continue
            cert = LearningCertification(id=cert_id, partner_id=partner_id, track_version_id=v.id,
                                         contact_id=a.contact_id, person=a.person, side=a.side, granted_on=day,
                                         expires_on=valid_until(day, v.validity_months),
                                         renewed_from=latest.id if latest is not None else "")
            s.add(cert)
            s.flush()
            granted.append(_certification(s, cert))
        return granted

    # -- views --------------------------------------------------------------------------------------------------

    def matrix(self, partner_id: str, today: date | None = None, days: int = DEFAULT_WINDOW_DAYS) -> LearningMatrix:
        """The partner's learning matrix: one row per person with an assignment, one column per module of their
        tracks (in track order), each cell done / expiring / expired / due / overdue."""
        today = today or date.today()
        with self._sessions() as s:
            get_live(s, Partner, partner_id, "partner")
            assignments = self._assignment_rows(s, partner_id)
            modules: dict[str, LearningModule] = {}
            people: dict[str, dict] = {}
            for a in sorted(assignments, key=lambda a: a.assigned_on):
                v = s.get(LearningTrackVersion, a.track_version_id)
                key = person_key(a.contact_id, a.person)
                p = people.setdefault(key, dict(person=a.person, side=a.side, contact_id=a.contact_id,
                                                tracks=[], track_ids=[], due={}))
                p["tracks"].append(v.name)
                p["track_ids"].append(v.track_id)
                for item in _items(s, v.id):
                    m = s.get(LearningModule, item.module_id) if item.module_id else None
                    if m is None or m.deleted_at is not None:
                        continue
                    modules.setdefault(m.id, m)
                    due = p["due"].get(m.id, "none")
                    if due == "none" or (a.due_on is not None and (due is None or a.due_on < due)):
                        p["due"][m.id] = a.due_on
            rows = []
            for key, p in sorted(people.items(), key=lambda kv: (kv[1]["side"] is not Side.PARTNER,
                                                                  kv[1]["person"].casefold())):
                latest = _latest_by_module(s, partner_id, key)
                cells = tuple(_cell(m, latest.get(m.id), m.id in p["due"], p["due"].get(m.id), today, days)
                              for m in modules.values())
                certs = tuple(_certification(s, c) for c in
                              (_latest_certification(s, partner_id, key, t) for t in dict.fromkeys(p["track_ids"]))
                              if c is not None)
                rows.append(MatrixRow(p["person"], p["side"], p["contact_id"], tuple(p["tracks"]), cells, certs))
            return LearningMatrix(partner_id, today, days, tuple(_module(m) for m in modules.values()), tuple(rows))

    def summary(self, partner_id: str, today: date | None = None, days: int = DEFAULT_WINDOW_DAYS
                ) -> CertificationSummary:
        """The partner's certification status ("3 of 5 certified, 1 expiring in 30 days"), for its profile and
        the dashboard."""
        today = today or date.today()
        with self._sessions() as s:
            p = get_live(s, Partner, partner_id, "partner")
            return _summary(_Snapshot.load(s, partner_id), p.id, p.name, today, days)

    def overview(self, today: date | None = None, days: int = DEFAULT_WINDOW_DAYS, *,
                 attention_first: bool = False) -> list[CertificationSummary]:
        """The certification status of every partner with at least one assignment, by partner name; with
        ``attention_first``, the partners needing attention first (`CertificationSummary.attention`: people
        late, then expiring, then not certified yet), then by name."""
        today = today or date.today()
        with self._sessions() as s:
            snap = _Snapshot.load(s)
            with_tracks = {a.partner_id for a in snap.assignments}
            rows = sorted((_summary(snap, pid, name, today, days) for pid, (name, _lead) in snap.partners.items()
                           if pid in with_tracks),
                          key=lambda x: x.partner_name.casefold())
            if attention_first:
                rows.sort(key=lambda x: x.attention, reverse=True)  # stable: by name within the same need
            return rows

    def progress(self, partner_id: str | None = None, today: date | None = None,
                 days: int = DEFAULT_WINDOW_DAYS) -> list[PersonProgress]:
        """One line per live assignment (one partner's, or everyone's): modules done and still valid of the
        track's total, and the certification held. By partner, person, track."""
        today = today or date.today()
        with self._sessions() as s:
            snap = _Snapshot.load(s, partner_id)
        out = []
        for a in snap.assignments:
            if a.partner_id not in snap.partners:
                continue
            track_id, name, version, _validity = snap.versions[a.track_version_id]
            key = person_key(a.contact_id, a.person)
            done = snap.done.get((a.partner_id, key), {})
            modules = snap.items.get(a.track_version_id, [])
            count = sum(1 for m in modules if done.get(m)
                        and expiry_state(valid_until(max(done[m]), snap.validity.get(m)), today, 0) != EXPIRED)
            cert = snap.latest_cert.get((a.partner_id, key, track_id))
            state = expiry_state(cert.expires_on, today, days) if cert is not None else ""
            out.append(PersonProgress(a.partner_id, snap.partners[a.partner_id][0], a.person, a.side, name, version,
                                      count, len(modules), a.due_on, cert.expires_on if cert else None,
                                      cert is not None and state != EXPIRED, state))
        return sorted(out, key=lambda x: (x.partner_name.casefold(), x.person.casefold(), x.track_name.casefold()))

    def feedback(self, module_id: str) -> ModuleFeedback:
        """What people said of a module: every completion with a rating or a comment, newest first."""
        with self._sessions() as s:
            m = get_live(s, LearningModule, module_id, "learning module")
            rows = s.execute(select(LearningCompletion, Partner.name)
                             .join(Partner, Partner.id == LearningCompletion.partner_id)
                             .where(LearningCompletion.module_id == module_id,
                                    LearningCompletion.deleted_at.is_(None))
                             .order_by(LearningCompletion.completed_on.desc()))
            entries = tuple(FeedbackEntry(c.partner_id, name, c.person, c.side, c.completed_on, c.result, c.rating,
                                          c.comment)
                            for c, name in rows if c.rating is not None or c.comment.strip())
            return ModuleFeedback(_module(m), entries)

    def renewals_due(self, today: date | None = None, days: int = DEFAULT_WINDOW_DAYS,
                     partner_id: str | None = None) -> list[RenewalDue]:
        """Certifications to renew: the latest certification of each person and track that is still assigned,
        expiring within ``days`` days or expired. By expiry date."""
        today = today or date.today()
        with self._sessions() as s:
            snap = _Snapshot.load(s, partner_id)
            seen, out = set(), []
            for a in snap.assignments:
                key = (a.partner_id, person_key(a.contact_id, a.person), snap.versions[a.track_version_id][0])
                if key in seen or a.partner_id not in snap.partners:
                    continue
                seen.add(key)
                c = snap.latest_cert.get(key)
                if c is None or not renewal_due(c.expires_on, today, days):
                    continue
                name, lead = snap.partners[a.partner_id]
                track_id, track_name, version, _v = snap.versions[c.track_version_id]
                data = CertificationData(c.id, c.partner_id, track_id, c.track_version_id, track_name, version,
                                         c.contact_id, c.person, c.side, c.granted_on, c.expires_on, c.renewed_from)
                out.append(RenewalDue(data, name, lead, expiry_state(c.expires_on, today, days)))
            return sorted(out, key=lambda r: (r.certification.expires_on, r.partner_name.casefold()))

    # -- certificates -------------------------------------------------------------------------------------------

    def our_company(self) -> str:
        """Our company's name as printed on certificates ("" until set)."""
        with self._sessions() as s:
            row = s.get(LocalSetting, OUR_COMPANY_KEY)
            return row.value if row is not None else ""

    def set_our_company(self, name: str) -> str:
        name = name.strip()
        if len(name) > 200:
            raise ValidationError({"our_company": "The name is too long (200 characters at most)."})
        with self._sessions.begin() as s:
            row = s.get(LocalSetting, OUR_COMPANY_KEY)
            if row is None:
                s.add(LocalSetting(key=OUR_COMPANY_KEY, value=name))
            else:
                row.value = name
        return name

    def certificate(self, partner_id: str, person: str, track: str, our_company: str | None = None
                    ) -> CertificateData:
        """The data of the latest certification of ``person`` (a name, any case) for ``track`` (a name, any case,
        or a track id) at a partner. Raises NotFound naming who is certified when there is none, and
        ValidationError while our company's name is unknown."""
        company = (our_company if our_company is not None else self.our_company()).strip()
        if not company:
            raise ValidationError({"our_company": "Set our company's name first (it is printed on certificates)."})
        wanted_person, wanted_track = person.strip().casefold(), track.strip().casefold()
        with self._sessions() as s:
            p = get_live(s, Partner, partner_id, "partner")
            certs = [_certification(s, c) for c in s.scalars(
                select(LearningCertification).where(LearningCertification.partner_id == partner_id,
                                                    LearningCertification.deleted_at.is_(None))
                .order_by(LearningCertification.granted_on.desc()))]
            match = next((c for c in certs if c.person.strip().casefold() == wanted_person
                          and wanted_track in (c.track_name.strip().casefold(), c.track_id)), None)
            if match is None:
                held = sorted({f"{c.person} ({c.track_name})" for c in certs})
                hint = (f" Certified at {p.name}: {', '.join(held[:8])}." if held
                        else f" Nobody at {p.name} is certified yet.")
                raise NotFound(f"{person.strip()} holds no certification for '{track.strip()}'.{hint}")
            v = get_live(s, LearningTrackVersion, match.track_version_id, "track version")
            titles = []
            for item in _items(s, v.id):
                m = s.get(LearningModule, item.module_id) if item.module_id else None
                if m is not None:
                    titles.append(m.title)
            return CertificateData(match.person, match.side, p.name, company, v.name, VERSIONS.number_of(s, v), v.description,
                                   tuple(titles), match.granted_on, match.expires_on, match.id,
                                   renewal=bool(match.renewed_from))

    # -- helpers ------------------------------------------------------------------------------------------------

    @staticmethod
    def _assignment_rows(s: Session, partner_id: str) -> list[LearningAssignment]:
        return list(s.scalars(select(LearningAssignment).where(LearningAssignment.partner_id == partner_id,
                                                               LearningAssignment.deleted_at.is_(None))))

    @staticmethod
    def _check_modules(s: Session, items: tuple[TrackItemData, ...]) -> None:
        for i, item in enumerate(items, 1):
            m = s.get(LearningModule, item.module_id)
            if m is None or m.deleted_at is not None:
                raise ValidationError({f"items.{i}": f"Item {i}: no such module in the library."})

    def _new_version(self, s: Session, track: LearningTrack, name: str, description: str,
                     partner_kind: PartnerKind | None, segment: str, validity_months: int | None, change_note: str,
                     items: tuple[TrackItemData, ...]) -> LearningTrackVersion:
        number = len(VERSIONS.rows(s, [track.id]).get(track.id, ())) + 1  # stored as a hint only
        v = LearningTrackVersion(track_id=track.id, version=number, name=name.strip(), description=description.strip(),
                                 partner_kind=partner_kind, segment=segment.strip(), validity_months=validity_months,
                                 status=TemplateStatus.DRAFT, change_note=change_note)
        s.add(v)
        s.flush()
        self._write_items(s, v.id, items)
        track.name = _changed(track.name, v.name)
        track.description = _changed(track.description, v.description)
        return v

    @staticmethod
    def _write_items(s: Session, version_id: str, items: tuple[TrackItemData, ...]) -> None:
        """Make the version's live items equal ``items``: matched by id and updated in place, new ones added
        with their lineage key, the rest tombstoned."""
        existing = {x.id: x for x in s.scalars(select(LearningTrackItem)
                                              .where(LearningTrackItem.version_id == version_id))}
        keep = set()
        for position, item in enumerate(items):
            row = existing.get(item.id) if item.id else None
            if row is None:
                row = LearningTrackItem(version_id=version_id, key=item.key or "", position=position,
                                        module_id=item.module_id)
                s.add(row)
            else:
                if row.position != position:
                    row.position = position
                if row.module_id != item.module_id:
                    row.module_id = item.module_id
                if row.deleted_at is not None:
                    row.deleted_at = None
            s.flush()
            keep.add(row.id)
        now = utcnow()
        for row_id, row in existing.items():
            if row_id not in keep and row.deleted_at is None:
                row.deleted_at = now

@dataclass
class _Snapshot:
    """Everything the summaries need, read in a handful of queries (not a few per person): live assignments,
    the latest certification of each (partner, person, track), passed completion days, and the library."""

    partners: dict[str, tuple[str, str]]  # id -> (name, enablement lead), live partners only
    assignments: list[LearningAssignment]
    versions: dict[str, tuple[str, str, int, int | None]]  # id -> (track id, name, version, validity)
    items: dict[str, list[str]]  # version id -> module ids in order
    validity: dict[str, int | None]  # module id -> months a completion counts
    latest_cert: dict[tuple[str, str, str], LearningCertification]
    done: dict[tuple[str, str], dict[str, list[date]]]  # (partner, person) -> module -> passed days

    def by_partner(self) -> dict[str, list[LearningAssignment]]:
        if not hasattr(self, "_by_partner"):
            self._by_partner: dict[str, list[LearningAssignment]] = {}
            for a in self.assignments:
                self._by_partner.setdefault(a.partner_id, []).append(a)
        return self._by_partner

    @classmethod
    def load(cls, s: Session, partner_id: str | None = None) -> _Snapshot:
        def scoped(model, *columns: str):
            # Plain columns, not ORM rows: loading every row's sync metadata (JSON) would dominate the time.
            stmt = select(*(getattr(model, c) for c in columns)).where(model.deleted_at.is_(None))
            return s.execute(stmt.where(model.partner_id == partner_id) if partner_id else stmt).all()

        partners = {pid: (name, lead) for pid, name, lead in s.execute(
            select(Partner.id, Partner.name, Partner.enablement_lead).where(Partner.deleted_at.is_(None))
            .where(Partner.id == partner_id if partner_id else true()))}
        rows = list(s.scalars(select(LearningTrackVersion)))
        numbers = VERSIONS.numbers(s, [v.track_id for v in rows])
        versions = {v.id: (v.track_id, v.name, numbers.get(v.id, 0), v.validity_months) for v in rows}
        items: dict[str, list[str]] = {}
        for i in s.scalars(select(LearningTrackItem).where(LearningTrackItem.deleted_at.is_(None))
                           .order_by(LearningTrackItem.position)):
            if i.module_id:
                items.setdefault(i.version_id, []).append(i.module_id)
        validity = dict(s.execute(select(LearningModule.id, LearningModule.validity_months)).all())
        latest: dict[tuple[str, str, str], LearningCertification] = {}
        for c in scoped(LearningCertification, "id", "partner_id", "track_version_id", "contact_id", "person", "side",
                        "granted_on", "expires_on", "renewed_from"):
            key = (c.partner_id, person_key(c.contact_id, c.person), versions[c.track_version_id][0])
            if key not in latest or c.granted_on > latest[key].granted_on:
                latest[key] = c
        done: dict[tuple[str, str], dict[str, list[date]]] = {}
        for c in scoped(LearningCompletion, "partner_id", "contact_id", "person", "module_id", "completed_on",
                        "result"):
            if c.result != "passed":
                continue
            done.setdefault((c.partner_id, person_key(c.contact_id, c.person)), {}).setdefault(
                c.module_id, []).append(c.completed_on)
        assignments = scoped(LearningAssignment, "partner_id", "track_version_id", "contact_id", "person", "side",
                             "due_on")
        return cls(partners, assignments, versions, items, validity, latest, done)


def _summary(snap: _Snapshot, partner_id: str, partner_name: str, today: date, days: int) -> CertificationSummary:
    tracks_of: dict[str, dict[str, date | None]] = {}  # person -> track -> due date (None: none)
    for a in snap.by_partner().get(partner_id, ()):
        due = tracks_of.setdefault(person_key(a.contact_id, a.person), {})
        track = snap.versions[a.track_version_id][0]
        due[track] = min((d for d in (due.get(track), a.due_on) if d is not None), default=None)
    certified = expiring = expired = overdue = 0
    for key, tracks in tracks_of.items():
        states, late = [], False
        for t, due_on in tracks.items():
            c = snap.latest_cert.get((partner_id, key, t))
            states.append(expiry_state(c.expires_on, today, days) if c is not None else "none")
            late = late or (c is None and due_on is not None and due_on < today)
        if "none" in states:
            overdue += late
            continue
        if EXPIRED in states:
            expired += 1
            continue
        certified += 1
        expiring += EXPIRING in states
    return CertificationSummary(partner_id, partner_name, len(tracks_of), certified, expiring, expired, days,
                                overdue)


def completion_day(modules: list[str], done: dict[str, list[date]], validity: dict[str, int | None],
                   after: date | None = None) -> date | None:
    """The day a track of ``modules`` became complete, or None while it is not.

    ``done`` lists each module's passed completion days. Only completions after ``after`` count (a renewal
    needs every module done again since the previous grant). The track is complete on the day of the last
    module's latest counted completion, provided every module's latest counted completion is still valid then.
    """
    if not modules:
        return None
    latest: dict[str, date] = {}
    for m in modules:
        days = [d for d in done.get(m, ()) if after is None or d > after]
        if not days:
            return None
        latest[m] = max(days)
    day = max(latest.values())
    for m, d in latest.items():
        last = valid_until(d, validity.get(m))
        if last is not None and last < day:
            return None
    return day


# -- row helpers ----------------------------------------------------------------------------------------------

def _changed(old, new):
    return old if old == new else new


def _module(m: LearningModule) -> ModuleData:
    return ModuleData(m.code, m.title, m.kind, m.description, m.objective, m.format, m.duration_minutes or 0,
                      m.assessment, m.validity_months, m.id)


def _live_versions(s: Session, track_id: str) -> list[LearningTrackVersion]:
    """The track's live versions, newest first (in the history's order, the same on every laptop)."""
    return [v for _n, v in VERSIONS.live(s, track_id)]


def _items(s: Session, version_id: str) -> list[LearningTrackItem]:
    return list(s.scalars(select(LearningTrackItem).where(LearningTrackItem.version_id == version_id,
                                                          LearningTrackItem.deleted_at.is_(None))
                          .order_by(LearningTrackItem.position)))


def _version_row(s: Session, v: LearningTrackVersion) -> TrackVersionRow:
    return TrackVersionRow(v.id, v.track_id, v.name, VERSIONS.number_of(s, v), v.status, v.published_at, v.change_note,
                           len(_items(s, v.id)))


def _version_data(s: Session, v: LearningTrackVersion) -> TrackVersionData:
    items = []
    for x in _items(s, v.id):
        m = s.get(LearningModule, x.module_id) if x.module_id else None
        items.append(TrackItemData(x.module_id or "", key=x.key or x.id, id=x.id, module_code=m.code if m else "",
                                   module_title=m.title if m else ""))
    return TrackVersionData(v.id, v.track_id, VERSIONS.number_of(s, v), v.name, v.description, v.partner_kind, v.segment,
                            v.validity_months, v.status, v.published_at, v.change_note, tuple(items))


def _assignment(s: Session, a: LearningAssignment) -> AssignmentData:
    v = s.get(LearningTrackVersion, a.track_version_id)
    return AssignmentData(a.id, a.partner_id, v.track_id, v.id, v.name, VERSIONS.number_of(s, v), a.contact_id, a.person, a.side,
                          a.assigned_on, a.due_on)


def _completion(c: LearningCompletion) -> CompletionData:
    return CompletionData(c.id, c.partner_id, c.module_id, c.contact_id, c.person, c.side, c.completed_on, c.result,
                          c.score, c.evidence_note, c.rating, c.comment)


def _certification(s: Session, c: LearningCertification) -> CertificationData:
    v = s.get(LearningTrackVersion, c.track_version_id)
    return CertificationData(c.id, c.partner_id, v.track_id, v.id, v.name, VERSIONS.number_of(s, v), c.contact_id, c.person, c.side,
                             c.granted_on, c.expires_on, c.renewed_from)


def _person_completions(s: Session, partner_id: str, key: str) -> list[LearningCompletion]:
    rows = s.scalars(select(LearningCompletion).where(LearningCompletion.partner_id == partner_id,
                                                      LearningCompletion.deleted_at.is_(None)))
    return [c for c in rows if person_key(c.contact_id, c.person) == key]


def _passed_by_module(s: Session, partner_id: str, key: str) -> dict[str, list[date]]:
    out: dict[str, list[date]] = {}
    for c in _person_completions(s, partner_id, key):
        if c.result == "passed":
            out.setdefault(c.module_id, []).append(c.completed_on)
    return out


def _latest_by_module(s: Session, partner_id: str, key: str) -> dict[str, LearningCompletion]:
    """Each module's latest passed completion, or the latest attempt when none passed."""
    out: dict[str, LearningCompletion] = {}
    for c in sorted(_person_completions(s, partner_id, key), key=lambda c: (c.result == "passed", c.completed_on)):
        out[c.module_id] = c
    return out


def _latest_certification(s: Session, partner_id: str, key: str, track_id: str) -> LearningCertification | None:
    rows = s.execute(select(LearningCertification, LearningTrackVersion.track_id)
                     .join(LearningTrackVersion, LearningTrackVersion.id == LearningCertification.track_version_id)
                     .where(LearningCertification.partner_id == partner_id,
                            LearningCertification.deleted_at.is_(None), LearningTrackVersion.track_id == track_id))
    mine = [c for c, _t in rows if person_key(c.contact_id, c.person) == key]
    return max(mine, key=lambda c: c.granted_on, default=None)


def _cell(m: LearningModule, c: LearningCompletion | None, required: bool, due_on: date | None, today: date,
          days: int) -> MatrixCell:
    if c is not None and c.result == "passed":
        last = valid_until(c.completed_on, m.validity_months)
        state = {CURRENT: "done", EXPIRING: "expiring", EXPIRED: "expired"}[expiry_state(last, today, days)]
        return MatrixCell(state, required, c.completed_on, last, due_on, c.result, c.id)
    done, result, cid = (c.completed_on, c.result, c.id) if c else (None, "", None)
    if not required:
        return MatrixCell("", False, done, None, None, result, cid)
    state = "overdue" if due_on is not None and due_on < today else "due"
    return MatrixCell(state, True, done, None, due_on, result, cid)


# -- the week's agenda ----------------------------------------------------------------------------------------

def agenda_lines(window) -> list:
    """Certification renewals due for the week's agenda (app/services/agenda.py): every certification
    expiring by the window's end, or expired, dated by its last valid day."""
    from app.services.agenda import AgendaLine, AgendaTarget

    days = max((window.until - window.today).days, 0)
    out = []
    for r in LearningService(window.sessions).renewals_due(window.today, days, window.partner_id):
        c = r.certification
        verb = "expired" if r.state == EXPIRED else "expires"
        out.append(AgendaLine("certification", c.partner_id, r.partner_name, f"Renew: {c.person} · {c.track_name}",
                              c.expires_on, "", c.side, window.mine("", Side.OURS, r.enablement_lead),
                              c.expires_on < window.today, AgendaTarget(c.partner_id, "Learning", c.id),
                              detail=f"{verb} {c.expires_on.isoformat()}"))
    return out


__all__ = ["AssignmentData", "CertificateData", "CertificationData", "CertificationSummary", "CompletionData",
           "CompletionResult", "DEFAULT_WINDOW_DAYS", "FeedbackEntry", "LearningMatrix", "LearningService",
           "MatrixCell", "MatrixRow", "ModuleData", "ModuleFeedback", "PersonChoice", "PersonProgress", "RenewalDue",
           "TrackItemData", "TrackRow", "TrackVersionData", "TrackVersionRow", "add_months", "agenda_lines",
           "audience_label", "completion_day", "expiry_state", "person_key", "renewal_due", "valid_until"]


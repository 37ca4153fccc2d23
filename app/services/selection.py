"""Partner selection: versioned criteria sets, a selection workspace per candidate, signing, comparison.

Criteria sets
    A criteria set is a list of weighted criteria grouped by the alignment triangle (goals, values,
    capabilities). Sets are versioned like playbooks: a *draft* is edited in place; editing a *published*
    version makes a new draft version in the same lineage, so assessments made against the old version keep
    the criteria they were scored on. Weights must add up to 100.

Assessments (the selection workspace)
    One live assessment per partner, against one published criteria-set version. Each criterion gets a score
    1–5 (or none yet) and evidence notes. The decision checklist is copied from
    resources/selection_criteria.json when the assessment starts; each item is done or not, by whom, when,
    with a note. Reference calls are logged (who, organisation, called by, when); the references item counts
    as done only with at least its minimum number of calls (two) logged.

Weighted total
    ``weighted score = sum(weight × score) / sum(weight)`` over the *scored* criteria, on the 1–5 scale;
    ``percent = weighted score / 5 × 100``. ``coverage`` is the share of the total weight that is scored:
    below 100 % the total is provisional, and the criteria still unscored are listed.

Signing
    Signing is refused, naming the missing checklist items, until the checklist is complete. An override signs
    anyway; it needs a reason, which is kept with the list of items that were missing at that moment.
    A signed assessment is read-only until it is reopened.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    Contact,
    CriteriaSet,
    Criterion,
    DecisionItem,
    Partner,
    ReferenceCall,
    SelectionAssessment,
    SelectionScore,
)
from app.models.enums import AlignmentGroup, PartnerStatus, Side, TemplateStatus, label
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.library_versions import Versioning
from app.services.records import get_live, replace_children
from app.services.workspace import CRITERIA_LIBRARY, WorkspaceService, check_library

#: Version numbers come from the lineage's history order, never from the stored ``version`` (library_versions).
VERSIONS = Versioning.with_status(CriteriaSet, "lineage")
WEIGHT_TOTAL = 100.0
SCORE_MIN, SCORE_MAX = 1, 5
SCORE_LABELS = {1: "Poor", 2: "Weak", 3: "Adequate", 4: "Good", 5: "Excellent"}
GROUP_ORDER = (AlignmentGroup.GOALS, AlignmentGroup.VALUES, AlignmentGroup.CAPABILITIES)


def default_lineage() -> str:
    """The lineage of the criteria set shipped in resources/ (see app/services/reference_data.py)."""
    from app.services.reference_data import stable_id

    return stable_id("criteria_set", "default")


@dataclass(frozen=True)
class ChecklistTemplateItem:
    code: str
    title: str
    min_reference_calls: int = 0


@lru_cache(maxsize=1)
def checklist_template() -> tuple[ChecklistTemplateItem, ...]:
    """The decision checklist shipped in resources/selection_criteria.json, in order."""
    from app.services.reference_data import load_json

    return tuple(ChecklistTemplateItem(i["code"], i["title"], int(i.get("min_reference_calls", 0)))
                 for i in load_json("selection_criteria.json")["decision_checklist"])


# -- values returned -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionData:
    """One weighted criterion. ``id`` is None for a criterion not yet stored (in an edit)."""

    code: str
    name: str
    group: AlignmentGroup
    weight: float
    description: str = ""
    id: str | None = None


@dataclass(frozen=True)
class CriteriaSetData:
    id: str
    lineage: str
    version: int
    name: str
    description: str
    status: TemplateStatus
    criteria: tuple[CriterionData, ...]
    updated_at: datetime | None = None

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)

    @property
    def title(self) -> str:
        """Name and version, as shown to the user: "Partner selection criteria v2"."""
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class ScoreLine:
    """A criterion of the assessment with its score (None: not scored yet) and evidence."""

    criterion: CriterionData
    score: int | None
    evidence: str
    id: str

    @property
    def weighted(self) -> float | None:
        """weight × score: this criterion's share of the weighted total (None when unscored)."""
        return None if self.score is None else self.criterion.weight * self.score


@dataclass(frozen=True)
class ReferenceCallData:
    referee: str
    organisation: str
    called_by: str
    called_at: datetime
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class DecisionItemData:
    id: str
    code: str
    position: int
    title: str
    done: bool
    done_by: str
    done_at: datetime | None
    note: str
    min_reference_calls: int = 0


@dataclass(frozen=True)
class Assessment:
    """A candidate's selection workspace: scores, decision checklist, reference calls and the signature."""

    id: str
    partner_id: str
    partner_name: str
    segment: str
    partner_status: PartnerStatus
    criteria_set: CriteriaSetData
    scores: tuple[ScoreLine, ...]
    checklist: tuple[DecisionItemData, ...]
    reference_calls: tuple[ReferenceCallData, ...]
    signed_at: datetime | None = None
    signed_by: str = ""
    override_reason: str = ""
    override_missing: tuple[str, ...] = ()
    updated_at: datetime | None = None

    # -- weighted total ------------------------------------------------------------------------------------

    @property
    def weighted_score(self) -> float | None:
        """sum(weight × score) / sum(weight) over the scored criteria, on the 1–5 scale; None if none scored."""
        scored = [s for s in self.scores if s.score is not None]
        weight = sum(s.criterion.weight for s in scored)
        if not scored or weight <= 0:
            return None
        return sum(s.criterion.weight * s.score for s in scored) / weight

    @property
    def percent(self) -> float | None:
        """The weighted score as a percentage of the best possible (5 → 100 %)."""
        score = self.weighted_score
        return None if score is None else score / SCORE_MAX * 100

    @property
    def coverage(self) -> float:
        """Share (0–1) of the total weight that is scored; below 1 the weighted score is provisional."""
        total = sum(s.criterion.weight for s in self.scores)
        scored = sum(s.criterion.weight for s in self.scores if s.score is not None)
        return scored / total if total else 0.0

    @property
    def scored_count(self) -> int:
        return sum(1 for s in self.scores if s.score is not None)

    @property
    def unscored(self) -> tuple[str, ...]:
        """Names of the criteria not scored yet."""
        return tuple(s.criterion.name for s in self.scores if s.score is None)

    # -- checklist -----------------------------------------------------------------------------------------

    def item_complete(self, item: DecisionItemData) -> bool:
        """Done, and (for the references item) with enough reference calls logged."""
        return item.done and len(self.reference_calls) >= item.min_reference_calls

    @property
    def missing_items(self) -> tuple[str, ...]:
        """Each incomplete checklist item, named for the user ("… (1 of 2 calls logged)" where it helps)."""
        missing = []
        for item in self.checklist:
            if self.item_complete(item):
                continue
            calls = len(self.reference_calls)
            if item.min_reference_calls and calls < item.min_reference_calls:
                missing.append(f"{item.title} ({calls} of {item.min_reference_calls} calls logged)")
            else:
                missing.append(item.title)
        return tuple(missing)

    @property
    def checklist_done(self) -> int:
        return sum(1 for i in self.checklist if self.item_complete(i))

    @property
    def is_complete(self) -> bool:
        return not self.missing_items

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def overridden(self) -> bool:
        return self.is_signed and bool(self.override_reason)

    @property
    def stage(self) -> str:
        """Where the selection stands, in a few words."""
        if self.overridden:
            return "Signed (override)"
        if self.is_signed:
            return "Signed"
        if self.is_complete:
            return "Ready to sign"
        if self.scored_count == 0 and self.checklist_done == 0:
            return "Not started"
        return "In progress"


@dataclass(frozen=True)
class Comparison:
    """Candidates side by side: one assessment per column, criteria (by code) as rows."""

    assessments: tuple[Assessment, ...]
    criteria: tuple[CriterionData, ...]  # union over the assessments' criteria sets, by code, in order

    def score(self, assessment: Assessment, code: str) -> int | None:
        for line in assessment.scores:
            if line.criterion.code == code:
                return line.score
        return None


@dataclass(frozen=True)
class CandidateRow:
    """A partner that can be assessed (a candidate, or any partner with an assessment)."""

    partner_id: str
    name: str
    segment: str
    status: PartnerStatus
    assessment_id: str | None = None


@dataclass(frozen=True)
class BlankForm:
    """What a blank field form prints: the criteria, the checklist titles and (optionally) the candidate."""

    criteria_set: CriteriaSetData
    checklist: tuple[str, ...]
    partner_name: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (label, value) lines about the candidate


class SigningBlocked(ValidationError):
    """Signing refused because checklist items are missing; ``missing`` names them."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__({"checklist": "Signing is blocked until the decision checklist is complete. Missing: "
                                       + "; ".join(self.missing) + "."})


@dataclass(frozen=True)
class CriteriaEdit:
    """What a criteria-set editor submits."""

    name: str
    description: str = ""
    criteria: tuple[CriterionData, ...] = field(default_factory=tuple)


def validate_criteria(edit: CriteriaEdit) -> None:
    """Raise ValidationError naming everything wrong: names, codes, weights (they must add up to 100)."""
    errors: dict[str, str] = {}
    if not edit.name.strip():
        errors["name"] = "The criteria set needs a name."
    if not edit.criteria:
        errors["criteria"] = "A criteria set needs at least one criterion."
    codes: set[str] = set()
    for i, c in enumerate(edit.criteria, 1):
        label = f"Criterion {i}" + (f" ({c.name.strip()})" if c.name.strip() else "")
        if not c.name.strip():
            errors[f"criteria.{i}.name"] = f"{label} needs a name."
        code = c.code.strip().upper()
        if not code:
            errors[f"criteria.{i}.code"] = f"{label} needs a short code (for example TECH)."
        elif code in codes:
            errors[f"criteria.{i}.code"] = f"{label}: the code {code} is used twice."
        codes.add(code)
        if c.weight < 0:
            errors[f"criteria.{i}.weight"] = f"{label}: a weight cannot be negative."
        try:
            AlignmentGroup(c.group)
        except ValueError:
            errors[f"criteria.{i}.group"] = f"{label}: the group must be goals, values or capabilities."
    total = sum(c.weight for c in edit.criteria)
    if edit.criteria and abs(total - WEIGHT_TOTAL) > 0.01:
        gap = WEIGHT_TOTAL - total
        hint = f"{_num(gap)} missing" if gap > 0 else f"{_num(-gap)} too many"
        errors["weights"] = f"The weights add up to {_num(total)}, not 100 ({hint})."
    if errors:
        raise ValidationError(errors)


def _num(value: float) -> str:
    return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(round(value))


class SelectionService:
    """Selection use cases over one session factory."""

    def __init__(self, sessions: sessionmaker, workspace: WorkspaceService | None = None) -> None:
        self._sessions = sessions
        self._workspace = workspace  # in a partner's workspace the criteria sets are read-only

    # -- criteria sets -------------------------------------------------------------------------------------

    def criteria_sets(self) -> list[CriteriaSetData]:
        """Every live criteria-set version, by lineage then version."""
        with self._sessions() as s:
            rows = list(s.scalars(select(CriteriaSet).where(CriteriaSet.deleted_at.is_(None))))
            numbers = VERSIONS.numbers(s, [r.lineage for r in rows])
            rows.sort(key=lambda r: (r.name, r.lineage, numbers[r.id]))
            return [self._set_data(s, r, numbers[r.id]) for r in rows]

    def criteria_set(self, set_id: str) -> CriteriaSetData:
        """One criteria-set version with its criteria. Raises NotFound."""
        with self._sessions() as s:
            return self._set_data(s, get_live(s, CriteriaSet, set_id, "criteria set"))

    def latest_published(self, lineage: str | None = None) -> CriteriaSetData:
        """The newest published version of ``lineage`` (default: the shipped set). Raises NotFound."""
        lineage = lineage or default_lineage()
        with self._sessions() as s:
            row = next((r for _n, r in VERSIONS.live(s, lineage) if r.status is TemplateStatus.PUBLISHED), None)
            if row is None:
                raise NotFound("No published criteria set: publish one in Selection › Criteria sets.")
            return self._set_data(s, row)

    def create_criteria_set(self, edit: CriteriaEdit) -> CriteriaSetData:
        """A new criteria set (new lineage, version 1, draft). Validates weights; one transaction."""
        check_library(self._workspace, CRITERIA_LIBRARY)
        validate_criteria(edit)
        from app.models import new_id

        with self._sessions.begin() as s:
            row = CriteriaSet(lineage=new_id(), version=1, name=edit.name.strip(),  # version: a stored hint only
                              description=edit.description.strip(), status=TemplateStatus.DRAFT)
            s.add(row)
            s.flush()
            self._write_criteria(s, row.id, edit.criteria)
            set_id = row.id
        return self.criteria_set(set_id)

    def save_criteria_set(self, set_id: str, edit: CriteriaEdit) -> CriteriaSetData:
        """Store an edit of ``set_id``: a draft changes in place; a published version gets a new draft version
        (numbered after every version of the lineage) and stays as it was. Returns the version written.
        Raises ValidationError (weights must add up to 100) or NotFound.
        """
        check_library(self._workspace, CRITERIA_LIBRARY)
        validate_criteria(edit)
        with self._sessions.begin() as s:
            row = get_live(s, CriteriaSet, set_id, "criteria set")
            if row.status is TemplateStatus.PUBLISHED:
                hint = len(VERSIONS.rows(s, [row.lineage]).get(row.lineage, ())) + 1
                row = CriteriaSet(lineage=row.lineage, version=hint, name=edit.name.strip(),
                                  description=edit.description.strip(), status=TemplateStatus.DRAFT)
                s.add(row)
                s.flush()
                self._write_criteria(s, row.id, edit.criteria)
            else:
                if row.name != edit.name.strip():
                    row.name = edit.name.strip()
                if row.description != edit.description.strip():
                    row.description = edit.description.strip()
                self._write_criteria(s, row.id, edit.criteria)
            set_id = row.id
        return self.criteria_set(set_id)

    def publish_criteria_set(self, set_id: str) -> CriteriaSetData:
        """Publish a draft version: new assessments use it from now on. Checks the weights again."""
        check_library(self._workspace, CRITERIA_LIBRARY)
        current = self.criteria_set(set_id)
        validate_criteria(CriteriaEdit(current.name, current.description, current.criteria))
        with self._sessions.begin() as s:
            row = get_live(s, CriteriaSet, set_id, "criteria set")
            if row.status is not TemplateStatus.PUBLISHED:
                row.status = TemplateStatus.PUBLISHED
        return self.criteria_set(set_id)

    @staticmethod
    def _write_criteria(s: Session, set_id: str, criteria: Iterable[CriterionData]) -> None:
        """Make the set's live criteria exactly ``criteria`` (matched by id; others are tombstoned)."""
        items = [(c.id, dict(position=pos, code=c.code.strip().upper(), name=c.name.strip(),
                              description=c.description.strip(), group=AlignmentGroup(c.group),
                              weight=float(c.weight)))
                 for pos, c in enumerate(criteria)]
        replace_children(s, s.scalars(select(Criterion).where(Criterion.criteria_set_id == set_id)), items,
                         lambda values: Criterion(criteria_set_id=set_id, **values))

    @staticmethod
    def _set_data(s: Session, row: CriteriaSet, number: int | None = None) -> CriteriaSetData:
        criteria = s.scalars(select(Criterion).where(Criterion.criteria_set_id == row.id,
                                                     Criterion.deleted_at.is_(None)).order_by(Criterion.position))
        return CriteriaSetData(row.id, row.lineage, number or VERSIONS.number_of(s, row), row.name, row.description,
                               row.status,
                               tuple(CriterionData(c.code, c.name, c.group, c.weight, c.description, c.id)
                                     for c in criteria), row.updated_at)

    # -- candidates and assessments ------------------------------------------------------------------------

    def candidates(self, segment: str | None = None, *, with_assessed: bool = True) -> list[CandidateRow]:
        """Partners in the candidate stage, plus (``with_assessed``) any partner with an assessment; by name.

        ``segment`` limits the list to one segment.
        """
        with self._sessions() as s:
            assessed = dict(s.execute(select(SelectionAssessment.partner_id, SelectionAssessment.id)
                                      .where(SelectionAssessment.deleted_at.is_(None))).all())
            stmt = select(Partner.id, Partner.name, Partner.segment, Partner.status).where(
                Partner.deleted_at.is_(None))
            if segment:
                stmt = stmt.where(Partner.segment == segment)
            rows = []
            for pid, name, seg, status in s.execute(stmt.order_by(func.lower(Partner.name), Partner.id)):
                if status is PartnerStatus.CANDIDATE or (with_assessed and pid in assessed):
                    rows.append(CandidateRow(pid, name, seg, status, assessed.get(pid)))
            return rows

    def for_partner(self, partner_id: str) -> Assessment | None:
        """The partner's live assessment, or None if selection has not started for it."""
        with self._sessions() as s:
            row = self._assessment_row(s, partner_id)
            return None if row is None else self._assessment_data(s, row)

    def get(self, assessment_id: str) -> Assessment:
        """One assessment with scores, checklist and reference calls. Raises NotFound."""
        with self._sessions() as s:
            return self._assessment_data(s, get_live(s, SelectionAssessment, assessment_id, "assessment"))

    def start(self, partner_id: str, criteria_set_id: str | None = None) -> Assessment:
        """Open the partner's selection workspace against a published criteria set (default: the newest
        published version of the shipped set): one empty score per criterion and the decision checklist.
        Returns the existing assessment if there is one. One transaction.
        """
        existing = self.for_partner(partner_id)
        if existing is not None:
            return existing
        criteria_set = self.criteria_set(criteria_set_id) if criteria_set_id else self.latest_published()
        if criteria_set.status is not TemplateStatus.PUBLISHED:
            raise ValidationError({"criteria_set": f"{criteria_set.title} is a draft: publish it before using it."})
        with self._sessions.begin() as s:
            get_live(s, Partner, partner_id, "partner")
            row = SelectionAssessment(partner_id=partner_id, criteria_set_id=criteria_set.id)
            s.add(row)
            s.flush()
            for c in criteria_set.criteria:
                s.add(SelectionScore(partner_id=partner_id, assessment_id=row.id, criterion_id=c.id))
            for pos, item in enumerate(checklist_template()):
                s.add(DecisionItem(partner_id=partner_id, assessment_id=row.id, code=item.code, position=pos,
                                   title=item.title, min_reference_calls=item.min_reference_calls))
            assessment_id = row.id
        return self.get(assessment_id)

    def set_score(self, assessment_id: str, criterion_id: str, score: int | None,
                  evidence: str | None = None) -> Assessment:
        """Score one criterion 1–5 (None clears it) and, if given, replace its evidence notes."""
        if score is not None and not (SCORE_MIN <= int(score) <= SCORE_MAX):
            raise ValidationError({"score": f"A score is between {SCORE_MIN} and {SCORE_MAX} (got {score})."})
        with self._sessions.begin() as s:
            self._editable(s, assessment_id)
            row = s.scalars(select(SelectionScore).where(SelectionScore.assessment_id == assessment_id,
                                                         SelectionScore.criterion_id == criterion_id,
                                                         SelectionScore.deleted_at.is_(None))).first()
            if row is None:
                raise NotFound("That criterion is not part of this assessment.")
            value = None if score is None else int(score)
            if row.score != value:
                row.score = value
            if evidence is not None and row.evidence != evidence.strip():
                row.evidence = evidence.strip()
        return self.get(assessment_id)

    def update_item(self, item_id: str, *, done: bool | None = None, by: str = "", note: str | None = None,
                    at: datetime | None = None) -> Assessment:
        """Tick or untick a checklist item (``by`` and ``at`` record who and when; ``at`` defaults to now) and/or
        replace its note. The references item can be ticked only once enough calls are logged.
        """
        with self._sessions.begin() as s:
            item = get_live(s, DecisionItem, item_id, "checklist item")
            self._editable(s, item.assessment_id)
            if done is not None and done != item.done:
                if done:
                    if not by.strip():
                        raise ValidationError({"done_by": "Say who completed the item."})
                    if item.min_reference_calls:
                        calls = self._call_count(s, item.assessment_id)
                        if calls < item.min_reference_calls:
                            raise ValidationError({"reference_calls": (
                                f"Log at least {item.min_reference_calls} reference calls before ticking "
                                f"'{item.title}' ({calls} logged so far).")})
                    item.done, item.done_by, item.done_at = True, by.strip(), at or utcnow()
                else:
                    item.done, item.done_by, item.done_at = False, "", None
            if note is not None and note.strip() != item.note:
                item.note = note.strip()
            assessment_id = item.assessment_id
        return self.get(assessment_id)

    def log_reference_call(self, assessment_id: str, call: ReferenceCallData) -> Assessment:
        """Log a reference call (who was called, their organisation, who called, when)."""
        errors = {}
        if not call.referee.strip():
            errors["referee"] = "Who was called? Give the referee's name."
        if not call.called_by.strip():
            errors["called_by"] = "Who made the call?"
        if call.called_at is None:
            errors["called_at"] = "When was the call?"
        elif call.called_at > utcnow() + timedelta(days=1):  # a day of slack for time zones
            errors["called_at"] = "The call date is in the future."
        if errors:
            raise ValidationError(errors)
        with self._sessions.begin() as s:
            row = self._editable(s, assessment_id)
            s.add(ReferenceCall(partner_id=row.partner_id, assessment_id=assessment_id, referee=call.referee.strip(),
                                organisation=call.organisation.strip(), called_by=call.called_by.strip(),
                                called_at=call.called_at, note=call.note.strip()))
        return self.get(assessment_id)

    def remove_reference_call(self, call_id: str) -> Assessment:
        """Delete (tombstone) a reference call logged by mistake."""
        with self._sessions.begin() as s:
            call = get_live(s, ReferenceCall, call_id, "reference call")
            self._editable(s, call.assessment_id)
            call.deleted_at = utcnow()
            assessment_id = call.assessment_id
        return self.get(assessment_id)

    def sign(self, assessment_id: str, signed_by: str, override_reason: str = "",
             at: datetime | None = None, *, to_onboarding: bool = False) -> Assessment:
        """Sign the selection decision. Refused (SigningBlocked naming the missing items) while the checklist
        is incomplete, unless ``override_reason`` says why it is signed anyway; the reason and the items
        missing at that moment are kept. A reason given for a complete checklist is not needed and not kept.
        ``to_onboarding`` moves a partner that is still a candidate to onboarding in the same transaction.
        """
        if not signed_by.strip():
            raise ValidationError({"signed_by": "Say who signs the decision."})
        current = self.get(assessment_id)
        if current.is_signed:
            raise ValidationError({"signed": f"Already signed by {current.signed_by}."})
        missing = current.missing_items
        if missing and not override_reason.strip():
            raise SigningBlocked(missing)
        with self._sessions.begin() as s:
            row = get_live(s, SelectionAssessment, assessment_id, "assessment")
            row.signed_at, row.signed_by = at or utcnow(), signed_by.strip()
            row.override_reason = override_reason.strip() if missing else ""
            row.override_missing = "\n".join(missing)
            partner = s.get(Partner, row.partner_id)
            if to_onboarding and partner.status == PartnerStatus.CANDIDATE:
                partner.status = PartnerStatus.ONBOARDING
        return self.get(assessment_id)

    def reopen(self, assessment_id: str) -> Assessment:
        """Withdraw the signature so the assessment can be edited again."""
        with self._sessions.begin() as s:
            row = get_live(s, SelectionAssessment, assessment_id, "assessment")
            row.signed_at, row.signed_by, row.override_reason, row.override_missing = None, "", "", ""
        return self.get(assessment_id)

    def compare(self, partner_ids: Sequence[str]) -> Comparison:
        """The assessments of ``partner_ids`` (those that have one), in that order, side by side."""
        with self._sessions() as s:
            assessments = []
            for pid in partner_ids:
                row = self._assessment_row(s, pid)
                if row is not None:
                    assessments.append(self._assessment_data(s, row))
        criteria: dict[str, CriterionData] = {}
        for a in assessments:
            for line in a.scores:
                criteria.setdefault(line.criterion.code, line.criterion)
        ordered = sorted(criteria.values(), key=lambda c: GROUP_ORDER.index(AlignmentGroup(c.group)))
        return Comparison(tuple(assessments), tuple(ordered))

    # -- printing ------------------------------------------------------------------------------------------

    def blank_form(self, partner_id: str | None = None) -> BlankForm:
        """The blank field form of a partner (their assessment's criteria and checklist if selection has
        started, else the newest published set), or the generic form when ``partner_id`` is None.
        Raises NotFound (no such partner, or no published criteria set)."""
        assessment = self.for_partner(partner_id) if partner_id else None
        if assessment is not None:
            criteria_set, checklist = assessment.criteria_set, tuple(i.title for i in assessment.checklist)
        else:
            criteria_set, checklist = self.latest_published(), tuple(i.title for i in checklist_template())
        if partner_id is None:
            return BlankForm(criteria_set, checklist)
        with self._sessions() as s:
            p = get_live(s, Partner, partner_id, "partner")
            contact = s.scalars(select(Contact).where(Contact.partner_id == p.id, Contact.deleted_at.is_(None),
                                                      Contact.side == Side.PARTNER, Contact.is_primary)
                                .order_by(Contact.name).limit(1)).first()
            details = (("Segment", p.segment), ("Kind", label(p.kind)), ("Country", p.country),
                       ("Contact", f"{contact.name}, {contact.role}".strip(", ") if contact else ""),
                       ("Enablement lead", p.enablement_lead), ("Status", label(p.status)))
            return BlankForm(criteria_set, checklist, p.name, details)

    def blank_forms(self, segment: str) -> list[BlankForm]:
        """Blank field forms for every candidate of ``segment``, by name. Raises NotFound if there is none."""
        rows = self.candidates(segment, with_assessed=False)
        if not rows:
            raise NotFound(f"No candidate partners in the segment '{segment}'.")
        return [self.blank_form(r.partner_id) for r in rows]

    # -- helpers -------------------------------------------------------------------------------------------

    def _editable(self, s: Session, assessment_id: str) -> SelectionAssessment:
        row = get_live(s, SelectionAssessment, assessment_id, "assessment")
        if row.signed_at is not None:
            raise ValidationError({"signed": f"This assessment was signed by {row.signed_by}; "
                                             "reopen it to change it."})
        return row

    @staticmethod
    def _call_count(s: Session, assessment_id: str) -> int:
        return s.scalar(select(func.count(ReferenceCall.id)).where(ReferenceCall.assessment_id == assessment_id,
                                                                   ReferenceCall.deleted_at.is_(None))) or 0

    @staticmethod
    def _assessment_row(s: Session, partner_id: str) -> SelectionAssessment | None:
        # one live assessment per partner; if two laptops each started one, the oldest id wins consistently
        return s.scalars(select(SelectionAssessment).where(SelectionAssessment.partner_id == partner_id,
                                                           SelectionAssessment.deleted_at.is_(None))
                         .order_by(SelectionAssessment.id).limit(1)).first()

    def _assessment_data(self, s: Session, row: SelectionAssessment) -> Assessment:
        partner = s.get(Partner, row.partner_id)
        criteria_set = self._set_data(s, s.get(CriteriaSet, row.criteria_set_id))
        scores = {sc.criterion_id: sc for sc in s.scalars(
            select(SelectionScore).where(SelectionScore.assessment_id == row.id, SelectionScore.deleted_at.is_(None)))}
        lines = tuple(ScoreLine(c, scores[c.id].score, scores[c.id].evidence, scores[c.id].id)
                      for c in sorted(criteria_set.criteria, key=lambda c: GROUP_ORDER.index(AlignmentGroup(c.group)))
                      if c.id in scores)
        items = tuple(DecisionItemData(i.id, i.code, i.position, i.title, i.done, i.done_by, i.done_at, i.note,
                                       i.min_reference_calls)
                      for i in s.scalars(select(DecisionItem).where(DecisionItem.assessment_id == row.id,
                                                                    DecisionItem.deleted_at.is_(None))
                                         .order_by(DecisionItem.position)))
        calls = tuple(ReferenceCallData(c.referee, c.organisation, c.called_by, c.called_at, c.note, c.id)
                      for c in s.scalars(select(ReferenceCall).where(ReferenceCall.assessment_id == row.id,
                                                                     ReferenceCall.deleted_at.is_(None))
                                         .order_by(ReferenceCall.called_at, ReferenceCall.id)))
        return Assessment(
            id=row.id, partner_id=row.partner_id, partner_name=partner.name, segment=partner.segment,
            partner_status=partner.status, criteria_set=criteria_set, scores=lines, checklist=items,
            reference_calls=calls, signed_at=row.signed_at, signed_by=row.signed_by,
            override_reason=row.override_reason,
            override_missing=tuple(x for x in row.override_missing.splitlines() if x), updated_at=row.updated_at)

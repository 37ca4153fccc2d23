"""Measurement disputes: the partner challenges one measurement (a value and a reason, optionally a file), the
team accepts it (the proposed value becomes the measurement) or rejects it with a reason.

A dispute names its measurement by identity (partner, KPI, period kind, period start; the measurement's id is
that identity written out), so it can be raised, synced and resolved while the measurement row is missing on a
laptop: accepting one then records the value. Disputes travel in packages like any partner record, both ways;
a partner's package may raise one and edit it while it is open, never accept or reject it
(app/services/sync/roles.py).

At most one dispute per measurement is open on a laptop at a time (raise another once it is resolved); two
laptops raising one each about the same month before they sync both keep theirs, and each is resolved on its
own. A file is attached with `AttachmentService` under ``target_kind`` "measurement_dispute".

Every method is one transaction and returns frozen dataclasses; any thread may call them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Attachment, Kpi, Measurement, MeasurementDispute, Partner
from app.models.enums import DisputeStatus, PeriodKind
from app.models.kpi import ID_SEPARATOR
from app.services.clock import utcnow
from app.services.errors import InvalidState, NotFound, ValidationError
from app.services.identity import IdentityService
from app.services.kpis import fmt
from app.services.measurements import (
    CellEdit,
    period_label,
    period_start,
    period_title,
    plausible_range,
    store_cells,
)
from app.services.records import get_live

ATTACHMENT_KIND = "measurement_dispute"  # an attachment's target_kind for a dispute's evidence
MAX_REASON = 4000


@dataclass(frozen=True)
class DisputeRow:
    """A dispute as lists, the scorecard and the grid show it. ``recorded_value`` is the measurement held on
    this laptop now (None: none recorded here)."""

    id: str
    partner_id: str
    partner_name: str
    kpi_id: str
    kpi_code: str
    kpi_name: str
    unit: str
    period_kind: PeriodKind
    period_start: date
    recorded_value: float | None
    proposed_value: float
    reason: str
    status: DisputeStatus
    resolution_reason: str
    raised_by: str
    raised_device: str
    raised_at: datetime | None
    resolved_by: str
    resolved_at: datetime | None
    attachments: tuple[str, ...] = ()  # names of the files attached to it

    @property
    def measurement_id(self) -> str:
        return ID_SEPARATOR.join((self.partner_id, self.kpi_id, self.period_kind.value, self.period_start.isoformat()))

    @property
    def is_open(self) -> bool:
        return self.status is DisputeStatus.OPEN

    @property
    def period_title(self) -> str:
        return period_title(self.period_kind, self.period_start)

    def value_text(self, value: float | None) -> str:
        if value is None:
            return "–"
        unit = f" {self.unit}" if self.unit and self.unit != "count" else ""
        return f"{fmt(value)}{unit}"

    @property
    def summary(self) -> str:
        """One line for a tooltip or a list: "Disputed by Ana: 97.2 % (recorded 92.1 %) — the late lot…"."""
        who = f" by {self.raised_by}" if self.raised_by else ""
        head = {DisputeStatus.OPEN: f"Disputed{who}", DisputeStatus.ACCEPTED: f"Dispute{who} accepted",
                DisputeStatus.REJECTED: f"Dispute{who} rejected"}[self.status]
        text = (f"{head}: {self.kpi_code} {self.period_title} should be {self.value_text(self.proposed_value)} "
                f"(recorded {self.value_text(self.recorded_value)})")
        if self.reason:
            text += f" — {self.reason}"
        if self.status is DisputeStatus.REJECTED and self.resolution_reason:
            text += f". Rejected: {self.resolution_reason}"
        return text

    def as_json(self) -> dict:
        return {"id": self.id, "partner": self.partner_name, "partner_id": self.partner_id, "kpi": self.kpi_code,
                "period_kind": self.period_kind.value, "period": period_label(self.period_kind, self.period_start),
                "measurement_id": self.measurement_id, "recorded_value": self.recorded_value,
                "proposed_value": self.proposed_value, "reason": self.reason, "status": self.status.value,
                "resolution_reason": self.resolution_reason, "raised_by": self.raised_by,
                "raised_at": self.raised_at.isoformat(timespec="seconds") if self.raised_at else None,
                "resolved_by": self.resolved_by,
                "resolved_at": self.resolved_at.isoformat(timespec="seconds") if self.resolved_at else None,
                "attachments": list(self.attachments)}


def parse_measurement_id(text: str) -> tuple[str, str, PeriodKind, date]:
    """(partner id, KPI id, period kind, period start) of a measurement id ``partner:kpi:kind:start``."""
    parts = text.strip().split(ID_SEPARATOR)
    try:
        partner_id, kpi_id, kind, start = parts
        return partner_id, kpi_id, PeriodKind(kind), date.fromisoformat(start)
    except ValueError:
        raise ValidationError({"measurement": f"'{text}' is not a measurement id (partner:kpi:kind:start)."}) \
            from None


def open_disputes(s: Session, partner_ids: Iterable[str] | None = None) -> list[DisputeRow]:
    """The live open disputes (of ``partner_ids``, or all), in the caller's session: the scorecard's marks."""
    return _rows(s, partner_ids, open_only=True)


def _rows(s: Session, partner_ids: Iterable[str] | None, *, open_only: bool,
          ids: Iterable[str] | None = None) -> list[DisputeRow]:
    stmt = (select(MeasurementDispute, Partner.name, Kpi.code, Kpi.name, Kpi.unit)
            .join(Partner, Partner.id == MeasurementDispute.partner_id)
            .join(Kpi, Kpi.id == MeasurementDispute.kpi_id)
            .where(MeasurementDispute.deleted_at.is_(None)))
    if partner_ids is not None:
        stmt = stmt.where(MeasurementDispute.partner_id.in_(list(partner_ids)))
    if open_only:
        stmt = stmt.where(MeasurementDispute.status == DisputeStatus.OPEN)
    if ids is not None:
        stmt = stmt.where(MeasurementDispute.id.in_(list(ids)))
    found = s.execute(stmt).all()
    if not found:
        return []
    keys = {(d.partner_id, d.kpi_id, d.period_kind, d.period_start) for d, *_ in found}
    recorded = {}
    for m in s.scalars(select(Measurement).where(
            Measurement.partner_id.in_({k[0] for k in keys}), Measurement.kpi_id.in_({k[1] for k in keys}),
            Measurement.period_start.in_({k[3] for k in keys}), Measurement.deleted_at.is_(None))):
        recorded[(m.partner_id, m.kpi_id, m.period_kind, m.period_start)] = m.value
    files: dict[str, list[str]] = {}
    for target, name in s.execute(select(Attachment.target_id, Attachment.name).where(
            Attachment.target_kind == ATTACHMENT_KIND, Attachment.deleted_at.is_(None),
            Attachment.target_id.in_([d.id for d, *_ in found])).order_by(Attachment.name)):
        files.setdefault(target, []).append(name)
    rows = [DisputeRow(
        d.id, d.partner_id, pname, d.kpi_id, code, kname, unit, d.period_kind, d.period_start,
        recorded.get((d.partner_id, d.kpi_id, d.period_kind, d.period_start)), d.proposed_value, d.reason,
        d.status, d.resolution_reason, d.raised_by, d.raised_device, d.raised_at, d.resolved_by, d.resolved_at,
        tuple(files.get(d.id, ()))) for d, pname, code, kname, unit in found]
    # Open first, then the latest resolved; within them by period, newest first.
    rows.sort(key=lambda r: r.raised_at or datetime.min, reverse=True)
    rows.sort(key=lambda r: (not r.is_open, r.partner_name.casefold(), r.kpi_code, -r.period_start.toordinal()))
    return rows


def _resolve(d: MeasurementDispute, status: DisputeStatus, reason: str, who: str) -> None:
    d.status = status
    d.resolution_reason = reason
    d.resolved_by = who
    d.resolved_at = utcnow()


class DisputeService:
    """Raise, edit, list, accept and reject measurement disputes over one session factory."""

    def __init__(self, sessions: sessionmaker, identity: IdentityService | None = None,
                 attachments=None) -> None:
        self._sessions = sessions
        self._identity = identity
        self._attachments = attachments  # AttachmentService: a dispute's evidence file

    # -- reading -------------------------------------------------------------------------------------------

    def list(self, partner_id: str | None = None, *, open_only: bool = False) -> list[DisputeRow]:
        """The disputes of one partner (or all): open ones first, then resolved ones."""
        with self._sessions() as s:
            return _rows(s, None if partner_id is None else [partner_id], open_only=open_only)

    def get(self, dispute_id: str) -> DisputeRow:
        with self._sessions() as s:
            return self._get(s, dispute_id)

    def find(self, id_or_prefix: str) -> DisputeRow:
        """The dispute whose id is ``id_or_prefix`` or starts with it (the command line shows 8 characters).
        Raises NotFound when none or several match."""
        key = id_or_prefix.strip().lower()
        if not key:
            raise NotFound("Name the dispute by its id.")
        with self._sessions() as s:
            ids = list(s.scalars(select(MeasurementDispute.id).where(
                MeasurementDispute.deleted_at.is_(None), MeasurementDispute.id.startswith(key))))
            if len(ids) != 1:
                raise NotFound(f"No dispute with id '{id_or_prefix}'." if not ids else
                               f"{len(ids)} disputes have ids starting with '{id_or_prefix}': type more of it.")
            return self._get(s, ids[0])

    def open_by_cell(self, partner_id: str, period_kind: PeriodKind) -> dict[tuple[str, date], DisputeRow]:
        """(KPI id, period start) -> the open dispute of that cell of the partner's grid of ``period_kind``."""
        kind = PeriodKind(period_kind)
        out: dict[tuple[str, date], DisputeRow] = {}
        for r in self.list(partner_id, open_only=True):
            if r.period_kind is kind:
                out.setdefault((r.kpi_id, r.period_start), r)
        return out

    def raised_here(self, row: DisputeRow) -> bool:
        """True when the dispute was raised on this laptop (it is then edited here; the other side resolves it)."""
        return bool(self._identity) and row.raised_device == self._identity.get().device_id

    # -- writing -------------------------------------------------------------------------------------------

    def raise_dispute(self, partner_id: str, kpi_id: str, period_kind: PeriodKind, period: date, value: float,
                      reason: str, *, attachment: str | os.PathLike | None = None,
                      today: date | None = None) -> DisputeRow:
        """Challenge the measurement of this partner, KPI and period (normalised to its first day): ``value``
        is what it should be and ``reason`` why. The measurement need not be recorded on this laptop. Raises
        NotFound (partner, KPI), ValidationError (value, reason, a future period, a file that cannot be
        attached) and InvalidState when the measurement already has an open dispute here."""
        period_kind = PeriodKind(period_kind)
        start = period_start(period_kind, period)
        reason = (reason or "").strip()
        if attachment is not None and not os.path.isfile(attachment):
            raise ValidationError({"attachment": f"{attachment} is not a file that can be read."})
        who, device = self._who(), self._device()
        with self._sessions.begin() as s:
            get_live(s, Partner, partner_id, "partner")
            kpi = get_live(s, Kpi, kpi_id, "KPI")
            self._check(kpi, value, reason)
            if start > period_start(period_kind, today or date.today()):
                raise ValidationError({"period": f"{period_title(period_kind, start)} is in the future: nothing "
                                                 "has been measured yet."})
            held = s.scalar(select(MeasurementDispute).where(
                MeasurementDispute.partner_id == partner_id, MeasurementDispute.kpi_id == kpi_id,
                MeasurementDispute.period_kind == period_kind, MeasurementDispute.period_start == start,
                MeasurementDispute.status == DisputeStatus.OPEN, MeasurementDispute.deleted_at.is_(None)))
            if held is not None:
                raise InvalidState("status", f"{kpi.code} {period_title(period_kind, start)} is disputed already "
                                             f"(proposing {fmt(held.proposed_value)}): change that dispute "
                                             "instead, or wait until it is resolved.")
            recorded = s.get(Measurement, (partner_id, kpi_id, period_kind, start))
            if recorded is not None and recorded.deleted_at is None and recorded.value == float(value):
                raise ValidationError({"value": f"{fmt(value)} is the value recorded already: propose the value "
                                                "it should be."})
            d = MeasurementDispute(partner_id=partner_id, kpi_id=kpi_id, period_kind=period_kind,
                                   period_start=start, proposed_value=float(value), reason=reason,
                                   status=DisputeStatus.OPEN, raised_by=who,
                                   raised_device=device, raised_at=utcnow())
            s.add(d)
            s.flush()
            dispute_id = d.id
        if attachment is not None and self._attachments is not None:
            self._attachments.attach(partner_id, attachment, target_kind=ATTACHMENT_KIND, target_id=dispute_id,
                                     note="Evidence for a measurement dispute")
        return self.get(dispute_id)

    def raise_for(self, measurement_id: str, value: float, reason: str, **kw) -> DisputeRow:
        """`raise_dispute` for the measurement with this id (``partner:kpi:kind:start``)."""
        partner_id, kpi_id, kind, start = parse_measurement_id(measurement_id)
        return self.raise_dispute(partner_id, kpi_id, kind, start, value, reason, **kw)

    def edit(self, dispute_id: str, *, value: float | None = None, reason: str | None = None) -> DisputeRow:
        """Change the proposed value and/or the reason of an open dispute."""
        with self._sessions.begin() as s:
            d = get_live(s, MeasurementDispute, dispute_id, "dispute")
            self._require_open(d, "changed")
            kpi = s.get(Kpi, d.kpi_id)
            new_value = d.proposed_value if value is None else float(value)
            new_reason = d.reason if reason is None else reason.strip()
            self._check(kpi, new_value, new_reason)
            if d.proposed_value != new_value:
                d.proposed_value = new_value
            if d.reason != new_reason:
                d.reason = new_reason
        return self.get(dispute_id)

    def accept(self, dispute_id: str, note: str = "") -> DisputeRow:
        """Accept an open dispute: its proposed value becomes the measurement (recorded if there was none),
        in the same transaction as the dispute is marked accepted."""
        who = self._who()
        with self._sessions.begin() as s:
            d = get_live(s, MeasurementDispute, dispute_id, "dispute")
            self._require_open(d, "accepted")
            store_cells(s, d.partner_id, d.period_kind, [CellEdit(d.kpi_id, d.period_start, d.proposed_value)])
            _resolve(d, DisputeStatus.ACCEPTED, note.strip(), who)
        return self.get(dispute_id)

    def reject(self, dispute_id: str, reason: str) -> DisputeRow:
        """Reject an open dispute, saying why (the partner sees the reason); the measurement stays as it is."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": "Say why the dispute is rejected: the partner will read it."})
        if len(reason) > MAX_REASON:
            raise ValidationError({"reason": f"The reason is too long ({MAX_REASON} characters at most)."})
        who = self._who()
        with self._sessions.begin() as s:
            d = get_live(s, MeasurementDispute, dispute_id, "dispute")
            self._require_open(d, "rejected")
            _resolve(d, DisputeStatus.REJECTED, reason, who)
        return self.get(dispute_id)

    # -- helpers -------------------------------------------------------------------------------------------

    def _get(self, s: Session, dispute_id: str) -> DisputeRow:
        rows = _rows(s, None, open_only=False, ids=[dispute_id])
        if not rows:
            raise NotFound(f"No dispute with id {dispute_id}")
        return rows[0]

    @staticmethod
    def _check(kpi: Kpi, value: float, reason: str) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise ValidationError({"value": "The proposed value must be a finite number."})
        low, high, what = plausible_range(kpi.unit, kpi.target, kpi.amber_threshold, kpi.red_threshold)
        if not low <= value <= high:
            raise ValidationError({"value": f"{fmt(value)} is not plausible for {kpi.code}: {what} lies between "
                                            f"{fmt(low)} and {fmt(high)}."})
        if not reason:
            raise ValidationError({"reason": "Say why the recorded value is wrong (where the right figure comes "
                                             "from)."})
        if len(reason) > MAX_REASON:
            raise ValidationError({"reason": f"The reason is too long ({MAX_REASON} characters at most)."})

    @staticmethod
    def _require_open(d: MeasurementDispute, verb: str) -> None:
        if d.status is DisputeStatus.OPEN:
            return
        when = f" on {d.resolved_at:%Y-%m-%d}" if d.resolved_at else ""
        who = f" by {d.resolved_by}" if d.resolved_by else ""
        raise InvalidState("status", f"This dispute was {d.status.value}{when}{who} and cannot be {verb} now; "
                                     "raise a new one if the value is still wrong.")

    def _who(self) -> str:
        return self._identity.get().display_name if self._identity else ""

    def _device(self) -> str:
        return self._identity.get().device_id if self._identity else ""


__all__ = ["ATTACHMENT_KIND", "DisputeRow", "DisputeService", "open_disputes", "parse_measurement_id"]

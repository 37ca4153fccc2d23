"""Measurement disputes: raise one (with or without the measurement recorded), edit it while open, accept it
(the proposed value becomes the measurement, in one step) or reject it with a reason; closed disputes stay
closed, and the scorecard marks what is disputed."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.enums import DisputeStatus, PeriodKind
from app.models.kpi import measurement_id
from app.services.errors import InvalidState, NotFound, ValidationError
from app.services.measurements import CellEdit
from app.services.partners import PartnerData

OCT = date(2026, 10, 1)
TODAY = date(2026, 11, 23)


@pytest.fixture
def acme(services):
    services.identity.set_names("Lea Lead", "lead-laptop")
    pid = services.partners.create(PartnerData(name="Acme Components")).id
    otd = services.kpis.find("OTD")
    services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 9, 1), 93.0),
                                                             CellEdit(otd.id, OCT, 92.1)])
    return pid, otd.id


def _value(services, pid, kpi_id, day=OCT):
    rows = {r.period_start: r.value for r in services.measurements.series(pid, kpi_id)}
    return rows.get(day)


def test_a_dispute_is_raised_listed_and_marked_on_the_scorecard(services, acme):
    pid, otd = acme
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, date(2026, 10, 17), 97.2,
                                        "  Lot 4711 was delivered on time: see the carrier's proof  ", today=TODAY)
    assert (d.period_start, d.proposed_value, d.recorded_value, d.status) == (OCT, 97.2, 92.1, DisputeStatus.OPEN)
    assert d.reason == "Lot 4711 was delivered on time: see the carrier's proof" and d.raised_by == "Lea Lead"
    assert d.measurement_id == measurement_id(pid, otd, PeriodKind.MONTH, OCT)
    assert services.disputes.raised_here(d)
    assert [r.id for r in services.disputes.list(pid, open_only=True)] == [d.id]
    assert services.disputes.find(d.id[:8]).id == d.id
    assert set(services.disputes.open_by_cell(pid, PeriodKind.MONTH)) == {(otd, OCT)}

    card = services.scorecards.partner_scorecard(pid, today=TODAY)
    row = next(r for r in card.rows if r.kpi_id == otd)
    assert row.latest_disputed and [m.id for m in row.disputes] == [d.id]
    assert [m.proposed_value for m in card.disputes] == [97.2]
    assert _value(services, pid, otd) == 92.1  # nothing changes until the dispute is accepted


def test_accepting_writes_the_proposed_value_into_the_measurement(services, acme):
    pid, otd = acme
    d = services.disputes.raise_for(measurement_id(pid, otd, PeriodKind.MONTH, OCT), 97.2, "Carrier proof",
                                    today=TODAY)
    done = services.disputes.accept(d.id)
    assert (done.status, done.recorded_value, done.resolved_by) == (DisputeStatus.ACCEPTED, 97.2, "Lea Lead")
    assert done.resolved_at is not None
    assert _value(services, pid, otd) == 97.2
    card = services.scorecards.partner_scorecard(pid, today=TODAY)
    row = next(r for r in card.rows if r.kpi_id == otd)
    assert row.latest_value == 97.2 and not row.disputes and not row.latest_disputed
    assert services.disputes.list(pid, open_only=True) == []
    assert [r.status for r in services.disputes.list(pid)] == [DisputeStatus.ACCEPTED]


def test_a_dispute_about_a_measurement_not_recorded_here_is_accepted_by_recording_it(services, acme):
    pid, otd = acme
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, date(2026, 8, 1), 96.0,
                                        "August is missing from your sheet", today=TODAY)
    assert d.recorded_value is None
    services.disputes.accept(d.id)
    assert _value(services, pid, otd, date(2026, 8, 1)) == 96.0


def test_rejecting_needs_a_reason_and_keeps_the_measurement(services, acme):
    pid, otd = acme
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 97.2, "Carrier proof", today=TODAY)
    with pytest.raises(ValidationError, match="Say why"):
        services.disputes.reject(d.id, "  ")
    done = services.disputes.reject(d.id, "The proof shows the dock, not the delivery time")
    assert (done.status, done.resolution_reason) == (DisputeStatus.REJECTED, "The proof shows the dock, not the "
                                                                             "delivery time")
    assert "Rejected: The proof shows the dock" in done.summary
    assert _value(services, pid, otd) == 92.1


def test_a_closed_dispute_cannot_be_resolved_or_changed_again(services, acme):
    pid, otd = acme
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 97.2, "Carrier proof", today=TODAY)
    services.disputes.reject(d.id, "No proof")
    with pytest.raises(InvalidState, match="was rejected .* cannot be accepted"):
        services.disputes.accept(d.id)
    with pytest.raises(InvalidState, match="cannot be rejected"):
        services.disputes.reject(d.id, "Again")
    with pytest.raises(InvalidState, match="cannot be changed"):
        services.disputes.edit(d.id, value=99.0)
    assert _value(services, pid, otd) == 92.1
    # once resolved, the same month may be disputed again
    again = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 96.5, "New proof", today=TODAY)
    assert again.is_open


def test_an_open_dispute_is_edited_not_raised_twice(services, acme):
    pid, otd = acme
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 97.2, "Carrier proof", today=TODAY)
    with pytest.raises(InvalidState, match="disputed already"):
        services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 98.0, "Other", today=TODAY)
    edited = services.disputes.edit(d.id, value=96.8, reason="Carrier proof, corrected")
    assert (edited.proposed_value, edited.reason) == (96.8, "Carrier proof, corrected")


@pytest.mark.parametrize("value, reason, period, match", [
    (float("nan"), "why", OCT, "finite number"),
    (180.0, "why", OCT, "not plausible for OTD"),
    (97.0, "   ", OCT, "Say why"),
    (92.1, "same", OCT, "recorded already"),
    (97.0, "why", date(2027, 1, 1), "in the future"),
])
def test_invalid_disputes_are_refused_with_a_reason(services, acme, value, reason, period, match):
    pid, otd = acme
    with pytest.raises(ValidationError, match=match):
        services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, period, value, reason, today=TODAY)
    assert services.disputes.list(pid) == []


def test_unknown_records_are_named(services, acme):
    pid, otd = acme
    with pytest.raises(NotFound, match="partner"):
        services.disputes.raise_dispute("nobody", otd, PeriodKind.MONTH, OCT, 97.0, "why", today=TODAY)
    with pytest.raises(NotFound, match="KPI"):
        services.disputes.raise_dispute(pid, "nokpi", PeriodKind.MONTH, OCT, 97.0, "why", today=TODAY)
    with pytest.raises(ValidationError, match="not a measurement id"):
        services.disputes.raise_for("a:b:c", 97.0, "why")
    with pytest.raises(NotFound):
        services.disputes.accept("no-such-dispute")


def test_an_evidence_file_is_attached_to_the_dispute(services, acme, tmp_path):
    pid, otd = acme
    proof = tmp_path / "carrier-proof.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")
    d = services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, OCT, 97.2, "Carrier proof",
                                        attachment=proof, today=TODAY)
    assert d.attachments == ("carrier-proof.pdf",)
    (a,) = services.attachments.list(pid, target_kind="measurement_dispute", target_id=d.id)
    assert a.has_blob
    with pytest.raises(ValidationError, match="not a file"):
        services.disputes.raise_dispute(pid, otd, PeriodKind.MONTH, date(2026, 9, 1), 97.0, "why",
                                        attachment=tmp_path / "missing.pdf", today=TODAY)

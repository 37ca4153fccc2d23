"""Measurement disputes travel both ways: the lead shares a partner's data, the partner's own Tandem raises a
dispute and sends it back, the lead sees it open on the scorecard and accepts (the value becomes the measurement
on both laptops) or rejects it with a reason (the partner reads the reason). A partner's package may raise and
edit its own open disputes, never accept or reject them, and never touch another partner's."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest

from app.models import MeasurementDispute
from app.models.enums import DisputeStatus, PeriodKind
from app.services.clock import format_rev
from tests.sync.conftest import add_partner, edit, get
from tests.sync.helpers import KPI_OTD, add_measurement, build_package, read_records

OCT = date(2026, 10, 1)
TODAY = date(2026, 11, 23)


@pytest.fixture
def world(laptops):
    """The lead holds Acme (October OTD 92.1) and Beta; Acme's own Tandem holds what the lead shared with it."""
    lead = laptops.new("lead")
    acme = add_partner(lead, "Acme")
    beta = add_partner(lead, "Beta")
    add_measurement(lead, acme, 10, 92.1)
    add_measurement(lead, beta, 10, 80.0)
    acme_laptop = laptops.new("acme")
    laptops.send(lead, acme_laptop, partner_ids=[acme])
    return lead, acme_laptop, acme, beta


def _to_lead(laptops, partner_laptop, lead, acme):
    """The partner's package, imported at the lead trusting its signer as partner Acme."""
    path = laptops.package()
    partner_laptop.sync.export(path)
    return lead.sync.import_package(path, trust_new_signer=f"partner:{acme}")


def _to_partner(laptops, lead, partner_laptop, acme):
    path = laptops.package()
    lead.sync.export(path, partner_ids=[acme])
    return partner_laptop.sync.import_package(path, trust_new_signer=True)


def _value(services, partner_id, month=10):
    rows = {r.period_start: r.value for r in services.measurements.series(partner_id, KPI_OTD)}
    return rows.get(date(2026, month, 1))


def _raise(services, partner_id, value=97.2, reason="Lot 4711 arrived on time: carrier proof", month=10):
    return services.disputes.raise_dispute(partner_id, KPI_OTD, PeriodKind.MONTH, date(2026, month, 1), value,
                                           reason, today=TODAY)


def test_a_dispute_raised_by_the_partner_is_accepted_by_the_lead_and_the_value_reaches_both(laptops, world):
    lead, acme_laptop, acme, _beta = world
    d = _raise(acme_laptop, acme)
    assert d.recorded_value == 92.1 and d.raised_by == "Acme"

    result = _to_lead(laptops, acme_laptop, lead, acme)
    assert result.tables["measurement_disputes"]["new"] == 1 and result.disputed == 1
    assert result.tables["measurement_disputes"]["rejected"] == 0
    card = lead.scorecards.partner_scorecard(acme, today=TODAY)
    row = next(r for r in card.rows if r.kpi_id == KPI_OTD)
    assert row.latest_disputed is not None and row.latest_disputed.proposed_value == 97.2
    (at_lead,) = lead.disputes.list(acme, open_only=True)
    assert at_lead.id == d.id and not lead.disputes.raised_here(at_lead)
    assert _value(lead, acme) == 92.1  # nothing changes before the lead decides

    lead.disputes.accept(d.id)
    assert _value(lead, acme) == 97.2
    back = _to_partner(laptops, lead, acme_laptop, acme)
    assert back.tables["measurement_disputes"]["updated"] == 1 and back.tables["measurements"]["updated"] == 1
    assert back.disputed == 0
    mine = acme_laptop.disputes.get(d.id)
    assert (mine.status, mine.resolved_by, mine.recorded_value) == (DisputeStatus.ACCEPTED, "Lead", 97.2)
    assert _value(acme_laptop, acme) == 97.2
    card = acme_laptop.scorecards.partner_scorecard(acme, today=TODAY)
    assert card.disputes == () and next(r for r in card.rows if r.kpi_id == KPI_OTD).latest_value == 97.2
    # and the partner's next package changes nothing at the lead
    again = _to_lead(laptops, acme_laptop, lead, acme)
    assert again.tables["measurement_disputes"]["rejected"] == 0 and again.disputed == 0


def test_a_dispute_of_a_month_the_lead_never_recorded_is_recorded_when_accepted(laptops, world):
    lead, acme_laptop, acme, _beta = world
    d = _raise(acme_laptop, acme, value=95.5, reason="August is missing", month=8)
    assert d.recorded_value is None
    _to_lead(laptops, acme_laptop, lead, acme)
    assert lead.disputes.get(d.id).recorded_value is None
    lead.disputes.accept(d.id)
    _to_partner(laptops, lead, acme_laptop, acme)
    assert _value(lead, acme, 8) == _value(acme_laptop, acme, 8) == 95.5


def test_a_rejected_dispute_reaches_the_partner_with_the_reason(laptops, world):
    lead, acme_laptop, acme, _beta = world
    d = _raise(acme_laptop, acme)
    _to_lead(laptops, acme_laptop, lead, acme)
    lead.disputes.reject(d.id, "The proof shows the dock time, not the delivery time")
    _to_partner(laptops, lead, acme_laptop, acme)
    mine = acme_laptop.disputes.get(d.id)
    assert (mine.status, mine.resolution_reason) == (DisputeStatus.REJECTED,
                                                     "The proof shows the dock time, not the delivery time")
    assert _value(acme_laptop, acme) == _value(lead, acme) == 92.1
    assert acme_laptop.scorecards.partner_scorecard(acme, today=TODAY).disputes == ()


def test_the_partner_may_change_its_open_dispute(laptops, world):
    lead, acme_laptop, acme, _beta = world
    d = _raise(acme_laptop, acme)
    _to_lead(laptops, acme_laptop, lead, acme)
    acme_laptop.disputes.edit(d.id, value=96.9, reason="Carrier proof, recounted")
    result = _to_lead(laptops, acme_laptop, lead, acme)
    assert result.tables["measurement_disputes"]["updated"] == 1 and result.disputed == 1
    at_lead = lead.disputes.get(d.id)
    assert (at_lead.proposed_value, at_lead.reason) == (96.9, "Carrier proof, recounted")


def test_a_partner_signer_may_not_accept_or_reject_its_own_dispute(laptops, world):
    lead, acme_laptop, acme, _beta = world
    d = _raise(acme_laptop, acme)
    _to_lead(laptops, acme_laptop, lead, acme)
    edit(acme_laptop, MeasurementDispute, d.id, status=DisputeStatus.ACCEPTED, resolved_by="Acme")
    planted = _raise(acme_laptop, acme, value=99.0, reason="September too", month=9)
    edit(acme_laptop, MeasurementDispute, planted.id, status=DisputeStatus.ACCEPTED)  # accepted before it travels
    result = _to_lead(laptops, acme_laptop, lead, acme)
    assert result.tables["measurement_disputes"]["rejected"] == 2
    assert sum("only the team may accept or reject a dispute" in r for r in result.rejections) == 2
    assert lead.disputes.get(d.id).status is DisputeStatus.OPEN
    assert get(lead, MeasurementDispute, planted.id) is None
    assert _value(lead, acme) == 92.1

    # once the lead has rejected it, the partner cannot reopen or change it either
    lead.disputes.reject(d.id, "No proof")
    _to_partner(laptops, lead, acme_laptop, acme)
    assert acme_laptop.disputes.get(d.id).status is DisputeStatus.REJECTED
    edit(acme_laptop, MeasurementDispute, d.id, reason="Please look again")
    result = _to_lead(laptops, acme_laptop, lead, acme)
    assert any("only while it is open" in r for r in result.rejections)
    assert lead.disputes.get(d.id).reason == "Lot 4711 arrived on time: carrier proof"


def test_a_dispute_about_another_partner_is_refused(laptops, world):
    lead, acme_laptop, acme, beta = world
    _raise(acme_laptop, acme)
    path = laptops.package()
    acme_laptop.sync.export(path)
    row = dict(read_records(path)["measurement_disputes"][0])
    row.update(id="6f1c2a5e-0000-4000-8000-00000000beta", partner_id=beta,
               rev=format_rev(lead.db.clock.wall_millis() + 1000, 0, acme_laptop.db.device_id))
    crafted = build_package(laptops.package(), acme_laptop, {"measurement_disputes": [row]})
    lead.sync.import_package(path, trust_new_signer=f"partner:{acme}")  # the signer is known as Acme's
    result = lead.sync.import_package(crafted)
    assert result.tables["measurement_disputes"]["rejected"] == 1
    assert "only that partner's records" in result.rejections[0]
    assert lead.disputes.list(beta) == []


def test_a_package_scoped_to_a_partner_carries_only_its_disputes(laptops, world):
    lead, _acme_laptop, acme, beta = world
    mine = _raise(lead, acme, reason="Phoned in by Acme")
    _raise(lead, beta, value=85.0, reason="Beta's own figure")
    path = laptops.package()
    lead.sync.export(path, partner_ids=[acme])
    carried = read_records(path)["measurement_disputes"]
    assert [(r["id"], r["partner_id"]) for r in carried] == [(mine.id, acme)]
    with zipfile.ZipFile(path) as z:
        assert not any(b"Beta's own figure" in z.read(n) for n in z.namelist())

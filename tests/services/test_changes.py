"""Every committed write reports what it changed (services/changes.py): the views refresh from that alone."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

from app.models.enums import PeriodKind
from app.services.changes import Changes, initiated_by
from app.services.partners import PartnerData


def _collect(services):
    seen: list[Changes] = []
    services.db.feed.subscribe(seen.append)
    return seen


def test_a_service_write_reports_its_table_its_partner_and_its_row(services):
    seen = _collect(services)
    p = services.partners.create(PartnerData(name="Acme Tools"))
    assert len(seen) == 1 and seen[0].touches("partners", partner_id=p.id)
    assert p.id in seen[0].ids["partners"]
    assert not seen[0].touches("partners", partner_id="someone-else")  # a page of another partner stays put


def test_a_read_reports_nothing_and_a_refused_write_reports_nothing(services):
    import pytest

    from app.services.errors import ValidationError

    p = services.partners.create(PartnerData(name="Acme Tools"))
    seen = _collect(services)
    services.partners.get(p.id)
    services.partners.list()
    with pytest.raises(ValidationError):
        services.partners.create(PartnerData(name=""))
    assert seen == []


def test_a_library_edit_touches_every_partners_page(services):
    seen = _collect(services)
    kpi = services.kpis.list()[0]
    services.kpis.update(replace(kpi, definition="Read on every partner scorecard"))
    assert seen and seen[-1].touches("kpis", partner_id="any-partner")


def test_a_child_written_under_a_partner_names_that_partner(services):
    p = services.partners.create(PartnerData(name="Acme Tools"))
    kpi = services.kpis.list()[0]
    seen = _collect(services)
    services.measurements.record(p.id, kpi.id, PeriodKind.MONTH, date(2026, 10, 1), 42)
    assert seen and seen[-1].touches("measurements", partner_id=p.id)
    assert not seen[-1].touches("measurements", partner_id="another")


def test_the_initiator_travels_with_the_change_and_only_on_its_own_thread(services):
    seen = _collect(services)
    view = object()
    with initiated_by(view):
        services.partners.create(PartnerData(name="Acme Tools"))
    services.partners.create(PartnerData(name="Beta Parts"))
    other: list = []

    def elsewhere():
        with initiated_by("worker"):
            services.partners.create(PartnerData(name="Gamma Steel"))
        other.append(True)

    t = threading.Thread(target=elsewhere)
    t.start()
    t.join()
    assert [c.initiator for c in seen] == [view, None, "worker"]


def test_an_import_reports_everything_and_a_capture_keeps_what_this_thread_wrote(services, tmp_path):
    from app.services import build_services
    from app.services.database import open_database

    other = build_services(open_database(tmp_path / "other.sqlite"))
    other.partners.create(PartnerData(name="Delta Freight"))
    package = tmp_path / "p.tandem"
    other.sync.export(package)
    other.db.close()
    with services.db.feed.capture() as caught:
        services.sync.import_package(package, trust_new_signer=True)
    assert caught and caught[-1].everything
    with services.db.feed.capture() as caught:
        services.sync.import_package(package)  # nothing new: only the history line
    assert caught[-1].tables == {"sync_history"} and not caught[-1].everything

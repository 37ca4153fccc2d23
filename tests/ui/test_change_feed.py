"""Every view refreshes from what the services say they wrote (app/ui/bus.py): no view announces a change by
hand, so these tests write in one view (or off the UI thread) and look at another."""

from __future__ import annotations

import threading

from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.dashboard.section import DashboardSection
from app.ui.measurements.grid import MeasurementGridWidget
from app.ui.partners.section import PartnersSection
from app.ui.workers import run_in_background


def _value(w: MeasurementGridWidget, code: str, col: int):
    row = [k.code for k in w.model.grid.kpis].index(code)
    return w.model.grid.values[row][col]


def test_a_value_typed_in_one_grid_shows_in_another_window_of_the_same_partner(qtbot, services):
    p = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    bus = ChangeBus(services.db.feed)
    typed_in, other = MeasurementGridWidget(services, bus), MeasurementGridWidget(services, bus)
    for w in (typed_in, other):
        qtbot.addWidget(w)
        w.set_partner(p.id)
        w.show()
    row = [k.code for k in typed_in.model.grid.kpis].index("OTD")
    last = typed_in.model.columnCount() - 1
    with qtbot.waitSignal(bus.changed) as heard:
        assert typed_in.save_texts({(row, last): "96.5"}, typed=True)
    assert heard.args[0].initiator is typed_in  # its own echo, which it skips
    assert _value(other, "OTD", last) == 96.5
    bus.undo_stack.undo()  # the undo reaches both
    assert _value(other, "OTD", last) is None and _value(typed_in, "OTD", last) is None


def test_a_write_on_a_worker_thread_reaches_the_directory_on_the_ui_thread(qtbot, services):
    bus = ChangeBus(services.db.feed)
    section = PartnersSection(services, bus)
    qtbot.addWidget(section)
    section.show()
    threads = []
    bus.changed.connect(lambda _c: threads.append(threading.current_thread()))
    done = []
    run_in_background(lambda: services.partners.create(PartnerData(name="Ørsted Logistik A/S")), done.append)
    qtbot.waitUntil(lambda: bool(done) and section.directory.model.rowCount() == 1, timeout=10_000)
    assert threads == [threading.main_thread()]


def test_a_hidden_dashboard_waits_and_recomputes_when_shown(qtbot, demo_services, monkeypatch):
    import app.ui.dashboard.section as dashboard

    bus = ChangeBus(demo_services.db.feed)
    d = DashboardSection(demo_services, bus)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.portfolio is not None, timeout=10_000)
    before = len(d.portfolio.partners)
    d.hide()
    started = []

    def counting(fn, *callbacks):
        started.append(fn)
        return run_in_background(fn, *callbacks)

    monkeypatch.setattr(dashboard, "run_in_background", counting)
    demo_services.partners.create(PartnerData(name="Aaron Test Supply GmbH"))
    demo_services.partners.create(PartnerData(name="Zeta Parts"))
    assert started == []  # not shown: nothing recomputed yet
    d.show()
    # once each, for both writes
    assert sorted(f.__qualname__.split(".")[1] for f in started) == ["reload_certifications", "reload_portfolio"]
    qtbot.waitUntil(lambda: len(d.portfolio.partners) == before + 2, timeout=10_000)

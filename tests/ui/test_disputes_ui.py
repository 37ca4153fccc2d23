"""Disputes on screen: the Scorecard tab marks a disputed value and the lead accepts or rejects it there; the
measurement grid shades the disputed cell and raises a dispute from its context menu (the partner's side)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from app.models.enums import DisputeStatus, PeriodKind
from app.services.disputes import DisputeService
from app.services.measurements import CellEdit, period_start, shift_period
from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.dashboard.scorecard_tab import ScorecardTab
from app.ui.measurements.disputes import DISPUTED, DisputeDialog, ReasonDialog
from app.ui.measurements.grid import MeasurementGridWidget

LAST = shift_period(PeriodKind.MONTH, period_start(PeriodKind.MONTH, date.today()), -1)


@pytest.fixture
def disputed(services):
    """Acme with two months of OTD, the latest (92.1) disputed from the partner's laptop (another device)."""
    services.identity.set_names("Lea Lead", "lead-laptop")
    pid = services.partners.create(PartnerData(name="Acme Components")).id
    otd = services.kpis.find("OTD").id
    services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd, shift_period(PeriodKind.MONTH, LAST, -1),
                                                                      93.0), CellEdit(otd, LAST, 92.1)])
    partner_side = DisputeService(services.db.sessions)  # as it arrives from the partner's Tandem
    d = partner_side.raise_dispute(pid, otd, PeriodKind.MONTH, LAST, 97.2, "Lot 4711 arrived on time")
    return services, pid, otd, d


@pytest.fixture
def tab(qtbot, disputed):
    services, pid, otd, d = disputed
    bus = ChangeBus(services.db.feed)
    t = ScorecardTab(services, bus)
    qtbot.addWidget(t)
    t.resize(1366, 768)
    t.show()
    t.set_partner(pid)
    qtbot.waitUntil(lambda: t.card is not None, timeout=10_000)
    return t, bus


def _otd_row(t) -> int:
    return next(i for i, r in enumerate(t.card.rows) if r.code == "OTD")


def test_the_scorecard_marks_the_disputed_value_and_the_lead_accepts_it(qtbot, tab, disputed, monkeypatch):
    t, bus = tab
    services, pid, otd, d = disputed
    i = _otd_row(t)
    assert "disputed" in t.table.item(i, 0).text()
    latest = t.table.item(i, 1)
    assert latest.background().color() == DISPUTED
    assert "97.2" in latest.toolTip() and "Lot 4711 arrived on time" in latest.toolTip()
    panel = t.disputes_panel
    assert panel.isVisible() and panel.table.rowCount() == 1 and "1 open" in panel.title.text()
    assert panel.current().id == d.id
    assert panel.accept_button.isEnabled() and panel.reject_button.isEnabled()
    assert not panel.edit_button.isEnabled()  # raised on the partner's laptop: settled here, changed there
    # the KPI table's context menu offers the same, for the selected KPI
    t.table.selectRow(i)
    assert t.table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert t.accept_action.isEnabled() and t.reject_action.isEnabled() and not t.raise_action.isEnabled()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(bus.changed):
        panel.accept_button.click()
    t.reload()
    qtbot.waitUntil(lambda: t.card is not None and not t.card.disputes, timeout=10_000)
    i = _otd_row(t)
    assert t.table.item(i, 1).text().startswith("97.2") and "disputed" not in t.table.item(i, 0).text()
    assert services.disputes.get(d.id).status is DisputeStatus.ACCEPTED
    assert panel.table.item(0, 5).text() == "Accepted by Lea Lead" and not panel.accept_button.isEnabled()
    assert services.measurements.series(pid, otd)[-1].value == 97.2


def test_the_lead_rejects_with_a_reason_from_the_context_menu(qtbot, tab, disputed, monkeypatch):
    t, bus = tab
    services, pid, otd, d = disputed
    t.table.selectRow(_otd_row(t))

    def answer(dialog):
        dialog.reason_edit.setPlainText("   ")
        assert not dialog.submit() and "Say why" in dialog.error.text()  # stays open, says why
        dialog.reason_edit.setPlainText("The proof shows the dock time")
        return QDialog.DialogCode.Accepted if dialog.submit() else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ReasonDialog, "exec", answer)
    with qtbot.waitSignal(bus.changed):
        t.reject_action.trigger()
    done = services.disputes.get(d.id)
    assert (done.status, done.resolution_reason) == (DisputeStatus.REJECTED, "The proof shows the dock time")
    assert services.measurements.series(pid, otd)[-1].value == 92.1


def test_the_grid_shades_a_disputed_cell_and_raises_a_dispute_from_its_menu(qtbot, disputed, monkeypatch):
    services, pid, otd, d = disputed
    bus = ChangeBus(services.db.feed)
    w = MeasurementGridWidget(services, bus)
    qtbot.addWidget(w)
    w.set_partner(pid)
    w.show()
    row = [k.id for k in w.model.grid.kpis].index(otd)
    col = list(w.model.grid.periods).index(LAST)
    cell = w.model.index(row, col)
    assert cell.data(Qt.ItemDataRole.BackgroundRole).color() == DISPUTED
    assert "97.2" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data() == "92.1"  # the recorded value stays what the cell shows and copies
    w.table.setCurrentIndex(cell)
    assert w.accept_action.isEnabled() and not w.raise_action.isEnabled()
    # the keyboard's right-click: the menu key opens the cell's actions without starting an edit
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Menu)
    menu = w.keyboard_menu.menu
    assert menu is not None and [a.text() for a in menu.actions() if a.isEnabled()] == [
        "Accept the dispute", "Reject the dispute…"]
    menu.close()
    assert w.table.state() != w.table.State.EditingState

    earlier = w.model.index(row, col - 1)
    w.table.setCurrentIndex(earlier)
    assert w.raise_action.isEnabled() and not w.accept_action.isEnabled()

    def answer(dialog):
        dialog.value_edit.setText("94,5")
        dialog.reason_edit.setPlainText("Recounted with the carrier")
        return QDialog.DialogCode.Accepted if dialog.submit() else QDialog.DialogCode.Rejected

    monkeypatch.setattr(DisputeDialog, "exec", answer)
    with qtbot.waitSignal(bus.changed):
        w.raise_action.trigger()
    qtbot.waitUntil(lambda: w.model.dispute_at(earlier) is not None)
    mine = w.model.dispute_at(earlier)
    assert (mine.proposed_value, mine.recorded_value, mine.raised_by) == (94.5, 93.0, "Lea Lead")
    w.table.setCurrentIndex(earlier)
    # raised here: changed here, settled on the other laptop
    assert w.edit_dispute_action.isEnabled() and not w.accept_action.isEnabled()

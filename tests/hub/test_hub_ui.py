"""Sync → Sync with hub now, driven through the real widgets against a real hub (in-process, on PostgreSQL)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt

from app.models import Partner
from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.sync.hub import HubSyncDialog
from app.ui.workers import wait_for_writes
from tests.sync.conftest import add_partner, edit, get


def test_sync_with_hub_now_brings_the_teams_changes_with_counts_and_conflicts(hub, qtbot):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    acme = add_partner(ann, "Acme")
    ann.hub.sync()
    bob.hub.sync()
    edit(ann, Partner, acme, notes="Ann's notes")
    edit(bob, Partner, acme, notes="Bob's notes", country="Chile")
    bob.hub.sync()

    window = MainWindow(ann, ChangeBus(ann.db.feed), screen=QRect(0, 0, 1920, 1080))
    qtbot.addWidget(window)
    assert window.hub_sync_action in window.sync_menu.actions()
    assert window.sync_menu.title() == "&Sync"

    bus = ChangeBus(ann.db.feed)
    dialog = HubSyncDialog(ann, bus)
    qtbot.addWidget(dialog)
    assert dialog.url.text() == "http://hub.test"  # remembered
    with qtbot.waitSignal(bus.changed, timeout=30_000):
        qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    wait_for_writes()
    assert dialog.status.text().startswith("Synced with the hub")
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert rows.get("Partners") == "1"  # updated: Bob's country (and the notes that won)
    assert "Sync → Conflicts" in dialog.details.text() and "Notes" in dialog.details.text()
    assert get(ann, Partner, acme).country == "Chile"


def test_sync_with_hub_now_says_why_it_failed(hub, qtbot):
    stranger = hub.laptop("eve", role=None)
    dialog = HubSyncDialog(stranger, ChangeBus(stranger.db.feed))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert "not enrolled" in dialog.status.text()
    assert dialog.sync_button.isEnabled()

"""The sync every N minutes while the app is open (`AutoSync`), through the real timer, the writer thread and a
real hub on PostgreSQL; a minute is made short (``minute_ms``) so the tests wait milliseconds, not minutes."""

from __future__ import annotations

import sqlite3
import threading
import time

from PySide6.QtWidgets import QMainWindow

from app.cli import main
from app.services import build_services
from app.services.database import open_database
from app.ui.bus import ChangeBus
from app.ui.sync.hub import AutoSync, HubSyncDialog, sync_running
from app.ui.workers import wait_for_writes
from tests.sync.conftest import add_partner, partner_names


def _window(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    return window


def _dump(services) -> str:
    """Everything the laptop's database file holds, as SQL (read beside the app's own connection)."""
    conn = sqlite3.connect(f"file:{services.db.path}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_the_timer_syncs_once_the_interval_has_passed_and_again_after_the_next(hub, qtbot):
    ann = hub.laptop("ann")
    add_partner(ann, "Acme")
    ann.hub.set_interval_minutes(2)
    begun = time.monotonic()
    auto = AutoSync(_window(qtbot), ann, minute_ms=150, poll_ms=10)  # "every 2 minutes": every 300 ms here
    assert auto.started == 0 and hub.service.received() == []  # not at once: after the interval
    with qtbot.waitSignal(auto.synced, timeout=20_000) as first:
        pass
    assert time.monotonic() - begun >= 0.3
    assert first.args[0].summary.startswith("Synced with the hub")
    assert auto.window.statusBar().currentMessage() == first.args[0].summary
    assert partner_names(hub) == {"Acme"}
    add_partner(ann, "Beta")
    # The next turn brings it (on a slow machine a turn may already have begun before Beta was added: then
    # the one after does).
    qtbot.waitUntil(lambda: partner_names(hub) == {"Acme", "Beta"}, timeout=20_000)
    assert auto.started >= 2
    auto.timer.stop()
    wait_for_writes()


def test_zero_minutes_means_only_when_i_ask(hub, qtbot):
    ann = hub.laptop("ann")
    add_partner(ann, "Acme")
    ann.hub.set_interval_minutes(0)
    auto = AutoSync(_window(qtbot), ann, minute_ms=1, poll_ms=5)
    qtbot.wait(400)  # many turns of the timer, a minute each of them
    assert auto.started == 0 and not auto.running and hub.service.received() == []
    dialog = HubSyncDialog(ann, ChangeBus(ann.db.feed))  # the dialog says it so
    qtbot.addWidget(dialog)
    assert dialog.every.value() == 0 and dialog.every.text() == "only when I ask"
    dialog.every.setValue(1)  # asked for: the timer takes the new setting at its next turn
    with qtbot.waitSignal(auto.synced, timeout=20_000):
        pass
    assert auto.started >= 1 and partner_names(hub) == {"Acme"}
    auto.timer.stop()
    wait_for_writes()


def test_a_sync_already_running_is_not_started_twice(hub, qtbot):
    ann = hub.laptop("ann")
    add_partner(ann, "Acme")
    ann.hub.set_interval_minutes(1)
    release, calls, real = threading.Event(), [], ann.hub.sync

    def slow_sync(*args, **kwargs):  # the real sync, held back until the test lets it go (a slow network)
        calls.append(time.monotonic())
        release.wait(30)
        return real(*args, **kwargs)

    ann.hub.sync = slow_sync
    auto = AutoSync(_window(qtbot), ann, minute_ms=30, poll_ms=5)
    try:
        qtbot.waitUntil(lambda: len(calls) == 1, timeout=20_000)
        qtbot.wait(300)  # ten intervals pass while it runs
        assert len(calls) == 1 and auto.running and sync_running(ann)
        # Sync now meanwhile: refused, saying why, instead of queuing a second sync behind the first
        dialog = HubSyncDialog(ann, ChangeBus(ann.db.feed))
        qtbot.addWidget(dialog)
        dialog.start()
        assert "running already" in dialog.status.text() and not dialog.running
        assert dialog.sync_button.isEnabled()
        assert len(calls) == 1
    finally:
        release.set()
    with qtbot.waitSignal(auto.synced, timeout=20_000):
        pass
    assert partner_names(hub) == {"Acme"}
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=20_000)  # the next turn, once the first was done
    auto.timer.stop()
    wait_for_writes()
    assert hub.service.received()[-1]["result"]["total"]["rejected"] == 0


def test_a_failed_sync_says_why_in_plain_words_changes_nothing_and_is_tried_again(laptops, qtbot):
    ann = laptops.new("ann")
    add_partner(ann, "Acme")
    ann.hub.set_url("http://127.0.0.1:9")  # nobody listens there: the hub is down, or the laptop offline
    ann.hub.set_interval_minutes(1)
    before = _dump(ann)
    auto = AutoSync(_window(qtbot), ann, minute_ms=50, poll_ms=5)
    with qtbot.waitSignal(auto.failed, timeout=20_000) as failure:
        pass
    said = failure.args[0]
    assert said.startswith("Sync with the hub: The hub at http://127.0.0.1:9 cannot be reached (offline, or the "
                           "hub is down): nothing was sent or changed.")
    assert auto.window.statusBar().currentMessage() == said
    assert "Traceback" not in said and "httpx" not in said
    with qtbot.waitSignal(auto.failed, timeout=20_000):  # tried again at the next turn
        pass
    auto.timer.stop()
    wait_for_writes()
    assert auto.started >= 2
    assert _dump(ann) == before  # not a row of the database changed
    assert not (ann.db.path.parent / "backups").exists()


def test_the_interval_is_remembered_by_the_laptop_for_the_app_and_the_command(laptops, qtbot, capsys):
    ann = laptops.new("ann")
    dialog = HubSyncDialog(ann, ChangeBus(ann.db.feed))
    qtbot.addWidget(dialog)
    dialog.every.setValue(15)
    assert ann.hub.interval_minutes() == 15
    path = ann.db.path
    ann.db.close()
    laptops.opened.remove(ann)

    again = build_services(open_database(path))  # the app opened again, another day
    laptops.opened.append(again)
    assert again.hub.interval_minutes() == 15
    reopened = HubSyncDialog(again, ChangeBus(again.db.feed))
    qtbot.addWidget(reopened)
    assert reopened.every.value() == 15
    again.hub.set_url("http://127.0.0.1:9")
    auto = AutoSync(_window(qtbot), again, minute_ms=1000, poll_ms=60_000)
    assert not auto.due()  # 15 of its minutes have not passed
    auto.last -= 15
    assert auto.due()
    auto.timer.stop()
    again.db.close()
    laptops.opened.remove(again)

    # `tandem sync --every 5` sets the same setting (and syncs: offline here, which changes nothing of it)
    assert main(["sync", "--db", str(path), "--every", "5"]) == 1
    assert "cannot be reached" in capsys.readouterr().err
    third = laptops.new("ann")
    assert third.hub.interval_minutes() == 5

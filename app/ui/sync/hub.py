"""Sync → Sync with hub now: push this laptop's changes to the team hub and pull the team's (app/services/
hub_sync.py), on the writer thread, with progress, the result per table and the conflicts as the import dialog
shows them; and the optional sync every N minutes while the app is open (`AutoSync`). One sync runs at a time
per laptop, whoever asks (`start_hub_sync`)."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.hub_sync import HubSyncError
from app.services.sync.importer import COUNT_KEYS
from app.ui.bus import ChangeBus
from app.ui.formatting import format_number
from app.ui.sync.labels import field_label, table_label, table_plural
from app.ui.tables import read_only_table
from app.ui.workers import run_write


class _Progress(QObject):
    """Carries progress from the writer thread to the UI thread (a queued signal)."""

    changed = Signal(str, int, int)


class HubSyncDialog(QDialog):
    """The hub's address, how often to sync, *Sync now*, and what the last sync did."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hubSyncDialog")
        self.setWindowTitle("Sync with the team hub")
        self.services, self.bus = services, bus
        self.running = False
        form = QFormLayout()
        self.url = QLineEdit(services.hub.url())
        self.url.setPlaceholderText("https://hub.example.org")
        self.url.setObjectName("hubUrl")
        form.addRow("&Hub address:", self.url)
        self.every = QSpinBox()
        self.every.setObjectName("hubEvery")
        self.every.setRange(0, 24 * 60)
        self.every.setSuffix(" min")
        self.every.setSpecialValueText("only when I ask")
        self.every.setValue(services.hub.interval_minutes())
        self.every.valueChanged.connect(services.hub.set_interval_minutes)
        form.addRow("Sync &every:", self.every)
        self.fingerprint = QLabel(f"This laptop's key: <tt>{services.hub.own_fingerprint()}</tt> "
                                  "(enrol it on the hub with <tt>tandem key</tt>)")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("Edits never wait for the hub: a sync sends what changed here and brings the team's.")
        self.status.setObjectName("hubStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.table = read_only_table(["Table", "New", "Updated", "Unchanged", "Conflicts", "Proposed", "Rejected"])
        self.table.setObjectName("hubResult")
        self.table.setVisible(False)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setObjectName("hubSyncNow")
        self.sync_button.setDefault(True)
        self.sync_button.clicked.connect(self.start)
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.table)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self._signal = _Progress()
        self._signal.changed.connect(self._on_progress)

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self.sync_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("Reaching the hub…")
        url, emit, hub = self.url.text().strip(), self._signal.changed.emit, self.services.hub
        if not start_hub_sync(self.services, lambda: hub.sync(url or None, progress=emit), self._done,
                              self._failed):
            self._finish()
            self.status.setText("A sync with the hub is running already (the automatic one): what it did shows "
                                "in the status bar. Sync again once it is done.")

    def _on_progress(self, text: str, done: int, total: int) -> None:
        self.status.setText(text + (f" {format_number(done)} of {format_number(total)}" if total else ""))
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)

    def _finish(self) -> None:
        self.running = False
        self.sync_button.setEnabled(True)
        self.progress.setVisible(False)

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.status.setText(str(exc) if isinstance(exc, HubSyncError) else f"The sync failed: {exc}")

    def _done(self, result) -> None:
        self._finish()
        self.status.setText(result.summary)
        rows = [(t, c) for t, c in result.tables.items() if any(v for k, v in c.items() if k != "unchanged")]
        if result.pulled is not None:
            rows.append(("Total", result.pulled.total))
        self.table.setRowCount(len(rows))
        for r, (name, counts) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name if name == "Total" else table_plural(name)))
            for c, key in enumerate(COUNT_KEYS, start=1):
                cell = QTableWidgetItem(format_number(counts.get(key, 0)))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)
        self.table.setVisible(bool(rows))
        lines = self._conflict_lines(result)
        rejected = list((result.pushed or {}).get("rejections") or [])
        if rejected:
            lines.append(f"The hub did not take {len(rejected)} of this laptop's records:")
            lines += ["• " + r for r in rejected[:8]]
        self.details.setText("\n".join(lines))
        self.details.setVisible(bool(lines))

    def _conflict_lines(self, result) -> list[str]:
        """Which fields conflict, by record, on either side: "Partner Acme: Notes"."""
        by_record: dict[tuple[str, str], list[str]] = {}
        for c in (result.pulled.conflicts if result.pulled else ()):
            by_record.setdefault((c.table, c.row_id), []).append(field_label(c.field))
        for c in (result.pushed or {}).get("conflicts") or []:
            by_record.setdefault((c["table_name"], c["row_id"]), []).append(field_label(c["field"]))
        if not by_record:
            return []
        names = self.services.sync.record_labels(list(by_record))
        lines = [f"{len(by_record)} record(s) were edited here and on another laptop: the newer value is kept "
                 "everywhere, the other is under Sync → Conflicts for you to decide."]
        lines += ["• " + f"{table_label(t)} {names.get((t, r), '')}".strip() + ": " + ", ".join(sorted(set(f)))
                  for (t, r), f in list(by_record.items())[:8]]
        return lines


_RUNNING: weakref.WeakSet = weakref.WeakSet()  # the laptops' HubSyncs with a sync queued or running


def sync_running(services: Services) -> bool:
    """Whether a sync with the hub (the dialog's or the automatic one) is queued or running for this laptop."""
    return services.hub in _RUNNING


def start_hub_sync(services: Services, work: Callable[[], Any], on_done: Callable[[Any], None],
                   on_failed: Callable[[Exception], None]) -> bool:
    """Run ``work`` (a sync) on the writer unless one is queued or running already for this laptop: False then,
    and nothing is started. One sync at a time, whoever asks: *Sync now* or the timer."""
    hub = services.hub
    if hub in _RUNNING:
        return False
    _RUNNING.add(hub)

    def done(result) -> None:
        _RUNNING.discard(hub)
        on_done(result)

    def failed(exc: Exception) -> None:
        _RUNNING.discard(hub)
        on_failed(exc)

    run_write(work, done, failed)
    return True


class AutoSync(QObject):
    """Sync with the hub every N minutes (the laptop's setting, `HubSync.interval_minutes`; 0: only when asked)
    while the app is open, on the writer thread. The timer looks every ``poll_ms`` whether the interval has
    passed since the last sync began (so a changed setting counts from then); a sync already queued or running
    (*Sync now*, or the last turn's, still going) is not started again. A failure (offline) is said in the status
    bar in plain words and tried again at the next turn; nothing waits for it, nothing is half applied.
    ``minute_ms`` is how long a minute is (tests make it short)."""

    synced = Signal(object)  # the HubSyncResult of an automatic sync
    failed = Signal(str)  # what the status bar said of an automatic sync that failed

    def __init__(self, window: QMainWindow, services: Services, minute_ms: int = 60_000,
                 poll_ms: int = 30_000) -> None:
        super().__init__(window)
        self.window, self.services, self.minute_ms = window, services, minute_ms
        self.last = time.monotonic()
        self.started = 0  # automatic syncs started
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    @property
    def running(self) -> bool:
        return sync_running(self.services)

    def due(self) -> bool:
        minutes = self.services.hub.interval_minutes()
        return bool(minutes and self.services.hub.url()) and \
            (time.monotonic() - self.last) * 1000 >= minutes * self.minute_ms

    def tick(self) -> None:
        if self.running or not self.due():
            return
        if start_hub_sync(self.services, self.services.hub.sync, self._done, self._failed):
            self.last = time.monotonic()
            self.started += 1

    def _done(self, result) -> None:
        self.window.statusBar().showMessage(result.summary, 15_000)
        self.synced.emit(result)

    def _failed(self, exc: Exception) -> None:
        reason = str(exc) if isinstance(exc, HubSyncError) else f"the sync failed: {exc}"
        text = f"Sync with the hub: {reason}"
        self.window.statusBar().showMessage(text, 15_000)
        self.failed.emit(text)


def install_hub_menu(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """The Sync menu with *Sync with hub now*, and the automatic sync (a MENU_INSTALLERS hook)."""
    from PySide6.QtGui import QAction, QKeySequence

    if services.hub is None:
        return
    bar = window.menuBar()
    menu = getattr(window, "sync_menu", None)
    if menu is None:
        menu = window.sync_menu = bar.addMenu("&Sync")
        tools = getattr(window, "tools_menu", None)
        if tools is not None:  # beside Tools, before Help
            bar.insertMenu(tools.menuAction(), menu)
    action = QAction("Sync with &hub now…", window)
    action.setObjectName("syncWithHub")
    action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
    action.setStatusTip("Send this laptop's changes to the team hub and bring the team's")
    action.triggered.connect(lambda: HubSyncDialog(services, bus, window).exec())
    menu.addAction(action)
    window.hub_sync_action = action
    window.auto_sync = AutoSync(window, services)

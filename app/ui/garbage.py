"""Python's cycle collector runs on the UI thread only.

Left to itself, the collector runs in whichever thread happens to allocate when a generation's count passes its
threshold, so a worker thread reading the database could free a cycle that holds widgets: Qt objects destroyed
off the UI thread crash the app or deadlock it (the UI thread inside Qt waiting for the interpreter, the worker
waiting for a lock Qt holds). `MainThreadCollector` turns automatic collection off and does the same work from a
timer on the UI thread: each tick collects the generations that passed their thresholds, exactly what automatic
collection would have collected. Reference counting (which frees almost everything) is unaffected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


def collect_due() -> int:
    """Collect the oldest generation whose count passed its threshold (as automatic collection would); returns
    the number of unreachable objects found. Call it on the UI thread."""
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    due = [gen for gen in range(3) if thresholds[gen] and counts[gen] > thresholds[gen]]
    return gc.collect(due[-1]) if due else 0


class MainThreadCollector(QObject):
    """While it lives (give it the application as parent), cycles are collected on the UI thread only."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(collect_due)
        self.timer.start(interval_ms)
        self.destroyed.connect(gc.enable)


__all__ = ["MainThreadCollector", "collect_due"]

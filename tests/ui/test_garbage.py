"""Cycles are collected on the UI thread only: a worker thread that allocates never runs the collector."""

from __future__ import annotations

import gc
import threading

from app.ui.garbage import MainThreadCollector, collect_due


class _Cycle:
    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


def test_a_worker_allocating_never_frees_a_cycle_and_the_ui_timer_does(qtbot, qapp):
    was_enabled = gc.isenabled()
    gc.enable()  # as a user's session starts: automatic collection on
    collector = MainThreadCollector(qapp, interval_ms=10)
    try:
        assert not gc.isenabled()
        _Cycle.freed_on.clear()
        _Cycle()  # garbage only the cycle collector can free

        def allocate():  # far past every threshold: automatic collection would have run here
            _keep.extend([] for _ in range(50_000))

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert _Cycle.freed_on == []
        qtbot.waitUntil(lambda: _Cycle.freed_on == ["MainThread"], timeout=2000)
    finally:
        collector.deleteLater()
        qtbot.waitUntil(gc.isenabled, timeout=2000)
        if not was_enabled:
            gc.disable()


def test_collect_due_collects_only_when_a_generation_passed_its_threshold():
    gc.collect()
    assert collect_due() == 0
    _Cycle()
    for _ in range(gc.get_threshold()[0] + 10):
        [].append(None)  # counts toward generation 0
        _keep.append([])
    assert collect_due() >= 1


_keep: list = []

"""The writer: work that writes the database runs on one thread, one job after another, in the order given,
while reads run beside it."""

from __future__ import annotations

import threading
import time

from app.ui.workers import run_in_background, run_write


def test_writes_run_one_after_another_in_the_order_given(qtbot):
    lock, running, most, order, done = threading.Lock(), [0], [0], [], []

    def job(i):
        def work():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.03)  # long enough for a second thread to start beside it, if there were one
            with lock:
                running[0] -= 1
                order.append(i)
            return i
        return work

    for i in range(5):
        run_write(job(i), done.append)
    qtbot.waitUntil(lambda: len(done) == 5, timeout=10_000)
    assert most[0] == 1  # never two at once
    assert order == done == [0, 1, 2, 3, 4]


def test_a_read_does_not_wait_for_a_write_and_a_failed_write_is_reported(qtbot):
    release = threading.Event()
    read, failed, written = [], [], []
    run_write(lambda: release.wait(10) and "written", written.append)
    run_in_background(lambda: "read", read.append)
    qtbot.waitUntil(lambda: read == ["read"], timeout=5_000)  # while the write still waits
    assert written == []
    release.set()

    def broken():
        raise OSError("the disk is full")

    run_write(broken, written.append, failed.append)
    qtbot.waitUntil(lambda: len(written) == 1 and len(failed) == 1, timeout=5_000)
    assert written == ["written"] and str(failed[0]) == "the disk is full"

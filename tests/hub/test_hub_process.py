"""The hub as processes: killed in the middle of a push, and served by a real uvicorn on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.hub.schema import HubPackage
from app.models import Measurement, Partner
from app.models.sync import SyncHistory
from app.services.hub_sync import HubSync, HubSyncError
from app.services.reference_data import stable_id
from tests.sync.conftest import add_partner, edit, partner_names
from tests.sync.helpers import state

ROOT = Path(__file__).resolve().parents[2]

#: Runs a push in a process of its own and kills that process (SIGKILL) once the merge has written a batch.
KILLED_PUSH = """
import os, signal, sys
from pathlib import Path
import app.hub.service as hub_service
from app.hub.database import open_hub_database
from app.hub.schema import HubKey

real = hub_service.apply_package

def dying(*args, **kw):
    def progress(done, total):
        if done >= 2000:
            os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **{**kw, "progress": progress})

hub_service.apply_package = dying
db = open_hub_database(sys.argv[1], files_dir=sys.argv[2])
with db.sessions() as s:
    key = s.get(HubKey, sys.argv[3])
hub_service.HubService(db).push(key, Path(sys.argv[4]).read_bytes())
print("the push finished: it should have been killed")
"""


def _measurements(services, partner_id: str, months: int) -> int:
    kpis = [stable_id("kpi", code) for code in ("OTD", "OTIF", "LT")]
    with services.db.sessions.begin() as s:
        for i in range(months):
            for kpi in kpis:
                s.add(Measurement(partner_id=partner_id, kpi_id=kpi, period_start=date(2000 + i // 12, i % 12 + 1, 1),
                                  value=float(i)))
    return months * len(kpis)


def _hub_counts(hub) -> tuple[int, int, int]:
    with hub.db.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Partner)),
                s.scalar(select(func.count()).select_from(Measurement)),
                s.scalar(select(func.count()).select_from(HubPackage)))


def test_a_hub_killed_mid_push_loses_nothing_and_applies_nothing_twice(hub, tmp_path):
    ann = hub.laptop("ann")
    acme = add_partner(ann, "Acme")
    n = _measurements(ann, acme, 800)
    assert n > 2000  # more than one batch: the kill comes in the middle of the merge
    package = tmp_path / "push.tandem"
    ann.sync.export(package)
    run = subprocess.run([sys.executable, "-c", KILLED_PUSH, hub.url, str(tmp_path / "hubfiles"), ann.db.device_id,
                          str(package)], cwd=ROOT, env={**os.environ}, capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    assert _hub_counts(hub) == (0, 0, 0)  # nothing of the package, and no record of it
    with hub.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SyncHistory)) == 0

    # the hub restarts (a new process opens its database); the laptop pushes again: applied once, whole
    first = ann.hub.sync()
    assert first.pushed["total"]["new"] >= n + 1 and first.pushed["total"]["rejected"] == 0
    assert _hub_counts(hub) == (1, n, 1)
    assert ann.hub.sync().pushed is None  # nothing changed since
    # the package the killed push carried, sent again (the laptop retrying it): its records are all there once
    from app.services.sync.hub_auth import sign_request
    from app.services.sync.keys import device_key

    body = package.read_bytes()
    answers = []
    with hub.client() as client:
        for _ in range(2):
            headers = sign_request(device_key(ann.db.device_id), ann.db.device_id, "POST", "/v1/push", body)
            answers.append(client.post("/v1/push", content=body, headers=headers).json())
    assert answers[0]["total"]["new"] == 0 and answers[0]["total"]["unchanged"] >= n
    assert answers[1]["already_received"]
    assert _hub_counts(hub) == (1, n, 2)
    assert state(hub) == state(ann)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(hub, tmp_path, *options: str):
    """`tandem hub serve OPTIONS` on a free port, in a process of its own; yields its URL and the process."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "main.py", "hub", "serve", "--database-url", hub.url, "--files",
                             str(tmp_path / "hubfiles"), "--port", str(port), *options], cwd=ROOT,
                            env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:  # as the proxy sends it: without the root path
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("the hub did not start: " + proc.stdout.read().decode(errors="replace"))
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def served(hub, tmp_path):
    """`tandem hub serve` on a free port, in a process of its own; yields its URL."""
    with serving(hub, tmp_path) as running:
        yield running


def test_laptops_sync_through_a_real_uvicorn_server_and_say_when_it_is_gone(hub, served):
    url, proc = served
    ann, bob = hub.laptops.new("ann"), hub.laptops.new("bob")
    for s in (ann, bob):
        s.hub = HubSync(s.db, s.sync, s.identity, s.settings)  # plain httpx over the network
        hub.enrol(s)
    acme = add_partner(ann, "Acme")
    ann.hub.sync(url)
    bob.hub.sync(url)
    edit(bob, Partner, acme, notes="from Bob, over HTTP")
    bob.hub.sync()  # the URL is remembered
    ann.hub.sync()
    assert ann.hub.url() == url and partner_names(bob) == {"Acme"}
    assert state(ann) == state(bob)
    proc.terminate()
    proc.wait(timeout=20)
    edit(ann, Partner, acme, notes="written offline")
    with pytest.raises(HubSyncError) as err:
        ann.hub.sync()
    assert err.value.reason == "offline" and "cannot be reached" in str(err.value)
    with ann.db.sessions() as s:
        assert s.get(Partner, acme).notes == "written offline"  # the edit is kept, waiting for the next sync


class StrippingProxy(httpx.HTTPTransport):
    """What a TLS proxy serving the hub under a sub-path does: the laptop asks for https://host/tandem/v1/…,
    the hub behind it is sent /v1/…"""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix.encode()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.raw_path.startswith(self.prefix + b"/")
        request.url = request.url.copy_with(raw_path=request.url.raw_path[len(self.prefix):])
        return super().handle_request(request)


def test_two_workers_under_a_root_path_serve_laptops_syncing_at_once(hub, tmp_path):
    with serving(hub, tmp_path, "--root-path", "/tandem", "--workers", "2") as (url, proc):
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(proc.pid)) >= 2  # two worker processes, each with its own connection pool
        laptops = [hub.laptops.new(name) for name in ("ann", "bob", "cyd", "dan")]
        for s in laptops:
            s.hub = HubSync(s.db, s.sync, s.identity, s.settings,
                            http=lambda base: httpx.Client(base_url=base, transport=StrippingProxy("/tandem")))
            hub.enrol(s)
            add_partner(s, f"Partner of {s.identity.get().display_name}")
        errors: list[BaseException] = []

        def sync(s) -> None:
            try:
                s.hub.sync(url + "/tandem")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=sync, args=(s,)) for s in laptops]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for s in laptops:  # a second round brings everyone what the others pushed meanwhile
            s.hub.sync()
        assert laptops[0].hub.url() == url + "/tandem"
        assert partner_names(laptops[0]) == {"Partner of Ann", "Partner of Bob", "Partner of Cyd", "Partner of Dan"}
        team = state(laptops[0])
        assert all(state(s) == team for s in laptops) and state(hub) == team
        with hub.db.sessions() as s:  # the pushes applied one at a time, across both workers
            seqs = sorted(s.scalars(select(HubPackage.seq)))
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 4


def _children(pid: int) -> list[int]:
    """The worker processes uvicorn started (multiprocessing's spawned children of the server process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "spawn_main" in (entry / "cmdline").read_text():
                found.append(int(entry.name))
    return found

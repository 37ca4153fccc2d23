"""Hub benchmark: 20 laptops pushing and pulling a day's edits each through a real hub (uvicorn, PostgreSQL)
holding 5,000 partners, and one laptop catching up after a week offline.

Run by hand (a few minutes; needs PostgreSQL and a role that may create databases):

    python bench/bench_hub.py --database-url postgresql://user:pw@localhost/postgres \
        [--name tandem_bench_hub] [--partners 5000] [--months 3] [--laptops 20] [--edits 40] [--work DIR]

It creates a database named ``--name`` (default ``tandem_bench_hub``; dropped first, so two runs at once need
names of their own), runs `tandem hub init` and `tandem hub serve` on a free port, generates the demo data
(app/services/demo) on a lead's laptop and syncs it whole (timed), then copies that laptop for every team member
(each a device id of its own, registered at the hub as holding what the lead held: `copy_laptop`, so the bench
does not spend 20 first syncs).
Then, per day: every laptop edits ``--edits`` partners and records as many measurements, the laptops push at
once (threads, one each) and then pull at once. It prints pushes and pulls per second and their latency; after
a week of such days in which one laptop stayed offline, the time that laptop takes to catch up. Figures only:
no assertion depends on them.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app.models import Measurement, Partner  # noqa: E402
from app.services import build_services  # noqa: E402
from app.services.database import open_database  # noqa: E402
from app.services.reference_data import stable_id  # noqa: E402

KPIS = [stable_id("kpi", c) for c in ("OTD", "OTIF", "LT", "PPM", "FPY")]


def admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username, password=u.password,
                           dbname=u.database, autocommit=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def enrol(services, hub_url: str, work: Path, env: dict) -> None:
    from app.services.hub_sync import write_key_file

    key = work / f"{services.db.device_id}.key"
    write_key_file(services.db, services.identity, key)
    subprocess.run([sys.executable, "main.py", "hub", "enrol", "--database-url", hub_url, "--public-key", str(key)],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def copy_laptop(src: Path, dst: Path, hub) -> None:
    """A team member's laptop: the lead's database, just synced, with a device id of its own — and, a shortcut
    of the bench (a real first sync of 5,000 partners takes minutes per laptop: see the lead's), registered at
    the hub as holding what the lead held: a baseline push of its own that its next push continues, and the
    lead's pull cursor."""
    import json as _json

    from app.hub.schema import HubCursor, HubPackage
    from app.models.sync import SyncHistory
    from app.services.clock import utcnow

    shutil.copy(src, dst)
    device, baseline = uuid.uuid4().hex, str(uuid.uuid4())
    conn = sqlite3.connect(dst)
    with conn:
        mark = _json.loads(conn.execute("SELECT value FROM local_settings WHERE key = 'hub_pushed'").fetchone()[0])
        conn.execute("UPDATE local_settings SET value = ? WHERE key = 'device_id'", (device,))
        conn.execute("UPDATE local_settings SET value = ? WHERE key = 'hub_pushed'",
                     (_json.dumps({**mark, "package_id": baseline}),))
        lead = conn.execute("SELECT value FROM local_settings WHERE key = 'device_id'").fetchone()[0]
    conn.close()
    with hub.sessions.begin() as s:
        lead_device = s.scalar(select(HubCursor.device_id))
        cursor = s.get(HubCursor, lead_device)
        s.add(HubPackage(package_id=baseline, device_id=device, received_at=utcnow(), sha256="", size=0, body=b"",
                         result={"baseline": True}, seq=0))
        s.add(SyncHistory(package_id=baseline, direction="import", peer="bench", peer_device=device, at=utcnow(),
                          scope="everything", counts={}, result="baseline (bench)", file_name=""))
        s.add(HubCursor(device_id=device, seq=cursor.seq, package_id=cursor.package_id, acked_at=utcnow(),
                        conflict_id=cursor.conflict_id))
    return lead


def day_of_edits(services, rng: random.Random, partner_ids: list[str], edits: int, day: int) -> None:
    """A lead's day: notes on ``edits`` partners and as many new monthly figures."""
    with services.db.sessions.begin() as s:
        for pid in rng.sample(partner_ids, edits):
            p = s.get(Partner, pid)
            p.notes = f"{services.identity.get().display_name}, day {day}: {rng.random():.6f}"
            m = Measurement(partner_id=pid, kpi_id=rng.choice(KPIS), period_start=date(2030 + day // 12, day % 12 + 1, 1),
                            value=round(rng.uniform(50, 100), 1))
            if s.get(Measurement, (m.partner_id, m.kpi_id, m.period_kind, m.period_start)) is None:
                s.add(m)


def timed_all(laptops: list, step) -> list[float]:
    """Run ``step(services)`` for every laptop at once (a thread each); each one's seconds."""
    times: list[float] = [0.0] * len(laptops)
    errors: list[BaseException] = []

    def run(i, services):
        t = time.perf_counter()
        try:
            step(services)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        times[i] = time.perf_counter() - t

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(laptops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True, help="a PostgreSQL database to connect to (to create ours)")
    ap.add_argument("--name", default="tandem_bench_hub",
                    help="the database to create for the bench (dropped first if it exists)")
    ap.add_argument("--partners", type=int, default=5000)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--laptops", type=int, default=20)
    ap.add_argument("--edits", type=int, default=40, help="partners each laptop edits a day")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tandem-bench-hub-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TANDEM_DATA_DIR": str(work / "data")}
    os.environ["TANDEM_DATA_DIR"] = env["TANDEM_DATA_DIR"]
    from sqlalchemy.engine import make_url

    name = args.name
    with admin(args.database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    hub_url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    subprocess.run([sys.executable, "main.py", "hub", "init", "--database-url", hub_url], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([sys.executable, "main.py", "hub", "serve", "--database-url", hub_url, "--port",
                               str(port), "--files", str(work / "hubfiles")], cwd=ROOT, env=env,
                              stdout=open(work / "hub.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        lead_db = work / "lead.sqlite"
        print(f"generating demo data: {args.partners:,} partners, {args.months} months…", flush=True)
        subprocess.run([sys.executable, "main.py", "demo", "--db", str(lead_db), "--partners", str(args.partners),
                        "--months", str(args.months)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        time.sleep(1)
        lead = build_services(open_database(lead_db))
        lead.identity.set_names("Lead", "lead-laptop")
        enrol(lead, hub_url, work, env)
        t = time.perf_counter()
        first = lead.hub.sync(url)
        records = first.pushed["total"]
        print(f"lead's first sync (push everything, pull everything): {time.perf_counter() - t:6.1f} s, "
              f"{sum(records.values()):,} records")
        with lead.db.sessions() as s:
            partner_ids = list(s.scalars(select(Partner.id)))
        lead.db.close()

        from app.hub.database import open_hub_database

        hub = open_hub_database(hub_url, files_dir=work / "hubfiles")
        laptops = []
        for i in range(args.laptops):
            path = work / f"laptop{i:02d}.sqlite"
            copy_laptop(lead_db, path, hub)
            services = build_services(open_database(path))
            services.identity.set_names(f"Lead {i:02d}", f"laptop-{i:02d}")
            enrol(services, hub_url, work, env)
            laptops.append(services)
        hub.close()

        rng = random.Random(7)
        offline, online = laptops[-1], laptops[:-1]
        pushes, pulls = [], []
        for day in range(1, 8):
            for s in (online if day > 1 else laptops):
                day_of_edits(s, rng, partner_ids, args.edits, day)
            group = laptops if day == 1 else online
            t = time.perf_counter()
            push_times = timed_all(group, lambda s: s.hub._push(*_push_args(s, url)))
            push_wall = time.perf_counter() - t
            t = time.perf_counter()
            pull_times = timed_all(group, lambda s: s.hub.sync(url))
            pull_wall = time.perf_counter() - t
            pushes.append((len(group) / push_wall, statistics.median(push_times)))
            pulls.append((len(group) / pull_wall, statistics.median(pull_times)))
            print(f"day {day}: {len(group)} pushes in {push_wall:5.2f} s ({len(group) / push_wall:5.1f}/s, median "
                  f"{statistics.median(push_times):.2f} s); {len(group)} syncs (push + pull) in {pull_wall:5.2f} s "
                  f"({len(group) / pull_wall:5.1f}/s, median {statistics.median(pull_times):.2f} s)", flush=True)
        t = time.perf_counter()
        caught = offline.hub.sync(url)
        got = caught.pulled.total if caught.pulled else {}
        print(f"catching up after a week offline: {time.perf_counter() - t:6.2f} s "
              f"({got.get('new', 0):,} new, {got.get('updated', 0):,} updated records, "
              f"{got.get('conflicts', 0)} conflicts)")
        print(f"pushes per second: {statistics.mean(p for p, _ in pushes):.1f} (mean of the days); "
              f"syncs (push + pull) per second: {statistics.mean(p for p, _ in pulls):.1f}")
        for s in laptops:
            s.db.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _push_args(services, url):
    """What HubSync._push takes, for timing pushes alone: a client, the hub's hello, a scratch folder."""
    import httpx

    hub = services.hub
    client = httpx.Client(base_url=url, timeout=600)
    hello = hub._call(client, url, "GET", "/v1/hello").json()
    return client, url, hello, Path(tempfile.mkdtemp()), lambda *_a: None


if __name__ == "__main__":
    main()

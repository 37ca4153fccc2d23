"""The team hub's tests: a real PostgreSQL (no mocks), one fresh database per test copied from a template.

``TANDEM_TEST_DATABASE_URL`` names a database the tests may connect to with a role allowed to create
databases (`.ci/run` sets one up). Without it the hub's tests are skipped, saying so — but never in CI
(``CI`` set), where a missing database fails them.
"""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest

from tests.sync.conftest import Laptops

URL_VAR = "TANDEM_TEST_DATABASE_URL"
_ids = itertools.count(1)


def _admin_url() -> str:
    url = os.environ.get(URL_VAR)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{URL_VAR} is not set in CI: .ci/run must start PostgreSQL for the hub's tests")
        pytest.skip(f"the hub's tests need PostgreSQL: set {URL_VAR}=postgresql://user:pw@host/db")
    return url


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username, password=u.password,
                           dbname=u.database, autocommit=True)


@pytest.fixture(scope="session")
def _hub_template(tmp_path_factory):
    """A database with the hub's schema (`tandem hub init`), copied for every test."""
    url = _admin_url()
    name = f"tandem_hub_tpl_{os.getpid()}"
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    from app.hub.database import open_hub_database

    os.environ.setdefault("TANDEM_DATA_DIR", str(tmp_path_factory.mktemp("hubkeys")))
    open_hub_database(_with_database(url, name), files_dir=tmp_path_factory.mktemp("tplfiles"), upgrade=True).close()
    yield url, name
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def hub_url(_hub_template):
    """The URL of a fresh hub database for this test (dropped afterwards)."""
    url, template = _hub_template
    name = f"tandem_hub_{os.getpid()}_{next(_ids)}_{uuid.uuid4().hex[:6]}"
    with _admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(url, name)
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Hub:
    """A hub over a fresh database, its web app in-process (Starlette's TestClient), and laptops to sync."""

    def __init__(self, url: str, tmp: Path, laptops: Laptops) -> None:
        from app.hub.database import open_hub_database
        from app.hub.service import HubService
        from app.hub.web import create_app

        self.url = url
        self.db = open_hub_database(url, files_dir=tmp / "hubfiles")
        self.service = HubService(self.db)
        self.app = create_app(self.service)
        self.laptops = laptops
        self.tmp = tmp

    def client(self, base_url: str = "http://hub.test"):
        from starlette.testclient import TestClient

        return TestClient(self.app, base_url=base_url)

    def connect(self, services, base_url: str = "http://hub.test"):
        """Point ``services``' HubSync at this hub, in-process."""
        from app.services.hub_sync import HubSync

        services.hub = HubSync(services.db, services.sync, services.identity, services.settings,
                               http=lambda url: self.client(url))
        services.hub.set_url(base_url)
        return services

    def enrol(self, services, role: str = "team"):
        from app.hub.service import read_key_file
        from app.services.hub_sync import write_key_file

        path = self.tmp / f"{services.db.device_id}.key"
        write_key_file(services.db, services.identity, path)
        return self.service.enrol(read_key_file(path), role)

    def laptop(self, name: str, role: str | None = "team"):
        services = self.connect(self.laptops.new(name))
        if role is not None:
            self.enrol(services, role)
        return services

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def hub(hub_url, tmp_path, laptops):
    h = Hub(hub_url, tmp_path, laptops)
    yield h
    h.close()


@pytest.fixture
def laptops(tmp_path):
    lt = Laptops(tmp_path)
    yield lt
    lt.close()

"""Laptops for sync tests: each one its own database file (so its own device id and signing key)."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Partner
from app.services import Services, build_services
from app.services.database import open_database
from app.services.partners import PartnerData

_names = itertools.count(1)


class Laptops:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.opened: list[Services] = []

    def new(self, name: str) -> Services:
        services = build_services(open_database(self.tmp / f"{name}.sqlite"))
        services.identity.set_names(name.capitalize(), f"{name}-laptop")
        self.opened.append(services)
        return services

    def package(self, name: str | None = None) -> Path:
        return self.tmp / f"{name or f'p{next(_names)}'}.tandem"

    def send(self, src: Services, dst: Services, **export_kw) -> object:
        """Export everything from ``src`` and import it into ``dst`` (trusting ``src``); returns the result."""
        path = self.package()
        src.sync.export(path, **export_kw)
        return dst.sync.import_package(path, trust_new_signer=True)

    def close(self) -> None:
        for s in self.opened:
            s.db.close()


@pytest.fixture
def laptops(tmp_path):
    lt = Laptops(tmp_path)
    yield lt
    lt.close()


def add_partner(services: Services, name: str, **kw) -> str:
    return services.partners.create(PartnerData(name=name, **kw)).id


def edit(services: Services, model, row_id: str, **values) -> None:
    """An ordinary local edit through the ORM (stamped like any edit in the app)."""
    with services.db.sessions.begin() as s:
        obj = s.get(model, row_id)
        for k, v in values.items():
            setattr(obj, k, v)


def get(services: Services, model, row_id: str):
    with services.db.sessions() as s:
        return s.get(model, row_id)


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def partner_names(services: Services) -> set[str]:
    with services.db.sessions() as s:
        return set(s.scalars(select(Partner.name).where(Partner.deleted_at.is_(None))))

"""Use cases of Tandem. `build_services` wires them once over an open database (called from main.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.database import Database
from app.services.identity import IdentityService
from app.services.partners import PartnerService


@dataclass
class Services:
    """Every service the UI and the command line use, built once over one database."""

    db: Database
    identity: IdentityService
    partners: PartnerService


def build_services(db: Database) -> Services:
    from app.services.reference_data import seed_reference_data

    seed_reference_data(db.sessions)
    return Services(db=db, identity=IdentityService(db.sessions), partners=PartnerService(db.sessions))

"""The hub's own tables, in a metadata of their own (the laptop's Alembic revisions never see them), with a
versioned create: `hub_schema` holds the version; `upgrade` creates what is missing and raises the version.

- `hub_keys`: enrolled laptop keys (public key, device, role, revocation; for a partner's key the partner's
  name it was enrolled for: a key enrolled before the hub holds that partner waits with role `WAITING` and is
  bound to the partner's id when a team laptop pushes it);
- `hub_packages`: every package a laptop pushed (its bytes and what applying it did): the audit trail, and what
  makes a push idempotent by package id;
- `hub_pulls`: every package the hub made for a laptop; acknowledging one moves that laptop's cursor;
- `hub_cursors`: per key, the last pull it acknowledged (change sequence and package id);
- `hub_nonces`: the nonces of signed requests seen recently (a replayed request is refused).

The laptop's syncable tables come from its Alembic revisions (app/hub/database.py); `upgrade` adds to each
an index on its change sequence (`change_indexes`): a pull selects ``seq > cursor``, which without it reads
the whole table. SQLite's schema is not changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer, LargeBinary, MetaData, String, Text, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: 2: hub_keys.partner_name (a partner's key enrolled before the hub holds it);
#: 3: an index on the change sequence of every syncable table (`change_indexes`).
SCHEMA_VERSION = 3


class HubBase(DeclarativeBase):
    metadata = MetaData()


class HubSchema(HubBase):
    __tablename__ = "hub_schema"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class HubKey(HubBase):
    __tablename__ = "hub_keys"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    device_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(80))  # "team", "partner:<partner id>", or WAITING
    #: For a partner's key: the partner's name (as enrolled, while it waits; then the partner's own).
    partner_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")


#: The role of a partner's key enrolled before the hub holds that partner: it receives nothing and may change
#: nothing until a team laptop's push brings a partner of that name (`hub_keys.partner_name`).
WAITING = "partner"


class HubPackage(HubBase):
    __tablename__ = "hub_packages"
    package_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    result: Mapped[dict] = mapped_column(JSON)
    #: The order packages were received in (each push reads the latest: indexed).
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)


class HubPull(HubBase):
    __tablename__ = "hub_pulls"
    package_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    made_at: Mapped[datetime] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(BigInteger)  # the hub's change sequence the package's snapshot saw
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    conflict_id: Mapped[int] = mapped_column(BigInteger, default=0)  # the hub's last conflict when it was made


class HubCursor(HubBase):
    __tablename__ = "hub_cursors"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    package_id: Mapped[str] = mapped_column(String(64))
    acked_at: Mapped[datetime] = mapped_column(DateTime)
    conflict_id: Mapped[int] = mapped_column(BigInteger, default=0)  # conflicts up to it were reported


class HubNonce(HubBase):
    __tablename__ = "hub_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def change_indexes() -> dict[str, str]:
    """Syncable table -> the name of the hub's index on its change sequence (``seq``), which every pull filters
    on (`Since.clause`: ``seq > cursor``, in the count and in the select of each table). Named as the laptop's
    metadata would name it (``ix_<table>_seq``)."""
    from app.models import syncable_tables

    return {table: f"ix_{table}_seq" for table in syncable_tables()}


#: The index on the order of received packages (a hub of schema 2 lacks it; newer ones get it from the model).
PACKAGE_ORDER_INDEX = "ix_hub_packages_seq"


def create_change_indexes(conn: Connection) -> None:
    """Create the missing `change_indexes` and `PACKAGE_ORDER_INDEX` (IF NOT EXISTS: a hub holding them already
    is left as it is)."""
    for table, name in {**change_indexes(), HubPackage.__tablename__: PACKAGE_ORDER_INDEX}.items():
        conn.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" (seq)')


def version(conn: Connection) -> int | None:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(HubSchema.__tablename__):
        return None
    return conn.execute(select(HubSchema.version)).scalar()


def is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        return version(conn) == SCHEMA_VERSION


def upgrade(conn: Connection) -> None:
    """Create the hub's tables (or those missing) and the indexes on the laptop's tables (`change_indexes`,
    on every run: a syncable table a later laptop revision adds gains one too), and record the version; refuse
    a newer hub schema. Runs in `tandem hub init`'s transaction, after the laptop's migrations."""
    from app.services.database import DatabaseError

    found = version(conn)
    if found is not None and found > SCHEMA_VERSION:
        raise DatabaseError(f"The hub's tables are of a newer Tandem (hub schema {found}); run the newer Tandem.")
    HubBase.metadata.create_all(conn, checkfirst=True)
    if found is not None and found < 2:
        conn.exec_driver_sql("ALTER TABLE hub_keys ADD COLUMN IF NOT EXISTS partner_name TEXT NOT NULL DEFAULT ''")
    create_change_indexes(conn)
    if found is None:
        conn.execute(HubSchema.__table__.insert().values(id=1, version=SCHEMA_VERSION))
    elif found < SCHEMA_VERSION:
        conn.execute(HubSchema.__table__.update().values(version=SCHEMA_VERSION))

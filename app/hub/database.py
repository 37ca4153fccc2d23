"""Opening the hub's PostgreSQL database: the laptop's models and Alembic migrations, on PostgreSQL.

Records are stored on the hub in the **storage form** a laptop's SQLite holds and packages carry: dates and
datetimes as ISO text, booleans as 0/1, enums as their text, JSON columns as the text `dumps_json` writes. So
the laptop's merge and export code (`app/services/sync`) reads and compares on the hub exactly the values it
reads and compares on a laptop, with one code path; text columns keep no length limit, as on SQLite (the
app's own rules bound them on every import). The engine uses a PostgreSQL dialect (psycopg 3) that
maps those column types to that storage (`TandemPGDialect`), and turns the sync code's driver-level SQL,
written with SQLite's ``?`` placeholders, into psycopg's (`postgres_sql`). Nothing of this touches SQLite.

Transactions: the importer asks for a write transaction with the execution option ``sqlite_begin=
"IMMEDIATE"``; on the hub such a transaction first takes one PostgreSQL advisory lock (`PUSH_LOCK`), so
pushes apply one after another, each in READ COMMITTED after the lock (it sees every earlier push). Every other
transaction runs in REPEATABLE READ: a pull's package is one snapshot, as on a laptop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.base import PGDDLCompiler, PGTypeCompiler
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite import DATE as StorageDate
from sqlalchemy.dialects.sqlite import DATETIME as StorageDateTime
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from app.services.changes import ChangeFeed, install_change_log
from app.services.clock import HybridClock
from app.services.database import (
    DatabaseError,
    _alembic_config,
    known_revisions,
    start_clock,
)

#: The advisory lock every push (every importer write transaction) holds until it commits.
PUSH_LOCK = 0x7A4D0001


class _StorageTypeCompiler(PGTypeCompiler):
    """Column types as the storage form: text dates and JSON, small-integer booleans (see the module doc)."""

    def visit_date(self, type_, **kw):
        return "TEXT"

    visit_DATE = visit_datetime = visit_DATETIME = visit_TIMESTAMP = visit_date

    def visit_JSON(self, type_, **kw):
        return "TEXT"

    visit_json = visit_JSON

    def visit_boolean(self, type_, **kw):
        return "SMALLINT"

    def visit_VARCHAR(self, type_, **kw):
        # SQLite keeps no length, and a laptop holds what it holds (a measurement's 120-character id in a
        # conflict's row id): lengths are the app's rules (app/services/integrity.py), checked on every import.
        return "VARCHAR"

    visit_BOOLEAN = visit_boolean


class _DDLCompiler(PGDDLCompiler):
    def visit_computed_column(self, generated, **kw):
        # SQLite computes a measurement's id on read (VIRTUAL); PostgreSQL 15 stores generated columns.
        text = self.sql_compiler.process(generated.sqltext, include_table=False, literal_binds=True)
        return f"GENERATED ALWAYS AS ({text}) STORED"


class _StorageJSON(sqltypes.JSON):
    """JSON kept as text: the engine's serializer writes it, its deserializer reads it (as on SQLite)."""

    render_bind_cast = False


class TandemPGDialect(PGDialect_psycopg):
    """PostgreSQL through psycopg 3, with the laptop's storage form (see the module doc)."""

    supports_statement_cache = True
    supports_native_boolean = False
    supports_native_enum = False
    supports_native_json_serialization = False
    supports_native_json_deserialization = False
    type_compiler_cls = _StorageTypeCompiler
    ddl_compiler = _DDLCompiler
    colspecs = {**PGDialect_psycopg.colspecs, sqltypes.Date: StorageDate, sqltypes.DateTime: StorageDateTime,
                sqltypes.JSON: _StorageJSON, sqltypes.Boolean: sqltypes.Boolean}


registry.register("postgresql.tandem", __name__, "TandemPGDialect")

_JSON_EACH = "json_each(?)"
_PG_JSON_EACH = "json_array_elements_text(?::json) AS value"


def postgres_sql(statement: str) -> str:
    """The sync code's driver-level SQL (written for SQLite) as PostgreSQL takes it through psycopg: ``?``
    placeholders become ``%s`` (a literal ``%`` doubled), a JSON array of ids is unnested with
    ``json_array_elements_text`` instead of ``json_each``, and SQLite's ``CROSS JOIN … ON`` (a join-order
    hint) is an ordinary ``JOIN``. The statements hold no string literals with ``?`` in them."""
    statement = statement.replace(_JSON_EACH, _PG_JSON_EACH).replace(" CROSS JOIN ", " JOIN ")
    return statement.replace("%", "%%").replace("?", "%s")


def database_url(url: str) -> str:
    """A PostgreSQL URL (``postgresql://user:pw@host/db``) with the hub's dialect as its driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError(f"The hub needs a PostgreSQL database URL (postgresql://user@host/db), not {url!r}.")
    return parsed.set(drivername="postgresql+tandem").render_as_string(hide_password=False)


def make_hub_engine(url: str) -> Engine:
    from app.services.sync.tables import dumps_json, loads_json

    engine = create_engine(database_url(url), json_serializer=dumps_json, json_deserializer=loads_json,
                           pool_size=10, max_overflow=10, pool_pre_ping=True)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _driver_sql(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.compiled is None:  # exec_driver_sql: the sync code's own SQL
            statement = postgres_sql(statement)
        return statement, parameters

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PUSH_LOCK})")
        else:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    return engine


@dataclass
class HubDatabase:
    """The hub's open database: the same shape as a laptop's `Database` (engine, sessions, clock, feed) so the
    sync code takes either. ``path`` is a name in the hub's data folder: attachment files live beside it
    (``<path>.files``), as they live beside a laptop's database file."""

    url: str
    path: Path
    engine: Engine
    sessions: sessionmaker
    clock: HybridClock
    feed: ChangeFeed = field(default_factory=ChangeFeed, repr=False)
    backup_path: Path | None = None

    @property
    def device_id(self) -> str:
        return self.clock.device_id

    def close(self) -> None:
        self.engine.dispose()


def default_files_dir() -> Path:
    from app.paths import user_data_dir

    return Path(os.environ.get("TANDEM_HUB_FILES") or user_data_dir() / "hub")


def schema_revision(engine: Engine) -> str | None:
    """The laptop schema revision the hub's database is at, or None when it has none yet."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def open_hub_database(url: str, *, files_dir: str | os.PathLike | None = None, upgrade: bool = False) -> HubDatabase:
    """Open the hub's database at ``url``. ``upgrade`` (``tandem hub init``) creates or upgrades its schema:
    the laptop's migrations, then the hub's own tables (`app.hub.schema`). Without it a database whose
    schema is not this version's is refused with a `DatabaseError` saying what to run."""
    from app.hub import schema

    engine = make_hub_engine(url)
    try:
        known, head = known_revisions()
        try:
            revision = schema_revision(engine)
        except OperationalError as exc:
            raise DatabaseError(f"Cannot reach the hub's database: {exc.orig}".strip()) from exc
        if revision is not None and revision not in known:
            raise DatabaseError(f"The hub's database was written by a newer Tandem (schema {revision}); "
                                "run the newer Tandem on the hub.")
        if upgrade:
            with engine.begin() as conn:
                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                schema.upgrade(conn)
        elif revision != head or not schema.is_current(engine):
            raise DatabaseError("The hub's database is not set up for this version of Tandem: run "
                                "`tandem hub init --database-url URL` first.")
        sessions = sessionmaker(engine, expire_on_commit=False)
        clock = start_clock(sessions)
        folder = Path(files_dir) if files_dir is not None else default_files_dir()
        folder.mkdir(parents=True, exist_ok=True)
        db = HubDatabase(url, folder / "hub", engine, sessions, clock)
        install_change_log(sessions, db.feed)
        return db
    except BaseException:
        engine.dispose()
        raise


__all__ = ["HubDatabase", "PUSH_LOCK", "open_hub_database", "postgres_sql"]

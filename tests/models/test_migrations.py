"""The migrations build exactly the schema the models describe, and every travelling table has sync columns."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.models import Base, syncable_tables
from app.services.database import open_database

SYNC_COLUMNS = {"id", "rev", "field_revs", "updated_at", "updated_by", "deleted_at"}
SHARED_LIBRARIES = {"kpis", "kpi_versions", "playbooks", "playbook_versions", "playbook_steps", "criteria_sets",
                    "criteria", "plan_templates", "plan_template_versions", "learning_modules", "learning_tracks",
                    "learning_track_versions", "learning_track_items", "devices"}


def test_migrated_database_matches_the_models(tmp_path):
    db = open_database(tmp_path / "fresh.sqlite")
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], "models and migrations disagree; run tools/regen_initial_migration.py"
    finally:
        db.close()


def test_every_syncable_table_has_the_sync_columns_and_partner_tables_have_partner_id(tmp_path):
    db = open_database(tmp_path / "fresh.sqlite")
    try:
        inspector = inspect(db.engine)
        tables = syncable_tables()
        assert {"partners", "contacts", "measurements", "log_entries", "checklist_items"} <= set(tables)
        for table in tables:
            columns = {c["name"] for c in inspector.get_columns(table)}
            assert SYNC_COLUMNS <= columns, table
            if table not in SHARED_LIBRARIES:
                assert "partner_id" in columns, f"{table} belongs to a partner but has no partner_id"
    finally:
        db.close()


def test_database_uses_wal_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "fresh.sqlite")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        db.close()
    raw = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    with raw.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    raw.dispose()

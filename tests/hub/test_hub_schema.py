"""The hub's versioned schema: every syncable table has an index on its change sequence (a pull selects
``seq > cursor``), on a new hub and on one set up by the previous version once `tandem hub init` ran."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.hub.schema import PACKAGE_ORDER_INDEX, SCHEMA_VERSION, change_indexes
from app.models import syncable_tables
from app.services.sync.tables import Since, table_specs
from tests.sync.conftest import add_partner, partner_names

#: Per table, the names of the indexes whose leading column is ``seq``.
_SEQ_INDEXES = text("""
    SELECT t.relname, i.relname
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
    WHERE n.nspname = current_schema() AND a.attname = 'seq'
""")


def _seq_indexes(engine) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for table, index in conn.execute(_SEQ_INDEXES):
            found.setdefault(table, set()).add(index)
    return found


def test_every_syncable_table_on_the_hub_has_an_index_led_by_its_change_sequence(hub):
    found = _seq_indexes(hub.db.engine)
    assert set(syncable_tables()) <= set(found), sorted(set(syncable_tables()) - set(found))
    assert all(change_indexes()[t] in found[t] for t in syncable_tables())
    assert PACKAGE_ORDER_INDEX in found["hub_packages"]  # each push reads the latest package's number


def test_a_pull_s_select_of_changes_can_use_the_index(hub):
    spec = table_specs()["measurements"]
    since = Since(seq=1)
    sql = f"EXPLAIN {spec.select_sql} WHERE {since.clause}{spec.order_sql}"
    with hub.db.engine.connect() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: make the planner show its choice
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(sql, (since.param,)))
    assert change_indexes()["measurements"] in plan, plan


def test_a_hub_of_the_previous_schema_gains_the_indexes_on_init_and_is_refused_until_then(hub):
    from app.hub.database import open_hub_database
    from app.services.database import DatabaseError

    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    add_partner(ann, "Acme")
    ann.hub.sync()
    bob.hub.sync()
    with hub.db.engine.begin() as conn:  # a hub set up by the previous version: no index on seq
        for name in [*change_indexes().values(), PACKAGE_ORDER_INDEX]:
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        conn.execute(text(f"UPDATE hub_schema SET version = {SCHEMA_VERSION - 1}"))
    assert not set(_seq_indexes(hub.db.engine)) & set(syncable_tables())
    with pytest.raises(DatabaseError, match="tandem hub init"):
        open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles")
    open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles", upgrade=True).close()
    with hub.db.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM hub_schema")).scalar() == SCHEMA_VERSION
    found = _seq_indexes(hub.db.engine)
    assert all(change_indexes()[t] in found.get(t, ()) for t in syncable_tables())
    assert PACKAGE_ORDER_INDEX in found["hub_packages"]
    # init again: nothing to do, nothing doubled
    open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles", upgrade=True).close()
    assert _seq_indexes(hub.db.engine) == found
    # and the hub syncs as before: a pull since bob's cursor brings what changed after it
    open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles").close()
    add_partner(ann, "Beta")
    ann.hub.sync()
    assert bob.hub.sync().pulled.total.get("new") >= 1
    assert partner_names(bob) == {"Acme", "Beta"}

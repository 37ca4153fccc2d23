"""Which shared-library records a package scoped to some partners carries: the ones those partners use.

Worked out from the models' foreign keys, so a new table is covered without a list to keep up to date:

- A *library* table is a syncable table without ``partner_id`` (KPIs, playbooks, criteria sets, learning
  modules, plan templates, …). Devices are a library of their own, handled last.
- **Used**: a library record that an in-scope record points at through a foreign key travels; so, in turn, do
  the library records it points at (a checklist item's playbook step -> its playbook version -> its playbook;
  a playbook step's KPI).
- **Parts**: a library record of a table that partners' records point at directly (a KPI, a playbook version,
  a criteria set, a playbook step, …) travels whole: with the library records that belong to it through their
  required (NOT NULL) foreign key to it — a KPI with its versions, a playbook version with its steps, a criteria
  set with all its criteria. An optional foreign key only uses its target: a playbook step may name a KPI, but
  measuring that KPI does not bring the step. A record reached only through another library record (a playbook, reached from one of its
  versions) travels alone: onboarding from one version of a playbook does not bring the playbook's other
  versions.
- **Devices**: the devices that last edited the records carried (their ``updated_by``), so the recipient can
  show who made each edit.

Memory stays small whatever the database size: partners' records are only read with ``SELECT DISTINCT`` per
foreign-key column, and what is kept in memory are the ids of library records (the few dozen KPIs measured, the
playbook versions onboarded from, …). Id sets go to SQLite as one JSON array parameter (``json_each``), so no
limit on SQL variables applies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from app.models import Base, Device
from app.services.sync.tables import PARTNER_COLUMN, Since, table_specs

DEVICES = Device.__tablename__
IN_IDS = "IN (SELECT value FROM json_each(?))"


@dataclass(frozen=True)
class LibraryGraph:
    """The foreign keys that decide which library records travel (see the module docstring)."""

    library: frozenset[str]  # library tables, devices excluded
    uses: dict[str, tuple[tuple[str, str], ...]]  # any table -> (column, library table it points at)
    parts: dict[str, tuple[tuple[str, str], ...]]  # library table carried whole -> (child table, column)


@cache
def library_graph() -> LibraryGraph:
    specs = table_specs()
    library = frozenset(n for n, s in specs.items() if not s.partner_owned and n != DEVICES)
    uses = {n: tuple((col, t) for col, t in s.foreign_keys if t in library) for n, s in specs.items()}
    # Tables that partners' records point at directly: their records are what partners "use", whole.
    pinned = {t for n, s in specs.items() if s.partner_owned for _, t in uses[n]}
    # A record belongs to the record its required (NOT NULL) foreign key names; an optional one only uses it
    # (a playbook step belongs to its version and may use a KPI: measuring the KPI does not bring the step).
    parts = {x: tuple((child, col) for child in sorted(library) for col, t in uses[child]
                      if t == x and not Base.metadata.tables[child].c[col].nullable)
             for x in sorted(pinned)}
    return LibraryGraph(library, uses, {x: p for x, p in parts.items() if p})


def ids_param(ids: Iterable[str]) -> str:
    """A set of ids as the one parameter of an ``IN_IDS`` clause."""
    return json.dumps(sorted(ids))


def _scope_clause(partner_ids: list[str], since: Since | None) -> tuple[str, tuple]:
    sql = f"{PARTNER_COLUMN} IN ({', '.join('?' * len(partner_ids))})"
    params: tuple = tuple(partner_ids)
    if since:
        sql += f" AND {since.clause}"
        params += (since.param,)
    return sql, params


def used_library(conn, partner_ids: list[str], since: Since | None = None) -> dict[str, set[str]]:
    """Library table -> ids of its records used by the partners' records (only those changed since
    ``since`` when given), followed transitively through uses and parts."""
    graph, specs = library_graph(), table_specs()
    found: dict[str, set[str]] = {t: set() for t in graph.library}
    todo: dict[str, set[str]] = {t: set() for t in graph.library}

    def add(table: str, sql: str, params: tuple) -> None:
        for (v,) in conn.exec_driver_sql(sql, params):
            if v not in found[table]:
                found[table].add(v)
                todo[table].add(v)

    where, params = _scope_clause(partner_ids, since)
    for name, spec in specs.items():
        if spec.partner_owned:
            for col, target in graph.uses[name]:
                add(target, f'SELECT DISTINCT "{col}" FROM "{name}" WHERE {where} AND "{col}" IS NOT NULL', params)
    while table := next((t for t in sorted(todo) if todo[t]), None):
        batch, todo[table] = ids_param(todo[table]), set()
        for col, target in graph.uses[table]:
            add(target, f'SELECT DISTINCT "{col}" FROM "{table}" WHERE id {IN_IDS} AND "{col}" IS NOT NULL',
                (batch,))
        for child, col in graph.parts.get(table, ()):
            add(child, f'SELECT id FROM "{child}" WHERE "{col}" {IN_IDS}', (batch,))
    return found


def _changed(conn, table: str, ids: set[str], since: Since) -> set[str]:
    if not ids:
        return set()
    sql = f'SELECT id FROM "{table}" WHERE id {IN_IDS} AND {since.clause}'
    return {v for (v,) in conn.exec_driver_sql(sql, (ids_param(ids), since.param))}


def _authors(conn, partner_ids: list[str], library: dict[str, set[str]], since: Since | None) -> set[str]:
    """Device ids in ``updated_by`` of the in-scope records (changed since ``since``) and of ``library``."""
    where, params = _scope_clause(partner_ids, since)
    out: set[str] = set()
    for name, spec in table_specs().items():
        if spec.partner_owned:
            rows = conn.exec_driver_sql(f'SELECT DISTINCT updated_by FROM "{name}" WHERE {where}', params)
        elif library.get(name):
            rows = conn.exec_driver_sql(f'SELECT DISTINCT updated_by FROM "{name}" WHERE id {IN_IDS}',
                                        (ids_param(library[name]),))
        else:
            continue
        out.update(v for (v,) in rows if v)
    return out


def scoped_library(conn, partner_ids: list[str], since: Since | None) -> dict[str, set[str]]:
    """Library table (devices included) -> ids of the records a package scoped to ``partner_ids`` carries.

    A full package carries every library record the partners use. An incremental one (``since``) carries
    those used by records changed since, whatever their own rev (the recipient may never have needed them
    before), and those used by any in-scope record that changed since themselves (a KPI edited in the library).
    Run it in the export's read transaction so it sees the same snapshot as the records.
    """
    used = used_library(conn, partner_ids)
    authors = _authors(conn, partner_ids, used, None)
    if not since:
        carried = used
        carried[DEVICES] = authors
    else:
        fresh = used_library(conn, partner_ids, since)
        carried = {t: fresh[t] | _changed(conn, t, ids, since) for t, ids in used.items()}
        carried[DEVICES] = (_authors(conn, partner_ids, carried, since)
                            | _changed(conn, DEVICES, authors, since))
    return carried

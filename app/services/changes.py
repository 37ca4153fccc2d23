"""What a committed write changed, collected where rows are written and published after the commit.

Every session of the app's session factory notes the rows it flushes (table, partner, id) and the tables
its bulk statements touch; when the outermost transaction commits, the notes become one `Changes` and go to
every subscriber of the database's `ChangeFeed`. A rollback drops them. Work that writes through a bare
connection (the package import) publishes its own `Changes` after its commit. The UI subscribes once
(app/ui/bus.py) and every view refreshes from that; no view works out by hand what a service wrote.

``initiated_by(x)`` names who started the writes made inside it (a view, say), so that a view can tell its
own echo from another's change. It is a context variable: a worker thread sets its own.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_initiator: contextvars.ContextVar[object | None] = contextvars.ContextVar("tandem_initiator", default=None)

@contextmanager
def initiated_by(initiator: object) -> Iterator[None]:
    """Writes committed inside this block carry ``initiator`` in their `Changes`."""
    token = _initiator.set(initiator)
    try:
        yield
    finally:
        _initiator.reset(token)


@dataclass(frozen=True)
class Changes:
    """What one commit (or several, merged) changed.

    ``partners`` maps each touched table to the partners whose rows were written, or to None when rows of
    any partner, or of none (a library, a setting), were. ``ids`` maps each table to the ids of the rows
    written where they are known. ``everything`` (an import, a restore) touches every table and partner.
    """

    partners: Mapping[str, frozenset[str] | None] = field(default_factory=lambda: MappingProxyType({}))
    ids: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    everything: bool = False
    initiator: object | None = None

    @classmethod
    def all(cls, initiator: object | None = None) -> Changes:
        return cls(everything=True, initiator=initiator)

    @classmethod
    def of(cls, *tables: str) -> Changes:
        """Rows of any partner in ``tables``: what a service writing through a bare connection publishes."""
        return cls(MappingProxyType(dict.fromkeys(tables)))

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.partners)

    def __bool__(self) -> bool:
        return self.everything or bool(self.partners)

    def touches(self, *tables: str, partner_id: str | None = None) -> bool:
        """Whether rows of any of ``tables`` changed (of ``partner_id``, when given: rows of an unknown or
        of no partner count, since a library change shows on every partner's page)."""
        if self.everything:
            return True
        for table in tables:
            if table in self.partners:
                who = self.partners[table]
                if partner_id is None or who is None or partner_id in who:
                    return True
        return False

    def touches_partner(self, partner_id: str) -> bool:
        """Whether anything of ``partner_id`` (or of no partner in particular) changed."""
        return self.everything or any(who is None or partner_id in who for who in self.partners.values())

    def merged(self, other: Changes) -> Changes:
        """Both changes as one (the initiator of ``self`` kept)."""
        if self.everything or other.everything:
            return Changes(everything=True, initiator=self.initiator)
        notes = _Notes()
        for c in (self, other):
            for table, who in c.partners.items():
                notes.table(table, who)
            for table, ids in c.ids.items():
                notes.ids.setdefault(table, set()).update(ids)
        return notes.freeze(self.initiator)


class _Notes:
    """The rows one transaction wrote so far."""

    def __init__(self) -> None:
        self.partners: dict[str, set[str] | None] = {}
        self.ids: dict[str, set[str]] = {}

    def table(self, table: str, partners: frozenset[str] | set[str] | None) -> None:
        if partners is None:
            self.partners[table] = None
        elif self.partners.get(table, ()) is not None:
            self.partners.setdefault(table, set()).update(partners)

    def row(self, table: str, partner_id: str | None, row_id: Any) -> None:
        self.table(table, None if partner_id is None else {partner_id})
        if row_id is not None:
            self.ids.setdefault(table, set()).add(str(row_id))

    def freeze(self, initiator: object | None) -> Changes:
        return Changes(
            MappingProxyType({t: None if p is None else frozenset(p) for t, p in self.partners.items()}),
            MappingProxyType({t: frozenset(i) for t, i in self.ids.items()}), initiator=initiator)


class ChangeFeed:
    """Subscribers of one database's committed changes. Callbacks run on the committing thread, after the
    commit: they may read the database, and must not raise."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[Changes], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[Changes], None]) -> Callable[[], None]:
        """Call ``callback`` with every published `Changes`; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, changes: Changes) -> None:
        if not changes:
            return
        if changes.initiator is None and _initiator.get() is not None:
            changes = Changes(changes.partners, changes.ids, changes.everything, _initiator.get())
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(changes)

    @contextmanager
    def capture(self) -> Iterator[list[Changes]]:
        """Collect what is published on this thread inside the block (a runner returns it)."""
        caught: list[Changes] = []
        me = threading.get_ident()

        def keep(changes: Changes) -> None:
            if threading.get_ident() == me:
                caught.append(changes)

        unsubscribe = self.subscribe(keep)
        try:
            yield caught
        finally:
            unsubscribe()


def note(session: Session, table: str, partner_id: str | None = None, row_id: Any = None) -> None:
    """Record that ``session`` wrote to ``table`` outside the ORM's unit of work (a bulk or Core statement
    the hooks cannot see)."""
    _notes(session).row(table, partner_id, row_id)


def _notes(session: Session) -> _Notes:
    notes = session.info.get("changes")
    if notes is None:
        notes = session.info["changes"] = _Notes()
    return notes


def partner_of(obj: Any) -> str | None:
    """The partner a mapped row belongs to: its own id for a partner, else its ``partner_id``."""
    if obj.__table__.name == "partners":
        return obj.id
    return getattr(obj, "partner_id", None)


def install_change_log(factory: sessionmaker, feed: ChangeFeed) -> None:
    """Note every row a session of ``factory`` writes, and publish the notes to ``feed`` after the commit."""

    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _ctx) -> None:
        notes = _notes(session)
        for obj in (*session.new, *session.dirty, *session.deleted):
            table = getattr(obj, "__table__", None)
            if table is None or (obj in session.dirty and not session.is_modified(obj, include_collections=False)):
                continue
            notes.row(table.name, partner_of(obj), getattr(obj, "id", None))

    @event.listens_for(factory, "do_orm_execute")
    def _bulk(state) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            if table is not None and getattr(table, "name", None):
                _notes(state.session).table(table.name, None)

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        notes = session.info.pop("changes", None)
        if notes is not None and notes.partners:
            feed.publish(notes.freeze(_initiator.get()))

    @event.listens_for(factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("changes", None)

"""Model-based: four laptops edit, delete, resolve and exchange packages in random orders; they end up agreeing,
and nothing anyone typed is lost.

Each example starts from four laptops that share two partners. Random steps then edit partner fields, enter and
clear monthly values (a measurement is identified by partner, KPI and period, so two laptops entering the same
month hold one record), delete and restore partners, resolve open conflicts (keep mine, keep theirs, or type a
value), set a laptop's clock up to three hours fast or slow, and send packages: everything or one partner,
everything or only what changed since the last export to that laptop, and either imported at once or left in
the recipient's inbox to be imported later, in any order, or forwarded as a file to a third laptop. What a
laptop exports carries what it imported, so every package relays. An incremental package whose predecessor
the laptop has not imported is refused (and changes nothing): it stays in the inbox. At the end every inbox is
imported (what stays refused is dropped: the full packages carry it) and the laptops exchange full packages,
every one with every other, until nothing changes.

Alongside, the test keeps the ground truth: for each laptop and record, which edits it has taken in (packages
carry the exporter's records, so what each package brings is known), and for each edit what its author had
seen. The rules checked at the end:

- **The laptops agree**: every syncable table holds the same rows on all four (all columns but the local
  ``seq``), and importing another laptop's full package then changes nothing.
- **Nothing typed is lost**: a value written to a field that is not its final value, and that nobody replaced
  knowingly (no edit of the field was made by someone who had seen that value), is listed in a conflict of that
  record and field, with that value, on at least one laptop. Deletes count: a delete that is undone without its
  author (or a later one) having seen the undo is listed too.
- **A delete hides nothing unseen**: a partner that ends deleted was deleted by someone who had seen every edit
  of it and of its measurements that are still live.
- **Nothing is rejected** along the way, but device records relayed by another laptop (by design a device's
  record is taken only from its own package); no package is refused but an incremental one that arrived before
  the one it continues.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import Partner
from app.models.enums import PeriodKind
from app.models.kpi import measurement_id
from app.services import Services, build_services
from app.services.database import open_database
from app.services.partners import PartnerData
from app.services.sync.errors import PackageRefused
from app.services.sync.merge import DELETED
from app.services.sync.tables import table_specs
from tests.sync.conftest import add_partner, edit, get
from tests.sync.helpers import KPI_OTD, read_records

N = 4
PARTNER_FIELDS = ("notes", "segment")
MEASUREMENT_FIELDS = ("value",)
MONTHS = (1, 2, 3)

Key = tuple[str, str]  # (table, record id)


@dataclass(frozen=True)
class Edit:
    laptop: int
    key: Key
    changes: dict  # field -> value written (storage form)
    seen: dict  # what its author had taken in: record key -> frozenset of edit revs
    live: bool  # the record was live after it


class Model:
    """Four laptops and the ground truth of their edits."""

    def __init__(self, tmp: Path, laptops: list[Services], pids: list[str]) -> None:
        self.tmp, self.laptops, self.pids = tmp, laptops, pids
        self.knows: list[dict[Key, frozenset[str]]] = [{} for _ in range(N)]
        self.edits: dict[str, Edit] = {}
        self.inbox: list[list[Path]] = [[] for _ in range(N)]
        self.received: list[list[Path]] = [[] for _ in range(N)]
        self.carried: dict[Path, dict[Key, frozenset[str]]] = {}  # what each package brings, per record
        self.count = 0
        for pid in pids:  # created on laptop 0 and sent to every laptop before the example begins
            self._record_edit(0, ("partners", pid), None)
            for i in range(1, N):
                self.knows[i][("partners", pid)] = self.knows[0][("partners", pid)]

    # -- ground truth -----------------------------------------------------------------------------------------

    def _record_edit(self, i: int, key: Key, before: dict | None) -> None:
        """Note the edit laptop ``i`` just made of ``key`` (if the write stamped one: a new rev)."""
        row = _row(self.laptops[i], key)
        if row is None or (before is not None and row["rev"] == before["rev"]):
            return
        rev = row["rev"]
        fields = _fields(key)
        changes = {f: row[f] for f in fields if row["field_revs"].get(f, rev) == rev}
        self.edits[rev] = Edit(i, key, changes, dict(self.knows[i]), row[DELETED] is None)
        self.knows[i][key] = self.knows[i].get(key, frozenset()) | {rev}

    def _fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix} {self.count}"

    # -- steps ------------------------------------------------------------------------------------------------

    def edit(self, i: int, k: int, field: str) -> None:
        s, key = self.laptops[i], ("partners", self.pids[k])
        before = _row(s, key)
        if before[DELETED] is not None:
            return  # the app edits live partners only
        with s.db.sessions.begin() as ses:
            setattr(ses.get(Partner, key[1]), field, self._fresh(f"{field} on {i}"))
        self._record_edit(i, key, before)

    def measure(self, i: int, k: int, month: int, clear: bool) -> None:
        s, pid = self.laptops[i], self.pids[k]
        if _row(s, ("partners", pid))[DELETED] is not None:
            return
        self.count += 1
        key = ("measurements", measurement_id(pid, KPI_OTD, PeriodKind.MONTH, date(2026, month, 1)))
        before = _row(s, key)
        s.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, month, 1), None if clear else self.count)
        self._record_edit(i, key, before)

    def delete(self, i: int, k: int) -> None:
        s, key = self.laptops[i], ("partners", self.pids[k])
        before = _row(s, key)
        if before[DELETED] is None:
            s.partners.delete(key[1])
            self._record_edit(i, key, before)

    def restore(self, i: int, k: int) -> None:
        s, key = self.laptops[i], ("partners", self.pids[k])
        before = _row(s, key)
        if before[DELETED] is not None:
            s.partners.restore(key[1])
            self._record_edit(i, key, before)

    def resolve(self, i: int, n: int, choice: str) -> None:
        s = self.laptops[i]
        open_ = s.sync.conflicts()
        if not open_:
            return
        c = open_[n % len(open_)]
        text = None
        if choice == "edit":
            if c.field == DELETED:
                choice = "mine"
            else:
                self.count += 1
                text = str(self.count) if c.field == "value" else f"typed on {i} {self.count}"
        before = _row(s, (c.table, c.row_id))
        s.sync.resolve(c.id, choice, text)
        self._record_edit(i, (c.table, c.row_id), before)

    def skew(self, i: int, minutes: int) -> None:
        offset = minutes * 60_000
        self.laptops[i].db.clock._wall = lambda: int(time.time() * 1000) + offset  # noqa: SLF001

    def send(self, i: int, j: int, mode: str, k: int, now: bool) -> None:
        if i == j:
            return
        scope = [self.pids[k]] if "partner" in mode else None
        path = self._export(i, partner_ids=scope, since="LAST" if "since" in mode else None, recipient=f"laptop {j}")
        if now:
            self._try(j, path)
        else:
            self.inbox[j].append(path)

    def deliver(self, j: int, n: int) -> None:
        """Laptop ``j`` imports one of the packages waiting in its inbox (not necessarily the oldest)."""
        inbox = self.inbox[j]
        if inbox:
            self._try(j, inbox.pop(n % len(inbox)))

    def _try(self, j: int, path: Path) -> bool:
        """Import ``path`` on laptop ``j``; a package refused for coming before the one it continues waits in
        the inbox. True when imported."""
        try:
            self._import(j, path)
            return True
        except PackageRefused as exc:
            assert "Import that package first" in str(exc), exc
            self.inbox[j].append(path)
            return False

    def forward(self, j: int, k: int, n: int) -> None:
        """Laptop ``j`` passes on, as it is, a package it received (a relay of the file)."""
        got = self.received[j] + self.inbox[j]
        if got and j != k:
            self.inbox[k].append(got[n % len(got)])

    def _export(self, i: int, **kw) -> Path:
        self.count += 1
        path = self.tmp / f"p{self.count}.tandem"
        self.laptops[i].sync.export(path, **kw)
        self.carried[path] = {key: self.knows[i][key] for key in _keys(path) if key in self.knows[i]}
        return path

    def _import(self, j: int, path: Path):
        result = self.laptops[j].sync.import_package(path, trust_new_signer=True)
        # By design a device's record (the name shown for its edits) is taken only from its own package.
        unexpected = [r for r in result.rejections
                      if not (r.startswith("devices ") and r.endswith("taken only from that device"))]
        assert not unexpected and result.total["rejected"] == len(result.rejections), result.rejections
        for key, revs in self.carried[path].items():
            self.knows[j][key] = self.knows[j].get(key, frozenset()) | revs
        self.received[j].append(path)
        return result

    # -- the end ----------------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Import every inbox, then exchange full packages, every laptop with every other, until all agree."""
        for j in range(N):
            while any([self._try(j, self.inbox[j].pop(0)) for _ in range(len(self.inbox[j]))]):
                pass  # a pass over the inbox imported something: what waited for it may go now
            self.inbox[j].clear()  # still refused: what they hold comes in the full packages
        for _ in range(3):
            packages = [self._export(i) for i in range(N)]
            for j in range(N):
                for i in range(N):
                    if i != j:
                        self._import(j, packages[i])
            if all(_state(s) == _state(self.laptops[0]) for s in self.laptops[1:]):
                return

    def check(self) -> None:
        states = [_state(s) for s in self.laptops]
        for i in range(1, N):
            assert states[i] == states[0], f"laptop {i} disagrees with laptop 0"
        for i in range(N):  # quiet: another laptop's full package changes nothing
            package = self._export((i + 1) % N)
            assert self._import(i, package).no_op and _state(self.laptops[i]) == states[i]

        listed = set()
        for s in self.laptops:
            for c in s.sync.conflicts(include_resolved=True):
                listed |= {(c.table, c.row_id, c.field, c.local_value), (c.table, c.row_id, c.field, c.incoming_value)}
        s0 = self.laptops[0]
        for key in {e.key for e in self.edits.values()}:
            final = _row(s0, key)
            for field in _fields(key):
                for value in self._lost(key, field, final[field]):
                    assert (*key, field, value) in listed, f"{key} {field}={value!r} lost without a conflict"
        for pid in self.pids:
            self._check_delete(pid)

    def _lost(self, key: Key, field: str, final) -> set:
        mine = [e for e in self.edits.values() if e.key == key and field in e.changes]
        written = {e.changes[field] for e in mine}
        replaced = {self.edits[r].changes[field] for e in mine for r in e.seen.get(key, ())
                    if r in self.edits and field in self.edits[r].changes}
        lost = written - replaced - {final}
        return lost - {None} if field == DELETED else lost

    def _check_delete(self, pid: str) -> None:
        s0 = self.laptops[0]
        row = _row(s0, ("partners", pid))
        if row[DELETED] is None:
            return
        delete = self.edits[row["field_revs"].get(DELETED, row["rev"])]
        for rev, e in self.edits.items():
            if e.key == ("partners", pid) and e.live:
                assert rev in delete.seen.get(e.key, ()), f"partner {pid} deleted hiding an edit unseen"
            elif e.key[0] == "measurements" and e.key[1].startswith(pid) and _row(s0, e.key)[DELETED] is None:
                assert rev in delete.seen.get(e.key, ()), f"partner {pid} deleted hiding measurement {e.key[1]}"


def _fields(key: Key) -> tuple[str, ...]:
    return (*(PARTNER_FIELDS if key[0] == "partners" else MEASUREMENT_FIELDS), DELETED)


def _row(s: Services, key: Key) -> dict | None:
    """A record in storage form (as packages and conflicts hold it), or None."""
    spec = table_specs()[key[0]]
    with s.db.engine.connect() as conn:
        values = conn.exec_driver_sql(f"{spec.select_sql} WHERE id = ?", (key[1],)).first()
    return None if values is None else spec.from_db(values)


def _state(s: Services) -> dict[str, list]:
    """Every syncable table's rows, every travelling column (all but the local ``seq``), JSON parsed."""
    with s.db.engine.connect() as conn:
        return {spec.name: [spec.from_db(r) for r in conn.exec_driver_sql(spec.select_sql + spec.order_sql)]
                for spec in table_specs().values()}


def _keys(path: Path) -> list[Key]:
    return [(table, r["id"]) for table, rows in read_records(path).items() for r in rows]


laptop = st.integers(0, N - 1)
steps = st.lists(st.one_of(
    st.tuples(st.just("edit"), laptop, st.integers(0, 1), st.sampled_from(PARTNER_FIELDS)),
    st.tuples(st.just("send"), laptop, laptop, st.sampled_from(["full", "since", "partner", "partner since"]),
              st.integers(0, 1), st.booleans()),
    st.tuples(st.just("measure"), laptop, st.integers(0, 1), st.sampled_from(MONTHS), st.booleans()),
    st.tuples(st.just("deliver"), laptop, st.integers(0, 7)),
    st.tuples(st.just("delete"), laptop, st.integers(0, 1)),
    st.tuples(st.just("resolve"), laptop, st.integers(0, 7), st.sampled_from(["mine", "theirs", "edit"])),
    st.tuples(st.just("skew"), laptop, st.integers(-180, 180)),
    st.tuples(st.just("forward"), laptop, laptop, st.integers(0, 7)),
    st.tuples(st.just("restore"), laptop, st.integers(0, 1)),
), min_size=6, max_size=30)


def _templates(tmp: Path) -> list[Path]:
    """Four laptops (own database, device and key) that imported laptop 0's two partners."""
    laptops = [build_services(open_database(tmp / f"laptop{i}.sqlite")) for i in range(N)]
    for i, s in enumerate(laptops):
        s.identity.set_names(f"Laptop {i}", f"laptop-{i}")
    for k in range(2):
        laptops[0].partners.create(PartnerData(name=f"Partner {k}"))
    laptops[0].sync.export(tmp / "start.tandem")
    for s in laptops[1:]:
        s.sync.import_package(tmp / "start.tandem", trust_new_signer=True)
    for s in laptops:
        s.db.close()
    return [tmp / f"laptop{i}.sqlite" for i in range(N)]


def test_four_laptops_exchanging_packages_in_any_order_agree_and_lose_nothing(tmp_path):
    templates = _templates(tmp_path)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=steps)
    def run(steps):
        with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
            tmp = Path(tmp)
            laptops = []
            try:
                for i, template in enumerate(templates):
                    shutil.copy(template, tmp / template.name)
                    laptops.append(build_services(open_database(tmp / template.name)))
                with laptops[0].db.sessions() as s:
                    pids = sorted(s.scalars(select(Partner.id)))
                model = Model(tmp, laptops, pids)
                for kind, *args in steps:
                    note(f"{kind} {args}")
                    getattr(model, kind)(*args)
                model.settle()
                model.check()
            finally:
                for s in laptops:
                    s.db.close()

    run()


def test_an_incremental_package_waits_for_the_one_it_continues(laptops):
    """Bob receives Alice's second package (a figure) before her first (a note on the partner). Taken alone it
    would let a delete Bob makes next hide the note he never saw, so it is refused, saying what to import first,
    and changes nothing; after the first it applies. The same holds for the file forwarded to Carol."""
    alice, bob, carol = laptops.new("alice"), laptops.new("bob"), laptops.new("carol")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    laptops.send(alice, carol)
    edit(alice, Partner, pid, notes="Alice's visit notes")
    first, second = laptops.package(), laptops.package()
    alice.sync.export(first, since="LAST", recipient="bob")
    alice.measurements.record(pid, KPI_OTD, PeriodKind.MONTH, date(2026, 10, 1), 91.0)
    alice.sync.export(second, since="LAST", recipient="bob")  # only the figure
    for laptop in (bob, carol):
        with pytest.raises(PackageRefused, match="Import that package first"):
            laptop.sync.import_package(second)
        assert laptop.measurements.count(pid) == 0 and get(laptop, Partner, pid).notes != "Alice's visit notes"
    bob.sync.import_package(first)
    assert bob.sync.import_package(second).total["new"] == 1
    assert get(bob, Partner, pid).notes == "Alice's visit notes" and bob.measurements.count(pid) == 1
    bob.partners.delete(pid)  # knowing the note and the figure: the delete stands, with nothing hidden
    laptops.send(bob, alice)
    assert get(alice, Partner, pid).deleted_at is not None and not alice.sync.conflicts()

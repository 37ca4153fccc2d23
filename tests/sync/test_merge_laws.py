"""Laws of the pure merge (app/services/sync/merge.py), checked on records that laptops could really hold.

Each example simulates three laptops editing one record: edits of one or two fields (values that are often
the same on two laptops, and re-edits that keep the value, as resolving a conflict does), deletes, undeletes,
records created independently under the same id (a measurement's identity), and merges of one laptop's record
into another's, each laptop with its own skewed wall clock driving a `HybridClock`. Every record any laptop held
along the way can be an input. Alongside, the simulation keeps the ground truth the records compress: which
edits each record has taken in, what each edit's author had seen, and which values were already listed as
conflicts (on any laptop in the record's past). No database: thousands of examples a second.

The laws, for inputs ``a``, ``b``, ``c`` and ``x·y`` the record laptop ``x`` holds after merging ``y``:

- **Order does not matter**: ``a·b == b·a`` and ``(a·b)·c == a·(b·c)``, the whole record compared (values,
  revs, version vector, bases, display metadata).
- **Merging again changes nothing**: ``a·a == a`` with nothing to write; ``(a·b)·a == (a·b)·b == a·b`` with no
  user data changed, and no conflict that ``a·b`` did not report (the importer lists a pair once).
- **Both laptops see the same conflicts**: ``a·b`` and ``b·a`` report the same conflicts, mine and theirs swapped.
- **Nothing typed is lost**: folding ``a``, ``b``, ``c`` in *every* order, each value written to a field that is
  not the final value and that no author replaced knowingly (no edit of the field was made by someone who had
  seen that value) is listed in a conflict: in this fold, or already on a laptop in the inputs' past. So the
  guarantee does not depend on the order (the exact conflicts reported do: an order may also list a value that
  a third laptop had replaced knowingly, which is harmless).
- **No false alarms**: a conflict on a field is only reported between two edits neither of whose authors had
  seen the other.
- **Deletes**: a record ends deleted only when its delete's author had seen every edit of it; a delete that
  is undone without its author or a later author having seen it (a concurrent edit or undelete) is listed.
"""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from app.services.clock import KNEW_PREFIX, HybridClock, compact_seen, row_versions
from app.services.sync.merge import DELETED, FieldConflict, merge

DEVICES = ("a" * 32, "b" * 32, "c" * 32)
FIELDS = ("name", "notes", DELETED)
EDITED = ("name", "notes")
SHARED = ("same-1", "same-2")  # values two laptops may both type
T0 = 1_800_000_000_000


def apply(local: dict | None, incoming: dict) -> dict:
    """The record a laptop holds after merging ``incoming`` into ``local`` (None: it had none, so it inserts)."""
    if local is None:
        return incoming
    m = merge(FIELDS, local, incoming)
    return local if m.row is None else m.row


def conflicts(local: dict | None, incoming: dict) -> tuple[FieldConflict, ...]:
    return () if local is None else merge(FIELDS, local, incoming).conflicts


def _key(c: FieldConflict, mirrored: bool = False) -> tuple:
    """A conflict as the user sees it: the field, mine and theirs (values and revs), and the value kept."""
    mine, theirs = (c.local_value, c.local_rev), (c.incoming_value, c.incoming_rev)
    kept = mine if c.winner == "local" else theirs
    if mirrored:
        mine, theirs = theirs, mine
    return c.field, mine, theirs, kept[0], c.kept_rev


def _pair(c: FieldConflict) -> tuple:
    """The conflict as the importer deduplicates it: the field and the two edits' revs."""
    return c.field, *sorted((c.local_rev, c.incoming_rev))


class Sim:
    """Three laptops holding one record each (or none yet), and the ground truth of their edits."""

    def __init__(self, skews: tuple[int, ...]) -> None:
        self.now = 0
        self.clocks = [HybridClock(d, wall=lambda i=i: T0 + self.now + skews[i]) for i, d in enumerate(DEVICES)]
        self.recs: list[dict | None] = [None] * len(DEVICES)
        self.hist: list[frozenset[str]] = [frozenset()] * len(DEVICES)  # the edits each record has taken in
        self.listed: list[frozenset[tuple]] = [frozenset()] * len(DEVICES)  # (field, value) in a conflict
        #: rev -> (what the edit set, what its author had seen, whether it left the record live)
        self.edits: dict[str, tuple[dict, frozenset[str], bool]] = {}
        self.held: list[tuple[dict, frozenset[str], frozenset[tuple]]] = []  # every record held, with its truth

    def _keep(self, i: int) -> None:
        self.held.append((self.recs[i], self.hist[i], self.listed[i]))

    def edit(self, i: int, changes: dict) -> None:
        """A local edit, stamped exactly as `app.services.clock.install_stamping` stamps it."""
        clock, old = self.clocks[i], self.recs[i]
        rev = clock.tick()
        if old is None:  # created here (maybe created elsewhere too, under the same id)
            rec = dict(id="r", name=changes.get("name", ""), notes=changes.get("notes", ""), deleted_at=None,
                       rev=rev, field_revs={}, seen_revs={}, base_revs={})
            changes = {f: rec[f] for f in FIELDS}
        else:
            old_rev, old_fr = old["rev"], old["field_revs"]
            versions = row_versions(old_rev, old_fr, old["seen_revs"])
            field_revs = {k: old_fr.get(k, old_rev) for k in FIELDS if k not in changes}
            bases = {k: v for k, v in old["base_revs"].items() if k not in changes}
            bases.update({k: old_fr.get(k, old_rev) for k in changes})
            seen = compact_seen(versions, rev, field_revs)
            if DELETED in changes:
                bases = {k: v for k, v in bases.items() if not k.startswith(KNEW_PREFIX)}
                if changes[DELETED] is not None:
                    bases.update({KNEW_PREFIX + d: r for d, r in row_versions(rev, field_revs, seen).items()})
            rec = dict(old, **changes, rev=rev, field_revs=field_revs, seen_revs=seen, base_revs=bases)
        rec.update(updated_at=f"at {clock.wall_millis()}", updated_by=clock.device_id)
        self.edits[rev] = (changes, self.hist[i], rec[DELETED] is None)
        self.recs[i], self.hist[i] = rec, self.hist[i] | {rev}
        self._keep(i)

    def receive(self, i: int, j: int) -> None:
        """Laptop ``i`` imports laptop ``j``'s record (its clock moves past every rev the record carries)."""
        rec = self.recs[j]
        if rec is None or i == j:
            return
        found = conflicts(self.recs[i], rec)
        self.recs[i] = apply(self.recs[i], rec)
        self.hist[i] |= self.hist[j]
        self.listed[i] |= self.listed[j] | _listed(found)
        self.clocks[i].observe(max((rec["rev"], *rec["field_revs"].values(), *rec["seen_revs"].values(),
                                    *rec["base_revs"].values())))
        self._keep(i)

    def run(self, steps) -> None:
        for kind, i, x, y, wait in steps:
            self.now += wait
            rec = self.recs[i]
            if kind == 0 or (rec is None and kind < 3):  # edit one field (or create the record)
                self.edit(i, {EDITED[x % 2]: self._value(rec, EDITED[x % 2], y)})
            elif kind == 1:  # edit both fields
                self.edit(i, {f: self._value(rec, f, y + k) for k, f in enumerate(EDITED)})
            elif kind == 2:  # delete, or undelete a deleted record
                self.edit(i, {DELETED: None if rec[DELETED] else f"deleted {self.clocks[i].last}"})
            else:
                self.receive(i, x)

    def _value(self, rec: dict | None, field: str, y: int):
        if y == 0 and rec is not None:
            return rec[field]  # the same value again: an edit all the same (how "keep mine" resolves)
        if y == 1:
            return SHARED[len(self.edits) % 2]
        return f"{field} {len(self.edits)}"  # a value nobody else types


def _listed(found) -> frozenset[tuple]:
    return frozenset((c.field, v) for c in found for v in (c.local_value, c.incoming_value))


def _decode(data: bytes) -> tuple[tuple[int, ...], tuple[int, ...], list[tuple[int, ...]]]:
    """One byte string (cheap for hypothesis to make and to shrink) as the laptops' clock skews in ms, which
    held records are the inputs, and the steps: (kind, laptop, other laptop or field, value, ms passing)."""
    skews = tuple(b % 9 - 4 for b in data[:3])
    picks = tuple(data[3:6])
    steps = []
    for k in range(6, len(data) - 1, 2):
        n = (data[k] << 8 | data[k + 1]) % 648
        steps.append((n % 6, n // 6 % 3, n // 18 % 3, n // 54 % 4, n // 216))
    return skews, picks, steps


def _simulate(data: bytes) -> tuple[Sim, list]:
    skews, picks, steps = _decode(data)
    note(f"skews={skews} picks={picks} steps={steps}")
    sim = Sim(skews)
    sim.edit(0, {"name": "Acme", "notes": ""})
    sim.receive(1, 0)
    sim.run(steps)
    return sim, [sim.held[p % len(sim.held)] for p in picks]


SETTINGS = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
records = st.binary(min_size=8, max_size=64)


@SETTINGS
@given(data=records)
def test_merging_is_commutative_and_associative(data):
    """Two laptops that merged the same records, in any order or grouping, hold the same record."""
    _, inputs = _simulate(data)
    a, b, c = (rec for rec, _, _ in inputs)
    for x, y in ((a, b), (b, c), (a, c)):
        assert apply(x, y) == apply(y, x)
    assert apply(apply(a, b), c) == apply(a, apply(b, c))


@SETTINGS
@given(data=records)
def test_merging_again_changes_nothing_and_reports_nothing_new(data):
    """Importing a record already taken in (the same package twice, one relayed back, an old one) is a no-op."""
    sim, inputs = _simulate(data)
    a, b, _ = (rec for rec, _, _ in inputs)
    same = merge(FIELDS, a, a)
    assert same.row is None and not same.changed and same.conflicts == ()
    (_, ha, _), (_, hb, _), _ = inputs
    if ha <= hb and all(sim.edits[r][2] or DELETED in sim.edits[r][0] for r in hb):
        # An older version of the record (an old package) changes nothing. (Not so after an edit of the
        # tombstone itself, which the delete had not seen: the next merge keeps the record, as for any edit.)
        assert apply(b, a) == b and apply(a, b) == b and not merge(FIELDS, b, a).changed
    ab = apply(a, b)
    first = {_pair(c) for c in conflicts(a, b)}
    for x in (a, b):
        again = merge(FIELDS, ab, x)
        assert apply(ab, x) == ab and not again.changed
        assert {_pair(c) for c in again.conflicts} <= first


@SETTINGS
@given(data=records)
def test_both_laptops_list_the_same_conflicts(data):
    """Merging b into a and a into b report the same conflicts, with mine and theirs swapped."""
    _, inputs = _simulate(data)
    a, b, _ = (rec for rec, _, _ in inputs)
    assert sorted(map(_key, conflicts(a, b)), key=repr) == \
        sorted((_key(c, mirrored=True) for c in conflicts(b, a)), key=repr)


@SETTINGS
@given(data=records)
def test_in_every_order_every_lost_value_is_listed_and_only_real_conflicts_are(data):
    """Folding three records in any order loses no value silently, and raises no false alarm."""
    sim, inputs = _simulate(data)
    history = frozenset().union(*(h for _, h, _ in inputs))
    before = frozenset().union(*(listed for _, _, listed in inputs))
    for order in permutations(inputs):
        merged, found = order[0][0], []
        for rec, _, _ in order[1:]:
            step = conflicts(merged, rec)
            merged = apply(merged, rec)
            for c in step:
                if c.field != DELETED:  # no false alarm: the loser's edit was not seen by the winner's author
                    loser, winner = sorted((c.local_rev, c.incoming_rev))
                    assert loser not in sim.edits[winner][1], c
                else:  # a conflict about a delete keeps the record
                    assert merged[DELETED] is None
            found += step
        listed = before | _listed(found)
        for field in EDITED:
            for value in _lost_values(sim, history, field, merged[field]):
                assert (field, value) in listed, (field, value, order)
        _check_delete(sim, history, merged, listed)


def _lost_values(sim: Sim, history, field: str, final) -> set:
    """Values written to ``field`` by the edits in ``history`` that are not ``final`` and that no edit of the
    field replaced knowingly (its author had seen an edit writing that value)."""
    written = {sim.edits[r][0][field] for r in history if field in sim.edits[r][0]}
    seen_replaced = {sim.edits[p][0][field] for r in history if field in sim.edits[r][0]
                     for p in sim.edits[r][1] if field in sim.edits[p][0]}
    return written - seen_replaced - {final}


def _check_delete(sim: Sim, history, merged: dict, listed) -> None:
    deletes = [r for r in history if sim.edits[r][0].get(DELETED) is not None]
    if any(history <= sim.edits[d][1] | {d} for d in deletes):
        assert merged[DELETED] is not None  # a delete made after seeing every edit stands
    if merged[DELETED] is not None:
        # Deleted: by a delete whose author had seen every edit made while the record was live. (An edit of
        # the tombstone itself, as resolving a conflict of a deleted record makes, is made knowing the delete.)
        rev = merged["field_revs"].get(DELETED, merged["rev"])
        assert {r for r in history if sim.edits[r][2]} <= sim.edits[rev][1]
    else:
        # Kept: every delete is undone knowingly (a later edit of deleted_at made after seeing it) or listed.
        undone = {p for r in history if DELETED in sim.edits[r][0] for p in sim.edits[r][1]}
        for d in deletes:
            if d not in undone:
                assert (DELETED, sim.edits[d][0][DELETED]) in listed, d


@pytest.mark.xfail(strict=True, reason=(
    "merge.py undoes a delete when the joined version vector holds any rev its author had not seen, and a "
    "concurrent delete is such a rev: the record comes back, with a deleted_at conflict between two deletes. "
    "Keeping it deleted while (a·b)·c == a·(b·c) still holds would need a restored record to keep the undone "
    "delete's time and knowledge, which its storage form has no place for."))
def test_a_record_deleted_on_two_laptops_at_once_stays_deleted():
    """Two laptops delete the same record, each having seen every edit of it but not the other's delete:
    keeping it deleted loses nothing, so it stays deleted with no conflict."""
    sim = Sim((0, 0, 0))
    sim.edit(0, {"name": "Acme", "notes": ""})
    sim.receive(1, 0)
    sim.now += 1
    sim.edit(0, {DELETED: "deleted on a"})
    sim.edit(1, {DELETED: "deleted on b"})
    for a, b in ((sim.recs[0], sim.recs[1]), (sim.recs[1], sim.recs[0])):
        assert apply(a, b)[DELETED] is not None
        assert conflicts(a, b) == ()

"""The importer checks a package's batch a column at a time (`_columns_if_valid`) and looks at records one by
one (`_validate`) only when that check does not pass. The whole-batch check must never let through a record
the one-by-one check refuses, whatever a package holds, and must pass the usual batch of valid records."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.integrity import rules
from app.services.sync.importer import _columns_if_valid, _validate
from app.services.sync.tables import table_specs

DEVICE = "ab" * 16
REV = "0001800000000000.00001." + DEVICE

MEASUREMENTS = table_specs()["measurements"]
PARTNER_TABLE = table_specs()["partners"]


# Mostly sound values, so that whole batches are sound often and one odd value decides.
REVS = st.sampled_from([REV] * 40 + ["0001800000000000.00002." + DEVICE, REV + "\n" + REV, "\u0660" * 16 + ".00001." + DEVICE,
                        7, None])
MAPS = st.sampled_from([{}] * 80 + [{"d": REV}, {"d": 5}, [], None])


@st.composite
def measurements(draw) -> list:
    """A measurement record as a package could carry it, its id written from its key as an export does (so a key
    part holding the separator still makes an id that looks right)."""
    row = dict(partner_id=draw(st.sampled_from(["p1", "p2"] * 12 + ["p3", "p:1", "p4", 5])),
               kpi_id=draw(st.sampled_from(["k1"] * 24 + ["k:1", ""])),
               period_kind=draw(st.sampled_from(["month"] * 24 + ["week", "moon"])),
               period_start=draw(st.sampled_from([f"2026-{m:02d}-01" for m in range(1, 13)] * 8
                                                 + ["2026-02-30", "2026-13-01", "\uff12\uff10\uff12\uff16-01-01"])),
               value=draw(st.sampled_from([1.5, 0, 96.4] * 16 + [float("inf"), float("nan"), "lots", True, None])),
               note="", rev=draw(REVS), field_revs=draw(MAPS), seen_revs=draw(MAPS),
               base_revs=draw(MAPS), updated_at=None, updated_by=DEVICE, deleted_at=None)
    key = [row[c] for c in MEASUREMENTS.key]
    row["id"] = ":".join(map(str, key))
    return MEASUREMENTS.as_values(row)


@st.composite
def partners(draw) -> list:
    table_rules = rules("partners")
    row = {c: table_rules[c].default if table_rules[c].has_default else None for c in PARTNER_TABLE.columns}
    pid = draw(st.sampled_from([f"p{i}" for i in range(1, 41)] * 2 + ["", 5]))  # few batches repeat an id
    row.update(id=pid, partner_id=draw(st.sampled_from([pid] * 24 + ["p1"])), rev=draw(REVS),
               field_revs=draw(MAPS), seen_revs=draw(MAPS), base_revs=draw(MAPS),
               name=draw(st.sampled_from(["Łódź Stal"] * 40 + ["x" * 201, "a\x00b", 7])),
               kind=draw(st.sampled_from(["supplier"] * 30 + ["alien", None])),
               tier=draw(st.sampled_from([2] * 40 + ["abc", 2.5, True])),
               updated_at=draw(st.sampled_from([None, "2026-03-01 10:00:00.000000"] * 20
                                               + ["2026-13-45 00:00:00", "soon"] + ["2026-03-01 25:00:00", "2026-03-01 10:61:00"] * 3)))
    return PARTNER_TABLE.as_values(row)


#: What a package may put in a record's place or in one of its values: damaged, forged or merely unusual.
ODD_VALUES = st.sampled_from([None, "", 7, 1.5, [], {}, ["p1"], "p1:k1:month:2026-01-01", "p2:k1:month:2026-01-01"])


@st.composite
def batches(draw, records):
    batch = draw(st.lists(records, min_size=1, max_size=8))
    for _ in range(draw(st.integers(0, 2))):  # a few values replaced, records swapped, dropped or duplicated
        i = draw(st.integers(0, len(batch) - 1))
        what = draw(st.sampled_from(["value", "record", "short", "twice"]))
        if type(batch[i]) is not list or not batch[i]:
            continue  # replaced by something else already
        if what == "value":
            batch[i] = list(batch[i])
            batch[i][draw(st.integers(0, len(batch[i]) - 1))] = draw(ODD_VALUES)
        elif what == "record":
            batch[i] = draw(ODD_VALUES)
        elif what == "short":
            batch[i] = batch[i][:-1]
        else:
            batch.append(list(batch[i]))
    return batch


def agrees(spec, batch, scope) -> None:
    cols = _columns_if_valid(spec, batch, scope)
    one_by_one_ok = all(_validate(spec, rec, scope) is None for rec in batch)
    ids = [rec[spec.at["id"]] for rec in batch] if one_by_one_ok else []
    usual = one_by_one_ok and len(set(ids)) == len(ids) and all(
        rec[spec.at[m]] == {} for rec in batch for m in ("field_revs", "seen_revs", "base_revs"))
    if cols is not None:
        assert usual, batch  # never passes what a closer look refuses
        assert [list(r) for r in zip(*cols)] == batch  # and hands the batch on unchanged, a column at a time
    else:
        assert not usual, batch  # the usual batch takes the fast way


@settings(max_examples=1500)
@given(batches(measurements()),
       st.sampled_from([None, frozenset({"p1", "p2"})]))
def test_a_batch_of_measurements_passes_whole_only_if_every_record_would(batch, scope):
    agrees(MEASUREMENTS, batch, scope)


@settings(max_examples=800)
@given(batches(partners()), st.sampled_from([None, frozenset(f"p{i}" for i in range(1, 37))]))
def test_a_batch_of_partners_passes_whole_only_if_every_record_would(batch, scope):
    agrees(PARTNER_TABLE, batch, scope)

"""The records' format in a package: one JSON array per record, its values in the order of the table's columns
in the manifest (format 2). Packages of format 1 (one JSON object per record) are still read."""

from __future__ import annotations

import itertools
import json
import zipfile

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.sync.errors import PackageRefused
from app.services.sync.package import FORMAT_VERSION
from app.services.sync.tables import table_specs
from tests.sync.conftest import add_partner
from tests.sync.helpers import add_log, add_measurement, add_session, build_package, read_manifest, read_records, state


_names = itertools.count()


def _lead(laptops):
    """A laptop with a bit of everything that travels: partners, measurements, a session and its log."""
    lead = laptops.new(f"lead{next(_names)}")
    acme = add_partner(lead, "Acme", notes="Säo Paulo office, \"key\" account")
    add_partner(lead, "Beta")
    for month in (1, 2, 3):
        add_measurement(lead, acme, month, 90.0 + month)
    add_log(lead, acme, add_session(lead, acme), "Agreed the audit date", 1.0)
    path = laptops.package()
    lead.sync.export(path)
    return lead, path


def test_each_record_travels_as_an_array_in_the_manifests_column_order(laptops):
    lead, path = _lead(laptops)
    manifest = read_manifest(path)
    assert manifest["format_version"] == FORMAT_VERSION == 2
    with zipfile.ZipFile(path) as zf:
        for table, meta in manifest["tables"].items():
            lines = [json.loads(line) for line in zf.read(f"records/{table}.jsonl").splitlines()]
            assert len(lines) == meta["count"]
            assert all(isinstance(v, list) and len(v) == len(meta["columns"]) for v in lines), table
    records = read_records(path)  # by the manifest's column names
    assert {r["name"] for r in records["partners"]} == {"Acme", "Beta"}
    assert sorted(r["value"] for r in records["measurements"]) == [91.0, 92.0, 93.0]
    bob = laptops.new("bob")
    result = bob.sync.import_package(path, trust_new_signer=True)
    assert result.total["rejected"] == 0
    assert state(bob) == state(lead)


def test_a_format_1_package_of_objects_imports_as_before(laptops, tmp_path):
    lead, path = _lead(laptops)
    old = build_package(tmp_path / "old.tandem", lead, read_records(path), manifest_extra={"format_version": 1})
    with zipfile.ZipFile(old) as zf:
        assert json.loads(zf.read("records/partners.jsonl").splitlines()[0])["name"] in ("Acme", "Beta")
    bob = laptops.new("bob")
    result = bob.sync.import_package(old, trust_new_signer=True)
    assert result.total["rejected"] == 0 and result.tables["measurements"]["new"] == 3
    assert state(bob) == state(lead)


_specs = table_specs()


def test_values_are_read_by_the_columns_the_manifest_declares(laptops):
    """Another laptop may list a table's columns in another order: each value lands in its own column."""
    lead, path = _lead(laptops)
    records, expected = read_records(path), state(lead)

    @settings(max_examples=4, deadline=None)
    @given(partners=st.permutations(_specs["partners"].columns),
           measurements=st.permutations(_specs["measurements"].columns))
    def imports_alike(partners, measurements):
        orders = {"partners": list(partners), "measurements": list(measurements)}
        mixed = build_package(laptops.package(), lead, records,
                              arrays=lambda table, columns: orders.get(table, columns[::-1]))
        bob = laptops.new(f"bob{next(_names)}")
        result = bob.sync.import_package(mixed, trust_new_signer=True)
        assert result.total["rejected"] == 0
        assert state(bob) == expected

    imports_alike()


def test_a_record_of_other_fields_is_rejected_and_the_rest_imported(laptops, tmp_path):
    lead, path = _lead(laptops)
    records = read_records(path)
    columns = list(records["partners"][0])
    # One partner's array lacks its last value: that record is rejected, with the reason; the other arrives.
    records["partners"][0] = [records["partners"][0][c] for c in columns[:-1]]
    bad = build_package(tmp_path / "bad.tandem", lead, records, arrays=lambda _t, cols: cols)
    bob = laptops.new("bob")
    result = bob.sync.preview(bad, trust_new_signer=True)
    assert result.tables["partners"]["rejected"] == 1 and result.tables["partners"]["new"] == 1
    assert any("fields do not match" in r for r in result.rejections)


def test_a_record_twice_in_a_package_of_new_records_is_merged_not_written_twice(laptops, tmp_path, monkeypatch):
    """A new laptop skips looking up records of a table it did not hold while the package lists them in key
    order; a package out of order, or naming a record again in a later batch, is looked up as before."""
    from app.services.sync import importer

    lead = laptops.new("lead")
    for i in range(12):
        add_partner(lead, f"Partner {i:02}")
    path = laptops.package()
    lead.sync.export(path)
    partners = read_records(path)["partners"]
    monkeypatch.setattr(importer, "BATCH", 5)
    for name, rows in (("again", [*partners, partners[0]]), ("backwards", [*partners[::-1], partners[3]])):
        package = build_package(tmp_path / f"{name}.tandem", lead, {"partners": rows},
                                arrays=lambda _t, cols: cols)
        bob = laptops.new(f"bob-{name}")
        result = bob.sync.import_package(package, trust_new_signer=True)
        assert result.tables["partners"] == {"new": 12, "updated": 0, "unchanged": 1, "conflicts": 0,
                                             "proposed": 0, "rejected": 0}
        assert _partners(bob) == _partners(lead)


def _partners(services) -> dict:
    return {key: data for key, data in state(services).items() if key[0] == "partners"}


def test_reading_ahead_keeps_every_batch_in_order_and_raises_what_reading_raised():
    """The import reads the next batch of a package on a thread of its own; the importer must still get
    every batch, in order, and a damaged package's refusal, not a silent stop."""
    from app.services.sync.package import read_ahead

    assert list(read_ahead(iter(range(100)))) == list(range(100))

    def damaged():
        yield [1]
        raise PackageRefused("The package is refused: a record of partners is too large.")

    got = []
    with pytest.raises(PackageRefused, match="too large"):
        for batch in read_ahead(damaged()):
            got.append(batch)
    assert got == [[1]]


def test_an_import_stopped_midway_stops_reading_the_package():
    """Cancel (or a refusal) while batches are still being read: the reading thread ends before the importer
    goes on, so nothing reads the package file behind its back."""
    import threading

    from app.services.sync.package import read_ahead

    read = []

    def batches():
        for i in range(1000):
            read.append(i)
            yield i

    before = threading.active_count()
    gen = read_ahead(batches())
    assert next(gen) == 0
    gen.close()
    assert threading.active_count() == before
    assert len(read) < 10  # it stopped a few batches ahead, not at the end

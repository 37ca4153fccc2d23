"""Attachment files in packages: which blobs a scoped or full export carries, writing them, an incoming blob
verified by its hash (a tampered one refused), a blob without its row and a row without its blob reported."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from app.services.attachments import MAX_BYTES, BlobStore
from app.services.partners import PartnerData
from app.services.sync.blobs import (
    BlobRejected,
    blob_names,
    blobs_in_scope,
    blobs_of_records,
    entry_name,
    reconcile,
    store_blob,
    write_blobs,
)
from app.services.sync.package import PackageWriter


@pytest.fixture
def two(services, tmp_path):
    """Two partners, each with its own file, and one file both share."""
    a = services.partners.create(PartnerData(name="Nordwerk Components GmbH")).id
    b = services.partners.create(PartnerData(name="Ølands Fisk AB")).id
    att = services.attachments
    rows = {
        "a_own": att.attach_bytes(a, "audit.pdf", b"%PDF nordwerk audit"),
        "b_own": att.attach_bytes(b, "pallets.jpg", b"\xff\xd8\xff olands pallets"),
        "a_shared": att.attach_bytes(a, "terms.pdf", b"%PDF shared terms"),
        "b_shared": att.attach_bytes(b, "terms.pdf", b"%PDF shared terms"),
    }
    removed = att.attach_bytes(b, "old.png", b"\x89PNG removed")
    att.remove(removed.id)
    rows["removed"] = removed
    return a, b, rows


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_scoped_package_carries_only_its_partners_files(services, two):
    a, b, rows = two
    with services.db.engine.connect() as conn:
        scoped = blobs_in_scope(conn, [a])
        full = blobs_in_scope(conn, None)
    assert scoped == sorted({rows["a_own"].sha256, rows["a_shared"].sha256})
    assert rows["b_own"].sha256 not in scoped
    # everything: each file once, a removed attachment's file not at all
    assert full == sorted({rows["a_own"].sha256, rows["b_own"].sha256, rows["a_shared"].sha256})
    assert rows["removed"].sha256 not in full


def test_blobs_of_records_follow_the_records_a_package_holds(two):
    _a, _b, rows = two
    records = [{"sha256": rows["a_own"].sha256, "deleted_at": None},
               {"sha256": rows["removed"].sha256, "deleted_at": "2026-11-20 10:00:00"},
               {"sha256": rows["a_own"].sha256, "deleted_at": None}]
    assert blobs_of_records(records) == [rows["a_own"].sha256]


def test_written_blobs_are_entries_named_by_their_hash(services, two, tmp_path):
    a, _b, rows = two
    store = services.attachments.store
    ghost = "f" * 64  # a row that reached this laptop without its file
    writer = PackageWriter(tmp_path / "p.zip")
    with services.db.engine.connect() as conn:
        missing = write_blobs(writer, store, blobs_in_scope(conn, [a]) + [ghost])
    writer.finish({"format": "test"}, lambda data: b"sig")
    assert missing == [ghost]
    with zipfile.ZipFile(tmp_path / "p.zip") as z:
        names = [n for n in z.namelist() if n.startswith("blobs/")]
        assert sorted(names) == sorted([entry_name(rows["a_own"].sha256), entry_name(rows["a_shared"].sha256)])
        for n in names:
            assert _sha(z.read(n)) == n.removeprefix("blobs/")
    assert blob_names(names + ["records/partners.jsonl", "blobs/../x"]) == sorted(n[6:] for n in names)


def test_an_incoming_blob_is_stored_only_when_it_matches_its_hash(tmp_path):
    store = BlobStore(tmp_path / "files")
    data = b"whiteboard photo"
    assert store_blob(store, _sha(data), [data]) is True
    assert store_blob(store, _sha(data), [data]) is False  # deduplicated
    with pytest.raises(BlobRejected, match="tampered"):
        store_blob(store, _sha(b"original"), [b"tampered"])
    assert not store.has(_sha(b"original")) and not store.has(_sha(b"tampered"))
    with pytest.raises(BlobRejected):
        store_blob(store, "../../etc/passwd", [b"x"])


def test_an_oversized_incoming_blob_is_refused(tmp_path):
    store = BlobStore(tmp_path / "files")
    big = b"\0" * (MAX_BYTES + 1)
    with pytest.raises(BlobRejected, match="larger than any attachment"):
        store_blob(store, _sha(big), [big[: MAX_BYTES // 2], big[MAX_BYTES // 2:]])
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_reconcile_reports_a_blob_without_its_row_and_a_row_without_its_blob(services, two, tmp_path):
    _a, _b, rows = two
    store = services.attachments.store
    # the shared terms file is lost on this laptop; a file for a row still to come arrives
    store.path(rows["a_shared"].sha256).unlink()
    early = b"photo whose record comes in the next package"
    assert store_blob(store, _sha(early), [early])
    with services.db.engine.connect() as conn:
        report = reconcile(conn, store, [_sha(early), rows["a_own"].sha256], stored=[_sha(early)])
    assert report.stored == (_sha(early),)
    assert report.already_here == (rows["a_own"].sha256,)
    assert report.without_row == (_sha(early),)
    assert {name for _id, name in report.rows_without_blob} == {"terms.pdf"}
    text = " ".join(report.lines())
    assert "came without the record" in text and "terms.pdf is not in the package" in text


def test_staged_files_are_kept_only_when_published(tmp_path):
    from app.services.sync.blobs import Staging, remove_leftover_staging

    store = BlobStore(tmp_path / "files")
    one, two = b"first photo", b"second photo"
    with Staging(store) as staging:
        staging.add(_sha(one), [one])
        with pytest.raises(BlobRejected, match="tampered"):
            staging.add(_sha(two), [b"not the second photo"])
        assert staging.shas == [_sha(one)] and not store.has(_sha(one))  # staged, not in place yet
    assert [p for p in store.root.rglob("*") if p.is_file()] == []  # left unpublished: removed
    with Staging(store) as staging:
        staging.add(_sha(one), [one])
        staging.add(_sha(two), [two])
        assert staging.publish() == sorted([_sha(one), _sha(two)])
    assert store.path(_sha(two)).read_bytes() == two
    with Staging(store) as staging:  # already here: the staged copy goes, nothing new
        staging.add(_sha(one), [one])
        assert staging.publish() == []
    (store.root / ".incoming" / "import-killed.part").write_bytes(b"half")
    (store.root / ".incoming" / "tmpattach.part").write_bytes(b"an attach under way")
    assert [p.name for p in remove_leftover_staging(store)] == ["import-killed.part"]
    assert sorted(p.name for p in (store.root / ".incoming").iterdir()) == ["tmpattach.part"]


def test_reconcile_for_a_package_counts_its_files_as_here_and_checks_its_rows(services, two):
    _a, _b, rows = two
    store = services.attachments.store
    store.path(rows["a_own"].sha256).unlink()  # arriving in the package (a preview has not stored it)
    store.path(rows["b_own"].sha256).unlink()  # missing, but not a row of this package
    with services.db.engine.connect() as conn:
        report = reconcile(conn, store, [rows["a_own"].sha256], [rows["a_own"].sha256],
                           rows=[rows["a_own"].id, rows["a_shared"].id])
        everything = reconcile(conn, store, [])
    assert report.rows_without_blob == () and report.stored == (rows["a_own"].sha256,)
    assert report.as_json() == {"received": 1, "new": 1, "already_here": 0, "without_row": 0, "missing": 0,
                                "missing_attachments": []}
    assert {n for _i, n in everything.rows_without_blob} == {"audit.pdf", "pallets.jpg"}
    assert "1 file in the package: 1 new would be stored" in report.lines(dry_run=True)[0]


def test_a_damaged_stored_file_is_not_written_into_a_package(services, two, tmp_path):
    a, _b, rows = two
    store = services.attachments.store
    store.path(rows["a_own"].sha256).write_bytes(b"bit rot")
    writer = PackageWriter(tmp_path / "p.zip")
    with services.db.engine.connect() as conn:
        missing = write_blobs(writer, store, blobs_in_scope(conn, [a]))
    writer.finish({"format": "test"}, lambda data: b"sig")
    assert missing == [rows["a_own"].sha256]
    with zipfile.ZipFile(tmp_path / "p.zip") as z:
        assert [n for n in z.namelist() if n.startswith("blobs/")] == [entry_name(rows["a_shared"].sha256)]
        assert z.getinfo(entry_name(rows["a_shared"].sha256)).compress_type == zipfile.ZIP_STORED

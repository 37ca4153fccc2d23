"""Attachment files travelling in packages: full and scoped, each file once, only the partners' own, verified
by their hash (a tampered one refuses the whole package and changes nothing), rows without their file and files
without their row reported, incremental packages, previews, encrypted packages, the command line end to end."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from app.cli import main
from app.services.attachments import MAX_BYTES, BlobStore
from app.services.sync import PackageRefused, importer
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import FORMAT, FORMAT_VERSION, PackageReader, PackageWriter
from app.services.sync.tables import canonical_json, table_specs
from tests.sync.conftest import add_partner, file_hash
from tests.sync.helpers import read_manifest, read_records

ACME_AUDIT = b"%PDF-1.7 Acme supplier audit, page 1 of 3 " + bytes(range(256)) * 40
ACME_PHOTO = b"\xff\xd8\xff\xe0 Acme whiteboard photo " + b"\x13\x37" * 3000
BETA_SECRET = b"%PDF-1.7 Beta pricing sheet: confidential to Beta " + b"\x42\x45" * 2000
SHARED = b"%PDF-1.7 programme terms, the same file for every partner"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(services) -> list[Path]:
    """Every file in a laptop's blob store, temporary ones included."""
    root = services.attachments.store.root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def blob_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("blobs/")}


def bytes_of(services, attachment_id: str) -> bytes:
    a = services.attachments.get(attachment_id)
    return services.attachments.file_path(a).read_bytes()


def build(path: Path, services, records: dict[str, list[dict]], blobs: dict[str, bytes] = (), *,
          lie: dict[str, str] = ()) -> Path:
    """A package signed by ``services``' device holding ``records`` and ``blobs`` (entry sha256 -> bytes).
    ``lie``: entry sha256 -> the sha256 the manifest declares for it instead of its bytes' own."""
    key = device_key(services.db.device_id)
    pub = public_key_b64(key)
    writer = PackageWriter(path)
    specs = table_specs()
    tables = {}
    for table, rows in records.items():
        writer.write_lines(f"records/{table}.jsonl", iter([canonical_json(r) + b"\n" for r in rows]))
        tables[table] = {"count": len(rows), "columns": list(specs[table].columns)}
    for name, data in dict(blobs).items():
        writer.write_chunks(f"blobs/{name}", iter([data]))
        if name in dict(lie):
            writer.entries[f"blobs/{name}"]["sha256"] = dict(lie)[name]
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": "0001_initial",
                "app_version": "test", "package_id": "00000000-0000-4000-8000-" + sha(path.name.encode())[:12],
                "created_at": "2026-11-23T10:00:00Z",
                "device": {"device_id": services.db.device_id, "name": "Lead", "device_name": "lead-laptop",
                           "public_key": pub, "fingerprint": fingerprint(pub)},
                "scope": {"kind": "everything"}, "since": "", "tables": tables, "blobs": sorted(dict(blobs))}
    writer.finish(manifest, key.sign)
    return path


@pytest.fixture
def lead(laptops):
    """The lead's laptop: Acme with an audit PDF and a photo, Beta with a confidential sheet, both with the
    shared terms, and a file attached to Acme then removed."""
    lead = laptops.new("lead")
    acme, beta = add_partner(lead, "Acme"), add_partner(lead, "Beta")
    att = lead.attachments
    rows = {"audit": att.attach_bytes(acme, "audit.pdf", ACME_AUDIT, note="supplier audit"),
            "photo": att.attach_bytes(acme, "whiteboard.jpg", ACME_PHOTO),
            "acme_terms": att.attach_bytes(acme, "terms.pdf", SHARED),
            "beta_secret": att.attach_bytes(beta, "pricing.pdf", BETA_SECRET),
            "beta_terms": att.attach_bytes(beta, "terms.pdf", SHARED)}
    removed = att.attach_bytes(acme, "draft.png", b"\x89PNG removed draft")
    att.remove(removed.id)
    rows["removed"] = removed
    return lead, acme, beta, rows


# -- what travels ------------------------------------------------------------------------------------------------

def test_every_file_travels_in_a_full_package_once_and_arrives_intact(laptops, lead):
    lead, _acme, _beta, rows = lead
    path = laptops.package("full")
    lead.sync.export(path)
    entries = blob_entries(path)
    # each distinct live file once (the shared terms once for two rows), the removed attachment's file not at all
    assert set(entries) == {f"blobs/{sha(d)}" for d in (ACME_AUDIT, ACME_PHOTO, BETA_SECRET, SHARED)}
    assert all(sha(data) == name.removeprefix("blobs/") for name, data in entries.items())
    assert read_manifest(path)["blobs"] == sorted(sha(d) for d in (ACME_AUDIT, ACME_PHOTO, BETA_SECRET, SHARED))
    with zipfile.ZipFile(path) as zf:  # written stored: a stored entry cannot be a zip bomb
        assert {zf.getinfo(n).compress_type for n in entries} == {zipfile.ZIP_STORED}

    field = laptops.new("field")
    result = field.sync.import_package(path, trust_new_signer=True)
    assert (len(result.files.stored), result.files.already_here) == (4, ())
    assert result.files.without_row == () and result.files.rows_without_blob == ()
    for key in ("audit", "photo", "acme_terms", "beta_secret", "beta_terms"):
        assert field.attachments.get(rows[key].id).has_blob
        assert bytes_of(field, rows[key].id) == bytes_of(lead, rows[key].id)
    assert not field.attachments.store.has(rows["removed"].sha256)
    assert [p for p in stored_files(field) if ".incoming" in p.parts] == []


def test_a_scoped_package_carries_only_its_partners_files(laptops, lead):
    lead, acme, beta, rows = lead
    path = laptops.package("acme")
    lead.sync.export(path, partner_ids=[acme])
    raw = path.read_bytes()
    assert set(blob_entries(path)) == {f"blobs/{sha(d)}" for d in (ACME_AUDIT, ACME_PHOTO, SHARED)}
    assert BETA_SECRET[:40] not in raw and sha(BETA_SECRET).encode() not in raw  # not a byte of it, nor its name
    assert {r["partner_id"] for r in read_records(path)["attachments"]} == {acme}

    field = laptops.new("acme-laptop")
    result = field.sync.import_package(path, trust_new_signer=True)
    assert result.files.received == 3 and result.files.rows_without_blob == ()
    assert {p.name for p in stored_files(field)} == {sha(ACME_AUDIT), sha(ACME_PHOTO), sha(SHARED)}
    assert bytes_of(field, rows["audit"].id) == ACME_AUDIT
    assert beta not in {a.partner_id for a in field.attachments.list(acme)}


def test_an_encrypted_scoped_package_carries_its_files_too(laptops, lead):
    lead, acme, _beta, rows = lead
    path = laptops.package("acme-encrypted")
    lead.sync.export(path, partner_ids=[acme], passphrase="correct horse")
    assert ACME_PHOTO[:40] not in path.read_bytes()
    with PackageReader(path, "correct horse") as reader:
        assert reader.blobs() == sorted(sha(d) for d in (ACME_AUDIT, ACME_PHOTO, SHARED))
    field = laptops.new("field")
    result = field.sync.import_package(path, "correct horse", trust_new_signer=True)
    assert result.files.received == 3
    assert bytes_of(field, rows["photo"].id) == ACME_PHOTO


def test_an_incremental_package_carries_the_files_of_the_rows_it_carries(laptops, lead):
    lead, acme, _beta, rows = lead
    field = laptops.new("field")
    first = laptops.package("first")
    lead.sync.export(first, partner_ids=[acme], recipient="field")
    field.sync.import_package(first, trust_new_signer=True)

    late = lead.attachments.attach_bytes(acme, "minutes.txt", b"minutes of the steering meeting")
    lead.attachments.set_note(rows["photo"].id, "whiteboard after the workshop")  # its row travels again
    second = laptops.package("second")
    lead.sync.export(second, partner_ids=[acme], since="LAST", recipient="field")
    assert set(blob_entries(second)) == {f"blobs/{late.sha256}", f"blobs/{sha(ACME_PHOTO)}"}
    result = field.sync.import_package(second)
    assert result.files.stored == (late.sha256,) and result.files.already_here == (sha(ACME_PHOTO),)
    assert bytes_of(field, late.id) == b"minutes of the steering meeting"

    third = laptops.package("third")  # nothing changed since: no file travels again
    lead.sync.export(third, partner_ids=[acme], since="LAST", recipient="field")
    assert blob_entries(third) == {}


def test_files_travel_back_from_a_partners_own_laptop(laptops, lead):
    lead, acme, _beta, _rows = lead
    out = laptops.package("to-acme")
    lead.sync.export(out, partner_ids=[acme])
    theirs = laptops.new("acme-own")
    theirs.sync.import_package(out, trust_new_signer=True)
    receipt = theirs.attachments.attach_bytes(acme, "delivery receipt.jpg", b"\xff\xd8\xff signed receipt")
    back = laptops.package("back")
    theirs.sync.export(back)
    result = lead.sync.import_package(back, trust_new_signer=f"partner:{acme}")
    assert result.files.stored == (receipt.sha256,)
    assert bytes_of(lead, receipt.id) == b"\xff\xd8\xff signed receipt"


# -- refused, rolled back, previewed -----------------------------------------------------------------------------

def _rezip(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
    return dst


@pytest.mark.parametrize("how", ["same size", "other size"])
def test_a_tampered_file_refuses_the_whole_package_and_changes_nothing(laptops, lead, tmp_path, how):
    lead, acme, _beta, _rows = lead
    good = laptops.package("good")
    lead.sync.export(good, partner_ids=[acme])
    target = f"blobs/{sha(ACME_PHOTO)}"

    def change(name, data):
        if name != target:
            return data
        return data.replace(b"whiteboard", b"WHITEBOARD") if how == "same size" else data + b" appended"

    bad = _rezip(good, tmp_path / "bad.tandem", change)
    field = laptops.new("field")
    before = file_hash(field.db.path)
    with pytest.raises(PackageRefused, match="tampered with: entry 'blobs/"):
        field.sync.import_package(bad, trust_new_signer=True)
    with pytest.raises(PackageRefused, match="tampered"):
        field.sync.preview(bad)
    assert file_hash(field.db.path) == before
    assert stored_files(field) == [] and field.partners.list() == []


def test_a_file_not_named_by_its_own_hash_is_refused_before_anything_is_read(laptops, lead):
    lead, _acme, _beta, _rows = lead
    records = read_records(_export(laptops, lead))
    bad = build(laptops.package("misnamed"), lead, records, {sha(b"what the row names"): b"something else"})
    field = laptops.new("field")
    before = file_hash(field.db.path)
    with pytest.raises(PackageRefused, match="not named by its own hash"):
        field.sync.import_package(bad, trust_new_signer=True)
    assert file_hash(field.db.path) == before and stored_files(field) == []


def test_a_file_declared_larger_than_any_attachment_is_refused_before_it_is_read(laptops, lead):
    lead, _acme, _beta, _rows = lead
    records = read_records(_export(laptops, lead))
    path = laptops.package("oversized")
    build(path, lead, records, {sha(SHARED): SHARED})
    manifest = read_manifest(path)
    manifest["entries"][f"blobs/{sha(SHARED)}"]["size"] = MAX_BYTES + 1
    _resign(path, lead, manifest)
    field = laptops.new("field")
    with pytest.raises(PackageRefused, match="larger than any attachment"):
        field.sync.import_package(path, trust_new_signer=True)
    assert stored_files(field) == []


def _resign(path: Path, services, manifest: dict) -> None:
    """Rewrite a package's manifest, signed again by ``services``' key (a signer that lies)."""
    data = json.dumps(manifest, sort_keys=True, indent=1).encode()
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(copy, "w") as zout:
        for info in zin.infolist():
            if info.filename == "manifest.json":
                zout.writestr(info.filename, data)
            elif info.filename == "manifest.sig":
                zout.writestr(info.filename, device_key(services.db.device_id).sign(data))
            else:
                zout.writestr(info, zin.read(info.filename))
    copy.replace(path)


def test_a_file_changed_after_it_was_verified_refuses_the_package_and_leaves_no_file(laptops, lead, monkeypatch):
    # Bytes read while storing are hashed again: a package file changed between the check and the copy (or a
    # reader that missed it) still refuses the package, with every row rolled back and no file left, temporary
    # ones included.
    lead, acme, _beta, _rows = lead
    records = read_records(_export(laptops, lead, partner_ids=[acme]))
    good = {sha(d): d for d in (ACME_AUDIT, ACME_PHOTO)}
    blobs = dict(good, **{sha(SHARED): SHARED.replace(b"terms", b"TERMS")})
    bad = build(laptops.package("swapped"), lead, records, blobs, lie={sha(SHARED): sha(SHARED)})
    monkeypatch.setattr(PackageReader, "_verify_hashes", lambda self: None)
    field = laptops.new("field")
    before = file_hash(field.db.path)
    with pytest.raises(PackageRefused, match=r"tampered with: the file blobs/.* does not match its sha256"):
        field.sync.import_package(bad, trust_new_signer=True)
    assert file_hash(field.db.path) == before
    assert stored_files(field) == [] and field.partners.list() == []


def test_an_import_failing_before_its_commit_leaves_no_new_file(laptops, lead, monkeypatch):
    lead, _acme, _beta, _rows = lead
    path = _export(laptops, lead)
    field = laptops.new("field")
    before = file_hash(field.db.path)

    def fail(*_a, **_k):
        raise OSError("disk unplugged")

    monkeypatch.setattr(importer, "_persist_clock", fail)
    with pytest.raises(OSError, match="disk unplugged"):
        field.sync.import_package(path, trust_new_signer=True)
    assert file_hash(field.db.path) == before
    assert stored_files(field) == [] and field.partners.list() == []
    monkeypatch.undo()
    assert field.sync.import_package(path, trust_new_signer=True).files.received == 4


def test_a_preview_stores_nothing_and_says_what_would_arrive(laptops, lead):
    lead, _acme, _beta, _rows = lead
    path = _export(laptops, lead)
    field = laptops.new("field")
    before = file_hash(field.db.path)
    result = field.sync.preview(path)
    assert len(result.files.stored) == 4 and result.files.rows_without_blob == () and not result.applied
    assert "4 new would be stored" in " ".join(result.files.lines(dry_run=True))
    assert file_hash(field.db.path) == before and stored_files(field) == []


def test_a_killed_imports_temporary_files_are_removed_by_the_next_import(laptops, lead):
    lead, _acme, _beta, _rows = lead
    field = laptops.new("field")
    leftover = field.attachments.store.root / ".incoming" / "import-killed.part"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a photo")
    field.sync.import_package(_export(laptops, lead), trust_new_signer=True)
    assert not leftover.exists()


# -- rows without files, files without rows ----------------------------------------------------------------------

def _export(laptops, services, **kw) -> Path:
    path = laptops.package()
    services.sync.export(path, **kw)
    return path


def test_a_row_without_its_file_is_reported_and_a_later_package_brings_the_file(laptops, lead):
    lead, acme, _beta, rows = lead
    records = read_records(_export(laptops, lead, partner_ids=[acme]))
    others = {sha(ACME_AUDIT): ACME_AUDIT, sha(SHARED): SHARED}
    without = build(laptops.package("without-photo"), lead, records, others)
    field = laptops.new("field")
    result = field.sync.import_package(without, trust_new_signer=True)
    assert result.files.rows_without_blob == ((rows["photo"].id, "whiteboard.jpg"),)
    assert result.as_json()["files"]["missing"] == 1
    assert "whiteboard.jpg is not in the package" in " ".join(result.files.lines())
    assert not field.attachments.get(rows["photo"].id).has_blob

    relay = laptops.package("relay")  # this laptop passes the row on, and says the file is not here
    field.sync.export(relay)
    assert read_manifest(relay)["blobs_missing"] == [sha(ACME_PHOTO)]
    assert f"blobs/{sha(ACME_PHOTO)}" not in blob_entries(relay)

    later = _export(laptops, lead, partner_ids=[acme])  # its records are all here already: only the file is new
    result = field.sync.import_package(later)
    assert result.files.stored == (sha(ACME_PHOTO),) and result.files.rows_without_blob == ()
    assert result.applied and not result.no_op
    assert bytes_of(field, rows["photo"].id) == ACME_PHOTO
    assert field.sync.history()[0].result == "files received"


def test_a_file_without_its_row_is_kept_reported_and_never_passed_on_alone(laptops, lead):
    lead, acme, _beta, rows = lead
    records = read_records(_export(laptops, lead, partner_ids=[acme]))
    records["attachments"] = [r for r in records["attachments"] if r["id"] != rows["audit"].id]
    early = build(laptops.package("file-first"), lead, records, {sha(d): d for d in (ACME_AUDIT, ACME_PHOTO, SHARED)})
    field = laptops.new("field")
    result = field.sync.import_package(early, trust_new_signer=True)
    assert result.files.without_row == (sha(ACME_AUDIT),) and len(result.files.stored) == 3
    assert "came without the record" in " ".join(result.files.lines())
    assert field.attachments.store.has(sha(ACME_AUDIT))

    onward = _export(laptops, field)  # a file no row names never travels by itself
    assert set(blob_entries(onward)) == {f"blobs/{sha(ACME_PHOTO)}", f"blobs/{sha(SHARED)}"}

    result = field.sync.import_package(_export(laptops, lead, partner_ids=[acme]))  # its row arrives
    assert result.files.without_row == () and sha(ACME_AUDIT) in result.files.already_here
    assert bytes_of(field, rows["audit"].id) == ACME_AUDIT


def test_a_file_damaged_on_the_exporting_laptop_is_left_out_not_sent_wrong(laptops, lead):
    lead, acme, _beta, rows = lead
    damaged = lead.attachments.store.path(sha(ACME_PHOTO))
    damaged.write_bytes(b"bit rot")
    path = _export(laptops, lead, partner_ids=[acme])
    assert f"blobs/{sha(ACME_PHOTO)}" not in blob_entries(path)
    assert read_manifest(path)["blobs_missing"] == [sha(ACME_PHOTO)]
    field = laptops.new("field")
    result = field.sync.import_package(path, trust_new_signer=True)  # imported, the photo reported missing
    assert result.files.rows_without_blob == ((rows["photo"].id, "whiteboard.jpg"),)


def test_the_same_file_attached_twice_travels_once(laptops, lead):
    lead, acme, _beta, _rows = lead
    again = lead.attachments.attach_bytes(acme, "audit copy.pdf", ACME_AUDIT)
    path = _export(laptops, lead, partner_ids=[acme])
    assert list(blob_entries(path)).count(f"blobs/{sha(ACME_AUDIT)}") == 1
    assert len(blob_entries(path)) == 3
    field = laptops.new("field")
    result = field.sync.import_package(path, trust_new_signer=True)
    assert result.files.received == 3 and result.files.rows_without_blob == ()
    assert bytes_of(field, again.id) == ACME_AUDIT
    assert len(stored_files(field)) == 3


# -- the command line, end to end --------------------------------------------------------------------------------

def test_cli_attach_export_scoped_import_and_extract_identical_bytes(laptops, tmp_path, capsys):
    lead, field = laptops.new("lead"), laptops.new("field")
    add_partner(lead, "Acme")
    add_partner(lead, "Beta")
    lead_db, field_db = lead.db.path, field.db.path
    lead.db.close()
    field.db.close()
    audit, secret = tmp_path / "Lieferantenaudit März.pdf", tmp_path / "beta pricing.pdf"
    audit.write_bytes(ACME_AUDIT)
    secret.write_bytes(BETA_SECRET)
    assert main(["attach", "--db", str(lead_db), "--partner", "Acme", str(audit), "--note", "audit"]) == 0
    assert main(["attach", "--db", str(lead_db), "--partner", "Beta", str(secret)]) == 0
    pkg = tmp_path / "acme.tandem"
    assert main(["export", "--db", str(lead_db), "--partner", "Acme", "--out", str(pkg)]) == 0
    assert set(blob_entries(pkg)) == {f"blobs/{sha(ACME_AUDIT)}"}
    capsys.readouterr()

    assert main(["import", "--db", str(field_db), str(pkg), "--dry-run"]) == 0
    assert "1 file in the package: 1 new would be stored" in capsys.readouterr().out
    assert main(["import", "--db", str(field_db), str(pkg), "--trust-new-signer", "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files == {"received": 1, "new": 1, "already_here": 0, "without_row": 0, "missing": 0,
                     "missing_attachments": []}
    assert main(["import", "--db", str(field_db), str(pkg)]) == 0
    assert "1 file in the package: 0 new stored, 1 already here" in capsys.readouterr().out

    out = tmp_path / "extracted"
    assert main(["attachments", "--db", str(field_db), "--partner", "Acme", "--extract", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == [audit.name]
    assert (out / audit.name).read_bytes() == ACME_AUDIT
    assert not BlobStore.beside(field_db).has(sha(BETA_SECRET))

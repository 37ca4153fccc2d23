"""Refused packages: validated before anything is written, and the database left byte-for-byte unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.services.sync import PackageRefused
from app.services.sync.keys import key_path
from app.services.sync.package import PackageReader
from tests.sync.conftest import add_partner, file_hash, partner_names
from tests.sync.helpers import build_package, read_manifest, read_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair(laptops):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    path = laptops.package("good")
    alice.sync.export(path)
    return alice, bob, path


def _rezip(src: Path, dst: Path, change) -> Path:
    """Copy a package entry by entry, letting ``change(name, data)`` return new data (or None to drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _cli_import(db: Path, package: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "import", "--db", str(db), str(package), *extra],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def _refused(bob, path: Path, passphrase=None, match=""):
    before = file_hash(bob.db.path)
    with pytest.raises(PackageRefused, match=match):
        bob.sync.import_package(path, passphrase, trust_new_signer=True)
    assert file_hash(bob.db.path) == before


def test_not_a_package(pair, tmp_path):
    _, bob, _ = pair
    junk = tmp_path / "notes.tandem"
    junk.write_text("meeting notes, not a package")
    _refused(bob, junk, match="not a Tandem package")


def test_truncated_package(pair, tmp_path):
    _, bob, good = pair
    cut = tmp_path / "cut.tandem"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(bob, cut, match="damaged|truncated")


def test_damaged_bytes_inside_an_entry(pair, tmp_path):
    _, bob, good = pair
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("records/kpis.jsonl")
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len + 20  # inside the compressed bytes
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    bad = tmp_path / "damaged.tandem"
    bad.write_bytes(bytes(data))
    _refused(bob, bad, match="damaged|tampered|truncated")


def test_tampered_record_fails_the_hash(pair, tmp_path):
    _, bob, good = pair
    bad = _rezip(good, tmp_path / "t.tandem",
                 lambda n, d: d.replace(b'"Acme"', b'"Evil"') if n == "records/partners.jsonl" else d)
    _refused(bob, bad, match="tampered")


def test_tampered_manifest_fails_the_signature(pair, tmp_path):
    _, bob, good = pair
    def change(name, data):
        if name == "manifest.json":
            m = json.loads(data)
            m["scope"] = {"kind": "everything", "note": "changed"}
            return json.dumps(m).encode()
        return data
    _refused(bob, _rezip(good, tmp_path / "t.tandem", change), match="signature")


def test_zip_slip_names_are_refused(pair, tmp_path):
    _, bob, good = pair
    for evil in ("../../outside.txt", "/etc/evil", "records/../../x.jsonl", "C:/evil.txt"):
        bad = tmp_path / "slip.tandem"
        _rezip(good, bad, lambda n, d: d)
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr(zipfile.ZipInfo(evil), b"x")
        _refused(bob, bad, match="absolute|outside")
    assert not (tmp_path.parent / "outside.txt").exists()


def test_links_duplicates_and_unlisted_entries_are_refused(pair, tmp_path):
    _, bob, good = pair
    link = tmp_path / "link.tandem"
    _rezip(good, link, lambda n, d: d)
    with zipfile.ZipFile(link, "a") as zf:
        info = zipfile.ZipInfo("blobs/" + "a" * 64)
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    _refused(bob, link, match="link")

    dup = tmp_path / "dup.tandem"
    _rezip(good, dup, lambda n, d: d)
    with pytest.warns(UserWarning):
        with zipfile.ZipFile(dup, "a") as zf:
            zf.writestr("records/partners.jsonl", b"{}\n")
    _refused(bob, dup, match="twice")

    extra = tmp_path / "extra.tandem"
    _rezip(good, extra, lambda n, d: d)
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("records/sneaky.jsonl", b"{}\n")
    _refused(bob, extra, match="does not name")


def test_zip_bomb_is_refused_quickly(pair, tmp_path):
    _, bob, good = pair
    bomb = tmp_path / "bomb.tandem"
    _rezip(good, bomb, lambda n, d: d)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("records/measurements_bomb.jsonl", "w", force_zip64=True) as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(200):  # 200 MB of zeros, a few hundred KB compressed
                fh.write(block)
    assert bomb.stat().st_size < 2_000_000
    _refused(bob, bomb, match="zip bomb")


def test_entry_larger_than_declared_is_stopped_while_streaming(pair, tmp_path):
    """A bomb whose headers lie about its size is cut off at the declared size, not read to the end."""
    _, bob, good = pair
    reader = PackageReader(good)
    with reader:
        chunks = reader._stream("records/partners.jsonl", 10)  # noqa: SLF001
        with pytest.raises(PackageRefused, match="larger than declared"):
            list(chunks)


def test_wrong_or_missing_passphrase(laptops, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    path = laptops.package("secret")
    alice.sync.export(path, passphrase="correct horse")
    assert b"Acme" not in path.read_bytes()
    _refused(bob, path, None, match="encrypted")
    _refused(bob, path, "wrong horse", match="Wrong passphrase")
    result = bob.sync.import_package(path, "correct horse", trust_new_signer=True)
    assert result.tables["partners"]["new"] == 1


def test_newer_format_is_refused(pair, tmp_path):
    alice, bob, _ = pair
    newer = build_package(tmp_path / "newer.tandem", alice, {"partners": []},
                          manifest_extra={"format_version": 99})
    _refused(bob, newer, match="newer Tandem")


def test_unknown_signer_needs_trust_and_a_known_signer_with_another_key_is_refused(pair, laptops):
    alice, bob, good = pair
    before = file_hash(bob.db.path)
    with pytest.raises(PackageRefused, match="not trusted") as err:
        bob.sync.import_package(good)
    assert err.value.signer.name == "Alice" and err.value.signer.fingerprint
    assert file_hash(bob.db.path) == before
    preview = bob.sync.preview(good)  # a preview shows the signer for the user to decide
    assert preview.signer.status == "new" and not preview.applied
    bob.sync.import_package(good, trust_new_signer=True)
    assert [s.name for s in bob.sync.signers()] == ["Alice"]
    # Alice's key is replaced (a forger with her device id): refused, even with --trust-new-signer.
    key_path(alice.db.device_id).unlink()
    forged = laptops.package("forged")
    alice.sync.export(forged)
    _refused(bob, forged, match="different key")


def test_scoped_export_carries_nothing_of_other_partners(laptops):
    from tests.sync.helpers import add_log, add_measurement, add_session

    alice = laptops.new("alice")
    acme, beta = add_partner(alice, "Acme"), add_partner(alice, "Beta")
    for pid in (acme, beta):
        add_measurement(alice, pid, 2, 88.0)
        sid = add_session(alice, pid)
        add_log(alice, pid, sid, "note", 1)
    alice.partners.delete(beta)  # a tombstone must not travel either
    path = laptops.package("scoped")
    alice.sync.export(path, partner_ids=[acme])
    records = read_records(path)
    text = path.read_bytes()
    for table, rows in records.items():
        for r in rows:
            assert r.get("partner_id") in (None, acme), table
    assert records["kpis"]  # shared libraries travel
    assert beta.encode() not in b"".join(json.dumps(r).encode() for rows in records.values() for r in rows)
    assert read_manifest(path)["scope"] == {"kind": "partners", "partner_ids": [acme], "partner_names": ["Acme"]}
    assert text  # package written


def test_a_record_outside_the_manifest_scope_is_rejected(laptops, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    acme = add_partner(alice, "Acme")
    add_partner(alice, "Beta")
    full = laptops.package("full")
    alice.sync.export(full)
    rows = read_records(full)["partners"]
    forged = build_package(tmp_path / "forged.tandem", alice, {"partners": rows},
                           scope={"kind": "partners", "partner_ids": [acme], "partner_names": ["Acme"]})
    result = bob.sync.import_package(forged, trust_new_signer=True)
    assert result.tables["partners"] == {"new": 1, "updated": 0, "unchanged": 0, "conflicts": 0, "proposed": 0, "rejected": 1}
    assert partner_names(bob) == {"Acme"}
    assert any("outside the package's scope" in r for r in result.rejections)


def test_a_failure_halfway_leaves_nothing_half_imported(pair, monkeypatch):
    alice, bob, _ = pair
    from app.services.sync import importer

    for i in range(30):
        add_partner(alice, f"Partner {i}")
    path = Path(str(bob.db.path) + ".pkg")
    alice.sync.export(path)
    monkeypatch.setattr(importer, "BATCH", 5)
    calls = {"n": 0}
    real = importer._process_batch  # noqa: SLF001

    def failing(run, spec, batch):
        real(run, spec, batch)
        calls["n"] += 1
        if spec.name == "partners" and calls["n"] > 3:
            raise OSError("disk full")

    monkeypatch.setattr(importer, "_process_batch", failing)
    with pytest.raises(OSError):
        bob.sync.import_package(path, trust_new_signer=True)
    assert partner_names(bob) == set()
    assert bob.sync.history() == [] and bob.sync.signers() == []


def test_a_kill_halfway_leaves_nothing_half_imported(pair, tmp_path):
    alice, bob, _ = pair
    for i in range(30):
        add_partner(alice, f"Partner {i}")
    path = tmp_path / "big.tandem"
    alice.sync.export(path)
    db_path = bob.db.path
    bob.db.close()
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from app.services import build_services
from app.services.database import open_database
from app.services.sync import importer
importer.BATCH = 5
services = build_services(open_database({str(db_path)!r}))
def progress(done, total):
    if done > 12:
        os._exit(9)  # killed halfway, inside the transaction
services.sync.import_package({str(path)!r}, trust_new_signer=True, progress=progress)
"""
    proc = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), timeout=120)
    assert proc.returncode == 9
    from app.services import build_services
    from app.services.database import open_database

    again = build_services(open_database(db_path))
    try:
        assert partner_names(again) == set()
        result = again.sync.import_package(path, trust_new_signer=True)  # and it imports fine afterwards
        assert result.tables["partners"]["new"] == 31
        assert result.backup_path is not None and result.backup_path.exists()
    finally:
        again.db.close()


def test_cli_exit_codes_and_json_shape(pair, tmp_path):
    alice, bob, good = pair
    db = bob.db.path
    bob.db.close()
    before = file_hash(db)
    junk = tmp_path / "junk.tandem"
    junk.write_bytes(b"PK\x03\x04garbage")
    for args in ((junk,), (good,), (good, "--json")):  # damaged; unknown signer without --trust-new-signer
        proc = _cli_import(db, *args)
        assert proc.returncode == 2, proc.stderr
        assert "Nothing was changed" in proc.stderr
        assert file_hash(db) == before
    proc = _cli_import(db, good, "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"package_id", "tables", "total", "files"}
    assert set(out["total"]) == {"new", "updated", "unchanged", "conflicts", "proposed", "rejected"}
    assert out["files"] == {"received": 0, "new": 0, "already_here": 0, "without_row": 0, "missing": 0,
                            "missing_attachments": []}
    assert out["tables"]["partners"]["new"] == 1
    assert "New signer" in proc.stderr
    proc = _cli_import(db, good, "--json", "--trust-new-signer")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"]["new"] >= 1
    proc = _cli_import(db, good, "--json")  # re-import: a no-op, and the signer is now known
    assert proc.returncode == 0 and json.loads(proc.stdout)["total"]["new"] == 0
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "conflicts", "--db", str(db), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []


def test_cli_export_with_partner_and_passphrase_file(laptops, tmp_path):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    add_partner(alice, "Beta")
    db = alice.db.path
    alice.db.close()
    pw = tmp_path / "pw.txt"
    pw.write_text("s3cret phrase\n")
    out = tmp_path / "acme.tandem"
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "--db", str(db), "--out", str(out),
                           "--partner", "Acme", "--passphrase-file", str(pw), "--recipient", "bob"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "encrypted" in proc.stdout
    with PackageReader(out, "s3cret phrase") as r:
        assert r.manifest["scope"]["partner_names"] == ["Acme"]
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "--db", str(db), "--out", str(out),
                           "--partner", "Nobody"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "No partner called" in proc.stderr


def test_an_import_stopped_by_the_user_changes_nothing_and_leaves_no_backup(laptops, monkeypatch):
    from app.services.errors import Cancelled
    from app.services.sync import importer

    alice, bob = laptops.new("alice"), laptops.new("bob")
    for i in range(12):
        add_partner(alice, f"Partner {i:02d}")
    add_partner(bob, "Bob's own")
    path = laptops.package("many")
    alice.sync.export(path)
    monkeypatch.setattr(importer, "BATCH", 5)
    batches = []
    with pytest.raises(Cancelled):
        bob.sync.import_package(path, trust_new_signer=True, progress=lambda done, total: batches.append(done),
                                cancelled=lambda: len(batches) >= 2)  # the user presses Cancel during the import
    assert len(batches) == 2  # it stopped at once, not at the end
    assert partner_names(bob) == {"Bob's own"}
    assert all(h.direction != "import" for h in bob.sync.history())
    assert not list((bob.db.path.parent / "backups").glob("*.sqlite"))  # no copy of an import that did not happen
    result = bob.sync.import_package(path, trust_new_signer=True)  # and the package imports whole later
    assert result.tables["partners"]["new"] == 12
    assert list((bob.db.path.parent / "backups").glob("*.sqlite")) == [result.backup_path]

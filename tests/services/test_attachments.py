"""Evidence files: attach, list, extract, dedupe, the size limit, targets of the right partner only, the CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.services.attachments import MAX_BYTES, BlobMismatch, BlobStore, FileTooLarge
from app.services.errors import NotFound, ValidationError
from tests.services.week_data import build_week

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def week(services):
    return build_week(services)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "whiteboard läge 3.png"
    path.write_bytes(PNG)
    return path


def test_attach_to_a_checklist_item_and_list_it(services, week, photo):
    a = services.attachments.attach(week.olands, photo, target_kind="checklist_item",
                                    target_id=week.ids["certificates"], note="ISO certificate, page 1")
    assert (a.name, a.size, a.mime, a.has_blob) == ("whiteboard läge 3.png", len(PNG), "image/png", True)
    assert a.added_by == "Mira Holm"
    store = services.attachments.store
    assert store.path(a.sha256) == store.root / a.sha256[:2] / a.sha256[2:4] / a.sha256
    assert store.root.name == services.db.path.name + ".files"
    assert store.path(a.sha256).read_bytes() == PNG
    listed = services.attachments.list(week.olands, "checklist_item", week.ids["certificates"])
    assert [x.id for x in listed] == [a.id]
    assert services.attachments.list(week.nordwerk) == []


def test_the_same_file_twice_is_stored_once(services, week, photo, tmp_path):
    copy = tmp_path / "copy.png"
    copy.write_bytes(PNG)
    a = services.attachments.attach(week.olands, photo)
    b = services.attachments.attach(week.nordwerk, copy)
    assert a.sha256 == b.sha256 and a.id != b.id
    blobs = [p for p in services.attachments.store.root.rglob("*") if p.is_file()]
    assert blobs == [services.attachments.store.path(a.sha256)]


def test_a_file_over_the_limit_is_refused_with_a_clear_message_and_nothing_stored(services, week, tmp_path):
    big = tmp_path / "scan.pdf"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(FileTooLarge, match=r"scan.pdf is 25.0 MB; files up to 25 MB can be attached"):
        services.attachments.attach(week.olands, big)
    assert services.attachments.list(week.olands) == []
    root = services.attachments.store.root
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]
    exactly = tmp_path / "exact.bin"
    with exactly.open("wb") as f:
        f.truncate(MAX_BYTES)
    assert services.attachments.attach(week.olands, exactly).size == MAX_BYTES


def test_a_record_of_another_partner_or_none_is_refused(services, week, photo):
    with pytest.raises(ValidationError, match="belongs to another partner"):
        services.attachments.attach(week.nordwerk, photo, target_kind="checklist_item",
                                    target_id=week.ids["certificates"])
    with pytest.raises(NotFound):
        services.attachments.attach(week.nordwerk, photo, target_kind="experiment", target_id="nope")
    with pytest.raises(ValidationError, match="choose one of"):
        services.attachments.attach(week.nordwerk, photo, target_kind="invoice", target_id="x")
    with pytest.raises(ValidationError, match="not a file"):
        services.attachments.attach(week.nordwerk, photo.parent)
    assert services.attachments.list(week.nordwerk) == []


def test_remove_is_a_tombstone_and_undoable(services, week, photo):
    a = services.attachments.attach(week.olands, photo)
    services.attachments.remove(a.id)
    assert services.attachments.list(week.olands) == []
    assert services.attachments.store.has(a.sha256)  # the blob stays
    assert services.attachments.restore(a.id).id == a.id


def test_extract_copies_every_file_and_never_overwrites(services, week, photo, tmp_path):
    a = services.attachments.attach(week.olands, photo)
    services.attachments.attach_bytes(week.olands, "whiteboard läge 3.png", b"\xff\xd8\xff other photo")
    out = tmp_path / "out"
    out.mkdir()
    (out / "whiteboard läge 3.png").write_bytes(b"mine")
    result = services.attachments.extract(week.olands, out)
    assert sorted(p.name for p in out.iterdir()) == ["whiteboard läge 3 (2).png", "whiteboard läge 3 (3).png",
                                                    "whiteboard läge 3.png"]
    assert (out / "whiteboard läge 3.png").read_bytes() == b"mine"
    assert {p.read_bytes() for p in result.written} == {PNG, b"\xff\xd8\xff other photo"}
    assert a.mime == "image/png"


def test_blob_store_refuses_bytes_that_do_not_match_their_hash(tmp_path):
    store = BlobStore(tmp_path / "files")
    sha, _ = store.put_chunks([b"evidence"])
    with pytest.raises(BlobMismatch):
        store.put_chunks([b"tampered"], expected=sha)
    assert store.path(sha).read_bytes() == b"evidence"
    assert [p for p in (tmp_path / "files" / ".incoming").iterdir()] == []


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=6))
def test_the_store_keeps_one_copy_per_content_and_returns_it_intact(tmp_path, contents):
    store = BlobStore(tmp_path / f"s{abs(hash(tuple(contents)))}")
    shas = [store.put_chunks([c])[0] for c in contents]
    for c, sha in zip(contents, shas):
        assert store.path(sha).read_bytes() == c
    stored = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(stored) == len(set(contents))


def test_cli_attach_list_json_and_extract(services, week, db_path, photo, tmp_path, capsys):
    services.db.close()
    assert main(["attach", "--db", str(db_path), "--partner", "Ølands", str(photo),
                 "--to", f"checklist_item:{week.ids['certificates']}", "--note", "certificate"]) == 0
    assert "Attached whiteboard läge 3.png" in capsys.readouterr().out
    assert main(["attachments", "--db", str(db_path), "--partner", "Ølands", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "whiteboard läge 3.png" and rows[0]["size"] == len(PNG)
    assert rows[0]["attached_to"] == {"kind": "checklist_item", "id": week.ids["certificates"]}
    assert len(rows[0]["sha256"]) == 64
    out = tmp_path / "extracted"
    assert main(["attachments", "--db", str(db_path), "--partner", "Ølands", "--extract", str(out)]) == 0
    assert (out / "whiteboard läge 3.png").read_bytes() == PNG
    assert main(["attach", "--db", str(db_path), "--partner", "Ølands", str(photo), "--to", "invoice:1"]) == 1
    assert "choose one of" in capsys.readouterr().err

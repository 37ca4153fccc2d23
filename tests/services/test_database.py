"""Opening a database: creation, backups before migrating, and bad files refused untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys

import pytest

from app.services.database import DatabaseError, open_database


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_file_is_created_and_migrated(tmp_path):
    path = tmp_path / "sub" / "new.sqlite"
    path.parent.mkdir()
    db = open_database(path)
    db.close()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert db.backup_path is None  # nothing to back up in a new file


def test_a_file_that_is_not_a_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my meeting notes, not a database\n" * 10)
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a Tandem database"):
        open_database(path)
    assert digest(path) == before


def test_a_damaged_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "damaged.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    before = digest(path)
    with pytest.raises(DatabaseError, match="damaged or not a database"):
        open_database(path)
    assert digest(path) == before


def test_another_applications_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a Tandem database"):
        open_database(path)
    assert digest(path) == before


def test_a_newer_schema_is_refused_and_untouched(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="newer version of Tandem"):
        open_database(db_path)
    assert digest(db_path) == before


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root can write to read-only files")
def test_a_read_only_file_is_refused(db_path):
    os.chmod(db_path, 0o444)
    with pytest.raises(DatabaseError, match="read-only"):
        open_database(db_path)


def test_a_read_only_file_is_refused_even_for_root(db_path, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(db_path) and mode == os.W_OK
                        else real_access(p, mode))
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="read-only"):
        open_database(db_path)
    assert digest(db_path) == before


def test_a_second_instance_is_refused_while_the_first_has_it_open(db_path):
    first = open_database(db_path)
    try:
        with pytest.raises(DatabaseError, match="already open in another Tandem"):
            open_database(db_path)
        reader = open_database(db_path, lock=False)  # read-only commands still work
        reader.close()
    finally:
        first.close()
    open_database(db_path).close()  # and once the first closes, it opens again


def test_an_outdated_schema_is_backed_up_before_migrating(db_path, monkeypatch):
    import app.services.database as database

    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE keepsake (x TEXT)")  # proves the backup is a copy of this very file
    conn.commit()
    conn.close()
    # This version of the app knows one more revision than the file has: a migration is due.
    known, _head = database.known_revisions()
    monkeypatch.setattr(database, "known_revisions", lambda: (known | {"9999_next"}, "9999_next"))
    upgrades = []
    monkeypatch.setattr(database.command, "upgrade", lambda cfg, rev: upgrades.append(rev))
    db = open_database(db_path)
    db.close()
    assert upgrades == ["head"]
    assert db.backup_path is not None and db.backup_path.parent.name == "backups"
    conn = sqlite3.connect(db.backup_path)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='keepsake'").fetchone()
    conn.close()


def test_an_up_to_date_database_is_not_backed_up_again(db_path):
    db = open_database(db_path)
    db.close()
    assert db.backup_path is None


def test_a_backup_is_checked_and_renamed_only_when_complete(tmp_path, monkeypatch):
    """A copy broken off (a kill, a full disk) must not be left looking like a backup."""
    import sqlite3 as sqlite

    from app.services.database import DatabaseError, backup_database

    db = tmp_path / "t.sqlite"
    conn = sqlite.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()

    class FullDisk:
        def __init__(self, real):
            self.real = real

        def backup(self, dst):
            raise sqlite.OperationalError("database or disk is full")

        def close(self):
            self.real.close()

    real_connect = sqlite.connect
    monkeypatch.setattr(sqlite, "connect", lambda p, *a, **k: FullDisk(real_connect(p)) if str(p) == str(db)
                        else real_connect(p, *a, **k))
    with pytest.raises(DatabaseError, match="disk holding .* is full"):
        backup_database(db)
    assert list((tmp_path / "backups").iterdir()) == []
    monkeypatch.setattr(sqlite, "connect", real_connect)
    made = backup_database(db)
    assert made.suffix == ".sqlite" and real_connect(made).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backups_are_pruned_to_the_newest_ten_and_one_per_month(tmp_path):
    from datetime import datetime

    from app.services.database import backup_database

    db = tmp_path / "t.sqlite"
    import sqlite3 as sqlite

    sqlite.connect(db).close()
    for month in (1, 2, 3):
        for day in range(1, 9):
            backup_database(db, when=datetime(2026, month, day, 12))
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(names) == 11  # the newest ten (March's eight, February's last two) and January's newest
    assert "t-20260108-120000.sqlite" in names and "t-20260107-120000.sqlite" not in names


def test_a_second_instance_is_refused_through_a_hard_link_or_another_spelling(db_path, tmp_path):
    first = open_database(db_path)
    try:
        other_folder = tmp_path / "elsewhere"
        other_folder.mkdir()
        linked = other_folder / "same-file.sqlite"
        os.link(db_path, linked)
        with pytest.raises(DatabaseError, match="already open in another Tandem"):
            open_database(linked)
        with pytest.raises(DatabaseError, match="already open in another Tandem"):
            open_database(other_folder / ".." / db_path.relative_to(tmp_path))
    finally:
        first.close()

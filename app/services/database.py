"""Opening a Tandem database: checks, instance lock, backup, migration, and the session factory.

`open_database` is the only way the app reaches a database file. Before it writes a single byte it checks
that the file is a SQLite database, is writable, is not open in another Tandem, and has a schema this
version knows; any failure raises `DatabaseError` with a message for the user and leaves the file as it was.
Pending migrations run after a timestamped backup copy (SQLite's online backup API).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from app.models import LocalSetting
from app.services.changes import ChangeFeed, install_change_log
from app.services.clock import CLOCK_KEY, SEQ_KEY, HybridClock

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 5000
#: Page cache per connection (negative: KiB). Random UUID keys touch pages all over the indexes; with
#: SQLite's default 2 MB, a million-row import or demo spends most of its time re-reading them.
CACHE_SIZE = -65536


class DatabaseError(Exception):
    """A database cannot be opened; the message says why and what to do. The file was not changed."""


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def known_revisions() -> tuple[set[str], str]:
    """Every schema revision this version of Tandem knows, and the newest (head)."""
    script = ScriptDirectory.from_config(_alembic_config())
    return {r.revision for r in script.walk_revisions()}, script.get_current_head()


class InstanceLock:
    """An exclusive lock held while a Tandem process has the database open for writing.

    The lock file is named after the database file's identity (device and inode), not its path, in the user
    data folder: a second Tandem reaching the same file through a hard link, a symbolic link or another
    spelling of the path meets the same lock. The file must exist."""

    def __init__(self, db_path: Path) -> None:
        from app.paths import user_data_dir

        st = os.stat(db_path)
        folder = user_data_dir() / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{st.st_dev:x}-{st.st_ino:x}.lock"
        self._handle = None

    def acquire(self) -> bool:
        handle = open(self.path, "a+b")
        try:
            if sys.platform == "win32":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock on every platform
            self._handle = None


@dataclass
class Database:
    """An open database: the engine, the session factory every service takes, and this device's clock."""

    path: Path
    engine: Engine
    sessions: sessionmaker
    clock: HybridClock
    backup_path: Path | None = None
    _lock: InstanceLock | None = field(default=None, repr=False)
    #: every committed write's `Changes` (services/changes.py); the UI subscribes once
    feed: ChangeFeed = field(default_factory=ChangeFeed, repr=False)

    @property
    def device_id(self) -> str:
        return self.clock.device_id

    def close(self) -> None:
        """Refresh the query planner's statistics where they are stale (bounded work), then let go."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit=400")
                conn.exec_driver_sql("PRAGMA optimize")
        except OperationalError:
            pass  # busy or read-only: statistics can wait for the next close
        self.engine.dispose()
        if self._lock:
            self._lock.release()


def _check_file(path: Path) -> bool:
    """Validate an existing file without writing to it. Returns False when it is new or empty."""
    if not path.exists():
        if not path.parent.exists():
            raise DatabaseError(f"The folder {path.parent} does not exist. Create it or choose another --db path.")
        if not os.access(path.parent, os.W_OK):
            raise DatabaseError(f"Cannot create {path}: the folder is read-only. Choose another --db path.")
        return False
    if not path.is_file():
        raise DatabaseError(f"{path} is not a file. Choose a database file with --db.")
    try:
        with open(path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror}. Check its permissions.") from exc
    if not header:
        return False
    if header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a Tandem database (it is not a SQLite file). "
            "Choose the right file with --db; this file has not been changed."
        )
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseError(
            f"{path} is read-only (or its folder is). Tandem needs to write to it: copy it to a writable "
            "folder or change its permissions. The file has not been changed."
        )
    return True


def _schema_revision(path: Path) -> tuple[str | None, bool]:
    """(alembic revision, has any table), read through a read-only connection."""
    uri = f"file:{path.as_posix()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            return revision, bool(tables)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise DatabaseError(
                f"{path} is locked by another program. Close it and try again; the file has not been changed."
            ) from exc
        raise DatabaseError(
            f"{path} is damaged or not a database ({exc}). Restore a backup or choose another file with --db; "
            "this file has not been changed."
        ) from exc


#: Backups kept beside a database: the newest ones, and the newest of each month before them.
KEEP_NEWEST = 10


def backup_database(path: Path, when: datetime | None = None) -> Path:
    """Copy the database with SQLite's online backup API into ``backups/`` beside it; return the copy's path.

    The copy is written under a temporary name, checked (``PRAGMA integrity_check``) and only then renamed to
    its ``.sqlite`` name, so a kill or a full disk never leaves something that looks like a backup. Older
    backups are pruned (`prune_backups`). Raises `DatabaseError` saying how much room is needed when the disk
    is full; nothing partial is left behind."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.stem}-{stamp}.sqlite"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}.sqlite"
    partial = target.with_name(target.name + ".part")
    try:
        src = sqlite3.connect(str(path))
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            dst.close()
            src.close()
        if not ok:
            raise DatabaseError(f"The backup copy of {path} did not read back correctly; nothing was changed.")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        if _disk_full(exc):
            need = path.stat().st_size
            raise DatabaseError(
                f"The disk holding {folder} is full: a backup of {path.name} needs about {need / 1e6:.0f} MB "
                "of free room. Free some room and try again; nothing was changed.") from exc
        raise
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    prune_backups(folder, path.stem)
    return target


def _disk_full(exc: BaseException) -> bool:
    import errno

    return getattr(exc, "errno", None) == errno.ENOSPC or "full" in str(exc).lower()


def prune_backups(folder: Path, stem: str) -> list[Path]:
    """Keep the newest `KEEP_NEWEST` backups of ``stem`` and the newest one of each earlier month; remove the
    rest, and any partial copy left by a kill. Returns what was removed."""
    for stale in folder.glob(f"{stem}-*.sqlite.part"):
        stale.unlink(missing_ok=True)
    backups = sorted(folder.glob(f"{stem}-*.sqlite"), key=lambda p: p.name, reverse=True)
    keep = set(backups[:KEEP_NEWEST])
    months: set[str] = set()
    for p in backups:
        month = p.name[len(stem) + 1:len(stem) + 7]  # YYYYMM of the stamp
        if month not in months:
            months.add(month)
            keep.add(p)
    removed = [p for p in backups if p not in keep]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def make_engine(path: Path) -> Engine:
    from app.services.sync.tables import dumps_json, loads_json

    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                           json_serializer=dumps_json, json_deserializer=loads_json)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        # The driver would begin a transaction only before the first write, so a service reading twice
        # could see another connection's commit in between. Transactions are begun here instead (below),
        # at the first statement, reads included: every transaction is one snapshot.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA cache_size={CACHE_SIZE}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # ``sqlite_begin="IMMEDIATE"`` (an execution option) takes the write lock at once, for work that reads
        # before it writes and must not lose the race to upgrade its snapshot to a write.
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")

    return engine


def start_clock(sessions: sessionmaker) -> HybridClock:
    """This database's device id and hybrid clock, resumed from where they stopped, with the stamping hook
    installed: every write through ``sessions`` gets its rev from the clock (a laptop's file and the hub)."""
    from app.services.clock import install_stamping
    from app.services.identity import ensure_device

    with sessions.begin() as s:
        device_id = ensure_device(s)
        state = s.get(LocalSetting, CLOCK_KEY)
        if state is None:
            state = LocalSetting(key=CLOCK_KEY, value="")
            s.add(state)
        if s.get(LocalSetting, SEQ_KEY) is None:
            s.add(LocalSetting(key=SEQ_KEY, value="0"))
        last = state.value
    clock = HybridClock(device_id, last)
    install_stamping(sessions, clock)
    return clock


def open_database(path: str | os.PathLike, *, lock: bool = True) -> Database:
    """Open (creating and migrating if needed) the database at ``path``.

    ``lock`` takes the instance lock so a second Tandem cannot write to the same file at once; read-only
    commands pass False. Raises `DatabaseError` (file untouched) when the file cannot be used.
    """
    path = Path(path).expanduser().resolve()
    existing = _check_file(path)
    instance_lock = None
    if lock:
        created = not path.exists()
        if created:
            path.touch()  # the lock is keyed by the file itself; an empty file is a new database
        instance_lock = InstanceLock(path)
        if not instance_lock.acquire():
            if created:
                path.unlink(missing_ok=True)
            raise DatabaseError(
                f"{path} is already open in another Tandem window. Close that one first "
                "(or use a copy of the file); nothing has been changed."
            )
    try:
        known, head = known_revisions()
        revision, has_tables = _schema_revision(path) if existing else (None, False)
        if revision is not None and revision not in known:
            raise DatabaseError(
                f"{path} was written by a newer version of Tandem (schema {revision}). Install the newer "
                "Tandem to open it; this file has not been changed."
            )
        if revision is None and has_tables:
            raise DatabaseError(
                f"{path} is a SQLite file but not a Tandem database. Choose another file with --db; "
                "this file has not been changed."
            )
        backup = backup_database(path) if existing and has_tables and revision != head else None
        engine = make_engine(path)
        try:
            with engine.begin() as conn:
                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            engine.dispose()
            if "locked" in str(exc):
                raise DatabaseError(
                    f"{path} is locked by another program. Close it and try again; nothing has been changed."
                ) from exc
            raise DatabaseError(f"Cannot prepare {path}: {exc.orig}. The file has not been changed.") from exc
        sessions = sessionmaker(engine, expire_on_commit=False)
        clock = start_clock(sessions)
        db = Database(path, engine, sessions, clock, backup, instance_lock)
        install_change_log(sessions, db.feed)
        return db
    except BaseException:
        if instance_lock:
            instance_lock.release()
        raise

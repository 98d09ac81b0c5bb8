"""The job database file: creating it privately, opening it, its tables and migrations.

The schema version lives in ``PRAGMA user_version``. ``MIGRATIONS[n]`` turns a
version ``n`` database into version ``n + 1``; adding a version is one more
function at the end of the list. All pending steps run in one transaction, so
a database is never left half-migrated.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path

DB_NAME = "jobs.db"
BUSY_TIMEOUT = 5.0  # seconds a write waits for the other process before giving up
WAL_SIZE_LIMIT = 8 * 1024 * 1024  # keep one huge answer from leaving a huge -wal behind

# "SPDR": marks the file as ours, so another program's SQLite file is never
# taken for an empty job database.
APPLICATION_ID = 0x53504452


class StoreError(Exception):
    """The job database cannot be used; the message says why and what to do."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE jobs (
            job_id       TEXT PRIMARY KEY NOT NULL,
            added_at     REAL NOT NULL,
            label        TEXT,
            title        TEXT,
            status       TEXT NOT NULL DEFAULT 'unknown',
            fraction     REAL,
            message      TEXT,
            error        TEXT,
            last_polled  REAL,
            finished_at  REAL,
            terminal     INTEGER NOT NULL DEFAULT 0,
            content_kind TEXT,
            answer_size  INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.execute("CREATE INDEX jobs_newest_first ON jobs (added_at DESC, job_id)")
    # Bodies live apart from the summaries so that listing jobs never reads them.
    conn.execute(
        """
        CREATE TABLE answers (
            job_id     TEXT PRIMARY KEY NOT NULL,
            body       BLOB NOT NULL,
            compressed INTEGER NOT NULL DEFAULT 0
        )
        """
    )


def _v2(conn: sqlite3.Connection) -> None:
    # The page URLs of the last answer, one a line, for the filter: a job added by
    # its ID has no label, and its URLs are known only once it has an answer.
    conn.execute("ALTER TABLE jobs ADD COLUMN urls TEXT")


def _v3(conn: sqlite3.Connection) -> None:
    # Watched items of every kind. Keys stay as they were (a scrape's bare ID), so
    # every existing row is a scrape; a batch is keyed "batch:ID", a crawl "crawl:ID".
    conn.execute("ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'scrape'")
    # A batch's items or a crawl's pages: done (crawled), failed, in all (the cap).
    conn.execute("ALTER TABLE jobs ADD COLUMN parts_done INTEGER")
    conn.execute("ALTER TABLE jobs ADD COLUMN parts_failed INTEGER")
    conn.execute("ALTER TABLE jobs ADD COLUMN parts_total INTEGER")
    # Each crawl page once, by its place in the crawl, read back in order.
    conn.execute(
        """
        CREATE TABLE crawl_pages (
            job_id     TEXT NOT NULL,
            seq        INTEGER NOT NULL,
            body       BLOB NOT NULL,
            compressed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (job_id, seq)
        ) WITHOUT ROWID
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)


def newer_schema_error(found: int) -> StoreError:
    """The refusal for a file written by a later release."""
    return StoreError(
        f"This job database was written by a newer spidra-tui (schema {found}, "
        f"this version knows {SCHEMA_VERSION}). Upgrade spidra-tui, "
        "or use --state-dir to choose another folder."
    )


def foreign_database_error(path: Path) -> StoreError:
    """The refusal for an SQLite file that some other program wrote."""
    return StoreError(
        f"{path} is an SQLite database of another program, not a spidra-tui job database. "
        "Move it away, or use --state-dir to choose another folder.",
        path=path,
    )


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """Read the schema version, refusing files this release must not touch."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id not in (0, APPLICATION_ID):
        raise foreign_database_error(path)
    if version > SCHEMA_VERSION:
        raise newer_schema_error(version)
    return version


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database to :data:`SCHEMA_VERSION`; a no-op when it is current.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    if check_version(conn, path) == SCHEMA_VERSION:
        return
    # IMMEDIATE takes the write lock up front: a second process opening the
    # same new file waits here, then finds the work done.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = check_version(conn, path)
        if version == 0:
            others = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if others:
                raise foreign_database_error(path)
        for step in MIGRATIONS[version:]:
            step(conn)
        # PRAGMA arguments cannot be bound; both values are our own integers.
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- the file --------------------------------------------------------------------


def prepare_folder(state_dir: Path) -> list[str]:
    """Create ``state_dir`` with mode 0700, or check the one that exists.

    A folder the user made is theirs to set up: a loose mode is reported in
    the returned warnings, never changed.
    """
    if state_dir.exists():
        if not state_dir.is_dir():
            raise StoreError(
                f"{state_dir} is a file, not a folder. "
                "Use --state-dir to choose a folder for the job database.",
                path=state_dir,
            )
        if os.name == "posix" and stat.S_IMODE(state_dir.stat().st_mode) & 0o077:
            return [
                f"The folder {state_dir} can be opened by other users of this computer. "
                f"To keep it private: chmod 700 {state_dir}"
            ]
        return []
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(state_dir, 0o700)  # the umask may have taken bits away
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {state_dir} for the job database: "
            f"{exc.strerror or exc}. Use --state-dir to choose another folder.",
            path=state_dir,
        ) from None
    return []


def _create_private_file(path: Path) -> list[str]:
    """Create the file with mode 0600 before SQLite does, or check the existing one.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database
    file, so they are private too, whatever the umask.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.is_dir():
            raise StoreError(
                f"{path} is a folder, not a job database. "
                "Use --state-dir to choose another folder.",
                path=path,
            ) from None
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(
                f"The job database {path} cannot be read and written by you. "
                "Check its permissions, or use --state-dir to choose another folder.",
                path=path,
            ) from None
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            return [
                f"The job database {path} can be read by other users of this computer. "
                f"To keep your job results private: chmod 600 {path}"
            ]
        return []
    except OSError as exc:
        raise StoreError(
            f"Cannot create the job database {path}: {exc.strerror or exc}. "
            "Use --state-dir to choose another folder.",
            path=path,
        ) from None
    os.close(fd)
    return []


def connect(path: Path) -> tuple[sqlite3.Connection, list[str]]:
    """Open (creating if needed) and migrate the database; returns it and any warnings.

    The connection is in autocommit mode: callers open their own transactions.
    """
    in_memory = str(path) == ":memory:"
    warnings = [] if in_memory else _create_private_file(path)
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise translate(exc, path, "opened") from None
    try:
        migrate(conn, path)  # checks the version before changing anything
        mode = _use_wal(conn)
        # NORMAL in WAL mode: commits are atomic and survive a killed process;
        # only a power cut can lose the last few, and never corrupts the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT:d}")
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path, "opened") from None
    if not in_memory and mode.lower() != "wal":
        warnings.append(
            f"The job database {path} cannot use write-ahead logging (is the folder on a "
            "network drive?); two spidra-tui windows on it may wait for each other."
        )
    return conn, warnings


def _use_wal(conn: sqlite3.Connection) -> str:
    """Switch to write-ahead logging; returns the journal mode in force.

    The switch needs the file to itself for a moment and, unlike other
    statements, fails at once rather than waiting when another connection is
    reading it (two windows started together on a new file), hence the loop.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY")
            if not busy or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def translate(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """Plain words for an SQLite failure, naming the file and what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_BUSY") or "locked" in str(exc):
        message = (
            f"The job database {path} is busy: another spidra-tui has been using it for "
            f"more than {BUSY_TIMEOUT:g} seconds. Try again in a moment."
        )
    elif name.startswith("SQLITE_FULL"):
        message = f"The job database {path} could not be {doing}: the disk is full."
    elif name.startswith("SQLITE_READONLY"):
        message = f"The job database {path} could not be {doing}: it is read-only."
    elif name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        message = (
            f"{path} is not a usable spidra-tui job database (SQLite says: {exc}). "
            "Move it away, or use --state-dir to choose another folder."
        )
    elif name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        message = (
            f"The job database {path} could not be {doing} (SQLite says: {exc}). "
            "Check the folder exists and is yours, or use --state-dir to choose another."
        )
    else:
        message = f"The job database {path} could not be {doing} (SQLite says: {exc})."
    return StoreError(message, path=path)

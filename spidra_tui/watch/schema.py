"""The layout of the job database and the steps that bring an older file up to date.

The schema version lives in ``PRAGMA user_version``. ``MIGRATIONS[n]`` turns a
version ``n`` database into version ``n + 1``; adding a version is one more
function at the end of the list. All pending steps run in one transaction, so
a database is never left half-migrated.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

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


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
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

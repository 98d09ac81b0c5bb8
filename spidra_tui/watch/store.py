"""The SQLite memory of watched jobs: what each job is doing and its last full answer.

One file, ``jobs.db``, in write-ahead-log mode so that two processes (the TUI
and ``spidra-tui watch`` in another terminal) can read and write it at once.
Every write is one transaction, so a process killed at any moment leaves the
file consistent with everything committed before the kill.

Summaries (``jobs``) and bodies (``answers``) are separate tables: listing a
thousand jobs reads a few hundred kilobytes however large the answers are.
Everything stored comes from the network; it is only ever bound as an SQL
parameter, never spliced into a statement.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import stat
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.schema import StoreError, migrate
from spidra_tui.watch.state import UNKNOWN, JobSummary, JobUpdate, is_watch_terminal

__all__ = ["DB_NAME", "JobStore", "StoreError"]

DB_NAME = "jobs.db"
BUSY_TIMEOUT = 5.0  # seconds a write waits for the other process before giving up
COMPRESS_ABOVE = 4096  # bytes; smaller answers are not worth a zlib round trip
WAL_SIZE_LIMIT = 8 * 1024 * 1024  # keep one huge answer from leaving a huge -wal behind

# SQLite stores UTF-8 and refuses lone surrogates, which a JSON body may carry
# (``"\ud800"``); such characters become U+FFFD in the summary columns.
_SURROGATE = re.compile("[\ud800-\udfff]")

_SUMMARY_COLUMNS = (
    "job_id, added_at, label, title, status, fraction, message, error,"
    " last_polled, finished_at, terminal, content_kind, answer_size"
)

_RECORD_SQL = """
UPDATE jobs SET
    status       = CASE WHEN :keep_status THEN status ELSE :status END,
    terminal     = CASE WHEN :keep_status THEN terminal ELSE :terminal END,
    finished_at  = CASE WHEN :keep_status THEN finished_at
                        WHEN :terminal THEN coalesce(finished_at, :when)
                        ELSE NULL END,
    fraction     = CASE WHEN :fresh THEN :fraction ELSE coalesce(:fraction, fraction) END,
    message      = CASE WHEN :fresh THEN :message ELSE coalesce(:message, message) END,
    error        = CASE WHEN :fresh THEN :error ELSE coalesce(:error, error) END,
    title        = coalesce(:title, title),
    last_polled  = coalesce(:polled_at, last_polled),
    content_kind = coalesce(:content_kind, content_kind),
    answer_size  = CASE WHEN :fresh THEN :answer_size ELSE answer_size END
WHERE job_id = :job_id
"""

_Answer = tuple[bytes, int, int]  # stored body, compressed flag, size of the JSON text


class JobStore:
    """The watched jobs and their last answers, kept in one SQLite file.

    ``JobStore(path)`` opens (or creates) that file; :meth:`open` does the same
    for ``jobs.db`` inside a state folder, creating the folder. Calls are
    synchronous and safe from several threads (they are serialised). Problems a
    user can act on raise :class:`StoreError` with plain words.
    ``warnings`` lists things worth telling the user that did not stop the open.
    """

    def __init__(self, path: Path | str, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        in_memory = str(path) == ":memory:"
        if not in_memory:
            self._create_file()
        try:
            conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise _translate(exc, self.path, "opened") from None
        try:
            migrate(conn, self.path)  # checks the version before changing anything
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # NORMAL in WAL mode: commits are atomic and survive a killed process;
            # only a power cut can lose the last few, never corrupt the file.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT:d}")
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise _translate(exc, self.path, "opened") from None
        if not in_memory and str(mode).lower() != "wal":
            self.warnings.append(
                f"The job database {self.path} cannot use write-ahead logging (is the folder "
                "on a network drive?); two spidra-tui windows on it may wait for each other."
            )
        self._conn: sqlite3.Connection | None = conn

    @classmethod
    def open(cls, state_dir: Path | str, *, clock: Clock | None = None) -> JobStore:
        """Open ``jobs.db`` in ``state_dir``, creating the folder (mode 0700) if needed."""
        state_dir = Path(state_dir).expanduser()
        warnings: list[str] = []
        if state_dir.exists():
            if not state_dir.is_dir():
                raise StoreError(
                    f"{state_dir} is a file, not a folder. "
                    "Use --state-dir to choose a folder for the job database.",
                    path=state_dir,
                )
            # A folder the user made is theirs to set up: say so, change nothing.
            if os.name == "posix" and stat.S_IMODE(state_dir.stat().st_mode) & 0o077:
                warnings.append(
                    f"The folder {state_dir} can be read by other users of this computer, "
                    f"and it holds your job results. To keep them private: chmod 700 {state_dir}"
                )
        else:
            try:
                state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(state_dir, 0o700)  # the umask may have taken bits away
            except OSError as exc:
                raise StoreError(
                    f"Cannot create the folder {state_dir} for the job database: "
                    f"{exc.strerror or exc}. Use --state-dir to choose another folder.",
                    path=state_dir,
                ) from None
        store = cls(state_dir / DB_NAME, clock=clock)
        store.warnings[:0] = warnings
        return store

    def _create_file(self) -> None:
        """Create the file private (0600) before SQLite does, or check the existing one.

        SQLite gives its ``-wal`` and ``-shm`` files the mode of the database
        file, so they are private as well.
        """
        path = self.path
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
                self.warnings.append(
                    f"The job database {path} can be read by other users of this computer. "
                    f"To keep your job results private: chmod 600 {path}"
                )
            return
        except OSError as exc:
            raise StoreError(
                f"Cannot create the job database {path}: {exc.strerror or exc}. "
                "Use --state-dir to choose another folder.",
                path=path,
            ) from None
        os.close(fd)

    # -- lifetime -------------------------------------------------------------

    def close(self) -> None:
        """Close the file; calling it again does nothing."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StoreError("The job database is closed.", path=self.path)
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise _translate(exc, self.path, "read") from None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE so a busy file waits instead of failing midway."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise StoreError("The job database is closed.", path=self.path)
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise _translate(exc, self.path, "saved") from None

    # -- adding and removing --------------------------------------------------

    def add(self, job_id: str, *, label: str | None = None, added_at: float | None = None) -> bool:
        """Start remembering ``job_id``; True if it is new.

        A job already stored keeps its data; it takes ``label`` only if it had none.
        """
        key = _key(job_id)
        label = _clean(label) or None
        when = self._clock.wall() if added_at is None else added_at
        with self._writing() as conn:
            return self._insert(conn, key, label, when)

    def add_many(
        self, job_ids: Iterable[str], labels: Mapping[str, str] | None = None
    ) -> list[str]:
        """Add several jobs in one transaction; returns the new ones, in the given order.

        Blank entries are skipped. Within the list the first given ID comes first.
        ``labels`` maps an ID to its label.
        """
        labels = labels or {}
        wanted = dict.fromkeys(job_id for job_id in job_ids if job_id and job_id.strip())
        now = self._clock.wall()
        rows = [
            (_key(job_id), _clean(labels.get(job_id)) or None, now - index * 1e-6, job_id)
            for index, job_id in enumerate(wanted)
        ]
        added: list[str] = []
        with self._writing() as conn:
            for key, label, when, job_id in rows:
                if self._insert(conn, key, label, when):
                    added.append(job_id)
        return added

    @staticmethod
    def _insert(conn: sqlite3.Connection, key: str, label: str | None, when: float) -> bool:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO jobs (job_id, added_at, label) VALUES (?, ?, ?)",
            (key, when, label),
        )
        if cursor.rowcount:
            return True
        if label is not None:
            conn.execute(
                "UPDATE jobs SET label = ? WHERE job_id = ? AND label IS NULL", (label, key)
            )
        return False

    def remove(self, job_ids: Iterable[str]) -> int:
        """Forget these jobs and their answers; returns how many were stored."""
        if isinstance(job_ids, str):  # one ID, not its characters
            job_ids = [job_ids]
        keys = [(key,) for key in {_clean(job_id) for job_id in job_ids}]
        if not keys:
            return 0
        with self._writing() as conn:
            conn.executemany("DELETE FROM answers WHERE job_id = ?", keys)
            return conn.executemany("DELETE FROM jobs WHERE job_id = ?", keys).rowcount

    # -- recording poll results -----------------------------------------------

    def record(self, update: JobUpdate) -> None:
        """Write what an update says about its job (ignored if the job was removed).

        An update with a parsed answer (``update.job``) replaces the summary and
        the stored last answer. One without (a retry, a 404) changes only the
        fields it carries, so the last answer and what it said stay.
        """
        params, answer = self._prepare(update)
        with self._writing() as conn:
            _apply(conn, params, answer)

    def record_many(self, updates: Iterable[JobUpdate]) -> None:
        """Write a burst of updates in one transaction, in order."""
        prepared = [self._prepare(update) for update in updates]
        if not prepared:
            return
        with self._writing() as conn:
            for params, answer in prepared:
                _apply(conn, params, answer)

    def _prepare(self, update: JobUpdate) -> tuple[dict[str, Any], _Answer | None]:
        """Everything ``record`` binds, computed before the write lock is taken."""
        job = update.job
        fresh = job is not None
        answer = _encode_answer(job.raw) if job is not None else None
        kind = job.result.content_kind if job is not None and job.result is not None else None
        params = {
            "job_id": _clean(update.job_id),
            # A poll that got no answer must not turn a known status back to "unknown".
            "keep_status": not fresh and update.status == UNKNOWN,
            "status": _clean(update.status),
            "terminal": bool(update.terminal or is_watch_terminal(update.status)),
            "when": update.polled_at if update.polled_at is not None else self._clock.wall(),
            "fresh": fresh,
            "fraction": update.fraction,
            "message": _clean(update.message),
            "error": _clean(update.error),
            "title": _clean(update.title),
            "polled_at": update.polled_at,
            "content_kind": kind,
            "answer_size": answer[2] if answer else 0,
        }
        return params, answer

    # -- queries --------------------------------------------------------------

    def list(self) -> list[JobSummary]:
        """Every job, newest first (then by ID); answers are not read."""
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM jobs ORDER BY added_at DESC, job_id"
            ).fetchall()
        return [_summary(row) for row in rows]

    def get(self, job_id: str) -> JobSummary | None:
        """One job's summary, or None if it is not stored."""
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM jobs WHERE job_id = ?", (_clean(job_id),)
            ).fetchone()
        return _summary(row) if row else None

    def ids(self) -> set[str]:
        """The IDs of every stored job."""
        with self._reading() as conn:
            return {row[0] for row in conn.execute("SELECT job_id FROM jobs")}

    def active_ids(self) -> set[str]:
        """The IDs of jobs that still need polling."""
        with self._reading() as conn:
            return {row[0] for row in conn.execute("SELECT job_id FROM jobs WHERE terminal = 0")}

    def count(self) -> int:
        """How many jobs are stored."""
        with self._reading() as conn:
            return conn.execute("SELECT count(*) FROM jobs").fetchone()[0]

    def load_answer_text(self, job_id: str) -> str | None:
        """The last full answer as JSON text; None if there is none or it cannot be read."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT body, compressed FROM answers WHERE job_id = ?", (_clean(job_id),)
            ).fetchone()
        return _decode_answer(row[0], row[1]) if row else None

    def load_answer(self, job_id: str) -> dict[str, Any] | None:
        """The last full answer, decoded; None if there is none or it cannot be read."""
        text = self.load_answer_text(job_id)
        if text is None:
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None


# -- rows and bodies -----------------------------------------------------------


def _apply(conn: sqlite3.Connection, params: dict[str, Any], answer: _Answer | None) -> None:
    if conn.execute(_RECORD_SQL, params).rowcount and answer is not None:
        conn.execute(
            "INSERT OR REPLACE INTO answers (job_id, body, compressed) VALUES (?, ?, ?)",
            (params["job_id"], answer[0], answer[1]),
        )


def _summary(row: tuple[Any, ...]) -> JobSummary:
    return JobSummary(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6],
        row[7], row[8], row[9], bool(row[10]), row[11], row[12] or 0,
    )  # fmt: skip


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return _SURROGATE.sub("\ufffd", value)


def _key(job_id: str) -> str:
    if not job_id:
        raise ValueError("a job ID cannot be empty")
    return _SURROGATE.sub("\ufffd", job_id)


def _encode_answer(raw: Any) -> _Answer:
    # Surrogates escaped by the JSON body survive the round trip through
    # "surrogatepass": the column is a BLOB, never decoded by SQLite.
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str)
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > COMPRESS_ABOVE:
        packed = zlib.compress(data)
        if len(packed) < len(data):
            return packed, 1, len(data)
    return data, 0, len(data)


def _decode_answer(body: Any, compressed: Any) -> str | None:
    try:
        if isinstance(body, str):
            return body
        data = zlib.decompress(body) if compressed else bytes(body)
        return data.decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError, TypeError, ValueError, MemoryError):
        return None


def _translate(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
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

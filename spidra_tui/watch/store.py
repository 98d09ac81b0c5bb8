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
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from spidra_tui.api.kinds import ref_of_key
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.bodies import Answer as _Answer
from spidra_tui.watch.bodies import clean as _clean
from spidra_tui.watch.bodies import decode as _decode_answer
from spidra_tui.watch.bodies import encode as _encode_answer
from spidra_tui.watch.bodies import key as _key
from spidra_tui.watch.kinds import view_of
from spidra_tui.watch.schema import DB_NAME, StoreError, connect, prepare_folder, translate
from spidra_tui.watch.state import UNKNOWN, JobSummary, JobUpdate, is_watch_terminal

__all__ = ["DB_NAME", "JobStore", "StoreError"]

# The page URLs kept in the summary for the filter: enough to find a job by any of
# the URLs of an ordinary answer, bounded so a forEach answer cannot bloat the list.
URLS_CHARS = 4000


_SUMMARY_COLUMNS = (
    "job_id, added_at, label, title, status, fraction, message, error,"
    " last_polled, finished_at, terminal, content_kind, answer_size, urls,"
    " kind, parts_done, parts_failed, parts_total"
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
    answer_size  = CASE WHEN :fresh THEN :answer_size ELSE answer_size END,
    urls         = coalesce(:urls, urls),
    parts_done   = coalesce(:parts_done, parts_done),
    parts_failed = coalesce(:parts_failed, parts_failed),
    parts_total  = coalesce(:parts_total, parts_total)
WHERE job_id = :job_id
"""

_Prepared = tuple[dict[str, Any], "_Answer | None", list[tuple[str, int, bytes, int]]]


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
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        conn, self.warnings = connect(self.path)
        self._conn: sqlite3.Connection | None = conn
        self._listed: dict[str, tuple[tuple[Any, ...], JobSummary]] = {}

    @classmethod
    def open(cls, state_dir: Path | str, *, clock: Clock | None = None) -> JobStore:
        """Open ``jobs.db`` in ``state_dir``, creating the folder (mode 0700) if needed."""
        state_dir = Path(state_dir).expanduser()
        warnings = prepare_folder(state_dir)
        store = cls(state_dir / DB_NAME, clock=clock)
        store.warnings[:0] = warnings
        return store

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
                raise translate(exc, self.path, "read") from None

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
                raise translate(exc, self.path, "saved") from None

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
            "INSERT OR IGNORE INTO jobs (job_id, added_at, label, kind) VALUES (?, ?, ?, ?)",
            (key, when, label, ref_of_key(key).kind.value),
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
            conn.executemany("DELETE FROM crawl_pages WHERE job_id = ?", keys)
            return conn.executemany("DELETE FROM jobs WHERE job_id = ?", keys).rowcount

    # -- recording poll results -----------------------------------------------

    def record(self, update: JobUpdate) -> None:
        """Write what an update says about its job (ignored if the job was removed).

        An update with a parsed answer (``update.job``) replaces the summary and
        the stored last answer. One without (a retry, a 404) changes only the
        fields it carries, so the last answer and what it said stay.
        """
        prepared = self._prepare(update)
        with self._writing() as conn:
            _apply(conn, *prepared)

    def record_many(self, updates: Iterable[JobUpdate]) -> None:
        """Write a burst of updates in one transaction, in order."""
        prepared = [self._prepare(update) for update in updates]
        if not prepared:
            return
        with self._writing() as conn:
            for one in prepared:
                _apply(conn, *one)

    def _prepare(self, update: JobUpdate) -> _Prepared:
        """Everything ``record`` binds, computed before the write lock is taken."""
        job = update.job
        fresh = job is not None
        answer = _encode_answer(job.raw) if job is not None else None
        view = update.view if update.view is not None or job is None else view_of(job)
        parts = update.parts or (view.parts if view is not None else None)
        key = _clean(update.job_id)
        pages = [
            (key, update.pages_at + index, *_encode_answer(_page_record(page))[:2])
            for index, page in enumerate(update.pages)
        ]
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
            "content_kind": view.content_kind if view is not None else None,
            "answer_size": answer[2] if answer else 0,
            "urls": _urls(view.urls) if view is not None else None,
            "parts_done": parts.done if parts is not None else None,
            "parts_failed": parts.failed if parts is not None else None,
            "parts_total": parts.total if parts is not None else None,
        }
        return params, answer, pages

    # -- queries --------------------------------------------------------------

    def list(self) -> list[JobSummary]:
        """Every job, newest first (then by ID); answers are not read."""
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM jobs ORDER BY added_at DESC, job_id"
            ).fetchall()
            # A row unchanged since the last call reuses its (immutable) summary:
            # building them is half the cost of listing, and most rows never change.
            previous, listed = self._listed, {}
            summaries = []
            for row in rows:
                known = previous.get(row[0])
                summary = known[1] if known is not None and known[0] == row else _summary(row)
                listed[row[0]] = (row, summary)
                summaries.append(summary)
            self._listed = listed
        return summaries

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

    def page_count(self, job_id: str) -> int:
        """How many crawl pages are kept for ``job_id``."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT count(*) FROM crawl_pages WHERE job_id = ?", (_clean(job_id),)
            ).fetchone()
        return int(row[0])

    def page_counts(self) -> dict[str, int]:
        """Kept crawl pages by item, for every item that has some."""
        with self._reading() as conn:
            rows = conn.execute("SELECT job_id, count(*) FROM crawl_pages GROUP BY job_id")
            return {key: int(count) for key, count in rows}

    def load_pages(
        self, job_id: str, offset: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Kept crawl pages in crawl order, from ``offset``; unreadable ones are skipped."""
        return self.load_pages_after(job_id, offset, limit)[0]

    def load_pages_after(
        self, job_id: str, offset: int = 0, limit: int | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """:meth:`load_pages`, and the offset to read the pages kept later from."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT body, compressed, seq FROM crawl_pages WHERE job_id = ? AND seq >= ?"
                " ORDER BY seq LIMIT ?",
                (_clean(job_id), offset, -1 if limit is None else limit),
            ).fetchall()
        following = rows[-1][2] + 1 if rows else offset
        pages = []
        for body, compressed, _seq in rows:
            text = _decode_answer(body, compressed)
            try:
                value = json.loads(text) if text is not None else None
            except (ValueError, RecursionError):
                value = None
            if isinstance(value, dict):
                pages.append(value)
        return pages, following

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


def _apply(
    conn: sqlite3.Connection,
    params: dict[str, Any],
    answer: _Answer | None,
    pages: list[tuple[str, int, bytes, int]],
) -> None:
    if not conn.execute(_RECORD_SQL, params).rowcount:
        return  # the item was forgotten meanwhile
    if answer is not None:
        conn.execute(
            "INSERT OR REPLACE INTO answers (job_id, body, compressed) VALUES (?, ?, ?)",
            (params["job_id"], answer[0], answer[1]),
        )
    if pages:
        # OR IGNORE: a page already kept stays as it was first read.
        conn.executemany(
            "INSERT OR IGNORE INTO crawl_pages (job_id, seq, body, compressed) VALUES (?, ?, ?, ?)",
            pages,
        )


def _summary(row: tuple[Any, ...]) -> JobSummary:
    # Positional: this runs once per row of list(), a thousand times a refresh.
    return JobSummary(*row[:10], bool(row[10]), row[11], row[12] or 0, *row[13:])


def _urls(urls: tuple[str, ...]) -> str | None:
    """The answer's page URLs (a bounded few), one a line (None if none)."""
    return _clean("\n".join(urls)[:URLS_CHARS]) or None


def _page_record(page: Any) -> dict[str, Any]:
    """A crawl page as the store keeps it: every field, ``None`` ones left out."""
    fields = {name: getattr(page, name) for name in page.__slots__}
    return {name: value for name, value in fields.items() if value is not None}

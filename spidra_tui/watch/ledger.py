"""Where the request budget keeps its books: in memory, or in the state folder.

The request window belongs to the user's address, not to one process: the TUI
and a ``get --wait`` in a script spend from the same one. :class:`FileLedger`
keeps the sends and the server's last word about the window in ``budget.db``
(SQLite, write-ahead log) in the state folder, so every spidra-tui process on
that folder sees what the others spent and stays within one share with them.
:class:`MemoryLedger` is the same books for one process (tests, ``--demo``).

Both are used inside :meth:`locked`, which makes a check and a spend one atomic
step across processes (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from spidra_tui.watch.schema import StoreError, prepare_folder

BUDGET_DB = "budget.db"
KEEP_SENDS = 4 * 3600.0  # seconds of sends kept; windows are minutes long
BUSY_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class WindowState:
    """The server's last word on the request window, on the wall clock."""

    limit: int
    remaining: int
    reset_at: float  # when the window starts again
    seen_at: float  # when the request whose answer said it was sent
    length: float  # the longest time-to-reset ever read: the window's length, learned
    previous_reset: float | None = None  # when the window before this one ended
    transitions: int = 0  # window changes seen; from one on, ``length`` is measured


class Ledger(Protocol):
    """The books of one request budget. Use the methods inside :meth:`locked`."""

    def locked(self) -> contextlib.AbstractContextManager[None]: ...

    def count_since(self, at: float) -> int: ...

    def last_send(self) -> float | None: ...

    def add_send(self, at: float) -> None: ...

    def window(self) -> WindowState | None: ...

    def set_window(self, state: WindowState) -> None: ...


class MemoryLedger:
    """The books of one process."""

    def __init__(self) -> None:
        self._sends: deque[float] = deque()
        self._window: WindowState | None = None
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def count_since(self, at: float) -> int:
        sends = self._sends
        if not sends or sends[-1] < at:
            return 0
        # Sends are appended in time order; count from the newest end.
        count = 0
        for when in reversed(sends):
            if when < at:
                break
            count += 1
        return count

    def last_send(self) -> float | None:
        return self._sends[-1] if self._sends else None

    def add_send(self, at: float) -> None:
        self._sends.append(at)
        while self._sends and self._sends[0] < at - KEEP_SENDS:
            self._sends.popleft()

    def window(self) -> WindowState | None:
        return self._window

    def set_window(self, state: WindowState) -> None:
        self._window = state


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sends_at ON sends (at);
CREATE TABLE IF NOT EXISTS window (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    request_limit INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    reset_at REAL NOT NULL,
    seen_at REAL NOT NULL,
    length REAL NOT NULL,
    previous_reset REAL,
    transitions INTEGER NOT NULL
);
"""


class FileLedger:
    """The books in ``budget.db`` of a state folder, shared by every process on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(
                f"The request budget's file {path} cannot be used ({exc}).", path=path
            ) from None
        self._conn = conn
        self._depth = 0

    @classmethod
    def open(cls, state_dir: Path | str) -> FileLedger:
        """``budget.db`` in ``state_dir`` (created, private, if needed)."""
        folder = Path(state_dir).expanduser()
        prepare_folder(folder)
        return cls(folder / BUDGET_DB)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def count_since(self, at: float) -> int:
        row = self._conn.execute("SELECT count(*) FROM sends WHERE at >= ?", (at,)).fetchone()
        return int(row[0])

    def last_send(self) -> float | None:
        row = self._conn.execute("SELECT max(at) FROM sends").fetchone()
        return None if row[0] is None else float(row[0])

    def add_send(self, at: float) -> None:
        self._conn.execute("INSERT INTO sends (at) VALUES (?)", (at,))
        self._conn.execute("DELETE FROM sends WHERE at < ?", (at - KEEP_SENDS,))

    def window(self) -> WindowState | None:
        row = self._conn.execute(
            "SELECT request_limit, remaining, reset_at, seen_at, length, previous_reset,"
            " transitions FROM window WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        return WindowState(int(row[0]), int(row[1]), *map(float, row[2:5]), row[5], int(row[6]))

    def set_window(self, state: WindowState) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO window VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.limit,
                state.remaining,
                state.reset_at,
                state.seen_at,
                state.length,
                state.previous_reset,
                state.transitions,
            ),
        )

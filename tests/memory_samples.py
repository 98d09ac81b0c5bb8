"""Sampling a process's memory during a long run, and telling growth from noise.

Three figures per sample, each blind to something the others see:

- RSS: everything resident, including what C libraries hold;
- SQLite's own heap (``sqlite3_memory_used``): mostly its page cache, which fills
  up to ``cache_size`` as the database grows and is no leak;
- Python's small-object blocks in use (``sys.getallocatedblocks``): every dict,
  string, task or future kept alive, measured at no cost;

and, when asked, tracemalloc's count of Python's allocated bytes (exact, but
it makes the run several times slower).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import sys
import tracemalloc
from dataclasses import dataclass
from typing import Any

WARM_UP = 0.1  # the first tenth of the samples: caches, pools and connections settling


@dataclass(frozen=True)
class MemorySample:
    """The process's memory at one moment (``at``: seconds into the run, any clock)."""

    at: float
    rss: int
    """Bytes resident (Linux: ``/proc/self/statm``; elsewhere the peak so far)."""
    blocks: int
    """Python's small-object blocks in use."""
    sqlite: int | None
    """Bytes on SQLite's heap; None where the library cannot be asked."""
    traced: int | None = None
    """Bytes allocated by Python and not yet freed since tracemalloc started."""

    @property
    def rss_besides_sqlite(self) -> int:
        """RSS less SQLite's heap: what the rest of the process keeps."""
        return self.rss - (self.sqlite or 0)


def rss() -> int:
    """Bytes resident in memory for this process."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _sqlite_library() -> Any:
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)  # the copy the sqlite3 module loaded, if it is shared
        library.sqlite3_memory_used.restype = ctypes.c_int64
    except (OSError, AttributeError):
        return None
    return library


_SQLITE = _sqlite_library()


def sqlite_memory() -> int | None:
    """Bytes in use on SQLite's heap in this process, if the library can be asked."""
    return int(_SQLITE.sqlite3_memory_used()) if _SQLITE is not None else None


def sample_memory(at: float, traced: bool = False) -> MemorySample:
    """One sample, after a full collection: what is kept, not what awaits the collector."""
    gc.collect()
    return MemorySample(
        at,
        rss(),
        sys.getallocatedblocks(),
        sqlite_memory(),
        tracemalloc.get_traced_memory()[0] if traced else None,
    )


def thirds(samples: list[MemorySample], figure: str) -> tuple[int, int] | None:
    """(peak of the first third, peak of the last third) of ``figure`` over the samples
    after the warm-up; None when there are too few samples or no such figure."""
    values = [getattr(sample, figure) for sample in samples]
    values = [value for value in values if value is not None]
    values = values[max(1, int(len(values) * WARM_UP)) :]
    if len(values) < 6:
        return None
    third = len(values) // 3
    return max(values[:third]), max(values[-third:])

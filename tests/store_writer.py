"""Write to a job store as fast as it can until it is killed; the crash tests run it.

Usage: ``python tests/store_writer.py DB_PATH TAG [JOBS]``

Adds JOBS job IDs (``job-0000``...), prints ``ready``, then loops for ever:
records updates whose answers are about 100 KB (alone and in bursts) and now
and then adds a new job ``extra-TAG-N``, printing ``added extra-TAG-N`` once
that add has committed. Each answer carries the TAG and a SHA-256 of its
padding, so a reader can tell that it was written by this run and is whole.

So that a test can kill it inside a transaction rather than while it builds
the next answer, it prints ``begin`` / ``commit`` as SQLite starts those
statements, and keeps one byte in ``DB_PATH.phase``: ``w`` from the start of a
write transaction until the call that made it has returned, ``-`` otherwise.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import sys
from pathlib import Path

from spidra_tui.api.models import Job
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore


def answer(tag: str, seq: int) -> dict:
    """A completed-job body of about 100 KB that compresses poorly."""
    pad = os.urandom(50_000).hex()
    return {
        "status": "completed",
        "writer": tag,
        "seq": seq,
        "digest": hashlib.sha256(pad.encode()).hexdigest(),
        "result": {"content": pad, "data": [{"title": f"Page {seq}", "url": "https://e.com"}]},
    }


def update(job_id: str, tag: str, seq: int) -> JobUpdate:
    body = answer(tag, seq)
    return JobUpdate(
        job_id,
        "completed",
        fraction=1.0,
        message=f"done {seq}",
        title=f"Page {seq}",
        job=Job(status="completed", raw=body),
        polled_at=float(seq),
        terminal=True,
    )


def main() -> None:
    path, tag = Path(sys.argv[1]), sys.argv[2]
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    ids = [f"job-{n:04d}" for n in range(jobs)]
    store = JobStore(path)
    store.add_many(ids)

    phase_file = Path(f"{path}.phase")
    phase_file.write_bytes(b"-")
    with phase_file.open("r+b") as handle:
        phase = mmap.mmap(handle.fileno(), 1)

    def trace(statement: str) -> None:
        if statement.startswith("BEGIN"):
            phase[0] = ord("w")
            os.write(1, b"begin\n")
        elif statement == "COMMIT":
            os.write(1, b"commit\n")

    store._conn.set_trace_callback(trace)
    print("ready", flush=True)
    seq = 0
    while True:
        seq += 1
        job_id = ids[seq % jobs]
        if seq % 5 == 0:
            burst = [update(ids[(seq + k) % jobs], tag, seq) for k in range(4)]
            store.record_many(burst)
        else:
            store.record(update(job_id, tag, seq))
        phase[0] = ord("-")
        if seq % 7 == 0:
            extra = f"extra-{tag}-{seq}"
            store.add(extra)
            phase[0] = ord("-")
            print(f"added {extra}", flush=True)


if __name__ == "__main__":
    main()

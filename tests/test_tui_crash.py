"""The TUI killed with SIGKILL while hundreds of jobs change, twenty times over: the
database stays sound and the watchlist whole. And a stray write to stderr while the
app runs (a library's warning) does not bring it down.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_process import TuiProcess, base_env
from ui_support import UiRig
from waiting import block_until

from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.emulator.window import WindowLimit
from spidra_tui.watch.store import JobStore

KEY = "spd_crash_test_key_01"
JOBS = 300
KILLS = 20
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


@pytest.fixture
def busy_server() -> Iterator[Emulator]:
    """Hundreds of jobs on the real clock, whose progress moves at every poll."""
    # A window far beyond Spidra's, told in the headers: the app learns it and polls fast
    # (a server that says nothing gets Spidra's 300 per 15 minutes assumed).
    window = WindowLimit(10_000_000, 900.0)
    emulator = Emulator(EmulatorConfig(catalogue=False, seed=3, window=window), clock=SystemClock())
    emulator.start()
    yield emulator
    emulator.stop()


def _plant(emulator: Emulator, rng: random.Random, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        script = Script(
            waiting=rng.uniform(0, 3),
            active=rng.uniform(5, 240),  # most still running at the last kill
            outcome=rng.choice(("completed", "completed", "failed")),
        )
        ids.append(emulator.create_job(KEY, script=script))
    return ids


def _check(db: Path, expected: set[str]) -> dict[str, float | None]:
    """Assert the database is sound and holds every watched job; return when each
    job was last polled."""
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        raw.close()
    with JobStore(db) as store:
        missing = expected - store.ids()
        assert not missing, f"{len(missing)} jobs lost from the watchlist"
        summaries = store.list()
        for summary in summaries[:: len(summaries) // 10]:
            store.load_answer(summary.job_id)  # stored answers still read
        return {summary.job_id: summary.last_polled for summary in summaries}


def _wait_for_writes(wal: Path, grown: int = 32 * 1024, timeout: float = 15.0) -> None:
    """Wait until the write-ahead log has grown by ``grown`` bytes: answers are being
    stored, many a second."""

    def size() -> int:
        try:
            return wal.stat().st_size
        except FileNotFoundError:
            return 0

    start = size()
    block_until(lambda: size() >= start + grown, timeout, what="the TUI to store answers")


def test_sigkill_during_heavy_updates_leaves_a_sound_database_every_time(
    busy_server: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(7)
    state = tmp_path / "state"
    watched = set(_plant(busy_server, rng, JOBS))
    with JobStore.open(state) as store:
        store.add_many(sorted(watched))
    base = [
        "--base-url",
        busy_server.base_url or "",
        "--state-dir",
        str(state),
        "--interval",
        "1",
        "--max-rate",
        "300",
        "--max-in-flight",
        "16",
        "--no-notify",
    ]
    env = base_env(SPIDRA_API_KEY=KEY)
    started = time.monotonic()
    polled: dict[str, float | None] = {}
    written: list[int] = []  # answers each run stored before it was killed
    for run in range(KILLS):
        added = _plant(busy_server, rng, 3)  # each run adds jobs on its command line
        tui = TuiProcess([*base, *added], env)
        try:
            tui.wait_for(b"Jobs", timeout=20)
            _wait_for_writes(state / "jobs.db-wal")
            # Kill at a different point of the stream of writes each run: after a
            # drawn number of further answers (at most 30: about 0.1 s of polling).
            answered = busy_server.stats.total_requests + rng.randint(0, 30)
            block_until(
                lambda count=answered: busy_server.stats.total_requests >= count,
                what=f"{answered} answers from the server",
            )
        finally:
            tui.kill()
        assert tui.process.returncode == -9, f"run {run} ended by itself"
        watched |= set(added)
        now = _check(state / "jobs.db", watched)
        written.append(sum(1 for job_id, at in now.items() if at != polled.get(job_id)))
        polled = now
    # Every run was killed while it was writing answers, not before it began.
    assert min(written) > 0, written
    assert time.monotonic() - started < 120


async def test_a_library_writing_to_stderr_does_not_stop_the_app(tmp_path: Path) -> None:
    """Textual captures stdout and stderr while it runs and calls ``App._flush`` on a
    flush; an app method of that name taking other arguments crashed the app."""
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test() as pilot:
        await pilot.pause()
        print("a stray line", file=sys.stderr, flush=True)
        logging.getLogger("some.library").warning("a warning nobody configured")
        sys.stdout.flush()
        await pilot.pause()
        assert rig.app.is_running
        assert rig.app.main.job_list.job_ids == ["job-a"]

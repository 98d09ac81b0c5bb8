"""B4: how fast spidra-tui starts: two plain commands, and the TUI with 1,000 remembered jobs.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.bench_startup            # 7 runs of each
    .venv/bin/python -m tests.benchmarks.bench_startup --runs 11

Measured, each as the median over ``runs`` starts, taken in turn so that a noisy
moment of the machine hits every contender alike:

- ``spidra-tui --version`` and ``spidra-tui get --help``: wall time of the whole
  process, against ``python -c pass`` with the same interpreter (the floor any
  Python command pays);
- first screen: from spawning ``spidra-tui`` (the real console script, with a
  state folder holding 1,000 jobs: 980 ended, 20 still running on an emulator
  that this process serves) in a pseudo-terminal of 160x50 cells until the
  terminal has received a frame holding the job list's title "Jobs 1000" and
  the newest job's ID, so the list is painted with its rows. The baseline is
  the same start with an empty state folder ("Jobs 0"): the ratio is what the
  thousand jobs add.

Bytecode: the children run with ``PYTHONDONTWRITEBYTECODE`` removed and
``PYTHONPYCACHEPREFIX`` pointing at a temporary folder, and one start of each
kind is made first and not counted. An installed copy has its bytecode
compiled (pip does so at install time); without this, a machine that sets
``PYTHONDONTWRITEBYTECODE`` would compile the project's modules from source at
every start and measure the compiler instead (about 0.2 s).

``run(runs)`` returns the figures as a dict for the suite runner.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from tests.benchmarks import stores

KEY = "spd_bench_key_0001"
JOBS = 1000
RUNNING = 20
SIZE = (160, 50)  # columns, lines
ANSWER_BYTES = 4_000
SCREEN_TIMEOUT = 30.0
TARGET_FIRST_SCREEN = 1.0


def _command() -> list[str]:
    """The ``spidra-tui`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("spidra-tui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "spidra_tui"]


def _environment(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["TERM"] = "xterm-256color"
    env["COLORTERM"] = "truecolor"
    env["SPIDRA_API_KEY"] = KEY
    env.pop("SPIDRA_BASE_URL", None)
    env.pop("SPIDRA_TUI_STATE_DIR", None)
    return env


def _wall(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _first_screen(argv: Sequence[str], env: dict[str, str], markers: Sequence[bytes]) -> float:
    """Seconds from spawning ``argv`` in a pseudo-terminal until every marker has arrived."""
    master, slave = pty.openpty()
    columns, lines = SIZE
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    start = time.monotonic()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    tail = b""
    found: set[bytes] = set()
    elapsed: float | None = None
    try:
        while elapsed is None and time.monotonic() - start < SCREEN_TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                break
            # A marker may straddle two reads: look at the end of the last one too.
            window = tail + data
            found.update(marker for marker in markers if marker in window)
            tail = data[-200:]
            if len(found) == len(markers):
                elapsed = time.monotonic() - start
        os.write(master, b"q")
        _drain_until_exit(master, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    if elapsed is None:
        raise RuntimeError(f"no first screen within {SCREEN_TIMEOUT:.0f} s: {argv}")
    return elapsed


def _drain_until_exit(master: int, proc: subprocess.Popen[bytes]) -> None:
    """Read whatever the app still writes (a full pty would block it) until it exits."""
    deadline = time.monotonic() + 10.0
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 1 << 16)
            except OSError:
                break


def _prepare(folder: Path, emulator: Emulator) -> list[str]:
    """A state folder of ``JOBS`` jobs; the newest ``RUNNING`` run for an hour on the emulator."""
    running = [
        emulator.create_job(KEY, script=Script(waiting=0.0, active=3600.0, outcome="completed"))
        for _ in range(RUNNING)
    ]
    return stores.fill(
        folder, JOBS - RUNNING, answer_bytes=ANSWER_BYTES, failed_share=0.05, active_ids=running
    )


def run(runs: int = 7) -> dict[str, Any]:
    """Start each contender ``runs`` times (after one start not counted); medians in seconds."""
    emulator = Emulator(EmulatorConfig(seed=4, window=None))  # start-up, not the window
    base_url = emulator.start()
    work = Path(tempfile.mkdtemp(prefix="spidra-bench-startup-"))
    try:
        full, empty = work / "full", work / "empty"
        ids = _prepare(full, emulator)
        stores.fill(empty, 0, answer_bytes=0)
        env = _environment(work / "pycache")
        tui = [*_command(), "--base-url", base_url, "--state-dir"]
        newest = ids[0][:8].encode()
        plain = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "spidra-tui --version": [*_command(), "--version"],
            "spidra-tui get --help": [*_command(), "get", "--help"],
        }
        screens = {
            "first screen, 1,000 jobs": ([*tui, str(full)], [f"Jobs {JOBS}".encode(), newest]),
            "first screen, no jobs": ([*tui, str(empty)], [b"Jobs 0"]),
        }
        samples: dict[str, list[float]] = {name: [] for name in [*plain, *screens]}
        for round_number in range(runs + 1):
            for name, argv in plain.items():
                seconds = _wall(argv, env)
                if round_number:
                    samples[name].append(seconds)
            for name, (argv, markers) in screens.items():
                seconds = _first_screen(argv, env, markers)
                if round_number:
                    samples[name].append(seconds)
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {"runs": runs, "median": medians, "samples": samples}


def _print(figures: dict[str, Any]) -> None:
    medians = figures["median"]
    python = medians["python -c pass"]
    print(f"B4 start-up, median of {figures['runs']} runs")
    print(f"{'':<28}{'median':>10}{'baseline':>12}{'ratio':>8}")
    for name in ("spidra-tui --version", "spidra-tui get --help"):
        print(f"{name:<28}{medians[name]:>8.3f} s{python:>10.3f} s{medians[name] / python:>7.1f}x")
    full, empty = medians["first screen, 1,000 jobs"], medians["first screen, no jobs"]
    verdict = "holds" if full <= TARGET_FIRST_SCREEN else "DOES NOT HOLD"
    print(
        f"{'first screen, 1,000 jobs':<28}{full:>8.3f} s{empty:>10.3f} s{full / empty:>7.2f}x"
        f"   target <= {TARGET_FIRST_SCREEN:.1f} s: {verdict}"
    )
    spread = ", ".join(f"{s:.2f}" for s in sorted(figures["samples"]["first screen, 1,000 jobs"]))
    print(f"  (first screen samples: {spread})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts of each kind (median)")
    args = parser.parse_args()
    _print(run(args.runs))


if __name__ == "__main__":
    main()

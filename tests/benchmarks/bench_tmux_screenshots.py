"""B11: key to screen in a real terminal (tmux) while full-page screenshots render.

Run from the repository root (about 3 minutes):

    .venv/bin/python -m tests.benchmarks.bench_tmux_screenshots
    .venv/bin/python -m tests.benchmarks.bench_tmux_screenshots --presses 40 --size 100x30

An emulator runs in a process of its own on loopback, on the real clock. It holds
``--shots`` finished jobs, each with its own 1280 x 10,000 PNG on the storage origin,
and ``--running`` jobs that end during the run (as in B6), so notifications and row
updates go on meanwhile. ``python -m spidra_tui`` starts in tmux with default poll
settings and notifications on; the Screenshots tab is chosen (``3``) and j and k move
between the two screenshot jobs at the top, resting 0.3-0.5 s on each: longer than
the preview waits before it fetches, so every rest fetches (or takes from the cache),
decodes and scales a tall picture while the next key comes. The same run with the
Content tab (``1``) chosen instead is the baseline: the same keys, jobs and endings,
no picture. Key to screen is timed as in B6 (``bench_tmux_keys``): from before the key
is sent to the capture that shows the highlighted row moved.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.bench_tmux_keys import (
    KEY,
    ROOT,
    Outcome,
    Tmux,
    _press,
    emulator_config,
    job_scripts,
    learn_cursor,
)

TARGET_P95 = 0.050
RESULTS = Path(__file__).parent / "results"


def _serve(conn: Any, shots: int, running: int) -> None:
    """In a child process: the emulator, its tall screenshots and running jobs."""
    from spidra_tui.emulator import Emulator
    from spidra_tui.emulator.pictures import page_picture
    from spidra_tui.emulator.storage import StoredObject

    emulator = Emulator(emulator_config())
    base_url = emulator.start()
    conn.send(base_url)
    while (question := conn.recv()) != "stop":
        if question == "plant":
            ids = [emulator.create_job(KEY, script=s) for s in job_scripts(running, 11)]
            for n in range(shots):
                picture = page_picture(n + 1, 1280, 10_000, f"A tall page {n + 1}")
                url = emulator.storage.plant(f"/tall/{n}.png", StoredObject(picture))
                result = {"content": f"# Page {n + 1}", "data": [], "screenshots": [url]}
                ids.append(emulator.create_job(KEY, result=result))
            conn.send(ids)
        elif question == "fetched":
            conn.send(len(emulator.storage.requests))
    emulator.stop()


def run_one(size: tuple[int, int], tab: str, args: argparse.Namespace) -> dict[str, Any]:
    """One run: a fresh emulator, state folder, tmux server and app, ``tab`` chosen."""
    from spidra_tui.watch.store import JobStore

    outcome = Outcome(f"{size[0]}x{size[1]}", True)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(child, args.shots, args.running), daemon=True
    )
    server.start()
    base_url = parent.recv()
    state = Path(tempfile.mkdtemp(prefix="spidra-b11-"))
    tmux = Tmux(f"spidra-b11-{os.getpid()}", "b11")
    try:
        parent.send("plant")
        ids = parent.recv()
        with JobStore.open(state) as store:
            # The screenshot jobs newest, so they are the top rows.
            now = time.time()
            for n, job_id in enumerate(ids):
                store.add(job_id, added_at=now - 1000 + n)
        command = [sys.executable, "-m", "spidra_tui", "--base-url", base_url]
        command += ["--state-dir", str(state)]
        tmux.start(size, command, {"SPIDRA_API_KEY": KEY, "PYTHONPATH": str(ROOT)}, str(ROOT))
        pid = int(tmux.pane("#{pane_pid}"))
        background, top = learn_cursor(tmux)
        tmux.keys("3" if tab == "screenshots" else "1")
        time.sleep(2.0)  # the first picture is fetched and shown
        rng = random.Random(11)
        while outcome.presses < args.presses:
            _press(tmux, outcome, background, top, pid)
            time.sleep(rng.uniform(0.3, 0.5))
        snapshot = tmux.capture(escapes=False)
        parent.send("fetched")
        fetched = parent.recv()
        tmux.keys("q")
        time.sleep(1.0)
    finally:
        tmux.close()
        parent.send("stop")
        server.join(timeout=10)
        shutil.rmtree(state, ignore_errors=True)
    waits = sorted(outcome.waited)
    return {
        "tab": tab,
        "size": outcome.size,
        "presses": outcome.presses,
        "lost": outcome.lost,
        "p50_ms": round(outcome.pct(0.5) * 1000, 1),
        "p95_ms": round(outcome.pct(0.95) * 1000, 1),
        "max_ms": round(outcome.pct(1.0) * 1000, 1),
        "waited_for_cpu_p95_ms": round(waits[int(0.95 * (len(waits) - 1))] * 1000, 1)
        if waits
        else None,
        "storage_requests": fetched,
        "half_blocks_on_screen": sum(line.count("\u2580") for line in snapshot),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x40", help="WIDTHxHEIGHT of the pane")
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--shots", type=int, default=2, help="jobs with a tall screenshot")
    parser.add_argument("--running", type=int, default=200, help="jobs that end meanwhile")
    parser.add_argument("--no-baseline", action="store_true", help="skip the Content tab run")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    load = os.getloadavg()[0]
    tabs = ("screenshots",) if args.no_baseline else ("screenshots", "content")
    runs = [run_one((width, height), tab, args) for tab in tabs]
    shots, content = runs[0], runs[-1]
    ratio = shots["p95_ms"] / content["p95_ms"] if content["p95_ms"] else float("nan")
    figures = {
        "load_at_start": load,
        "runs": runs,
        "p95_ratio": round(ratio, 2),
        "target_p95_ms": TARGET_P95 * 1000,
        "holds": shots["p95_ms"] <= TARGET_P95 * 1000 and shots["lost"] == 0,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_tmux_screenshots.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

"""B5: resident memory of the TUI with 1,000 completed jobs of about 100 KB each.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.bench_memory            # 3 runs
    .venv/bin/python -m tests.benchmarks.bench_memory --runs 5

A state folder holds 1,000 completed forEach jobs, each with an answer of about
100 KB (95 MB of JSON in all), written as the Watcher writes them. Each run starts
a fresh Python process that builds the app as ``launch`` does (the state folder,
the client, the garbage collector as ``launch`` sets it), runs it headless at
160x50, and browses: ten presses of ``j``, resting 0.4 s on each job, so that ten
answers are read, parsed and shown. Then it reads its own ``/proc/self/status``:
``VmHWM``, the peak resident set (what ``ru_maxrss`` reports), and ``VmRSS``.

Baseline, the obvious alternative: the same process holding every job's answer in
memory, as a watcher that keeps each job's last parsed answer would (all 1,000
read from the store and parsed, then the same browsing). Target: peak under 200 MB.

``run(runs)`` returns the figures as a dict for the suite runner.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

JOBS = 1000
ANSWER_BYTES = 100_000
SIZE = (160, 50)
BROWSE = 10
REST = 0.4
TARGET_MB = 200.0


def _status_mb() -> dict[str, float]:
    """VmHWM and VmRSS of this process, in MB (10^6 bytes)."""
    figures = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            figures[name] = int(value.split()[0]) * 1024 / 1e6
    return figures


async def _browse(state_dir: Path, keep_all: bool) -> dict[str, Any]:
    """In the child: the app on ``state_dir``, ten jobs browsed; memory figures."""
    from spidra_tui.api.client import SpidraClient
    from spidra_tui.api.models import parse_job
    from spidra_tui.commands.tui import make_app, pause_collector
    from spidra_tui.config import PollSettings
    from spidra_tui.watch.store import JobStore

    store = JobStore.open(state_dir)
    kept = []
    if keep_all:
        # The alternative: every answer parsed and held, as a summary-less design would.
        kept = [parse_job(store.load_answer(s.job_id)) for s in store.list()]
    client = SpidraClient("http://127.0.0.1:9/api", None)  # every job has ended: no request
    resume = pause_collector()
    app = make_app(store=store, client=client, poll=PollSettings(), on_first_screen=resume)
    shown = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(REST)
        for _ in range(BROWSE):
            await pilot.press("j")
            await pilot.pause(REST)
            await app.workers.wait_for_complete()
            shown.append(app.main.detail.job_id)
        figures = _status_mb()
        await app.stop_watching()
    await client.aclose()
    store.close()
    figures["browsed"] = len(set(shown))
    figures["kept"] = len(kept)
    return figures


def _measure(state_dir: Path, keep_all: bool) -> dict[str, Any]:
    """One fresh process, as a user starting the app."""
    argv = [sys.executable, "-m", "tests.benchmarks.bench_memory", "--child", str(state_dir)]
    if keep_all:
        argv.append("--keep-all")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=300, cwd=root)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(runs: int = 3) -> dict[str, Any]:
    """Prepare the store once, then ``runs`` measurements of each kind; medians in MB."""
    # The parent only: the children import nothing the app would not.
    from spidra_tui.watch.store import JobStore
    from tests.benchmarks import stores

    work = Path(tempfile.mkdtemp(prefix="spidra-bench-memory-"))
    try:
        state_dir = work / "state"
        stores.fill(state_dir, JOBS, answer_bytes=ANSWER_BYTES)
        ours, baseline = [], []
        for _ in range(runs):
            ours.append(_measure(state_dir, keep_all=False))
            baseline.append(_measure(state_dir, keep_all=True))
        disk = sum(f.stat().st_size for f in state_dir.iterdir()) / 1e6
        with JobStore.open(state_dir) as store:
            answers = sum(s.answer_size for s in store.list()) / 1e6
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "runs": runs,
        "peak": statistics.median(r["VmHWM"] for r in ours),
        "rss": statistics.median(r["VmRSS"] for r in ours),
        "baseline_peak": statistics.median(r["VmHWM"] for r in baseline),
        "baseline_rss": statistics.median(r["VmRSS"] for r in baseline),
        "browsed": min(r["browsed"] for r in ours),
        "store_mb": disk,
        "answers_mb": answers,
    }


def _print(f: dict[str, Any]) -> None:
    verdict = "holds" if f["peak"] < TARGET_MB else "DOES NOT HOLD"
    print(f"B5 memory, {JOBS} completed jobs, median of {f['runs']} runs")
    each = f["answers_mb"] * 1000 / JOBS
    print(
        f"answers: {f['answers_mb']:.0f} MB of JSON ({each:.0f} KB a job), "
        f"{f['store_mb']:.0f} MB on disk; jobs browsed: {f['browsed']}"
    )
    print(f"{'':<34}{'peak (VmHWM)':>14}{'now (VmRSS)':>13}")
    print(f"{'spidra-tui (answers on demand)':<34}{f['peak']:>11.0f} MB{f['rss']:>10.0f} MB")
    held = f"{f['baseline_peak']:>11.0f} MB{f['baseline_rss']:>10.0f} MB"
    print(f"{'every answer held in memory':<34}{held}")
    print(
        f"ratio {f['peak'] / f['baseline_peak']:.2f}; target peak < {TARGET_MB:.0f} MB: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="processes of each kind (median)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep-all", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(asyncio.run(_browse(args.child, args.keep_all))))
        return
    _print(run(args.runs))


if __name__ == "__main__":
    main()

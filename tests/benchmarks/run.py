"""The benchmark suite, B1 to B5, in one command and one table.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.run             # 3 runs of each; about 20 minutes
    .venv/bin/python -m tests.benchmarks.run --runs 5
    .venv/bin/python -m tests.benchmarks.run --quick     # 1 run, no stock-Markdown baseline
    .venv/bin/python -m tests.benchmarks.run --only B2 --only B4

Each row is a figure's median over the runs, the baseline measured in the same
run, their ratio (figure / baseline), the target and whether it holds. The table
is printed and written as markdown, with the command and the machine, to
``tests/benchmarks/results/latest.md``. The benchmarks themselves:

- B1 ``bench_content``: big content in the Content tab, against Textual's Markdown;
- B2 ``bench_jobs``: 1,000 jobs polled: key latency, CPU, finish to row;
- B3 ``bench_budget`` (run as its own command, one seed a run; its JSON is read):
  20 and 100 jobs watched for 45 emulated minutes under Spidra's 300 requests per
  15 minutes, beside a neighbour, by spidra-tui, round robin and the official SDK;
- B4 ``bench_startup``: ``--version``, ``get --help`` and the first screen;
- B5 ``bench_memory``: resident memory with 1,000 answers of 100 KB stored.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[2]
Row = tuple[str, str, str, str, str, str]  # figure, median, baseline, ratio, target, holds


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def _ratio(value: float, baseline: float | None, *, times: bool = False) -> str:
    """``value / baseline``; for two times (``times=True``) a small ratio also says how
    many times faster. Other measures (requests, CPU, memory) get the bare ratio."""
    if not baseline:
        return "—"
    ratio = value / baseline
    text = f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.4f}"
    return f"{text} ({1 / ratio:.0f}x faster)" if times and ratio < 0.1 else text


def _holds(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _size(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


def b1(runs: int, quick: bool) -> list[Row]:
    from tests.benchmarks import bench_content

    rows: list[Row] = []
    for case in bench_content.run(runs, baseline=not quick):
        name = f"{case['kind']} {_size(case['size'])}"
        runs_note = case["baseline_note"]
        if case["baseline_runs"]:
            runs_note = f"{case['baseline_runs']} run{'s' * (case['baseline_runs'] > 1)}"
        paint, base_paint = case["first_paint"], case["baseline_paint"]
        target = "≤ 0.3 s"
        ok = paint <= 0.3
        if case["kind"] == "markdown" and case["size"] == 200_000:
            target += ", ≥ 100x faster"
            ok = ok and base_paint is not None and base_paint / paint >= 100
        rows.append(
            (
                f"B1 first paint, {name}",
                _s(paint),
                _stock(base_paint, "first paint", runs_note),
                _ratio(paint, base_paint, times=True),
                target,
                _holds(ok),
            )
        )
        ready, base_ready = case["ready"], case["baseline_ready"]
        rows.append(
            (
                f"B1 fully ready, {name}",
                _s(ready),
                _stock(base_ready, "fully mounted", runs_note),
                _ratio(ready, base_ready, times=True),
                "—",
                "—",
            )
        )
        stall = f"{_s(case['max_stall'])} (worst {_s(case['worst_stall'])})"
        ok = case["worst_stall"] <= 0.1
        rows.append((f"B1 longest stall, {name}", stall, "—", "—", "≤ 100 ms", _holds(ok)))
    return rows


def _stock(value: float | None, measure: str, note: str) -> str:
    """A baseline cell for Textual's Markdown: the time and the measure, or why none."""
    if value is None:
        return f"Markdown: {note}"
    return f"{_s(value)} (Markdown {measure}, {note})"


def b2(runs: int, quick: bool) -> list[Row]:
    from tests.benchmarks import bench_jobs

    f = bench_jobs.run(runs, presses=40 if quick else 80)
    stress = f"{f['active_while_pressing']:.0f} jobs polled at 50/s"
    calm = f"{bench_jobs.RUNNING} of {bench_jobs.JOBS} polled at 5/s"
    bound = f"{f['interval']:.0f} s + {bench_jobs.SLACK} s"
    return [
        (
            f"B2 key to repaint p95, {stress}",
            _s(f["busy_p95"]),
            f"{_s(f['idle_p95'])} (paused)",
            _ratio(f["busy_p95"], f["idle_p95"]),
            "≤ 50 ms",
            _holds(f["busy_p95"] <= bench_jobs.TARGET_KEY_P95),
        ),
        (
            f"B2 key to repaint p50, {stress}",
            _s(f["busy_p50"]),
            f"{_s(f['idle_p50'])} (paused)",
            _ratio(f["busy_p50"], f["idle_p50"]),
            "—",
            "—",
        ),
        (
            f"B2 key to repaint p95, {calm}",
            _s(f["default_p95"]),
            f"{_s(f['idle_p95'])} (paused)",
            _ratio(f["default_p95"], f["idle_p95"]),
            "≤ 50 ms",
            _holds(f["default_p95"] <= bench_jobs.TARGET_KEY_P95),
        ),
        (
            f"B2 CPU of the app, {stress}",
            f"{f['cpu_polling']:.0%} of a core",
            f"{f['cpu_idle']:.1%} (paused)",
            _ratio(f["cpu_polling"], f["cpu_idle"]),
            "—",
            "—",
        ),
        (
            f"B2 CPU of the app, {calm}",
            f"{f['cpu_default']:.0%} of a core",
            f"{f['cpu_idle']:.1%} (paused)",
            _ratio(f["cpu_default"], f["cpu_idle"]),
            "—",
            "—",
        ),
        (
            f"B2 requests sent a second, {stress}",
            f"{f['poll_rate']:.1f}",
            f"{f['planned_rate']:.1f} (planned)",
            _ratio(f["poll_rate"], f["planned_rate"]),
            "—",
            "—",
        ),
        (
            f"B2 job's end to its row, p95 (max), {calm}",
            f"{f['finish_p95']:.1f} s ({f['finish_max']:.1f} s)",
            f"{f['interval']:.1f} s (effective interval)",
            _ratio(f["finish_max"], f["interval"]),
            f"≤ {bound}, every job",
            _holds(f["late"] == 0)
            + (f" ({f['late']} of {bench_jobs.RUNNING * f['runs']} late)" if f["late"] else ""),
        ),
        (
            f"B2 poll gap around a job's end, longest, {calm}",
            f"{f['gap_max']:.2f} intervals",
            "1 (effective interval)",
            f"{f['gap_max']:.2f}",
            "—",
            "—",
        ),
        (
            f"B2 answer to its row (the app's part), p95 (max), {calm}",
            f"{_s(f['app_p95'])} ({_s(f['app_max'])})",
            "—",
            "—",
            f"≤ {bench_jobs.SLACK} s",
            _holds(f["app_max"] <= bench_jobs.SLACK),
        ),
    ]


def b3(runs: int, quick: bool) -> list[Row]:
    """Run bench_budget as its own command, once a seed; read its JSON."""
    results = []
    path = RESULTS / "bench_budget.json"
    for seed in range(1, runs + 1):
        subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.bench_budget", "--seed", str(seed)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(path.read_text())
        results.append({(o["name"], o["jobs"]): o for o in data["outcomes"]})

    def med(name: str, jobs: int, key: str) -> float:
        return statistics.median(r[(name, jobs)][key] for r in results)

    def worst(name: str, jobs: int, key: str) -> float:
        return max(r[(name, jobs)][key] for r in results)

    ours, rr, sdk = "spidra-tui (news first)", "round robin, same budget", "official SDK"
    rows: list[Row] = []
    for jobs in (20, 100):
        ours_429 = worst(ours, jobs, "ours_429") + worst(ours, jobs, "neighbour_429")
        rows.append(
            (
                f"B3 429s (ours + the neighbour's), {jobs} jobs",
                f"{ours_429:.0f}",
                f"{med(sdk, jobs, 'ours_429'):.0f} + {med(sdk, jobs, 'neighbour_429'):.0f} (SDK)",
                "—",
                "0",
                _holds(ours_429 == 0),
            )
        )
        share = worst(ours, jobs, "max_window_share")
        rows.append(
            (
                f"B3 most of one window spent, {jobs} jobs",
                f"{share:.1%}",
                f"{med(sdk, jobs, 'max_window_share'):.1%} (SDK)",
                "—",
                "≤ 52% (share 0.5 + 2%)",
                _holds(share <= 0.52),
            )
        )
        unseen = worst(ours, jobs, "unseen")
        rows.append(
            (
                f"B3 jobs whose end was never seen, {jobs} jobs",
                f"{unseen:.0f}",
                f"{med(sdk, jobs, 'unseen'):.0f} (SDK)",
                "—",
                "0",
                _holds(unseen == 0),
            )
        )
        for key, label in (("p50", "p50"), ("p95", "p95"), ("max", "max")):
            mine, base = med(ours, jobs, key), med(rr, jobs, key)
            rows.append(
                (
                    f"B3 detection delay {label}, {jobs} jobs",
                    _s(mine),
                    f"{_s(base)} (round robin)",
                    _ratio(mine, base),
                    "≤ half of round robin" if key == "p50" else "—",
                    _holds(mine <= base / 2) if key == "p50" else "—",
                )
            )
    return rows


def b4(runs: int, quick: bool) -> list[Row]:
    from tests.benchmarks import bench_startup

    f = bench_startup.run(5 if quick else max(runs, 7))["median"]
    python = f["python -c pass"]
    rows: list[Row] = [
        (
            f"B4 `{name}`",
            _s(f[name]),
            f"{_s(python)} (python -c pass)",
            _ratio(f[name], python),
            "—",
            "—",
        )
        for name in ("spidra-tui --version", "spidra-tui get --help")
    ]
    full, empty = f["first screen, 1,000 jobs"], f["first screen, no jobs"]
    rows.append(
        (
            "B4 first screen, 1,000 jobs stored",
            _s(full),
            f"{_s(empty)} (no jobs)",
            _ratio(full, empty),
            "≤ 1 s",
            _holds(full <= bench_startup.TARGET_FIRST_SCREEN),
        )
    )
    return rows


def b5(runs: int, quick: bool) -> list[Row]:
    from tests.benchmarks import bench_memory

    f = bench_memory.run(runs)
    return [
        (
            "B5 peak resident memory, 1,000 x 100 KB jobs",
            f"{f['peak']:.0f} MB",
            f"{f['baseline_peak']:.0f} MB (all answers held)",
            _ratio(f["peak"], f["baseline_peak"]),
            "< 200 MB",
            _holds(f["peak"] < bench_memory.TARGET_MB),
        )
    ]


SUITE: dict[str, Callable[[int, bool], list[Row]]] = {
    "B1": b1,
    "B2": b2,
    "B3": b3,
    "B4": b4,
    "B5": b5,
}
HEAD: Row = ("figure", "median", "baseline (same run)", "ratio", "target", "holds")


def machine() -> str:
    """CPU count and model, Python and Textual versions, load, date."""
    import textual

    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Textual {textual.__version__}; "
        f"load average {load} at the start; "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )


def markdown(rows: list[Row], command: str, about: str, minutes: float) -> str:
    lines = [
        f"Command: `{command}` ({minutes:.0f} min)  ",
        f"Machine: {about}",
        "",
        "| " + " | ".join(HEAD) + " |",
        "|" + "|".join(" --- " for _ in HEAD) + "|",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plain(rows: list[Row]) -> str:
    widths = [max(len(row[i]) for row in [HEAD, *rows]) for i in range(len(HEAD))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(HEAD, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each benchmark (median)")
    parser.add_argument("--quick", action="store_true", help="one run, no slow baselines")
    parser.add_argument("--only", action="append", choices=sorted(SUITE), help="these only")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    about = machine()
    started = datetime.datetime.now()
    rows: list[Row] = []
    for name, bench in SUITE.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", flush=True)
        try:
            rows += bench(runs, args.quick)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            rows.append((f"{name} failed", type(exc).__name__, "—", "—", "—", "**NO**"))
    minutes = (datetime.datetime.now() - started).total_seconds() / 60
    command = "python -m tests.benchmarks.run " + " ".join(sys.argv[1:])
    print()
    print(plain(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(markdown(rows, command.strip(), about, minutes))
    print(f"\n{about}\nwritten to {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    main()

"""B6: key to screen in a real terminal (tmux) while a thousand jobs end.

Run from the repository root (about 12 minutes: 120x40 for 200 s and 80x24 for 90 s,
each with notifications on and off, plus set-up):

    .venv/bin/python -m tests.benchmarks.bench_tmux_keys
    .venv/bin/python -m tests.benchmarks.bench_tmux_keys --sizes 120x40:60 --floor 0

An emulator runs in a process of its own on loopback, on the real clock, with no
rate limit, and holds 1,000 jobs that queue 1-4 s and then work 5-30 s. Their IDs
are remembered in a fresh state folder, and ``python -m spidra_tui`` is started in
a detached tmux session of a server of our own (``tmux -L``) at each size, with the
API key in ``SPIDRA_API_KEY``, ``TERM`` as tmux sets it and default poll settings
(5 requests a second, every 3 s): with notifications on, and with ``--no-notify``
as the baseline, alternately, the same script for both. At 5 requests a second the
app needs about 200 s to look at a thousand jobs once, so the thousand endings it
sees are spread over the first minutes: the measured window starts ``--warmup`` s
after the app starts and lasts ``--window`` s (or the seconds after a size:
``80x24:90``). A program that only moves a highlighted row is measured first the
same way (the floor: what tmux, the captures and the machine's load add).

Key to screen: the script keeps one tmux control-mode client (``tmux -C``, output
notifications off) and sends through it ``send-keys j`` (or ``k``), then
``capture-pane -p -e`` every ~3 ms until the highlighted row (the cursor's background
colour, learnt at the start by moving the cursor once) is on the line the key moves
it to. The latency is from before the key is sent to the capture that shows it. A
press whose effect is not on screen within ``LOST`` s counts as lost. Between two
presses a pause of 0.3-0.5 s; j and k alternate between the first two rows.

Also counted: the jobs whose end the app saw in the window (the first poll of a job
at or after its end at the server, from the emulator's request log), the app's CPU
use over the window (``/proc``), and, when the job-ended line is up, a plain
``capture-pane -p`` snapshot checked for the detail pane being covered (lines where
the pane's left border is hidden). The fullest snapshot of each size is written to
``tests/benchmarks/results/bench_tmux_keys_<size>.txt``.

To adapt the set-up (a window rate limit in the emulator, other job lengths), see
``emulator_config`` and ``job_scripts``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEY = "spd_bench_key_0006"
JOBS = 1000
LOST = 3.0  # seconds: a press not on screen by then is lost
POLL_GAP = 0.003  # between two captures while waiting for a key's effect
TARGET_P95 = 0.050
RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[2]


def emulator_config() -> Any:
    """The emulator's settings: a window far beyond Spidra's, told in the headers.

    The app learns the window from them; a server that says nothing would be taken for
    Spidra's 300 per 15 minutes, and the polls would be too few to measure anything.
    Here R (5 a second) paces them, as in B2.
    """
    from spidra_tui.emulator import EmulatorConfig
    from spidra_tui.emulator.window import WindowLimit

    return EmulatorConfig(seed=6, window=WindowLimit(10_000_000, 900.0), max_pending=None)


def job_scripts(count: int, seed: int) -> list[Any]:
    """Each job queues 1-4 s, then works 5-30 s: all end within ~35 s.

    At 5 requests a second the app needs ~200 s to look at 1,000 jobs once, so most
    of them are first seen ended, and the endings it sees come as fast as its budget
    allows, about 5 a second, throughout the window.
    """
    from spidra_tui.emulator import Script

    rng = random.Random(seed)
    stages = ("Loading page", "Collecting items", "Extracting content")
    return [
        Script(waiting=rng.uniform(1.0, 4.0), active=rng.uniform(5.0, 30.0), stages=stages)
        for _ in range(count)
    ]


def _serve(conn: Any, count: int, seed: int) -> None:
    """In a child process: the emulator with ``count`` jobs; answers questions over ``conn``."""
    from spidra_tui.emulator import Emulator

    emulator = Emulator(emulator_config())
    base_url = emulator.start()
    conn.send(base_url)
    while (question := conn.recv()) != "stop":
        if question == "plant":
            ids = [emulator.create_job(KEY, script=s) for s in job_scripts(count, seed)]
            conn.send(ids)
        elif question == "seen":
            # The time each job's end reached the app: its first GET at or after the end.
            ends = {job_id: emulator.finish_time(job_id) for job_id in ids}
            seen: dict[str, float] = {}
            for record in emulator.stats.requests():
                job_id = record.job_id
                if (
                    record.method == "GET"
                    and job_id in ends
                    and job_id not in seen
                    and record.status == 200
                    and record.clock_time >= ends[job_id]
                ):
                    seen[job_id] = record.clock_time
            gets = sum(1 for r in emulator.stats.requests() if r.method == "GET")
            conn.send((ends, seen, gets))
    emulator.stop()


class Tmux:
    """A tmux server of our own, one session, and a control-mode client on it."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session
        self.control: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def start(
        self, size: tuple[int, int], command: list[str], env: dict[str, str], cwd: str = "."
    ) -> None:
        width, height = size
        env_args = [a for name, value in env.items() for a in ("-e", f"{name}={value}")]
        self.run(
            "-f", "/dev/null", "new-session", "-d", "-s", self.session,
            "-x", str(width), "-y", str(height), "-c", cwd, *env_args, *command,
        )  # fmt: skip
        self.run("set-option", "-t", self.session, "remain-on-exit", "on")
        self.control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-t", self.session],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self._read("attach-session")  # the attach command's own (empty) answer
        self.command("refresh-client -f no-output")

    def command(self, line: str) -> list[bytes]:
        """Send one command over the control client; return its output lines."""
        control = self.control
        assert control is not None and control.stdin and control.stdout
        control.stdin.write(line.encode() + b"\n")
        return self._read(line)

    def _read(self, line: str) -> list[bytes]:
        control = self.control
        assert control is not None and control.stdout
        out: list[bytes] = []
        inside = False
        while True:
            raw = control.stdout.readline()
            if not raw:
                raise RuntimeError("the tmux control client went away")
            if raw.startswith(b"%begin"):
                inside, out = True, []
            elif inside and (raw.startswith(b"%end") or raw.startswith(b"%error")):
                if raw.startswith(b"%error"):
                    raise RuntimeError(f"tmux: {line}: {b''.join(out)!r}")
                return out
            elif inside:
                out.append(raw.rstrip(b"\n"))
            # anything else is a notification (%session-changed, ...): skip it

    def capture(self, escapes: bool = True) -> list[str]:
        flags = "-p -e" if escapes else "-p"
        return [x.decode("utf-8", "replace") for x in self.command(f"capture-pane {flags}")]

    def keys(self, key: str) -> None:
        self.command(f"send-keys {key}")

    def pane(self, fmt: str) -> str:
        return b"".join(self.command(f"display-message -p '{fmt}'")).decode()

    def close(self) -> None:
        if self.control is not None and self.control.stdin:
            self.control.stdin.close()
            try:
                self.control.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.control.kill()
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def background_at(line: str, column: int) -> str:
    """The background (an SGR parameter string) in effect at ``column`` of a captured line."""
    background, col, pos = "", 0, 0
    while pos < len(line):
        match = _SGR.match(line, pos)
        if match:
            params = match.group(1).split(";") if match.group(1) else ["0"]
            i = 0
            while i < len(params):
                p = params[i]
                if p in ("0", "49"):
                    background = ""
                elif p == "48" and i + 2 < len(params) and params[i + 1] == "5":
                    background, i = f"48;5;{params[i + 2]}", i + 2
                elif p == "48" and i + 4 < len(params) and params[i + 1] == "2":
                    background, i = "48;2;" + ";".join(params[i + 2 : i + 5]), i + 4
                elif p in ("38",) and i + 1 < len(params):
                    i += 2 if params[i + 1] == "5" else 4  # skip a foreground colour
                elif p.isdigit() and (40 <= int(p) <= 47 or 100 <= int(p) <= 107):
                    background = p
                elif p == "7":
                    background = background + "+rev"
                i += 1
            pos = match.end()
            continue
        if line[pos] == "\x1b":  # another escape sequence: skip to its final byte
            end = pos + 1
            while end < len(line) and not ("@" <= line[end] <= "~" and end > pos + 1):
                end += 1
            pos = end + 1
            continue
        if col == column:
            return background
        col += 1
        pos += 1
    return background


def cursor_line(screen: list[str], background: str) -> int | None:
    """The first line whose column 1 (just inside the list's border) has ``background``."""
    for number, text in enumerate(screen):
        if background_at(text, 1) == background:
            return number
    return None


def learn_cursor(tmux: Tmux) -> tuple[str, int]:
    """Move the cursor down and back once; the background that moved down a line is it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        before = [background_at(x, 1) for x in tmux.capture()]
        tmux.keys("j")
        time.sleep(1.0)
        after = [background_at(x, 1) for x in tmux.capture()]
        tmux.keys("k")
        time.sleep(1.0)
        for number in range(len(before) - 1):
            bg = before[number]
            if bg and before.count(bg) == 1 and after[number + 1] == bg and after.count(bg) == 1:
                return bg, number
    raise RuntimeError("could not find the cursor's row on screen")


_DETAIL = "╭─ Detail"


def covered_lines(text: list[str]) -> tuple[int, list[int]] | None:
    """Lines of the detail pane whose left border is hidden (by a toast or banner)."""
    top = next((n for n, t in enumerate(text) if _DETAIL in t), None)
    if top is None:
        return None
    column = text[top].index(_DETAIL)
    bottom = next(
        (n for n in range(top + 1, len(text)) if text[n][column : column + 1] == "╰"), None
    )
    end = bottom if bottom is not None else len(text) - 1
    covered = [n for n in range(top + 1, end) if text[n][column : column + 1] != "│"]
    return end - top - 1, covered


@dataclass
class Outcome:
    """One configuration's figures."""

    size: str
    notify: bool
    latencies: list[float] = field(default_factory=list)
    ran: list[float] = field(default_factory=list)
    """Per answered press: seconds the app's threads ran on a CPU until the screen showed it."""
    waited: list[float] = field(default_factory=list)
    """Per answered press: seconds its threads were runnable but waited for a CPU meanwhile."""
    load: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average at the window's start and end."""
    lost: int = 0
    presses: int = 0
    ended_in_window: int = 0
    ended_total: int = 0
    ended_at_server_in_window: int = 0
    gets: int = 0
    run_time: float = 0.0
    """Seconds from the app's start to the window's end (``gets`` were sent in them)."""
    cpu: float = 0.0
    window: float = 0.0
    banner_lines_max: int = 0
    covered_max: int = 0
    pane_lines: int = 0
    snapshot: list[str] = field(default_factory=list)

    @property
    def unloaded(self) -> list[float]:
        """Per answered press: its latency less the time the app waited for a CPU.

        What a machine with no other load would come near (an estimate: a thread
        that waited may also have held others back)."""
        return [max(0.0, t - w) for t, w in zip(self.latencies, self.waited, strict=False)]

    def pct(self, q: float) -> float:
        data = sorted(self.latencies + [LOST] * self.lost)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, max(0, round(q * len(data)) - 1))]


def echo_rows() -> None:
    """The floor: a program that only moves a highlighted row on j and k, at once.

    Measured with the same script, it shows what tmux, the captures and the machine's
    load add to any program's key to screen.
    """
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    row = 0
    try:
        while True:
            out = "\x1b[H\x1b[2J top\r\n"
            for n in range(3):
                bg = "48;5;32" if n == row else "48;5;235"
                out += f"|\x1b[{bg}m row {n} \x1b[0m\r\n"
            os.write(1, out.encode())
            key = os.read(fd, 1)
            if key == b"q":
                return
            row = min(row + 1, 2) if key == b"j" else max(row - 1, 0) if key == b"k" else row
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def floor(size: tuple[int, int], presses: int) -> Outcome:
    """Key to screen of :func:`echo_rows` in tmux, under the same load."""
    outcome = Outcome(f"{size[0]}x{size[1]}", False)
    tmux = Tmux(f"spidra-b6-floor-{os.getpid()}", "floor")
    try:
        command = [sys.executable, "-m", "tests.benchmarks.bench_tmux_keys", "--echo-rows"]
        tmux.start(size, command, {"PYTHONPATH": str(ROOT)})
        background, top = learn_cursor(tmux)
        rng = random.Random(6)
        for _ in range(presses):
            _press(tmux, outcome, background, top)
            time.sleep(rng.uniform(0.3, 0.5))
    finally:
        tmux.close()
    return outcome


def _press(tmux: Tmux, outcome: Outcome, background: str, top: int, pid: int | None = None) -> None:
    """One j or k (whichever moves the cursor between the top two rows), timed.

    With the app's ``pid``, also how long its threads ran and waited for a CPU
    (``/proc/PID/task/*/schedstat``) between the key and its effect on screen.
    """
    now_line = cursor_line(tmux.capture(), background)
    key, want = ("j", top + 1) if now_line == top else ("k", top)
    outcome.presses += 1
    before = schedstat(pid) if pid else (0.0, 0.0)
    sent = time.perf_counter()
    tmux.keys(key)
    while True:
        screen = tmux.capture()
        seen = time.perf_counter()
        if cursor_line(screen, background) == want:
            outcome.latencies.append(seen - sent)
            if pid:
                after = schedstat(pid)
                outcome.ran.append(after[0] - before[0])
                outcome.waited.append(after[1] - before[1])
            return
        if seen - sent > LOST:
            outcome.lost += 1
            return
        time.sleep(POLL_GAP)


def schedstat(pid: int) -> tuple[float, float]:
    """Seconds the app's threads have run on a CPU, and waited for one while runnable."""
    ran = waited = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:  # a thread that just ended
            continue
        ran += int(fields[0]) / 1e9
        waited += int(fields[1]) / 1e9
    return ran, waited


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(
    size: tuple[int, int], notify: bool, args: argparse.Namespace, window: float, seed: int
) -> Outcome:
    """One configuration: a fresh emulator, state folder, tmux server and app."""
    from spidra_tui.watch.store import JobStore

    label = f"{size[0]}x{size[1]}"
    outcome = Outcome(label, notify)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(child, args.jobs, seed), daemon=True
    )
    server.start()
    base_url = parent.recv()
    state = Path(tempfile.mkdtemp(prefix="spidra-b6-"))
    tmux = Tmux(f"spidra-b6-{os.getpid()}", "b6")
    try:
        parent.send("plant")
        ids = parent.recv()
        with JobStore.open(state) as store:
            store.add_many(ids)
        command = [sys.executable, "-m", "spidra_tui", "--base-url", base_url]
        if args.profile:
            profile = Path(args.profile).resolve()
            command[1:1] = ["-m", "pyinstrument", "-r", "pyisession", "-o", f"{profile}-{label}"]
        command += ["--state-dir", str(state)] + ([] if notify else ["--no-notify"])
        source = str(Path(args.app_source).resolve()) if args.app_source else str(ROOT)
        # `python -m` puts the working folder first on the path: start it in the source.
        tmux.start(size, command, {"SPIDRA_API_KEY": KEY, "PYTHONPATH": source}, cwd=source)
        started = time.monotonic()
        pid = int(tmux.pane("#{pane_pid}"))
        shown = tmux.pane("#{pane_width}x#{pane_height}")
        if shown != label:
            raise RuntimeError(f"the pane is {shown}, not {label}")
        background, top = learn_cursor(tmux)
        rng = random.Random(seed)
        while time.monotonic() < started + args.warmup:
            time.sleep(0.05)
        window_start = time.monotonic()
        cpu_start = _cpu_seconds(pid)
        load_start = _load()
        window_end = window_start + window
        while time.monotonic() < window_end and (
            not args.presses or outcome.presses < args.presses
        ):
            _press(tmux, outcome, background, top, pid)
            if outcome.presses % 5 == 0:
                _check_cover(tmux, outcome)
            time.sleep(rng.uniform(0.3, 0.5))
        window_end = time.monotonic()
        outcome.window = window_end - window_start
        outcome.run_time = window_end - started
        outcome.cpu = (_cpu_seconds(pid) - cpu_start) / outcome.window
        outcome.load = (load_start, _load())
        _quit(tmux)
        parent.send("seen")
        ends, seen_at, outcome.gets = parent.recv()
        outcome.ended_total = len(seen_at)
        outcome.ended_in_window = sum(window_start <= t <= window_end for t in seen_at.values())
        outcome.ended_at_server_in_window = sum(
            window_start <= t <= window_end for t in ends.values()
        )
    finally:
        tmux.close()
        parent.send("stop")
        server.join(timeout=10)
        shutil.rmtree(state, ignore_errors=True)
    return outcome


def _quit(tmux: Tmux) -> None:
    """Quit the app as a user would (q), so that it leaves the terminal and files tidy."""
    tmux.keys("q")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and tmux.pane("#{pane_dead}") != "1":
        time.sleep(0.1)


_BANNER = re.compile(r"\d+ jobs ended: |Job [0-9a-f]{8} ")


def _check_cover(tmux: Tmux, outcome: Outcome) -> None:
    text = tmux.capture(escapes=False)
    banner = sum(1 for t in text if _BANNER.search(t))
    found = covered_lines(text)
    if found is None:
        return
    outcome.pane_lines, covered = found
    if banner and (
        len(covered) > outcome.covered_max
        or banner > outcome.banner_lines_max
        or not outcome.snapshot
    ):
        outcome.snapshot = text
    outcome.banner_lines_max = max(outcome.banner_lines_max, banner)
    outcome.covered_max = max(outcome.covered_max, len(covered))


def _q(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(q * len(data)) - 1))] if data else float("nan")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(outcomes: list[Outcome]) -> None:
    print()
    print("| size | notifications | presses | lost | p50 | p95 | max | "
          "ends seen in window (at server) | requests/s | app CPU "
          "| per press: ran, waited for CPU (p50/p95) | p50/p95 less the waits "
          "| load | banner lines | pane lines covered |")  # fmt: skip
    print("|" + "---|" * 15)
    for o in outcomes:
        print(
            f"| {o.size} | {'on' if o.notify else 'off (--no-notify)'} | {o.presses} | {o.lost} "
            f"| {_ms(o.pct(0.5))} | {_ms(o.pct(0.95))} | {_ms(max(o.latencies, default=0))} "
            f"| {o.ended_in_window} in {o.window:.0f} s ({o.ended_at_server_in_window}); "
            f"{o.ended_total} in all | {o.gets / (o.run_time or 1):.1f} | {o.cpu:.0%} "
            f"| {_ms(_q(o.ran, 0.5))}/{_ms(_q(o.ran, 0.95))}, "
            f"{_ms(_q(o.waited, 0.5))}/{_ms(_q(o.waited, 0.95))} "
            f"| {_ms(_q(o.unloaded, 0.5))}/{_ms(_q(o.unloaded, 0.95))} "
            f"| {o.load[0]:.1f}-{o.load[1]:.1f} | {o.banner_lines_max} "
            f"| {o.covered_max} of {o.pane_lines} |"
        )
    print()
    for size in dict.fromkeys(o.size for o in outcomes):
        on = [o for o in outcomes if o.size == size and o.notify]
        off = [o for o in outcomes if o.size == size and not o.notify]
        if on and off:
            a, b = on[0], off[0]
            print(
                f"{size}: p95 notifications on / off = {a.pct(0.95) / b.pct(0.95):.2f}, "
                f"p50 {a.pct(0.5) / b.pct(0.5):.2f}"
            )
        for o in on:
            ok = o.pct(0.95) <= TARGET_P95 and o.lost == 0
            print(
                f"{size}: target p95 <= {_ms(TARGET_P95)}, no press lost, with notifications: "
                f"{'holds' if ok else 'FAILS'} (p95 {_ms(o.pct(0.95))}, {o.lost} lost)"
            )
            print(
                f"{size}: detail pane lines covered while the ended line was up: "
                f"at most {o.covered_max} of {o.pane_lines}"
            )
            if o.snapshot:
                path = RESULTS / f"bench_tmux_keys_{size}.txt"
                path.write_text("\n".join(o.snapshot) + "\n")
                print(f"{size}: snapshot with the ended line up: {path.relative_to(ROOT)}")


def run(args: argparse.Namespace) -> list[Outcome]:
    """Every configuration, notifications on and off alternately; returns the outcomes."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed")
    RESULTS.mkdir(exist_ok=True)
    outcomes = []
    if args.floor:
        print("the floor: a program that only moves a row, in tmux ...", flush=True)
        low = floor((120, 40), args.floor)
        print(
            f"  {low.presses} presses, {low.lost} lost, p50 {_ms(low.pct(0.5))}, "
            f"p95 {_ms(low.pct(0.95))}, max {_ms(max(low.latencies, default=0))}",
            flush=True,
        )
    for number, spec in enumerate(args.sizes):
        text, _, seconds = spec.partition(":")
        width, height = (int(x) for x in text.split("x"))
        window = float(seconds) if seconds else args.window
        for notify in (True, False) if number % 2 == 0 else (False, True):
            if notify is False and args.no_baseline:
                continue
            print(f"{text}, notifications {'on' if notify else 'off'} ...", flush=True)
            outcome = run_one((width, height), notify, args, window, seed=6)
            print(
                f"  {outcome.presses} presses, {outcome.lost} lost, p50 {_ms(outcome.pct(0.5))}, "
                f"p95 {_ms(outcome.pct(0.95))}, {outcome.ended_in_window} ends seen",
                flush=True,
            )
            outcomes.append(outcome)
    report(outcomes)
    if args.floor:
        print(
            f"floor (a program that only moves a row, same tmux and load): "
            f"p50 {_ms(low.pct(0.5))}, p95 {_ms(low.pct(0.95))}, {low.lost} lost"
        )
    return outcomes


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["120x40", "80x24:90"], help="WxH or WxH:window-seconds"
    )
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=200.0, help="seconds of presses")
    parser.add_argument("--presses", type=int, default=0, help="stop after N presses (0: none)")
    parser.add_argument(
        "--profile", metavar="PATH", help="run the app under pyinstrument; sessions to PATH-<size>"
    )
    parser.add_argument(
        "--app-source",
        metavar="DIR",
        help="run the app from this source tree (e.g. `git archive REV spidra_tui`, unpacked)",
    )
    parser.add_argument("--floor", type=int, default=40, help="presses of the floor (0: none)")
    parser.add_argument("--echo-rows", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-baseline", action="store_true", help="skip --no-notify runs")
    return parser.parse_args(argv)


if __name__ == "__main__":
    parsed = parse()
    if parsed.echo_rows:
        echo_rows()
    else:
        run(parsed)

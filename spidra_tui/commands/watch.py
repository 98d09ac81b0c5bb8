"""``spidra-tui watch``, ``list`` and ``forget``: the watchlist from a shell.

``watch`` prints one line per change when its output is a pipe or a file, and
redraws a compact table in place when it is a terminal (plain ANSI: the TUI
toolkit is not loaded here). Everything the API sent passes through
:func:`spidra_tui.sanitize.line` before it is printed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from spidra_tui import format as fmt
from spidra_tui import sanitize
from spidra_tui.api.models import Status
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.notify.endings import Ending
from spidra_tui.notify.sender import BurstSender
from spidra_tui.watch.budget import Budget, clock_text
from spidra_tui.watch.poller import JobSource
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, JobSummary, JobUpdate, PollerStatus
from spidra_tui.watch.store import JobStore, StoreError
from spidra_tui.watch.watcher import Watcher

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_API = 5

# Without a single answer since the start, this many failed polls in a row mean
# the API cannot be reached (a wrong URL, no network): give up instead of waiting.
UNREACHABLE_AFTER = 5
REDRAW_GAP = 0.1  # seconds; the live table is redrawn at most ten times a second
ID_WIDTH = 36


def percent(fraction: float | None) -> str:
    """``" 42%"`` (as the TUI shows it), or ``"  -%"`` when the job reported no progress."""
    return "  -%" if fraction is None else f"{fmt.percent(fraction):>4}"


def describe(update: JobUpdate | JobSummary) -> str:
    """The words shown after a job's status: a retry, an error or the progress message."""
    retry = getattr(update, "retry", None)
    if retry is not None:
        return f"retrying in {retry.delay:.0f} s: {retry.reason}"
    return update.error or update.message or ""


def change_line(when: float, job_id: str, status: str, fraction: float | None, words: str) -> str:
    """``HH:MM:SS  <job id>  <status>  <pct>%  <message>``, safe to print."""
    stamp = time.strftime("%H:%M:%S", time.localtime(when))
    fields = (stamp, sanitize.line(job_id, 80), sanitize.line(status, 20), percent(fraction))
    return ("  ".join(fields) + "  " + sanitize.line(words, 300)).rstrip()


def exit_code(statuses: Iterable[str]) -> int:
    """0 all completed; 1 any failed or cancelled (or any item or page of one failed);
    3 any not found or forbidden."""
    statuses = list(statuses)
    if any(status in (Status.FAILED, Status.CANCELLED) for status in statuses):
        return EXIT_FAILED
    if any(status in (NOT_FOUND, FORBIDDEN) for status in statuses):
        return EXIT_NOT_FOUND
    return EXIT_OK if all(status == Status.COMPLETED for status in statuses) else EXIT_API


def budget_note(status: PollerStatus, clock: Clock) -> str | None:
    """What the request budget does to the polling, in a few words (None: nothing to say).

    "request budget spent; checks resume at 06:14", or "each job checked every 64 s
    to stay within the request budget (96 of 150 left · 300 per 15 min · resets 06:14)".
    """
    view = status.budget
    if view is None:
        return None
    if view.left == 0 and view.free_at is not None:
        return f"request budget spent ({view.describe()}); checks resume at " + clock_text(
            view.free_at, seconds=True
        )
    if status.budget_bound:
        return (
            f"each job checked about every {status.effective_interval:.0f} s to stay within "
            f"the request budget ({view.describe()})"
        )
    return None


class ChangeLines:
    """One line per change on ``out``, for pipes and files; pauses are told on ``err``,
    and, when ``err`` is a terminal, what the request budget does to the polling."""

    def __init__(self, out: TextIO, err: TextIO, clock: Clock) -> None:
        self._out, self._err, self._clock = out, err, clock
        self._paused: str | None = None
        isatty = getattr(err, "isatty", None)
        self._tell_budget = bool(isatty is not None and isatty())
        self._told: tuple[bool, bool, int] | None = None

    def show(self, summary: JobSummary) -> None:
        """A job that had already ended when the watch began."""
        when = self._clock.wall()
        words = describe(summary)
        line = change_line(when, summary.job_id, summary.status, summary.fraction, words)
        self._write(self._out, line)

    def update(self, update: JobUpdate) -> None:
        when = update.polled_at if update.polled_at is not None else self._clock.wall()
        line = change_line(when, update.job_id, update.status, update.fraction, describe(update))
        self._write(self._out, line)

    def status(self, status: PollerStatus) -> None:
        self._budget(status)
        if status.paused == self._paused:
            return
        self._paused = status.paused
        if status.paused == "rate_limited" and status.resume_at is not None:
            wait = max(0.0, status.resume_at - self._clock.monotonic())
            stamp = time.strftime("%H:%M:%S", time.localtime(self._clock.wall()))
            notice = f"rate limited by the server; polling resumes in {wait:.0f} s"
            self._write(self._err, f"{stamp}  {notice}")

    def close(self) -> None:
        self._out.flush()

    def _budget(self, status: PollerStatus) -> None:
        view = status.budget
        if not self._tell_budget or view is None:
            return
        # Told again when it starts or stops holding polls back, or the limit changes.
        key = (view.left == 0, status.budget_bound, view.limit)
        if key == self._told:
            return
        self._told = key
        note = budget_note(status, self._clock)
        if note is not None:
            stamp = time.strftime("%H:%M:%S", time.localtime(self._clock.wall()))
            self._write(self._err, f"{stamp}  {note}")

    @staticmethod
    def _write(stream: TextIO, line: str) -> None:
        stream.write(line + "\n")
        stream.flush()


class LiveTable:
    """A compact table of the watched jobs, redrawn in place on a terminal."""

    def __init__(
        self,
        out: TextIO,
        order: Sequence[str],
        summaries: dict[str, JobSummary],
        *,
        next_check: Callable[[str], float | None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._out = out
        self._next_check = next_check
        self._clock = clock or SystemClock()
        self._rows: dict[str, tuple[str, float | None, str]] = {}
        for job_id in order:
            summary = summaries.get(job_id)
            if summary is not None:
                self._rows[job_id] = (summary.status, summary.fraction, describe(summary))
        self._status: PollerStatus | None = None
        self._drawn = 0
        self._last_draw = -1.0
        self._timer: asyncio.TimerHandle | None = None
        out.write("\x1b[?25l")  # hide the cursor while the table redraws

    def update(self, update: JobUpdate) -> None:
        self._rows[update.job_id] = (update.status, update.fraction, describe(update))
        self._changed()

    def status(self, status: PollerStatus) -> None:
        self._status = status
        self._changed()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._draw()
        self._out.write("\x1b[?25h")
        self._out.flush()

    def _changed(self) -> None:
        loop = asyncio.get_running_loop()
        wait = self._last_draw + REDRAW_GAP - loop.time()
        if wait <= 0:
            self._draw()
        elif self._timer is None:
            self._timer = loop.call_later(wait, self._draw)

    def _draw(self) -> None:
        self._timer = None
        try:
            self._last_draw = asyncio.get_running_loop().time()
        except RuntimeError:
            pass
        columns, lines = shutil.get_terminal_size()
        text = self._lines(max(3, lines - 1))
        # Cut every line to the width: a wrapped line would throw off the count.
        text = [line[: max(10, columns - 1)] for line in text]
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self._out.write(up + "\x1b[J" + "\n".join(text) + "\n")
        self._out.flush()
        self._drawn = len(text)

    def _lines(self, room: int) -> list[str]:
        lines = self._header().split("\n")
        rows = list(self._rows.items())
        shown = rows if len(rows) <= room - 1 else rows[: room - 2]
        for job_id, (status, fraction, words) in shown:
            lines.append(
                f"{sanitize.line(job_id, ID_WIDTH):<{ID_WIDTH}}  {sanitize.line(status, 10):<10}"
                f"  {percent(fraction)}{self._when(job_id)}  {sanitize.line(words, 200)}".rstrip()
            )
        if len(shown) < len(rows):
            lines.append(f"... and {len(rows) - len(shown)} more")
        return lines

    def _when(self, job_id: str) -> str:
        """``  next 06:10:12`` for a job still polled."""
        at = self._next_check(job_id) if self._next_check is not None else None
        if at is None:
            return ""
        wall = self._clock.wall() + max(0.0, at - self._clock.monotonic())
        return "  next " + clock_text(wall, seconds=True)

    def _header(self) -> str:
        status = self._status
        ended = sum(1 for status_, _, _ in self._rows.values() if _ended(status_))
        head = f"{len(self._rows)} jobs, {ended} ended"
        if status is None:
            return head
        head += (
            f" · {status.in_flight} in flight · {status.rate:.0f} req/s"
            f" · every {status.effective_interval:.0f} s"
        )
        if status.paused == "rate_limited":
            head += " · paused: rate limited by the server"
        elif status.paused == "auth":
            head += " · stopped: the API key was refused"
        elif status.paused == "user":
            head += " · paused"
        if status.budget is not None:
            head += " · " + status.budget.describe()
        note = budget_note(status, self._clock)
        if note is not None and status.budget is not None:
            head += "\n" + note.replace(f" ({status.budget.describe()})", "")
        return head


def ending_of(update: JobUpdate) -> Ending:
    """The notification's view of a job that ended (its text is made safe when sent)."""
    return Ending(update.job_id, update.status, update.title or "", update.error or "")


def _ended(status: str) -> bool:
    return status in (Status.COMPLETED, Status.FAILED, Status.CANCELLED, NOT_FOUND, FORBIDDEN)


async def watch(
    job_ids: Sequence[str],
    *,
    client: JobSource,
    store: JobStore,
    interval: float = 3.0,
    max_in_flight: int = 4,
    max_rate: float = 5.0,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Clock | None = None,
    notices: BurstSender | None = None,
    budget: Budget | None = None,
) -> int:
    """``spidra-tui watch``: add ``job_ids``, follow every remembered job until all end.

    Every request is spent from ``budget`` (see :mod:`spidra_tui.watch.budget`).
    ``notices`` hears every job that ends while watched (one notification per burst).

    Exit 0 when all completed; 1 when any failed or was cancelled; 3 when any
    was not found or forbidden (and none failed); 4 when the server refused
    the key; 5 on other API or network trouble (the API was never reached, or
    the store failed).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    clock = clock or SystemClock()
    given = list(dict.fromkeys(job_id.strip() for job_id in job_ids if job_id.strip()))
    watcher = Watcher(
        store,
        client,
        interval=interval,
        max_in_flight=max_in_flight,
        max_rate=max_rate,
        clock=clock,
        budget=budget,
    )
    try:
        watcher.add(given)
        summaries = {summary.job_id: summary for summary in store.list()}
    except StoreError as exc:
        err.write(f"{exc}\n")
        return EXIT_API
    running = [job_id for job_id, summary in summaries.items() if not summary.terminal]
    order = list(dict.fromkeys(given + running))
    if not order:
        err.write("Nothing to watch: give job IDs, or add some with spidra-tui submit.\n")
        return EXIT_OK
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        view: ChangeLines | LiveTable = LiveTable(
            out, order, summaries, next_check=watcher.next_check, clock=clock
        )
    else:
        view = ChangeLines(out, err, clock)
        for job_id in given:
            if summaries[job_id].terminal:
                view.show(summaries[job_id])
    stopped = asyncio.Event()
    trouble: list[str] = []
    answered = False
    failures = 0

    ended = {job_id for job_id, summary in summaries.items() if _ended(summary.status)}

    def on_update(update: JobUpdate) -> None:
        nonlocal answered, failures
        view.update(update)
        if notices is not None and _ended(update.status) and update.job_id not in ended:
            ended.add(update.job_id)
            notices.ended([ending_of(update)])
        if update.retry is None:
            answered = True
        elif not answered:
            failures += 1
            if failures >= UNREACHABLE_AFTER:
                trouble.append(f"the API could not be reached: {update.retry.reason}")
                stopped.set()

    def on_status(status: PollerStatus) -> None:
        view.status(status)
        if status.paused == "auth":
            trouble.append(f"Authentication failed: {status.message or 'the key was refused'}")
            stopped.set()

    watcher.subscribe(on_update, on_status)
    try:
        await watcher.start()
        done = asyncio.ensure_future(watcher.wait_until_done())
        halt = asyncio.ensure_future(stopped.wait())
        try:
            await asyncio.wait((done, halt), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (done, halt):
                task.cancel()
            await asyncio.gather(done, halt, return_exceptions=True)
    finally:
        await watcher.stop()
        view.close()
        if notices is not None:
            notices.close()
    if trouble:
        auth = trouble[0].startswith("Authentication")
        advice = " Check SPIDRA_API_KEY or --api-key-file." if auth else ""
        err.write(f"{sanitize.line(trouble[0], 500)}.{advice}\n")
        return EXIT_AUTH if auth else EXIT_API
    if watcher.store_error is not None:
        err.write(f"Warning: {watcher.store_error}\n")
    try:
        final = {summary.job_id: _outcome_status(summary) for summary in store.list()}
    except StoreError as exc:
        err.write(f"{exc}\n")
        return EXIT_API
    return exit_code(final.get(job_id, "unknown") for job_id in order)


def _outcome_status(summary: JobSummary) -> str:
    """A batch or crawl that completed with failed items or pages counts as failed."""
    if summary.status == Status.COMPLETED and summary.parts_failed:
        return Status.FAILED
    return summary.status


def list_jobs(
    store: JobStore, *, as_json: bool = False, out: TextIO | None = None, clock: Clock | None = None
) -> int:
    """``spidra-tui list``: the remembered jobs, newest first, as a table or a JSON array."""
    out = sys.stdout if out is None else out
    summaries = store.list()
    if as_json:
        # ASCII-only JSON: every character a terminal could act on is a \\u escape.
        out.write(sanitize.json_text([dataclasses.asdict(s) for s in summaries]) + "\n")
        return EXIT_OK
    if not summaries:
        out.write("No remembered jobs. Add some with: spidra-tui watch JOB_ID\n")
        return EXIT_OK
    now = (clock or SystemClock()).wall()
    rows = [("ID", "STATUS", "PCT", "AGE", "LABEL / TITLE")]
    for s in summaries:
        name = s.label or s.title or ""
        rows.append(
            (
                sanitize.line(s.job_id, 80),
                sanitize.line(s.status, 20),
                percent(s.fraction).strip(),
                fmt.short_duration(now - s.added_at),
                sanitize.line(name, 80),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        out.write(("  ".join(cells) + "  " + row[4]).rstrip() + "\n")
    return EXIT_OK


def forget(
    store: JobStore, job_ids: Sequence[str], out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``spidra-tui forget``: exit 1 when any ID was not remembered."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    known = store.ids()
    wanted = list(dict.fromkeys(job_id.strip() for job_id in job_ids if job_id.strip()))
    unknown = [job_id for job_id in wanted if job_id not in known]
    removed = store.remove([job_id for job_id in wanted if job_id in known])
    if removed:
        out.write(f"Forgot {removed} job{'s' if removed != 1 else ''}.\n")
    for job_id in unknown:
        err.write(f"Not in the watchlist: {sanitize.line(job_id, 200)}\n")
    if not wanted:
        err.write("No job IDs given.\n")
    return EXIT_FAILED if unknown or not wanted else EXIT_OK

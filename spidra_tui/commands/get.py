"""``spidra-tui get`` and ``spidra-tui submit``: one job, from a shell."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from spidra_tui import format as formats  # ``fmt`` is also the name of an option below
from spidra_tui import sanitize
from spidra_tui.api.client import ScrapeRequest, SpidraClient
from spidra_tui.api.errors import (
    AuthError,
    Forbidden,
    NotFound,
    PaymentRequired,
    RateLimited,
    SpidraError,
    ValidationFailed,
    describe,
)
from spidra_tui.api.models import Job, Status
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.budget import Budget, Priority, clock_text

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_API = 5


def exit_code_for(exc: SpidraError) -> int:
    """The documented exit code for an API error."""
    if isinstance(exc, NotFound | Forbidden):
        return EXIT_NOT_FOUND
    if isinstance(exc, AuthError | PaymentRequired):
        return EXIT_AUTH
    return EXIT_API


def render(job: Job, fmt: str) -> str:
    """The text ``get --format fmt`` prints for ``job``."""
    if fmt == "raw":
        return sanitize.json_text(job.raw)
    result = job.result
    if fmt == "json":
        return sanitize.json_text(job.raw.get("result"))
    if result is None:
        return ""
    if fmt == "markdown":
        parts = []
        for page in result.pages:
            header = sanitize.line(page.url or "(no URL)")
            parts.append(f"# {header}\n\n{sanitize.clean(page.markdown or '')}".rstrip())
        return "\n\n".join(parts)
    if isinstance(result.content, str):
        return sanitize.clean(result.content)
    return "" if result.content is None else sanitize.json_text(result.content)


def outcome(job: Job) -> int:
    """Exit code for a job's final state."""
    return EXIT_OK if job.status == Status.COMPLETED else EXIT_FAILED


async def wait_for(
    client: SpidraClient,
    job_id: str,
    *,
    interval: float,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
    budget: Budget | None = None,
) -> Job:
    """Poll one job until it ends, showing progress on stderr when it is a terminal.

    With a ``budget`` every poll is spent from it: the first look is the user's
    (not paced), the later ones are spread over the window like the TUI's, and
    the progress line says when the next check is and why when the budget
    holds it back.
    """
    clock = clock or SystemClock()
    show = err.isatty()
    priority = Priority.USER
    line = ""
    while True:
        if budget is not None:
            wait = budget.wait_for(priority)
            if show and wait > 1.0:
                when = clock_text(clock.wall() + wait, seconds=True)
                note = f"  · next check {when} (request budget: {_budget_words(budget)})"
                err.write(f"\r\x1b[2K{line}{note}")
                err.flush()
            await budget.take(priority)
            priority = Priority.FOCUS
        try:
            job = await client.get_job(job_id)
        except RateLimited as exc:
            await clock.sleep(max(interval, exc.retry_after or interval))
            continue
        if show:
            fraction = job.progress.fraction if job.progress else None
            pct = f"{formats.percent(fraction):>4}"
            message = sanitize.line(job.progress.message if job.progress else "", 60)
            status = sanitize.line(job.status, 20)  # the server's word: never raw to a terminal
            line = f"{status:<10} {pct}  {message}"
            err.write(f"\r\x1b[2K{line}")
            err.flush()
        if job.is_terminal:
            if show:
                err.write("\r\x1b[2K")
                err.flush()
            return job
        await clock.sleep(interval)


def _budget_words(budget: Budget) -> str:
    view = budget.view()
    return view.describe() if view is not None else "unlimited"


def print_job(job: Job, fmt: str, out: TextIO, err: TextIO) -> int:
    """Print a finished (or current) job as ``fmt``; returns the exit code."""
    if job.status == Status.FAILED:
        err.write(f"The job failed: {sanitize.line(job.error or 'no reason given', 2000)}\n")
        if fmt == "raw":
            out.write(render(job, fmt) + "\n")
        return EXIT_FAILED
    if not job.is_terminal and fmt not in ("raw", "json"):
        fraction = job.progress.fraction if job.progress else None
        pct = f" ({formats.percent(fraction)})" if fraction is not None else ""
        err.write(f"The job is {sanitize.line(job.status)}{pct}; use --wait to wait for it.\n")
        return EXIT_OK
    text = render(job, fmt)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    if job.is_terminal:
        return outcome(job)
    return EXIT_OK


async def get(
    client: SpidraClient,
    job_id: str,
    *,
    wait: bool,
    fmt: str,
    interval: float,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    budget: Budget | None = None,
) -> int:
    """``spidra-tui get``."""
    try:
        job = await (
            wait_for(client, job_id, interval=interval, err=err, budget=budget)
            if wait
            else client.get_job(job_id)
        )
    except SpidraError as exc:
        err.write(describe(exc) + "\n")
        return exit_code_for(exc)
    return print_job(job, fmt, out, err)


async def submit(
    client: SpidraClient,
    request: ScrapeRequest,
    *,
    wait: bool,
    fmt: str,
    interval: float,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    on_submitted: Any = None,
    budget: Budget | None = None,
) -> int:
    """``spidra-tui submit``: prints the new job's ID, or its result with ``wait``."""
    try:
        submitted = await client.submit_scrape(request)
    except SpidraError as exc:
        err.write(describe(exc, after_submit=True) + "\n")
        return EXIT_USAGE if isinstance(exc, ValidationFailed) else exit_code_for(exc)
    for warning in submitted.warnings:
        err.write(f"Schema warning: {sanitize.line(warning, 500)}\n")
    if on_submitted is not None:
        on_submitted(submitted.job_id, request.urls[0] if request.urls else None)
    if not wait:
        out.write(sanitize.line(submitted.job_id) + "\n")
        return EXIT_OK
    err.write(f"Submitted {sanitize.line(submitted.job_id)}\n")
    return await get(
        client,
        submitted.job_id,
        wait=True,
        fmt=fmt,
        interval=interval,
        out=out,
        err=err,
        budget=budget,
    )

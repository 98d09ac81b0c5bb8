"""``get``, ``submit --batch``, ``crawl``, ``cancel`` and ``retry`` for batches and crawls.

A job is named ``batch:ID``, ``crawl:ID`` or by a bare scrape ID (see
:mod:`spidra_tui.api.kinds`). Exit codes are those of ``get``: 0 completed with
no failed item or page, 1 failed, cancelled or any item or page failed, 2 a
usage error, 3 not found, 4 key refused, 5 other API trouble.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from spidra_tui import sanitize
from spidra_tui.api.batch import Batch
from spidra_tui.api.batch_calls import BatchRequest
from spidra_tui.api.client import SpidraClient
from spidra_tui.api.crawl_calls import CrawlRequest
from spidra_tui.api.errors import RateLimited, SpidraError, ValidationFailed, describe
from spidra_tui.api.kinds import JobRef, Kind
from spidra_tui.api.models import Job
from spidra_tui.api.records import (
    Fetched,
    NotFlat,
    content_text,
    csv_text,
    jsonl,
    records,
    whole_json,
)
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.commands import get as scrape_get
from spidra_tui.commands.get import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    exit_code_for,
    grep_pattern,
)
from spidra_tui.commands.get_screenshots import ScreenshotRequest, save_numbered
from spidra_tui.job_ids import parse_ref
from spidra_tui.watch.kinds import view_of

FORMATS = ("content", "markdown", "json", "raw", "jsonl", "csv")

Remember = Callable[[str, str | None], None]


def checked_ref(text: str, err: TextIO) -> JobRef | None:
    """The reference ``text`` names, or None after saying on ``err`` why it is not one."""
    try:
        return parse_ref(text)
    except ValueError as exc:
        err.write(f"Not a job ID ({sanitize.line(text, 80)}): {exc}.\n")
        return None


async def fetch(client: SpidraClient, ref: JobRef, *, all_pages: bool) -> Fetched:
    """One read of a job of any kind; a crawl with every page when ``all_pages``."""
    if ref.kind is Kind.BATCH:
        return Fetched(await client.get_batch(ref.job_id))
    if ref.kind is Kind.CRAWL:
        crawl = await client.get_crawl(ref.job_id)
        pages = await client.get_all_crawl_pages(ref.job_id) if all_pages else []
        return Fetched(crawl, tuple(pages))
    return Fetched(await client.get_job(ref.job_id))


async def wait_until_ended(
    client: SpidraClient,
    ref: JobRef,
    *,
    interval: float,
    err: TextIO,
    clock: Clock | None = None,
) -> None:
    """Poll ``ref`` until it ends, showing its progress on ``err`` when that is a terminal."""
    clock = clock or SystemClock()
    show = err.isatty()
    while True:
        try:
            fetched = await fetch(client, ref, all_pages=False)
        except RateLimited as exc:
            await clock.sleep(max(interval, exc.retry_after or interval))
            continue
        if show:
            view = view_of(fetched.answer)
            status = sanitize.line(view.status, 12)
            err.write(f"\r\x1b[2K{status:<10}  {sanitize.line(view.message or '', 70)}")
            err.flush()
        if fetched.is_terminal:
            if show:
                err.write("\r\x1b[2K")
                err.flush()
            return
        await clock.sleep(interval)


def outcome(fetched: Fetched) -> int:
    """0 completed with nothing failed; 1 failed, cancelled, or any item or page failed."""
    if fetched.status == "completed" and fetched.failed_parts == 0:
        return EXIT_OK
    return EXIT_FAILED


def render(fetched: Fetched, fmt: str) -> str:
    """What ``get --format fmt`` prints (raises :class:`NotFlat` for an unfit ``csv``)."""
    if fmt == "jsonl":
        return jsonl(fetched)
    if fmt == "csv":
        return csv_text(fetched)
    if fmt == "json":
        return whole_json(fetched)
    if fmt == "raw":
        return sanitize.json_text(fetched.answer.raw) + "\n"
    return content_text(fetched)


async def get(
    client: SpidraClient,
    text: str,
    *,
    wait: bool,
    fmt: str,
    interval: float,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    grep: str | None = None,
    screenshots: ScreenshotRequest | None = None,
) -> int:
    """``spidra-tui get`` for a job of any kind; ``grep`` and ``screenshots`` as for a
    scrape (a batch's screenshots are numbered by item)."""
    ref = checked_ref(text, err)
    if ref is None:
        return EXIT_USAGE
    if ref.kind is Kind.SCRAPE and fmt not in ("jsonl", "csv"):
        return await scrape_get.get(
            client,
            ref.job_id,
            wait=wait,
            fmt=fmt,
            interval=interval,
            out=out,
            err=err,
            grep=grep,
            screenshots=screenshots,
        )
    try:
        pattern = grep_pattern(grep) if grep is not None else None
    except ValueError as exc:
        err.write(f"{exc}\n")
        return EXIT_USAGE
    try:
        if wait:
            await wait_until_ended(client, ref, interval=interval, err=err)
        whole = pattern is not None or fmt in ("json", "jsonl", "csv", "content")
        fetched = await fetch(client, ref, all_pages=whole)
    except SpidraError as exc:
        err.write(describe(exc) + "\n")
        return exit_code_for(exc)
    code = _printed(fetched, fmt, pattern, out, err)
    if code == EXIT_USAGE:
        return code
    if screenshots is not None:
        saved = await save_numbered(str(ref), screenshots_of(fetched), screenshots, err)
        if saved != EXIT_OK:
            return saved
    if code is not None:
        return code
    view = view_of(fetched.answer)
    summary = sanitize.line(f"{view.status}: {view.message or ''}", 200)
    if not fetched.is_terminal:
        err.write(f"{ref} is {summary}; use --wait to wait for it.\n")
        return EXIT_OK
    if fetched.status != "completed":
        reason = sanitize.line(view.error or "no reason given", 2000)
        err.write(f"{ref} ended {sanitize.line(fetched.status, 20)}: {reason}\n")
    elif fetched.failed_parts:
        err.write(f"{ref} completed, {fetched.failed_parts} failed ({summary}).\n")
    return outcome(fetched)


def _printed(
    fetched: Fetched, fmt: str, pattern: re.Pattern[str] | None, out: TextIO, err: TextIO
) -> int | None:
    """Print what ``get`` prints; an exit code when that decides it (``--grep``'s, or
    a usage error), else None."""
    if pattern is not None:
        found = list(grep_records(fetched, pattern))
        out.writelines(line + "\n" for line in found)
        return EXIT_OK if found else EXIT_FAILED
    try:
        out.write(render(fetched, fmt))
    except NotFlat as exc:
        err.write(f"The content is not flat ({exc}); use --format jsonl.\n")
        return EXIT_USAGE
    return None


def grep_records(fetched: Fetched, pattern: re.Pattern[str]) -> Iterator[str]:
    """``URL<tab>line`` for each line of an item's or page's content that ``pattern``
    matches (JSON content is searched as indented JSON), cleaned."""
    for record in records(fetched):
        value = record.get("content", record.get("data"))
        if value is None:
            continue
        text = value if isinstance(value, str) else sanitize.json_text(value)
        label = sanitize.line(record.get("url") or "(no URL)")
        for found in sanitize.clean(text).split("\n"):
            if pattern.search(found):
                yield f"{label}\t{found}"


def screenshots_of(fetched: Fetched) -> list[tuple[int, str]]:
    """A job's screenshots as (number, URL): a batch's by item number; a crawl's
    pages have none."""
    answer = fetched.answer
    if isinstance(answer, Batch):
        return [(n, i.screenshot_url) for n, i in enumerate(answer.items, 1) if i.screenshot_url]
    if isinstance(answer, Job) and answer.result is not None:
        return list(enumerate(answer.result.all_screenshots, 1))
    return []


async def submit_batch(
    client: SpidraClient,
    request: BatchRequest,
    *,
    wait: bool,
    fmt: str,
    interval: float,
    on_submitted: Remember | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """``spidra-tui submit --batch URL...``: prints ``batch:ID`` (or the result with ``wait``)."""
    try:
        queued = await client.submit_batch(request)
    except SpidraError as exc:
        return _refused(exc, err)
    for warning in queued.warnings:
        err.write(f"Schema warning: {sanitize.line(warning, 500)}\n")
    ref = JobRef(Kind.BATCH, queued.batch_id)
    return await _started(client, ref, request.urls[0], wait, fmt, interval, on_submitted, out, err)


async def start_crawl(
    client: SpidraClient,
    request: CrawlRequest,
    *,
    wait: bool,
    fmt: str,
    interval: float,
    on_submitted: Remember | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """``spidra-tui crawl URL``: prints ``crawl:ID`` (or the result with ``wait``)."""
    try:
        crawl_id = await client.submit_crawl(request)
    except SpidraError as exc:
        return _refused(exc, err)
    ref = JobRef(Kind.CRAWL, crawl_id)
    return await _started(
        client, ref, request.base_url, wait, fmt, interval, on_submitted, out, err
    )


def _refused(exc: SpidraError, err: TextIO) -> int:
    err.write(describe(exc, after_submit=True) + "\n")
    return EXIT_USAGE if isinstance(exc, ValidationFailed) else exit_code_for(exc)


async def _started(
    client: SpidraClient,
    ref: JobRef,
    label: str | None,
    wait: bool,
    fmt: str,
    interval: float,
    on_submitted: Remember | None,
    out: TextIO,
    err: TextIO,
) -> int:
    if checked_ref(ref.key, err) is None:  # an ID the server chose, checked like any other
        return EXIT_USAGE
    if on_submitted is not None:
        on_submitted(ref.key, label)
    if not wait:
        out.write(ref.key + "\n")
        return EXIT_OK
    err.write(f"Started {ref.key}\n")
    return await get(client, ref.key, wait=True, fmt=fmt, interval=interval, out=out, err=err)


async def cancel(
    client: SpidraClient, text: str, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """``spidra-tui cancel batch:ID|crawl:ID``."""
    ref = checked_ref(text, err)
    if ref is None:
        return EXIT_USAGE
    try:
        if ref.kind is Kind.BATCH:
            answer: Any = await client.cancel_batch(ref.job_id)
            out.write(
                f"Cancelled {ref.key}: {answer.cancelled_items} items stopped, "
                f"{answer.credits_refunded:g} credits refunded.\n"
            )
        elif ref.kind is Kind.CRAWL:
            answer = await client.cancel_crawl(ref.job_id)
            out.write(f"Cancelled {ref.key} ({sanitize.line(answer.status, 20)}).\n")
        else:
            err.write("A single scrape cannot be cancelled; name a batch:ID or crawl:ID.\n")
            return EXIT_USAGE
    except SpidraError as exc:
        err.write(describe(exc) + "\n")
        return exit_code_for(exc)
    return EXIT_OK


async def retry(
    client: SpidraClient,
    text: str,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    on_retried: Callable[[str], None] | None = None,
) -> int:
    """``spidra-tui retry batch:ID``: queue the batch's failed items again."""
    ref = checked_ref(text, err)
    if ref is None:
        return EXIT_USAGE
    if ref.kind is not Kind.BATCH:
        err.write("Only a batch's failed items can be retried; name it batch:ID.\n")
        return EXIT_USAGE
    try:
        count = await client.retry_batch(ref.job_id)
    except SpidraError as exc:
        err.write(describe(exc) + "\n")
        return exit_code_for(exc)
    out.write(f"Retrying {count} failed item{'s' if count != 1 else ''} of {ref.key}.\n")
    if count and on_retried is not None:
        on_retried(ref.key)
    return EXIT_OK


async def run(
    command: str,
    args: Any,
    client: SpidraClient,
    remember: Remember | None,
    reopen: Callable[[str], None] | None = None,
    shots_request: ScreenshotRequest | None = None,
) -> int | None:
    """Run ``get``, ``cancel``, ``retry``, ``crawl`` or ``submit --batch`` from parsed
    arguments; None for any other command (a plain ``submit``, ``watch``). ``reopen``
    marks a retried batch as running again in the watchlist, so watchers poll it anew;
    ``shots_request`` is where ``get --screenshots`` saves."""
    if command == "get":
        return await get(
            client,
            args.job_id,
            wait=args.wait,
            fmt=args.format,
            interval=args.interval,
            grep=args.grep,
            screenshots=shots_request,
        )
    if command == "cancel":
        return await cancel(client, args.job_id)
    if command == "retry":
        return await retry(client, args.job_id, on_retried=reopen)
    if command not in ("crawl", "submit") or (command == "submit" and not args.batch):
        return None
    options = {"wait": args.wait, "fmt": args.format, "interval": args.interval}
    if command == "crawl":
        request = CrawlRequest(
            args.url,
            crawl_instruction=args.instruction,
            transform_instruction=args.transform,
            max_pages=args.max_pages,
            max_depth=args.max_depth,
        )
        return await start_crawl(client, request, on_submitted=remember, **options)
    shots = True if args.screenshot else None
    batch = BatchRequest(tuple(args.urls), prompt=args.prompt, output=args.output, screenshot=shots)
    return await submit_batch(client, batch, on_submitted=remember, **options)

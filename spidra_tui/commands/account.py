"""``spidra-tui logs | account | usage | batches | crawls``: the account from a shell.

Each command sends its requests through the client directly (as ``get`` does), one at a
time; ``logs --limit`` above a page fetches pages one after another, spaced at the
``--max-rate``. ``--json`` prints the parsed records (safe to print: control characters
inside strings are escaped); the plain form is a table that fits the terminal.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from spidra_tui import sanitize
from spidra_tui.api.account import LOG_PAGE_LIMIT, Account, LogFilters, ScrapeLog, Usage
from spidra_tui.api.account_lists import BatchSummary, CrawlSummary
from spidra_tui.api.errors import NotFound, SpidraError, describe
from spidra_tui.bars import bar, figure
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.commands.table import Column, render, terminal_width

COMMANDS = ("logs", "account", "usage", "batches", "crawls")
EXIT_OK, EXIT_NOT_FOUND, EXIT_AUTH, EXIT_API = 0, 3, 4, 5
MAX_LIMIT = 10_000


def _date(text: str) -> str:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return text


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"the limit must be between 1 and {MAX_LIMIT}")
    return value


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    """The options of one of :data:`COMMANDS`."""
    if command == "logs":
        parser.description = "Print the scrape history, or one log with UUID."
        parser.add_argument("uuid", nargs="?", metavar="UUID", help="one log, with its result")
        parser.add_argument("--status", help="success, error, in_progress (as the server names)")
        parser.add_argument("--search", metavar="TEXT", help="a URL or prompt containing TEXT")
        parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="started on or after")
        parser.add_argument(
            "--until", type=_date, metavar="YYYY-MM-DD", help="started on or before"
        )
        parser.add_argument("--channel", choices=("api", "playground"))
        parser.add_argument(
            "--limit", type=_limit, default=20, metavar="N", help="rows (default 20)"
        )
        parser.add_argument("--page", type=_limit, default=1, metavar="P", help="start at page P")
        parser.add_argument(
            "--format",
            choices=("content", "json", "raw"),
            default="content",
            help="with UUID: content: the result; json: the parsed log; raw: the answer",
        )
    elif command == "account":
        parser.description = "Print the plan, the credits left and the proxy bandwidth."
    elif command == "usage":
        parser.description = "Print requests and credits per day as bars."
        parser.add_argument("--range", choices=("7d", "30d", "weekly"), default="7d")
    elif command == "batches":
        parser.description = "Print the account's batch scrapes, newest first."
        parser.add_argument("--limit", type=_limit, default=20, metavar="N")
    elif command == "crawls":
        parser.description = "Print the account's crawls, newest first."
        parser.add_argument("--limit", type=_limit, default=20, metavar="N")
    parser.add_argument("--json", action="store_true", help="print the parsed records as JSON")


def exit_code_for(exc: SpidraError) -> int:
    """The documented exit code for an API error."""
    from spidra_tui.commands.get import exit_code_for as job_exit_code

    return job_exit_code(exc)


async def run(
    command: str,
    args: argparse.Namespace,
    client: Any,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
    width: int | None = None,
    max_rate: float = 5.0,
) -> int:
    """Run one of :data:`COMMANDS` with ``client``; returns the exit code."""
    width = width or terminal_width()
    try:
        if command == "logs" and args.uuid:
            text = render_log(
                await client.scrape_log(args.uuid), args.format if not args.json else "json"
            )
        elif command == "logs":
            logs, total, skipped = await _logs(client, args, clock or SystemClock(), max_rate)
            text = _json([log.to_json() for log in logs]) if args.json else logs_table(logs, width)
            if not args.json:
                shown = f"{len(logs)} of {total}" if total is not None else f"{len(logs)}"
                err.write(
                    f"{shown} logs"
                    + (f"; {skipped} rows could not be read" if skipped else "")
                    + "\n"
                )
        elif command == "account":
            account = await client.account()
            text = _json(account.to_json()) if args.json else account_text(account)
        elif command == "usage":
            usage = await client.usage(args.range)
            text = (
                _json([day.to_json() for day in usage.days])
                if args.json
                else usage_text(usage, width)
            )
        elif command == "batches":
            page = await client.batch_list(1, min(args.limit, 50))
            rows = list(page.rows)[: args.limit]
            text = (
                _json([row.to_json() for row in rows]) if args.json else batches_table(rows, width)
            )
        else:
            page = await client.crawl_list(1, min(args.limit, 100))
            rows = list(page.rows)[: args.limit]
            text = (
                _json([row.to_json() for row in rows]) if args.json else crawls_table(rows, width)
            )
    except SpidraError as exc:
        if isinstance(exc, NotFound):
            err.write(f"Not found ({sanitize.line(exc.message, 300)}). Check the UUID.\n")
        else:
            err.write(describe(exc) + "\n")
        return exit_code_for(exc)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _json(value: Any) -> str:
    return sanitize.json_text(value)


async def _logs(
    client: Any, args: argparse.Namespace, clock: Clock, max_rate: float
) -> tuple[list[ScrapeLog], int | None, int]:
    """Up to ``--limit`` logs, a page of at most 100 at a time."""
    per_page = min(LOG_PAGE_LIMIT, args.limit)
    page_no = args.page
    logs: list[ScrapeLog] = []
    total: int | None = None
    skipped = 0
    while len(logs) < args.limit:
        if logs:
            await clock.sleep(1.0 / max_rate)  # one request after another, at the rate
        filters = LogFilters(
            page=page_no,
            limit=per_page,
            status=args.status,
            search=args.search,
            date_start=args.since,
            date_end=args.until,
            channel=args.channel,
        )
        page = await client.scrape_logs(filters)
        logs.extend(page.logs)
        total, skipped = page.total, skipped + page.skipped
        if not page.has_more or not page.logs:
            break
        page_no += 1
    return logs[: args.limit], total, skipped


def render_log(log: ScrapeLog, fmt: str) -> str:
    """``logs UUID --format``: the result, the parsed log, or the answer as received."""
    if fmt == "raw":
        return _json(log.raw)
    if fmt == "json":
        return _json(log.to_json())
    data = log.result_data
    if data is None or data == "":
        return ""
    return sanitize.clean(data) if isinstance(data, str) else _json(data)


def _when(stamp: str | None) -> str:
    if not stamp:
        return "-"
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return sanitize.line(stamp, 20)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _num(value: float | None) -> str:
    return "-" if value is None else figure(value)


def logs_table(logs: list[ScrapeLog], width: int) -> str:
    """The history as a table."""
    columns = [
        Column("STARTED"),
        Column("STATUS"),
        Column("CREDITS", right=True),
        Column("URL", flexible=True),
        Column("UUID"),
    ]
    rows = [
        [
            _when(log.started_at),
            log.status,
            _num(log.credits_used),
            (log.urls[0] if log.urls else "-")
            + (f" +{len(log.urls) - 1}" if len(log.urls) > 1 else ""),
            log.uuid,
        ]
        for log in logs
    ]
    return render(columns, rows, width)


def account_text(account: Account) -> str:
    """The account in a few lines, with a warning when under 10% is left."""
    lines = [f"Plan:          {sanitize.line(account.plan or 'unknown', 60)}"]
    remaining, limit = account.remaining, account.credits_limit
    if remaining is not None and limit:
        share = account.remaining_share or 0.0
        lines.append(f"Credits left:  {figure(remaining)} of {figure(limit)} ({share:.0%})")
    elif remaining is not None:
        lines.append(f"Credits left:  {figure(remaining)}")
    else:
        lines.append("Credits left:  unknown (the server did not say)")
    if account.credits_used is not None:
        lines.append(f"Credits used:  {figure(account.credits_used)} (includes running jobs)")
    if account.billing_cycle_start:
        lines.append(f"Cycle began:   {_when(account.billing_cycle_start)}")
    if account.proxy_limit_mb is not None:
        used = _num(account.proxy_used_mb)
        lines.append(f"Proxy:         {used} of {figure(account.proxy_limit_mb)} MB used")
    if account.subscription_status:
        lines.append(f"Subscription:  {sanitize.line(account.subscription_status, 40)}")
    if account.low:
        lines.append("Warning: less than 10% of the credits are left.")
    return "\n".join(lines)


def usage_text(usage: Usage, width: int) -> str:
    """Requests and credits per day as two bars each, with the totals."""
    label_width = max((len(sanitize.line(day.label, 16)) for day in usage.days), default=5)
    figures = 8
    bar_width = max(4, (width - label_width - 2 * figures - 8) // 2)
    most_requests = max((day.requests for day in usage.days), default=0)
    most_credits = max((day.credits for day in usage.days), default=0.0)
    lines = [
        f"{'DAY':<{label_width}}  {'REQUESTS':>{figures}} {'':<{bar_width}}  {'CREDITS':>{figures}}"
    ]
    for day in usage.days:
        label = sanitize.line(day.label, 16)
        requests = bar(day.requests, most_requests, bar_width)
        credits = bar(day.credits, most_credits, bar_width)
        lines.append(
            f"{label:<{label_width}}  {figure(day.requests):>{figures}} {requests:<{bar_width}}  "
            f"{figure(day.credits):>{figures}} {credits}".rstrip()
        )
    lines.append(
        f"{'Total':<{label_width}}  {figure(usage.total_requests):>{figures}} {'':<{bar_width}}  "
        f"{figure(usage.total_credits):>{figures}}"
    )
    if usage.skipped:
        lines.append(f"({usage.skipped} rows could not be read)")
    return "\n".join(lines)


def batches_table(rows: list[BatchSummary], width: int) -> str:
    """Batches as a table."""
    columns = [
        Column("CREATED"),
        Column("STATUS"),
        Column("DONE", right=True),
        Column("FAILED", right=True),
        Column("URLS", right=True),
        Column("UUID", flexible=True),
    ]
    table = [
        [_when(b.created_at), b.status, b.completed_count, b.failed_count, b.total_urls, b.uuid]
        for b in rows
    ]
    return render(columns, table, width)


def crawls_table(rows: list[CrawlSummary], width: int) -> str:
    """Crawls as a table."""
    columns = [
        Column("CREATED"),
        Column("STATUS"),
        Column("PAGES", right=True),
        Column("CREDITS", right=True),
        Column("URL", flexible=True),
        Column("ID"),
    ]
    table = [
        [
            _when(c.created_at),
            c.status,
            f"{c.pages_crawled}/{c.max_pages}" if c.max_pages is not None else c.pages_crawled,
            _num(c.credits_used),
            c.base_url or "-",
            c.id,
        ]
        for c in rows
    ]
    return render(columns, table, width)

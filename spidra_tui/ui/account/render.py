"""What the account looks like on screen: credits, freshness, list rows, usage bars.

Pure functions from the watch layer's records to Rich ``Text``; every string from the
server goes through ``sanitize.line`` first, and nothing is read as markup.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from spidra_tui.api.account import Account, ScrapeLog, Usage
from spidra_tui.api.account_lists import BatchSummary, CrawlSummary
from spidra_tui.bars import bar, figure
from spidra_tui.sanitize import line
from spidra_tui.watch.account import Fetched

STATUS_STYLES = {
    "success": "green",
    "completed": "green",
    "error": "red",
    "failed": "red",
    "cancelled": "dim",
    "running": "cyan",
    "pending": "yellow",
    "in_progress": "cyan",
}


def credits_text(fetched: Fetched | None) -> Text:
    """The header's credits: ``credits 857/1,000 · Starter``, in red under 10%."""
    account = fetched.value if fetched is not None else None
    if not isinstance(account, Account):
        if fetched is not None and fetched.error:
            return Text("credits ?", style="dim")
        return Text("")
    remaining, limit = account.remaining, account.credits_limit
    if remaining is None:
        text = Text("credits ?", style="dim")
    elif limit:
        share = account.remaining_share or 0.0
        style = "bold red" if account.low else "green"
        text = Text(
            f"{'⚠ ' if account.low else ''}credits {figure(remaining)}/{figure(limit)}", style=style
        )
        if account.low:
            text.append(f" ({share:.0%} left)", style="bold red")
    else:
        text = Text(f"credits {figure(remaining)}", style="green")
    if account.plan:
        text.append(f" · {line(account.plan, 24)}", style="dim")
    return text


def age_words(seconds: float | None) -> str:
    """``just now``, ``40 s ago``, ``3 min ago``, ``2 h ago``; ``never`` for None."""
    if seconds is None:
        return "never"
    if seconds < 5:
        return "just now"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def fresh_text(fetched: Fetched, now: float, what: str) -> Text:
    """How fresh a list is and whether the last try failed, in one line."""
    if fetched.at is None and fetched.error is None:
        return Text(f"{what}: not loaded yet (r loads)", style="dim")
    age = None if fetched.at is None else max(0.0, now - fetched.at)
    text = Text(f"{what}: updated {age_words(age)}", style="dim")
    if fetched.error and (fetched.at is None or (fetched.error_at or 0) >= fetched.at):
        text.append("  ·  ")
        text.append(line(fetched.error, 160), style="red")
    return text


def status_cell(status: str) -> Text:
    """A status, coloured when known."""
    return Text(line(status, 14), style=STATUS_STYLES.get(status.lower(), ""))


def when(stamp: str | None) -> str:
    """An ISO time as ``2026-12-03 07:34`` (UTC); anything else as a short safe line."""
    if not stamp:
        return "-"
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return line(stamp, 20)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def batch_cells(batch: BatchSummary) -> tuple[Text, ...]:
    """A row of the batch table."""
    done = f"{batch.completed_count}/{batch.total_urls}"
    failed = str(batch.failed_count) if batch.failed_count else "-"
    return (
        status_cell(batch.status),
        Text(done, justify="right"),
        Text(failed, justify="right", style="red" if batch.failed_count else "dim"),
        Text(when(batch.created_at)),
        Text(line(batch.uuid, 40), style="dim"),
    )


def crawl_cells(crawl: CrawlSummary) -> tuple[Text, ...]:
    """A row of the crawl table."""
    pages = (
        f"{crawl.pages_crawled}/{crawl.max_pages}" if crawl.max_pages else str(crawl.pages_crawled)
    )
    credits = "-" if crawl.credits_used is None else figure(crawl.credits_used)
    return (
        status_cell(crawl.status),
        Text(pages, justify="right"),
        Text(credits, justify="right"),
        Text(when(crawl.created_at)),
        Text(line(crawl.base_url or "-", 60)),
        Text(line(crawl.id, 40), style="dim"),
    )


def log_cells(log: ScrapeLog) -> tuple[Text, ...]:
    """A row of the history table."""
    url = log.urls[0] if log.urls else "-"
    more = f" +{len(log.urls) - 1}" if len(log.urls) > 1 else ""
    credits = "-" if log.credits_used is None else figure(log.credits_used)
    return (
        Text(when(log.started_at)),
        status_cell(log.status),
        Text(credits, justify="right"),
        Text(line(url, 80) + more),
        Text(line(log.prompt or "", 40), style="dim"),
    )


def usage_chart(usage: Usage, width: int) -> Text:
    """Requests and credits per day as bars, with the totals underneath."""
    labels = [line(day.label, 12) for day in usage.days]
    label_width = max((len(label) for label in labels), default=5)
    bar_width = max(4, (width - label_width - 20) // 2)
    most_requests = max((day.requests for day in usage.days), default=0)
    most_credits = max((day.credits for day in usage.days), default=0.0)
    text = Text()
    text.append(
        f"{'':<{label_width}}  {'requests':>7} {'':<{bar_width}}  {'credits':>7}\n", style="bold"
    )
    for label, day in zip(labels, usage.days, strict=True):
        text.append(f"{label:<{label_width}}  ")
        text.append(f"{figure(day.requests):>7} ")
        text.append(f"{bar(day.requests, most_requests, bar_width):<{bar_width}}", style="cyan")
        text.append(f"  {figure(day.credits):>7} ")
        text.append(bar(day.credits, most_credits, bar_width), style="magenta")
        text.append("\n")
    text.append(
        f"{'Total':<{label_width}}  {figure(usage.total_requests):>7} {'':<{bar_width}}",
        style="bold",
    )
    text.append(f"  {figure(usage.total_credits):>7}", style="bold")
    if usage.skipped:
        text.append(f"\n({usage.skipped} rows could not be read)", style="dim")
    if not usage.days:
        text = Text("No usage in this range.", style="dim")
    return text

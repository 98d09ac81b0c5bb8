"""One record per item of an answer, for ``get --format jsonl|csv|json``.

A scrape is one record; a batch one per item; a crawl one per page. Each has
at least ``url``, ``status``, ``content`` (or ``data`` for a crawl page) and
``error``. Values are the server's, unchanged: the writers below escape what a
terminal would act on without changing what the JSON means.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spidra_tui import sanitize
from spidra_tui.api.batch import Batch
from spidra_tui.api.crawl import Crawl, CrawlPage
from spidra_tui.api.models import Job


@dataclass(frozen=True, slots=True)
class Fetched:
    """An answer as ``get`` read it: a crawl comes with every page read from ``/pages``."""

    answer: Job | Batch | Crawl
    pages: tuple[CrawlPage, ...] = ()

    @property
    def status(self) -> str:
        return self.answer.status

    @property
    def is_terminal(self) -> bool:
        return self.answer.is_terminal

    @property
    def failed_parts(self) -> int:
        """Failed items of a batch, failed pages of a crawl (0 for a scrape)."""
        answer = self.answer
        if isinstance(answer, Batch):
            return answer.failed_count
        if isinstance(answer, Crawl):
            return sum(page.failed for page in self.pages or answer.pages)
        return 0


def _scrape(fetched: Fetched) -> list[dict[str, Any]]:
    job = fetched.answer
    assert isinstance(job, Job)
    pages = job.result.pages if job.result else ()
    return [
        {
            "url": pages[0].url if pages else None,
            "status": job.status,
            "content": job.result.content if job.result else None,
            "error": job.error,
        }
    ]


def _batch(fetched: Fetched) -> list[dict[str, Any]]:
    batch = fetched.answer
    assert isinstance(batch, Batch)
    return [
        {
            "url": item.url,
            "status": item.status,
            "content": item.content,
            "error": item.error,
            "job_id": item.job_id,
        }
        for item in batch.items
    ]


def _crawl(fetched: Fetched) -> list[dict[str, Any]]:
    crawl = fetched.answer
    assert isinstance(crawl, Crawl)
    inline = {page.url: page for page in crawl.pages}
    records = []
    for page in fetched.pages or crawl.pages:
        known = inline.get(page.url)  # depth and parent come only inline
        records.append(
            {
                "url": page.url,
                "status": page.status,
                "title": page.title,
                "data": page.data,
                "error": page.error,
                "depth": page.depth if page.depth is not None else (known and known.depth),
                "parent_url": page.parent_url or (known.parent_url if known else None),
            }
        )
    return records


_RECORDS: dict[type, Callable[[Fetched], list[dict[str, Any]]]] = {
    Job: _scrape,
    Batch: _batch,
    Crawl: _crawl,
}


def records(fetched: Fetched) -> list[dict[str, Any]]:
    """The records of an answer of any kind."""
    return _RECORDS[type(fetched.answer)](fetched)


def lines_of(answer: Job | Batch | Crawl) -> str | None:
    """A batch's items or a crawl's pages as JSON Lines; None for a scrape (one answer,
    saved whole)."""
    if isinstance(answer, Job):
        return None
    return jsonl(Fetched(answer))


def jsonl(fetched: Fetched) -> str:
    """One JSON object a line."""
    return "".join(sanitize.json_text(record, indent=None) + "\n" for record in records(fetched))


def whole_json(fetched: Fetched) -> str:
    """The whole answer; a crawl's ``result`` holds every page, not only the first 100."""
    body = dict(fetched.answer.raw)
    if isinstance(fetched.answer, Crawl) and fetched.pages:
        body["result"] = [_page_json(page) for page in fetched.pages]
        body["totalPages"] = len(fetched.pages)
        body["resultTruncated"] = False
    return sanitize.json_text(body) + "\n"


def _page_json(page: CrawlPage) -> dict[str, Any]:
    fields = {name: getattr(page, name) for name in page.__slots__}
    return {name: value for name, value in fields.items() if value is not None}


class NotFlat(ValueError):
    """The content holds nested values: it does not fit in CSV cells."""


def csv_text(fetched: Fetched) -> str:
    """CSV with a header; a content that is an object of plain values becomes columns.

    Raises :class:`NotFlat` when a content holds lists or nested objects.
    """
    rows = [_flat(record) for record in records(fetched)]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                if isinstance(item, dict | list):
                    raise NotFlat(f"{key}.{inner} holds nested values")
                row[f"{key}.{inner}"] = item
        elif isinstance(value, list):
            raise NotFlat(f"{key} holds a list")
        else:
            row[key] = value
    return row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return sanitize.clean(str(value))


def content_text(fetched: Fetched) -> str:
    """Each item's or page's content under a ``# URL`` heading (markdown as is)."""
    parts = []
    for record in records(fetched):
        value = record.get("content", record.get("data"))
        if value is None:
            value = f"({record.get('status')}: {record.get('error') or 'no content'})"
        text = sanitize.clean(value) if isinstance(value, str) else sanitize.json_text(value)
        header = sanitize.line(record.get("url") or "(no URL)")
        parts.append(f"# {header}\n\n{text.rstrip()}")
    return "\n\n".join(parts) + ("\n" if parts else "")

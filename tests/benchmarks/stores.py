"""Prepared job stores for the benchmarks: a state folder holding many remembered jobs.

The jobs are written exactly as the Watcher writes them (``JobStore.record_many``
with the parsed answer), so a benchmark that opens the folder sees what a user
who watched these jobs earlier would see.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from spidra_tui.emulator.content import foreach_markdown
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore
from tests.answers import answer_update

BATCH = 50  # jobs a transaction, as a burst of updates would be written


def job_id(index: int) -> str:
    """A job ID shaped like the API's (a UUID)."""
    return f"{index * 7919:08x}-b3c1-4e5f-8a9b-{index:012x}"


def completed_body(index: int, size: int) -> dict[str, Any]:
    """A completed forEach answer of about ``size`` bytes of JSON, different per job."""
    url = f"https://books.toscrape.com/catalogue/page-{index}.html"
    page = foreach_markdown(max(2_000, size // 5), index + 100_000)
    content = foreach_markdown(max(2_000, size - len(page) - 600), index)
    return {
        "status": "completed",
        "progress": {"message": "Scrape completed successfully", "progress": 1},
        "result": {
            "content": content,
            "data": [
                {
                    "url": url,
                    "title": f"All products, page {index}",
                    "markdownContent": page,
                    "success": True,
                    "screenshotUrl": None,
                }
            ],
            "screenshots": [],
            "stats": {"durationMs": 4200 + index, "totalTokens": 1200 + index},
        },
    }


def _failed_body(index: int) -> dict[str, Any]:
    return {
        "status": "failed",
        "progress": {"message": "Scrape failed", "progress": 0.4},
        "error": f"Navigation timeout on page {index}",
    }


def _active_body(rng: random.Random) -> dict[str, Any]:
    fraction = round(rng.uniform(0.05, 0.9), 2)
    return {"status": "active", "progress": {"message": "Loading page", "progress": fraction}}


def fill(
    state_dir: Path,
    jobs: int,
    *,
    answer_bytes: int,
    failed_share: float = 0.0,
    active_ids: list[str] | None = None,
    seed: int = 0,
) -> list[str]:
    """Create ``state_dir`` holding ``jobs`` ended jobs (newest first) plus ``active_ids``.

    Completed jobs carry an answer of about ``answer_bytes``; a ``failed_share``
    of them failed instead. ``active_ids`` (IDs that a server knows) are stored
    as running, so that a watcher started on the folder polls them. Returns
    every stored ID.
    """
    rng = random.Random(seed)
    now = time.time()
    ids = [job_id(index) for index in range(jobs)]
    with JobStore.open(state_dir) as store:
        everything = list(active_ids or []) + ids
        store.add_many(everything)
        updates: list[JobUpdate] = []
        for index, job in enumerate(ids):
            if rng.random() < failed_share:
                body = _failed_body(index)
            else:
                body = completed_body(index, answer_bytes)
            updates.append(answer_update(job, body, polled_at=now - index))
            if len(updates) == BATCH:
                store.record_many(updates)
                updates = []
        for job in active_ids or []:
            updates.append(answer_update(job, _active_body(rng), polled_at=now))
        store.record_many(updates)
    return everything

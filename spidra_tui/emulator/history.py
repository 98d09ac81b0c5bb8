"""A month of account history for the demo: past scrapes, a few batches and crawls.

Only the demo turns it on (``EmulatorConfig.history``): the account view and
``spidra-tui logs``/``usage`` then have something to show. The past jobs are real jobs
of the book, created days ago on the emulator clock, so their logs, credits and usage
come from the same code as those of new jobs.
"""

from __future__ import annotations

import random

from .jobs import Job, JobBook
from .ledger import Ledger, iso
from .lifecycle import Flavour, Script
from .validation import parse_submission

DAY = 86_400.0
_SITES = (
    "https://books.toscrape.com/",
    "https://news.ycombinator.com/",
    "https://quotes.toscrape.com/",
    "https://en.wikipedia.org/wiki/Web_scraping",
    "https://www.python.org/downloads/",
    "https://github.com/trending",
)
_PROMPTS = (None, None, "List every title and price", "Summarise the page in three lines")


def create_history(book: JobBook, ledger: Ledger, owner: str, now: float, seed: int) -> None:
    """Plant about 60 finished scrapes over 30 days, and batches and crawls, for ``owner``."""
    draw = random.Random(f"history/{seed}")
    for day in range(30, 0, -1):
        for _ in range(draw.choice((0, 1, 1, 2, 3, 4))):
            created = now - day * DAY + draw.uniform(0, DAY * 0.9)
            urls = draw.sample(_SITES, draw.choice((1, 1, 2)))
            prompt = draw.choice(_PROMPTS)
            body: dict[str, object] = {"urls": [{"url": url} for url in urls]}
            if prompt:
                body["prompt"] = prompt
            failed = draw.random() < 0.12
            job = Job(
                job_id=book.new_id(),
                owner=owner,
                created=created,
                script=Script(
                    waiting=draw.uniform(0.5, 3),
                    active=draw.uniform(2, 12),
                    outcome="failed" if failed else "completed",
                ),
                submission=parse_submission(body),
                flavour=Flavour(),
                seed=draw.getrandbits(32),
            )
            book.add(job)
            if draw.random() < 0.2:
                ledger.channels[job.job_id] = "playground"
    wall_now = ledger.wall_of(now)
    # The running ones are real runs (see Emulator): these are the finished past.
    for age, status, done in ((1.5, "completed", 20), (6.0, "completed", 8)):
        created = wall_now - age * DAY
        total = 20 if status == "completed" else 12
        ledger.plant(
            "batch",
            owner,
            {
                "status": status,
                "totalUrls": total,
                "completedCount": done,
                "failedCount": 1 if status == "completed" else 0,
                "createdAt": iso(created),
                "finishedAt": iso(created + 600) if status == "completed" else None,
            },
            created,
        )
    for age, status, pages in ((3.2, "completed", 50),):
        created = wall_now - age * DAY
        ledger.plant(
            "crawl",
            owner,
            {
                "base_url": "https://docs.python.org/3/",
                "status": status,
                "pages_crawled": pages,
                "max_pages": 50,
                "credits_used": f"{pages * 0.5:.2f}",
                "created_at": iso(created),
                "updated_at": iso(created + 900),
            },
            created,
        )

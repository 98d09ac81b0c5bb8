"""The demo catalogue: a dozen jobs that show every kind of answer a watcher meets.

They are created together and finish staggered: the first completes after about
4 s, most within about 30 s, and one runs for about two and a half minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .jobs import Job, JobBook
from .lifecycle import Flavour, Script, stages_for
from .results import build_result
from .validation import parse_submission


class CatalogueJob(NamedTuple):
    """A catalogue job's ID and a short description of what it shows."""

    job_id: str
    description: str


@dataclass(frozen=True)
class _Entry:
    description: str
    body: dict[str, Any]
    script: Script
    titles: tuple[str, ...] = ()
    flavour: Flavour = field(default_factory=Flavour)
    content: Any = None
    """Hand-written ``result.content`` replacing the generated one."""
    error: str | None = None


def _urls(*urls: str) -> list[dict[str, Any]]:
    return [{"url": url} for url in urls]


def _script(waiting: float, active: float, delayed: float = 0.0, **traits: Any) -> Script:
    stages = stages_for(
        prompt=traits.get("prompt", False),
        actions=traits.get("actions", False),
        for_each=traits.get("for_each", False),
        captchas=traits.get("captchas", 0),
    )
    return Script(waiting=waiting, active=active, delayed=delayed, stages=stages)


_BOOK = {
    "title": "A Light in the Attic",
    "price": "£51.77",
    "availability": "In stock (22 available)",
    "rating": 3,
    "upc": "a897fe39b1053632",
    "description": (
        "It's hard to imagine a world without A Light in the Attic. This now-classic "
        "collection of poetry and drawings from Shel Silverstein celebrates its 20th "
        "anniversary with this special edition."
    ),
}

_FOR_EACH = {
    "type": "forEach",
    "observe": "Find all book cards on the page",
    "mode": "click",
    "captureSelector": "article.product_page",
    "maxItems": 50,
}

_FAILED_URL = "https://shop.closed-store.invalid/"

ENTRIES: tuple[_Entry, ...] = (
    _Entry(
        "Markdown page, no prompt (completes first)",
        {"urls": _urls("https://news.ycombinator.com/")},
        _script(1.0, 3.0),
        titles=("Hacker News",),
    ),
    _Entry(
        "JSON object extracted by a prompt",
        {
            "urls": _urls(
                "https://books.toscrape.com/catalogue/a-light-in-the-attic_1000/index.html"
            ),
            "prompt": "Extract the title, price, availability, rating, UPC and description",
            "output": "json",
        },
        _script(1.5, 5.0, prompt=True),
        titles=("A Light in the Attic | Books to Scrape - Sandbox",),
        content=_BOOK,
    ),
    _Entry(
        "Failed job: the host does not resolve",
        {"urls": _urls(_FAILED_URL)},
        Script(waiting=2.0, active=6.0, outcome="failed", fail_at=0.3),
        error=f"Failed to scrape {_FAILED_URL} — net::ERR_NAME_NOT_RESOLVED",
    ),
    _Entry(
        "JSON array: every book on a page",
        {
            "urls": _urls("https://books.toscrape.com/"),
            "prompt": "List every book on the page with title, price and rating",
            "output": "json",
        },
        _script(2.0, 7.0, prompt=True),
        titles=("All products | Books to Scrape - Sandbox",),
    ),
    _Entry(
        "Three URLs, one page failed (success false)",
        {
            "urls": _urls(
                "https://quotes.toscrape.com/",
                "https://quotes.toscrape.com/page/2/",
                "https://quotes.toscrape.com/page/404-gone/",
            )
        },
        _script(2.5, 8.5),
        titles=("Quotes to Scrape", "Quotes to Scrape - page 2"),
        flavour=Flavour(failed_pages=frozenset({2})),
    ),
    _Entry(
        "forEach: 50 items as ## Item 1 ... ## Item 50",
        {
            "urls": [
                {
                    "url": "https://books.toscrape.com/catalogue/category/books/mystery_3/index.html",
                    "actions": [_FOR_EACH],
                }
            ]
        },
        _script(1.0, 13.0, actions=True, for_each=True),
        titles=("Mystery | Books to Scrape - Sandbox",),
    ),
    _Entry(
        "Screenshots (viewport and full page)",
        {
            "urls": _urls("https://github.com/trending"),
            "screenshot": True,
            "fullPageScreenshot": True,
        },
        _script(3.0, 13.0, captchas=1),
        titles=("Trending repositories on GitHub today · GitHub",),
        flavour=Flavour(captchas=1),
    ),
    _Entry(
        "AI extraction failed: raw markdown fallback",
        {
            "urls": _urls("https://en.wikipedia.org/wiki/Web_scraping"),
            "prompt": "Extract every legal case mentioned, with year and outcome",
            "output": "json",
        },
        _script(2.0, 16.0, prompt=True),
        titles=("Web scraping - Wikipedia",),
        flavour=Flavour(ai_extraction_failed=True),
    ),
    _Entry(
        "Extraction came back empty",
        {
            "urls": _urls("https://www.python.org/jobs/"),
            "prompt": "List every job offer located in Antarctica",
            "output": "json",
        },
        _script(3.0, 17.0, prompt=True),
        titles=("Python Job Board | Python.org",),
        flavour=Flavour(extraction_empty=True),
    ),
    _Entry(
        "Delayed in the queue, then completed",
        {"urls": _urls("https://www.bbc.com/news")},
        _script(3.0, 7.0, delayed=12.0),
        titles=("Home - BBC News",),
    ),
    _Entry(
        "AI summary as markdown",
        {
            "urls": _urls("https://www.reddit.com/r/Python/"),
            "prompt": "Summarise the top posts of the day",
            "output": "markdown",
        },
        _script(4.0, 22.0, prompt=True),
        titles=("Python - Reddit",),
    ),
    _Entry(
        "Long-running forEach with pagination (about 2.5 minutes)",
        {
            "urls": [
                {
                    "url": "https://www.amazon.com/s?k=mechanical+keyboard",
                    "actions": [
                        {
                            **_FOR_EACH,
                            "observe": "Find all product results",
                            "pagination": {"nextSelector": "a.s-pagination-next", "maxPages": 5},
                        }
                    ],
                }
            ],
            "prompt": "For each product, extract name, price, rating and review count",
            "output": "json",
        },
        _script(2.0, 148.0, prompt=True, actions=True, for_each=True, captchas=3),
        titles=("Amazon.com : mechanical keyboard",),
        flavour=Flavour(captchas=3),
    ),
)


def create_catalogue(book: JobBook, owner: str, created: float) -> list[CatalogueJob]:
    """Create every catalogue job for ``owner``; returns them in catalogue order."""
    made = []
    for index, entry in enumerate(ENTRIES):
        submission = parse_submission(entry.body)
        job_id = book.new_id()
        seed = 7_000 + index
        result = None
        if entry.script.outcome == "completed":
            result = build_result(
                submission,
                entry.flavour,
                seed=seed,
                job_id=job_id,
                duration_ms=int(entry.script.active * 1000) + 412,
                titles=entry.titles,
            )
            if entry.content is not None:
                result = replace_content(result, entry.content)
        job = Job(
            job_id=job_id,
            owner=owner,
            created=created,
            script=entry.script,
            submission=submission,
            flavour=entry.flavour,
            seed=seed,
            result=result,
            error=entry.error,
        )
        book.add(job)
        made.append(CatalogueJob(job_id, entry.description))
    return made


def replace_content(result: dict[str, Any], content: Any) -> dict[str, Any]:
    """A copy of ``result`` with another ``content``."""
    return {**result, "content": content}

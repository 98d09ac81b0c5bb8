"""SVG snapshots of the main views, on fixed data and a fixed clock.

Update them after a deliberate change of look with ``pytest --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import UiRig, active_body, completed_body
from waiting import pilot_wait_for

from spidra_tui.ui.document import DocumentMode, DocumentView

IDS = [
    "0b5e2c1a-7f3d-4c2b-9a61-3e8d5f0c7a12",
    "1c6f3d2b-8a4e-4d3c-8b72-4f9e6a1d8b23",
    "2d7a4e3c-9b5f-4e4d-9c83-5a0f7b2e9c34",
    "3e8b5f4d-ac6a-4f5e-ad94-6b1a8c3fad45",
    "4f9c6a5e-bd7b-4a6f-bea5-7c2b9d4abe56",
]
MARKDOWN = """# Hacker News

The front page, **as seen** by the scraper.

1. Show HN: a terminal app for scrape jobs (`spidra-tui`)
2. Ask HN: how do you watch long-running jobs?

| Rank | Points | Comments |
|-----:|-------:|---------:|
| 1 | 412 | 96 |
| 2 | 188 | 53 |
"""
BOOK = {
    "title": "A Light in the Attic",
    "price": "£51.77",
    "availability": "In stock (22 available)",
    "rating": 3,
    "tags": ["poetry", "classic"],
}


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times shown in the detail pane do not depend on the machine's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def rig(tmp_path: Path) -> UiRig:
    made = UiRig(tmp_path, [], notify_jobs=False)
    labels = [
        "news.ycombinator.com",
        "books.toscrape.com/catalogue/a-light-in-the-attic",
        "shop.closed-store.invalid",
        "quotes.toscrape.com/page/2",
        "www.bbc.com/news",
    ]
    for index, (job_id, label) in enumerate(zip(IDS, labels, strict=True)):
        made.store.add(job_id, label=label, added_at=1_780_000_000.0 - 30 - index * 7)
    return made


async def fill(made: UiRig, pilot: Any) -> None:
    await pilot.pause()
    made.w.answer(
        IDS[0], completed_body(MARKDOWN, url="https://news.ycombinator.com/", title="Hacker News")
    )
    made.w.answer(IDS[1], completed_body(BOOK, title="A Light in the Attic | Books to Scrape"))
    made.w.answer(
        IDS[2],
        {
            "status": "failed",
            "progress": {"progress": 0.3},
            "error": "Failed to scrape https://shop.closed-store.invalid/ — "
            "net::ERR_NAME_NOT_RESOLVED",
        },
    )
    made.w.answer(IDS[3], active_body(0.55, "Extracting content"))
    job_list, detail = made.app.main.job_list, made.app.main.detail
    expected = {IDS[0]: "completed", IDS[1]: "completed", IDS[2]: "failed", IDS[3]: "active"}

    def shown() -> bool:
        # Every answer in its row, and the top job's content fully laid out.
        summaries = {job_id: job_list.summary(job_id) for job_id in expected}
        if any(s is None or s.status != expected[i] for i, s in summaries.items()):
            return False
        content = made.app.query_one("#content-doc", DocumentView)
        markdown = content.mode is DocumentMode.MARKDOWN
        return detail.job_id == IDS[0] and markdown and not content.loading

    await pilot_wait_for(pilot, shown, what="the answers in the list and the detail")


def test_list_with_a_markdown_result(snap_compare: Any, tmp_path: Path) -> None:
    made = rig(tmp_path)
    assert snap_compare(made.app, terminal_size=(140, 34), run_before=lambda p: fill(made, p))


def test_a_json_result(snap_compare: Any, tmp_path: Path) -> None:
    made = rig(tmp_path)
    assert snap_compare(
        made.app, press=["j"], terminal_size=(140, 34), run_before=lambda p: fill(made, p)
    )


def test_a_failed_job(snap_compare: Any, tmp_path: Path) -> None:
    made = rig(tmp_path)
    assert snap_compare(
        made.app, press=["j", "j"], terminal_size=(140, 34), run_before=lambda p: fill(made, p)
    )


def test_the_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    made = rig(tmp_path)
    assert snap_compare(
        made.app,
        press=["question_mark"],
        terminal_size=(120, 50),
        run_before=lambda p: fill(made, p),
    )


def test_80x24_stacks_the_panes(snap_compare: Any, tmp_path: Path) -> None:
    made = rig(tmp_path)
    assert snap_compare(made.app, terminal_size=(80, 24), run_before=lambda p: fill(made, p))

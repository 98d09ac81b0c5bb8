"""Batches and crawls in the TUI: their rows, their items and pages in the detail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList
from ui_support import NOW, UiRig

from spidra_tui.api.batch import parse_batch
from spidra_tui.api.crawl import parse_crawl, parse_page
from spidra_tui.watch.kinds import watch_for
from spidra_tui.watch.state import JobUpdate

BATCH = "batch:b-0001"
CRAWL = "crawl:c-0001"


def batch_body(status: str = "running") -> dict[str, Any]:
    items = [
        {"uuid": "1", "url": "https://shop.test/a", "status": "completed", "result": "# Shop A"},
        {"uuid": "2", "url": "https://shop.test/b", "status": "failed", "error": "blocked (403)"},
        {
            "uuid": "3",
            "url": "https://shop.test/c",
            "status": "completed",
            "result": {"content": {"price": "£3"}},
        },
        {"uuid": "4", "url": "https://shop.test/d", "status": "running"},
    ]
    return {
        "status": status,
        "totalUrls": 50,
        "completedCount": 32,
        "failedCount": 2,
        "items": items,
    }


def crawl_pages(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"p{k}", "url": f"https://docs.test/{k}", "status": "success", "data": f"# Page {k}"}
        for k in range(count)
    ]


def crawl_body(crawled: int) -> dict[str, Any]:
    return {
        "status": "running",
        "progress": {"message": "Crawling", "pagesCrawled": crawled, "maxPages": 500},
    }


def report(rig: UiRig, key: str, answer: Any, pages: tuple = (), at: int = 0) -> None:
    view = watch_for(key.split(":")[0]).view(answer)
    rig.w.report(
        JobUpdate(
            key,
            view.status,
            view.fraction,
            view.message,
            view.error,
            view.title,
            job=answer,
            polled_at=NOW,
            view=view,
            parts=view.parts,
            pages=pages,
            pages_at=at,
        )
    )


async def until(pilot: Pilot, condition: Callable[[], bool], turns: int = 50) -> None:
    for _ in range(turns):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never held")


async def test_rows_show_the_kind_and_counts(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [BATCH, CRAWL, "scrape-1"])
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        report(rig, BATCH, parse_batch(batch_body()))
        report(rig, CRAWL, parse_crawl(crawl_body(120)))
        table = rig.app.main.job_list.table

        def cell(key: str, column: str) -> str:
            return table.get_cell(key, column).plain

        await until(pilot, lambda: "34/50" in cell(BATCH, "message"))
        assert cell(BATCH, "message") == "34/50 · 32 done · 2 failed"
        assert cell(BATCH, "label").startswith("batch ")
        assert cell(BATCH, "job") == "b-0001"
        assert cell(CRAWL, "message") == "120 of 500 pages"
        assert cell(CRAWL, "label").startswith("crawl ")
        assert not cell("scrape-1", "label").startswith(("batch", "crawl"))
        assert "24%" in cell(CRAWL, "progress")


async def test_a_batch_detail_lists_items_and_shows_the_chosen_one(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [BATCH])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        report(rig, BATCH, parse_batch(batch_body()))
        detail = rig.app.main.detail
        await until(pilot, lambda: detail.shows_parts and detail.parts_view.selected is not None)
        options = detail.parts_view.query_one("#part-list", OptionList)
        assert options.option_count == 4
        assert "https://shop.test/a" in str(options.get_option_at_index(0).prompt)
        assert detail.copy_target().text == "# Shop A"
        await pilot.press("tab")  # into the detail
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: detail.parts_view.selected_index == 1)
        assert detail.copy_target() is None  # the failed item has no content ...
        info = str(detail.parts_view.query_one("#part-info").render())
        assert "failed" in info  # ... and says it failed
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: detail.parts_view.selected_index == 2)
        assert detail.copy_target().what == "item 3 JSON"


async def test_a_crawl_detail_lists_the_kept_pages_as_they_arrive(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [CRAWL])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        first = tuple(parse_page(p, "p") for p in crawl_pages(3))
        report(rig, CRAWL, parse_crawl(crawl_body(3)), first)
        detail = rig.app.main.detail
        options = lambda: detail.parts_view.query_one("#part-list", OptionList)  # noqa: E731
        await until(pilot, lambda: detail.shows_parts and options().option_count == 3)
        more = tuple(parse_page(p, "p") for p in crawl_pages(7)[3:])
        report(rig, CRAWL, parse_crawl(crawl_body(7)), more, at=3)
        await until(pilot, lambda: options().option_count == 7)
        assert rig.store.page_count(CRAWL) == 7
        assert detail.copy_target().text == "# Page 0"

"""Batches and crawls in the TUI: their rows, their items and pages in the detail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from ui_support import NOW, UiRig

from spidra_tui.api.batch import parse_batch
from spidra_tui.api.crawl import parse_crawl, parse_page
from spidra_tui.ui.detail.part_list import PartList
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
        options = detail.parts_view.query_one("#part-list", PartList)
        assert options.row_count == 4
        assert "https://shop.test/a" in options.row_text(0).plain
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
        options = lambda: detail.parts_view.query_one("#part-list", PartList)  # noqa: E731
        await until(pilot, lambda: detail.shows_parts and options().row_count == 3)
        more = tuple(parse_page(p, "p") for p in crawl_pages(7)[3:])
        report(rig, CRAWL, parse_crawl(crawl_body(7)), more, at=3)
        await until(pilot, lambda: options().row_count == 7)
        assert rig.store.page_count(CRAWL) == 7
        assert detail.copy_target().text == "# Page 0"


async def test_cancel_asks_first_and_retry_goes_to_the_watcher(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [BATCH])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        report(rig, BATCH, parse_batch(batch_body()))
        await pilot.press("C")
        await until(pilot, lambda: rig.app.screen.__class__.__name__ == "ConfirmDialog")
        await pilot.press("n")  # let it run
        await until(pilot, lambda: rig.app.screen.__class__.__name__ != "ConfirmDialog")
        assert ("cancel", BATCH) not in rig.w.calls
        await pilot.press("C")
        await until(pilot, lambda: rig.app.screen.__class__.__name__ == "ConfirmDialog")
        await pilot.press("y")
        await until(pilot, lambda: ("cancel", BATCH) in rig.w.calls)
        await until(pilot, lambda: "Cancelled batch:b-0001: 3 items stopped" in rig.toasts())
        await pilot.press("F")
        await until(pilot, lambda: ("retry", BATCH) in rig.w.calls)
        await until(pilot, lambda: "Retrying 2 failed items" in rig.toasts())


async def test_add_finds_the_kind_of_a_plain_id_once(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        rig.w.kinds = {"plain-b": "batch"}
        await pilot.press("a")
        await until(pilot, lambda: rig.app.screen.__class__.__name__ == "AddJobsDialog")
        await pilot.press(*"plain-b crawl:c-9 s-1")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "batch:plain-b" in rig.store.ids())
        assert rig.store.ids() == {"batch:plain-b", "crawl:c-9", "s-1"}
        assert [c for c in rig.w.calls if c[0] == "identify"] == [
            ("identify", "plain-b"),
            ("identify", "s-1"),
        ]
        assert rig.store.get("batch:plain-b").kind == "batch"


async def test_shift_s_saves_a_crawl_as_json_lines(tmp_path: Path) -> None:
    import json

    rig = UiRig(tmp_path, [CRAWL])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        pages = tuple(parse_page(p, "p") for p in crawl_pages(4))
        report(rig, CRAWL, parse_crawl(crawl_body(4)), pages)
        await pilot.press("S")
        await until(pilot, lambda: rig.app.screen.__class__.__name__ == "SaveDialog")
        path = rig.app.screen.query_one("#save-path").value
        assert path == "./crawl-c-0001.jsonl"
        await pilot.press("enter")
        await until(pilot, lambda: "Saved" in rig.toasts())
        (saved,) = tmp_path.glob("*.jsonl")
        lines = [json.loads(x) for x in saved.read_text().splitlines()]
        assert [x["url"] for x in lines] == [f"https://docs.test/{k}" for k in range(4)]
        assert lines[0]["data"] == "# Page 0"


async def test_hostile_items_reach_the_screen_as_plain_text(tmp_path: Path) -> None:
    hostile = "\x1b]2;owned\x07\x9b31m[@click=app.quit]x[/]"
    body = {
        "status": "running" + hostile,
        "items": [
            {
                "uuid": "1",
                "url": "https://a.test/" + hostile,
                "status": "failed" + hostile,
                "error": "boom" + hostile,
            },
            {
                "uuid": "2",
                "url": "https://b.test/",
                "status": "completed",
                "result": "# Title" + hostile,
            },
        ],
    }
    rig = UiRig(tmp_path, [BATCH])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        report(rig, BATCH, parse_batch(body))
        detail = rig.app.main.detail
        await until(pilot, lambda: detail.shows_parts and detail.parts_view.selected is not None)
        options = detail.parts_view.query_one("#part-list", PartList)
        shown = [options.row_text(i).plain for i in range(2)]
        info = str(detail.parts_view.query_one("#part-info").render())
        row = rig.app.main.job_list.table.get_cell(BATCH, "status").plain
        for text in (*shown, info, row):
            assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
        assert "[@click=app.quit]x[/]" in shown[0]  # shown literally, not run as markup
        await pilot.press("tab", "right_square_bracket")
        await until(pilot, lambda: detail.parts_view.selected_index == 1)
        assert rig.app.is_running


async def test_slash_in_the_detail_filters_items_by_url(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [BATCH])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        report(rig, BATCH, parse_batch(batch_body()))
        detail = rig.app.main.detail
        view = detail.parts_view
        await until(pilot, lambda: detail.shows_parts and view.selected is not None)
        await pilot.press("tab", "slash", *"test/c")
        await until(pilot, lambda: view.shown_count == 1)
        assert view.selected.url == "https://shop.test/c"
        assert rig.app.main.job_list.shown_ids == [BATCH]  # the list was not filtered
        await pilot.press("escape")
        await until(pilot, lambda: view.shown_count == 4)
        assert view.selected.url == "https://shop.test/c"  # the choice stays
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: view.selected_index == 1)


async def test_a_crawl_not_yet_answered_says_no_pages_yet(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, [CRAWL])
    async with rig.app.run_test(size=(160, 45)) as pilot:
        detail = rig.app.main.detail
        await until(pilot, lambda: detail.shows_parts)
        info = detail.parts_view.query_one("#part-info")
        await until(pilot, lambda: "No pages yet." in str(info.render()))

"""The new-scrape dialog against the emulator: submit, watch, and plain-word errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import TextArea

from spidra_tui.api.client import SpidraClient
from spidra_tui.commands.tui import make_app
from spidra_tui.config import PollSettings
from spidra_tui.emulator import Emulator
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.ui.dialogs.new_scrape import NewScrapeDialog, read_urls
from spidra_tui.watch.store import JobStore


@pytest.fixture
async def app(emulator: Emulator, api_key: str) -> AsyncIterator[SpidraApp]:
    assert emulator.base_url is not None
    client = SpidraClient(emulator.base_url, Secret(api_key), get_retries=0, post_retries=0)
    store = JobStore(":memory:")
    yield make_app(
        store=store, client=client, poll=PollSettings(interval=60), env={}, notify_jobs=False
    )
    await client.aclose()
    store.close()


async def open_dialog(app: SpidraApp, pilot: Any, urls: str) -> NewScrapeDialog:
    await pilot.pause()
    await pilot.press("n")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, NewScrapeDialog)
    dialog.query_one("#new-urls", TextArea).load_text(urls)
    return dialog


def error_text(dialog: NewScrapeDialog) -> str:
    return str(dialog.query_one("#new-error").render())


async def test_submit_watches_and_selects_the_new_job(app: SpidraApp, emulator: Emulator) -> None:
    async with app.run_test(size=(140, 35)) as pilot:
        await open_dialog(app, pilot, "https://books.toscrape.com/catalogue/page-2.html\n")
        await pilot.press("tab", *"list every book", "tab", "right", "space", "tab", "space")
        await pilot.press("ctrl+s")
        for _ in range(20):
            await pilot.pause(0.1)
            if not isinstance(app.screen, NewScrapeDialog):
                break
        assert not isinstance(app.screen, NewScrapeDialog)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        (job_id,) = emulator.job_ids()
        job_list = app.main.job_list
        assert job_list.shown_ids == [job_id]
        assert job_list.selected_id == job_id
        summary = app.store.get(job_id)
        assert summary is not None and summary.label == "books.toscrape.com/catalogue/page-2.html"
        # What the form said reached the server: JSON output and screenshots.
        final = emulator.answer(job_id, at=emulator.finish_time(job_id))
        assert final["status"] == "completed"  # the emulator's draws are seeded
        assert not isinstance(final["result"]["content"], str)
        assert final["result"]["screenshots"]


async def test_a_422_lists_the_servers_reasons_in_the_dialog(app: SpidraApp) -> None:
    async with app.run_test(size=(140, 35)) as pilot:
        # Long enough for the server to refuse it (it takes up to 2048 characters).
        dialog = await open_dialog(app, pilot, "https://example.com/" + "a" * 2100)
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is dialog
        text = error_text(dialog)
        assert "The server refused the request" in text
        assert "urls[0].url must be a valid http or https URL" in text


async def test_a_refused_key_is_said_in_plain_words(
    app: SpidraApp, emulator: Emulator, api_key: str
) -> None:
    emulator.revoke_key(api_key)
    async with app.run_test(size=(140, 35)) as pilot:
        dialog = await open_dialog(app, pilot, "https://example.com/")
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is dialog
        assert "The API key was refused" in error_text(dialog)


async def test_urls_are_checked_before_anything_is_sent(app: SpidraApp, emulator: Emulator) -> None:
    async with app.run_test(size=(140, 35)) as pilot:
        dialog = await open_dialog(app, pilot, "https://a.example\nftp://b.example\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Line 2 is not an http(s) URL" in error_text(dialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NewScrapeDialog)
        assert emulator.job_ids() == []


def test_at_most_three_urls() -> None:
    urls, problem = read_urls("https://a.example\nhttps://b.example\nhttps://c.example\n\n")
    assert len(urls) == 3 and problem is None
    urls, problem = read_urls("\n".join(f"https://{n}.example" for n in range(4)))
    assert urls == () and problem is not None and "at most 3" in problem


async def _until(pilot: Any, condition: Any, turns: int = 60) -> None:
    for _ in range(turns):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never held")


async def test_n_starts_a_batch_of_many_urls(app: SpidraApp, emulator: Emulator, api_key) -> None:
    urls = [f"https://shop.test/p/{n}" for n in range(6)]
    async with app.run_test(size=(140, 40)) as pilot:
        dialog = await open_dialog(app, pilot, "\n".join(urls))
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: "Choose Batch below" in error_text(dialog))
        await pilot.press("tab", "tab", "tab", "tab", "right", "space")  # the kind: Batch
        await _until(pilot, lambda: dialog.kind == "batch")
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: not isinstance(app.screen, NewScrapeDialog))
        (batch,) = emulator.batches.owned(api_key)
        key = f"batch:{batch.batch_id}"
        await _until(pilot, lambda: app.main.job_list.selected_id == key)
        assert [item.url for item in batch.items] == urls
        assert app.store.get(key).label == "shop.test/p/0 and 5 more"
        await _until(pilot, lambda: app.main.detail.job_id == key)  # its detail drawn
        await app.stop_watching()
        await pilot.pause()


async def test_n_starts_a_crawl_with_its_limits(
    app: SpidraApp, emulator: Emulator, api_key
) -> None:
    async with app.run_test(size=(140, 40)) as pilot:
        dialog = await open_dialog(app, pilot, "https://docs.test/")
        await pilot.press("tab", *"only the guides", "tab", "tab", "tab")
        await pilot.press("right", "right", "space")  # the kind: Crawl
        await _until(pilot, lambda: dialog.kind == "crawl")
        await pilot.press("tab", *"40", "tab", *"2")
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: not isinstance(app.screen, NewScrapeDialog))
        (crawl,) = emulator.crawls.owned(api_key)
        assert (crawl.base_url, crawl.max_pages, crawl.max_depth) == ("https://docs.test/", 40, 2)
        assert crawl.instruction == "only the guides"
        key = f"crawl:{crawl.crawl_id}"
        await _until(pilot, lambda: app.main.job_list.selected_id == key)
        await _until(pilot, lambda: app.main.detail.job_id == key)  # its detail drawn
        await app.stop_watching()  # no update may land while the app closes
        await pilot.pause()

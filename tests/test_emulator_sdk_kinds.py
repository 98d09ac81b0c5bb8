"""The official SDK's batch and crawl calls work against the emulator unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import spidra
from spidra.lib.http import SpidraRateLimitError
from spidra.types.crawl import CrawlJobCompleted

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator

URLS = [f"https://shop.test/p/{n}" for n in range(12)]


@pytest.fixture
async def sdk(emulator: Emulator, api_key: str) -> AsyncIterator[spidra.AsyncSpidra]:
    client = spidra.AsyncSpidra(api_key=api_key, api_url=emulator.base_url, backoff_factor=0.001)
    yield client
    await client.aclose()


@pytest.fixture
async def moving(fake_clock: FakeClock) -> AsyncIterator[None]:
    """Emulator time runs a quarter second per real millisecond or so."""

    async def tick() -> None:
        while True:
            fake_clock.advance(0.25)
            await asyncio.sleep(0.001)

    task = asyncio.create_task(tick())
    yield
    task.cancel()


async def test_batch_scrape_runs_to_its_end(
    sdk: spidra.AsyncSpidra, emulator: Emulator, moving: None
) -> None:
    done = await asyncio.wait_for(sdk.batch_scrape(URLS, poll_interval=0.005), timeout=10)
    assert done.status in ("completed", "failed")
    assert done.total_urls == 12 and done.completed_count + done.failed_count == 12
    assert [item.url for item in done.items] == URLS
    completed = [item for item in done.items if item.status == "completed"]
    assert completed and all(item.result.startswith("# ") for item in completed)


async def test_watch_batch_yields_each_item_once(
    sdk: spidra.AsyncSpidra, emulator: Emulator, moving: None, api_key: str
) -> None:
    batch_id = (await sdk.start_batch_scrape(URLS)).batch_id
    seen = []

    async def watch() -> None:
        async for item in sdk.watch_batch(batch_id, poll_interval=0.005):
            seen.append(item.uuid)

    await asyncio.wait_for(watch(), timeout=10)
    assert sorted(seen) == sorted(i.uuid for i in emulator.batch(batch_id).items)
    gets = [r for r in emulator.stats.requests() if r.method == "GET" and r.job_id == batch_id]
    assert len(seen) == 12 and len(gets) >= 2  # one request a poll saw every item


async def test_cancel_then_retry(
    sdk: spidra.AsyncSpidra, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    urls = [*URLS[:4], "https://shop.test/fail-here"]
    batch_id = (await sdk.start_batch_scrape(urls)).batch_id
    fake_clock.advance(2.0)  # some items running, none ended
    cancelled = await sdk.cancel_batch_scrape(batch_id)
    assert cancelled.cancelled_items == 5 and cancelled.credits_refunded == 5
    after = await sdk.get_batch_scrape(batch_id)
    assert after.status == "cancelled" and {i.status for i in after.items} == {"cancelled"}
    # A batch whose failed item is retried runs that item again, and it succeeds.
    second = (await sdk.start_batch_scrape(urls)).batch_id
    fake_clock.advance(emulator.batch_finish_time(second) - fake_clock.monotonic())
    before = await sdk.get_batch_scrape(second)
    assert before.items[-1].status == "failed" and before.failed_count >= 1
    assert await sdk.retry_batch_scrape(second) == before.failed_count
    running = await sdk.get_batch_scrape(second)
    assert running.status == "running" and running.items[-1].status == "pending"
    fake_clock.advance(emulator.batch_finish_time(second) - fake_clock.monotonic())
    final = await sdk.get_batch_scrape(second)
    assert final.status == "completed" and final.failed_count == 0


async def test_list_batch_scrapes_and_the_pending_limit(
    sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str, other_key: str
) -> None:
    ids = [emulator.create_batch(api_key, URLS[:2]) for _ in range(50)]
    emulator.create_batch(other_key, URLS[:1])
    with pytest.raises(SpidraRateLimitError) as limited:
        await sdk.start_batch_scrape(URLS[:1])
    assert limited.value.status == 429 or "pending" in str(limited.value).lower()
    first = await sdk.list_batch_scrapes(page=1, limit=20)
    assert first.pagination.total == 50 and first.pagination.total_pages == 3
    assert [job.uuid for job in first.jobs] == ids[::-1][:20]  # newest first, mine only
    assert all(job.total_urls == 2 for job in first.jobs)


async def test_crawl_reads_every_page_past_the_inline_hundred(
    sdk: spidra.AsyncSpidra, emulator: Emulator, moving: None, api_key: str
) -> None:
    emulator_pages = 130
    job = await asyncio.wait_for(
        sdk.crawl("https://docs.test/", max_pages=emulator_pages, poll_interval=0.005),
        timeout=20,
    )
    assert isinstance(job, CrawlJobCompleted)
    assert len(job.result) == emulator_pages
    (crawl,) = emulator.crawls.owned(api_key)
    answer = emulator.crawl_answer(crawl.crawl_id)
    assert answer["resultTruncated"] is True and len(answer["result"]) == 100
    assert answer["totalPages"] == emulator_pages
    assert [p.url for p in job.result] == [p["url"] for p in emulator.crawl_pages(crawl.crawl_id)]


async def test_watch_crawl_and_all_pages(
    sdk: spidra.AsyncSpidra, emulator: Emulator, moving: None, api_key: str
) -> None:
    crawl_id = emulator.create_crawl(api_key, "https://docs.test/", maxPages=25)
    urls = []

    async def watch() -> None:
        async for page in sdk.watch_crawl(crawl_id, poll_interval=0.005):
            urls.append(page.url)

    await asyncio.wait_for(watch(), timeout=10)
    assert len(urls) == len(set(urls)) == 25
    pages = await sdk.crawl_all_pages(crawl_id)
    assert [p.url for p in pages] == [p["url"] for p in emulator.crawl_pages(crawl_id)]


async def test_cancel_crawl_keeps_its_pages_and_history_lists_it(
    sdk: spidra.AsyncSpidra, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    crawl_id = (await sdk.start_crawl("https://docs.test/", max_pages=40)).job_id
    fake_clock.advance(4.0)
    cancelled = await sdk.cancel_crawl(crawl_id)
    assert cancelled.status == "cancelled" and cancelled.job_id == crawl_id
    kept = len(await sdk.crawl_all_pages(crawl_id))
    fake_clock.advance(60.0)
    assert kept > 0 and len(await sdk.crawl_all_pages(crawl_id)) == kept
    history = await sdk.crawl_history(page=1, limit=10)
    (row,) = history.jobs
    assert row.id == crawl_id and row.status == "cancelled" and row.pages_crawled == kept
    assert row.credits_used == f"{kept:.2f}" and row.use_proxy == 0


async def test_pending_crawl_limit(sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str):
    for _ in range(5):
        emulator.create_crawl(api_key, "https://docs.test/", maxPages=10)
    with pytest.raises(SpidraRateLimitError):
        await sdk.start_crawl("https://docs.test/")

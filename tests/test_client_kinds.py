"""The batch and crawl calls of SpidraClient against the emulator, faults included."""

from __future__ import annotations

import random

import pytest

from spidra_tui.api.batch_calls import BatchRequest
from spidra_tui.api.crawl_calls import CrawlRequest
from spidra_tui.api.errors import (
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
    ValidationFailed,
)
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Faults
from spidra_tui.secret import Secret

KEY = "spd_test_key_0001"
URLS = tuple(f"https://shop.test/p/{n}" for n in range(5))


def client_for(emulator, **kwargs):
    from spidra_tui.api.client import SpidraClient

    kwargs.setdefault("clock", FakeClock())
    kwargs.setdefault("rng", random.Random(1))
    return SpidraClient(emulator.base_url, Secret(KEY), **kwargs)


def requests_to(emulator, method: str) -> list:
    return [r for r in emulator.stats.requests() if r.method == method]


async def test_batch_from_submit_to_end(emulator, fake_clock) -> None:
    async with client_for(emulator) as client:
        queued = await client.submit_batch(BatchRequest(URLS, prompt="titles"))
        assert queued.total == 5
        batch = await client.get_batch(queued.batch_id)
        assert batch.status == "pending" and len(batch.items) == 5
        fake_clock.advance(emulator.batch_finish_time(queued.batch_id) - fake_clock.monotonic())
        batch = await client.get_batch(queued.batch_id)
        listed = await client.list_batches(limit=10)
    assert batch.is_terminal and batch.ended_count == 5
    assert batch.raw == emulator.batch_answer(queued.batch_id)
    assert listed.jobs[0].uuid == queued.batch_id and listed.total == 1


async def test_batch_items_link_their_screenshots_on_the_storage_origin(
    emulator, fake_clock
) -> None:
    import httpx

    async with client_for(emulator) as client:
        shot = await client.submit_batch(BatchRequest(URLS[:3], screenshot=True))
        plain = await client.submit_batch(BatchRequest(URLS[:1]))
        last = max(emulator.batch_finish_time(b.batch_id) for b in (shot, plain))
        fake_clock.advance(last - fake_clock.monotonic())
        with_shots = await client.get_batch(shot.batch_id)
        without = await client.get_batch(plain.batch_id)
    assert without.items[0].screenshot_url is None
    done = [item for item in with_shots.items if item.status == "completed"]
    assert done and all(item.screenshot_url for item in done)
    assert all(item.screenshot_url is None for item in with_shots.items if item not in done)
    async with httpx.AsyncClient() as storage:
        for item in done:
            assert item.screenshot_url.startswith(emulator.storage_url + "/screenshots/")
            answer = await storage.get(item.screenshot_url)
            assert answer.status_code == 200 and answer.content.startswith(b"\x89PNG\r\n")


async def test_batch_cancel_and_retry(emulator, fake_clock) -> None:
    urls = (*URLS[:2], "https://shop.test/fail")
    async with client_for(emulator) as client:
        first = await client.submit_batch(BatchRequest(urls))
        cancelled = await client.cancel_batch(first.batch_id)
        assert cancelled.cancelled_items == 3
        assert (await client.get_batch(first.batch_id)).status == "cancelled"
        second = await client.submit_batch(BatchRequest(urls))
        fake_clock.advance(emulator.batch_finish_time(second.batch_id) - fake_clock.monotonic())
        assert await client.retry_batch(second.batch_id) >= 1
        assert (await client.get_batch(second.batch_id)).status == "running"


async def test_batch_validation_and_not_found(emulator) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(ValidationFailed) as refused:
            await client.submit_batch(BatchRequest(("ftp://x",)))
        assert refused.value.errors == ["urls[0] must be an http(s) URL"]
        with pytest.raises(NotFound):
            await client.get_batch("no-such-batch")


async def test_crawl_pages_by_offset(emulator, fake_clock) -> None:
    async with client_for(emulator) as client:
        crawl_id = await client.submit_crawl(
            CrawlRequest("https://docs.test/", crawl_instruction="docs", max_pages=30)
        )
        fake_clock.advance(1.0 + 10 * 0.5)  # ten pages done
        crawl = await client.get_crawl(crawl_id)
        assert crawl.status == "running" and crawl.pages_crawled == 10 and crawl.max_pages == 30
        first = await client.get_crawl_pages(crawl_id, offset=0, limit=4)
        rest = await client.get_crawl_pages(crawl_id, offset=4, limit=100)
        assert first.has_more and not rest.has_more and rest.total == 10
        urls = [p.url for p in first.pages + rest.pages]
        assert urls == [p["url"] for p in emulator.crawl_pages(crawl_id)]
        fake_clock.advance(emulator.crawl_finish_time(crawl_id) - fake_clock.monotonic())
        done = await client.get_crawl(crawl_id)
        every = await client.get_all_crawl_pages(crawl_id)
        history = await client.crawl_history()
    assert done.status == "completed" and len(done.pages) == 30 and not done.result_truncated
    assert [p.url for p in every] == [p.url for p in done.pages]
    assert every[1].depth is None and done.pages[1].depth == 1  # depth comes inline only
    assert history.jobs[0].crawl_id == crawl_id and history.jobs[0].credits_used == 30.0


async def test_crawl_transform_data_held_as_json_text_is_read_as_a_value(
    emulator, fake_clock
) -> None:
    crawl_id = emulator.create_crawl(
        KEY, "https://docs.test/", maxPages=3, transformInstruction="summarise"
    )
    fake_clock.advance(emulator.crawl_finish_time(crawl_id) - fake_clock.monotonic())
    assert isinstance(emulator.crawl_pages(crawl_id)[0]["data"], str)
    async with client_for(emulator) as client:
        pages = await client.get_all_crawl_pages(crawl_id)
    assert pages[0].data["url"] == "https://docs.test/"


async def test_crawl_cancel_keeps_pages(emulator, fake_clock) -> None:
    async with client_for(emulator) as client:
        crawl_id = await client.submit_crawl(CrawlRequest("https://docs.test/", max_pages=50))
        fake_clock.advance(3.0)
        assert (await client.cancel_crawl(crawl_id)).status == "cancelled"
        fake_clock.advance(100.0)
        crawl = await client.get_crawl(crawl_id)
    assert crawl.status == "cancelled" and crawl.pages_crawled == 4 and len(crawl.pages) == 4


async def test_post_retried_only_when_the_server_did_not_take_it(emulator) -> None:
    async with client_for(emulator, post_retries=2) as client:
        emulator.faults = Faults(server_error=1.0, error_codes=(503,))
        with pytest.raises(ServerError):
            await client.submit_batch(BatchRequest(URLS))
        assert len(requests_to(emulator, "POST")) == 3 and not emulator.batches.owned(KEY)
        emulator.reset_stats()
        emulator.faults = Faults(server_error=1.0, error_codes=(504,))
        with pytest.raises(ServerError):
            await client.submit_crawl(CrawlRequest("https://docs.test/"))
        assert len(requests_to(emulator, "POST")) == 1  # the crawl may exist: no blind retry
        emulator.reset_stats()
        emulator.faults = Faults(drop=1.0)
        with pytest.raises(TransportError):
            await client.retry_batch("anything")
        assert len(requests_to(emulator, "POST")) == 1


async def test_gets_ride_through_faults(emulator, fake_clock) -> None:
    batch_id = emulator.create_batch(KEY, URLS)
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=5)
    fake_clock.advance(60.0)
    emulator.faults = Faults(server_error=0.3, non_json=0.2, drop=0.1, seed=5)
    async with client_for(emulator, get_retries=8) as client:
        for _ in range(5):
            assert (await client.get_batch(batch_id)).is_terminal
            assert len((await client.get_crawl_pages(crawl_id)).pages) == 5
    faulted = [r for r in emulator.stats.requests() if r.fault is not None]
    assert faulted  # the faults did happen, and were ridden through


async def test_non_json_and_rate_limit_faults_reach_the_caller(emulator) -> None:
    batch_id = emulator.create_batch(KEY, URLS)
    async with client_for(emulator, get_retries=0) as client:
        emulator.faults = Faults(non_json=1.0, non_json_kinds=("html-200",))
        with pytest.raises(MalformedResponse):
            await client.get_batch(batch_id)
        emulator.faults = Faults(rate_limited=1.0, retry_after=7, retry_after_forms=("seconds",))
        with pytest.raises(RateLimited) as limited:
            await client.get_crawl("x")
        assert limited.value.retry_after == 7

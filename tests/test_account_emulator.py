"""The account's endpoints: the emulator serves them, the official SDK and our client read them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import spidra
from spidra.lib.http import SpidraError, SpidraNotFoundError

from spidra_tui.api.account import LogFilters
from spidra_tui.api.client import SpidraClient
from spidra_tui.api.errors import NotFound
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, Script
from spidra_tui.secret import Secret

DAY = 86_400.0


@pytest.fixture
async def sdk(emulator: Emulator, api_key: str) -> AsyncIterator[spidra.AsyncSpidra]:
    client = spidra.AsyncSpidra(api_key=api_key, api_url=emulator.base_url, backoff_factor=0.001)
    yield client
    await client.aclose()


@pytest.fixture
async def client(emulator: Emulator, api_key: str) -> AsyncIterator[SpidraClient]:
    async with SpidraClient(emulator.base_url, Secret(api_key), clock=FakeClock()) as made:
        yield made


def finish_all(emulator: Emulator, clock: FakeClock) -> None:
    latest = max(emulator.finish_time(job_id) for job_id in emulator.job_ids())
    clock.advance(latest - clock.monotonic() + 0.001)


async def test_sdk_reads_logs_of_finished_scrapes(
    sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str, other_key: str, fake_clock: FakeClock
) -> None:
    done = emulator.submit(api_key, {"urls": [{"url": "https://books.test/a"}], "prompt": "titles"})
    failed = emulator.create_job(api_key, error="Failed to scrape https://x.test/ — boom")
    emulator.create_job(other_key)  # someone else's: never listed
    running = emulator.create_job(api_key, script=Script(waiting=DAY, active=1.0))
    fake_clock.advance(emulator.finish_time(done) - fake_clock.monotonic() + 0.001)
    assert emulator.status_at(running) == "waiting"

    listed = await sdk.scrape_logs(limit=10)
    assert listed.total == 2
    uuids = {log.uuid for log in listed.logs}
    assert uuids == {emulator.log_uuid(done), emulator.log_uuid(failed)}
    assert done not in uuids  # a log's ID is not the job's ID
    by_uuid = {log.uuid: log for log in listed.logs}
    failed_log = by_uuid[emulator.log_uuid(failed)]
    assert failed_log.status == "error" and failed_log.error_message.endswith("— boom")
    ok = by_uuid[emulator.log_uuid(done)]
    assert ok.status == "success" and ok.urls == [{"url": "https://books.test/a"}]
    assert ok.credits_used == 2 and ok.extraction_prompt == "titles"

    detail = await sdk.get_scrape_log(emulator.log_uuid(done))
    assert detail.result_data == emulator.answer(done)["result"]["content"]
    only_errors = await sdk.scrape_logs(status="error")
    assert [log.uuid for log in only_errors.logs] == [emulator.log_uuid(failed)]
    searched = await sdk.scrape_logs(search_term="BOOKS.test")
    assert [log.uuid for log in searched.logs] == [emulator.log_uuid(done)]
    with pytest.raises(SpidraNotFoundError):
        await sdk.get_scrape_log(emulator.log_uuid(running))


async def test_bare_shapes_read_the_same(
    sdk: spidra.AsyncSpidra,
    client: SpidraClient,
    emulator: Emulator,
    api_key: str,
    http: httpx.Client,
) -> None:
    job = emulator.create_job(api_key)
    wrapped_sdk = await sdk.get_scrape_log(emulator.log_uuid(job))
    wrapped_ours = await client.scrape_log(emulator.log_uuid(job))
    wrapped_page = await client.scrape_logs()
    emulator.account_shape = "bare"
    bare_sdk = await sdk.get_scrape_log(emulator.log_uuid(job))
    bare_ours = await client.scrape_log(emulator.log_uuid(job))
    bare_page = await client.scrape_logs()
    assert bare_sdk == wrapped_sdk and bare_sdk.result_data is not None
    assert bare_ours == wrapped_ours and bare_ours.result_data == wrapped_sdk.result_data
    assert bare_page == wrapped_page and bare_page.total == 1
    assert (await sdk.scrape_logs()).total == 1
    raw = http.get(f"{emulator.base_url}/usage-stats?range=7d", headers={"x-api-key": api_key})
    assert isinstance(raw.json(), list) and len(await sdk.usage("7d")) == 7
    bare_usage = await client.usage("7d")
    emulator.account_shape = "wrapped"
    assert await client.usage("7d") == bare_usage


async def test_paging_and_dates(
    client: SpidraClient, emulator: Emulator, api_key: str, fake_clock: FakeClock
) -> None:
    for n in range(25):
        emulator.create_job(api_key, urls=(f"https://p.test/{n}",))
        fake_clock.advance(DAY / 4)
    first = await client.scrape_logs(LogFilters(page=1, limit=10))
    third = await client.scrape_logs(LogFilters(page=3, limit=10))
    assert first.total == 25 and len(first.logs) == 10 and first.has_more
    assert len(third.logs) == 5 and not third.has_more
    assert first.logs[0].urls == ("https://p.test/24",)  # newest first
    day = first.logs[0].started_at[:10]
    same_day = await client.scrape_logs(LogFilters(date_start=day, date_end=day, limit=100))
    assert 1 <= len(same_day.logs) <= 4
    assert all(log.started_at.startswith(day) for log in same_day.logs)
    capped = await client.scrape_logs(LogFilters(limit=500))
    assert len(capped.logs) == 25  # the client caps limit at 100 and the server takes it


async def test_credits_go_down_as_jobs_run(
    sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str, fake_clock: FakeClock
) -> None:
    emulator.set_credits(api_key, limit=10, plan="Builder")
    before = await sdk.account()
    assert before.plan.name == "Builder" and before.credits.remaining == 10
    job = emulator.submit(api_key, {"urls": [{"url": "https://a.test/"}], "prompt": "x"})
    held = await sdk.account()
    assert held.credits.used == 2 and held.credits.remaining == 8  # held while it runs
    fake_clock.advance(emulator.finish_time(job) - fake_clock.monotonic() + 0.001)
    after = await sdk.account()
    expected = 8 if emulator.final_status(job) == "completed" else 10  # failures refund
    assert after.credits.remaining == expected


async def test_usage_per_day(
    sdk: spidra.AsyncSpidra,
    client: SpidraClient,
    emulator: Emulator,
    api_key: str,
    fake_clock: FakeClock,
) -> None:
    emulator.create_job(api_key)
    fake_clock.advance(DAY)
    emulator.create_job(api_key)
    emulator.create_job(api_key)
    week = await sdk.usage("7d")
    month = await sdk.usage("30d")
    assert len(week) == 7 and len(month) == 30
    assert [row.requests for row in week[-2:]] == [1, 2]
    assert sum(row.credits for row in week) == 3
    ours = await client.usage("30d")
    assert ours.total_requests == 3 and ours.total_credits == 3
    assert [day.date for day in ours.days] == [row.date for row in month]
    with pytest.raises(SpidraError) as refused:
        await sdk.usage("1y")
    assert refused.value.status == 400


async def test_batch_and_crawl_lists(
    sdk: spidra.AsyncSpidra, client: SpidraClient, emulator: Emulator, api_key: str
) -> None:
    batch = emulator.plant_batch(api_key, totalUrls=3, completedCount=1)
    crawl = emulator.plant_crawl(api_key, credits_used="2.50", allow_subdomains=1)
    emulator.plant_batch("spd_someone_else_entirely")
    batches = await sdk.list_batch_scrapes()
    crawls = await sdk.crawl_history()
    assert [b.uuid for b in batches.jobs] == [batch] and batches.pagination.total == 1
    assert [c.id for c in crawls.jobs] == [crawl] and crawls.jobs[0].credits_used == "2.50"
    ours = await client.crawl_list()
    assert ours.rows[0].credits_used == 2.5 and ours.rows[0].running
    ours_batches = await client.batch_list()
    assert ours_batches.rows[0].total_urls == 3 and ours_batches.rows[0].completed_count == 1


async def test_a_listed_batch_or_crawl_can_be_read_by_its_id(
    client: SpidraClient, emulator: Emulator, api_key: str
) -> None:
    # Rows planted as the account's past answer GET by ID too, so following or `w` can
    # watch any row the lists show; another key's row stays unknown.
    batch = emulator.plant_batch(api_key, status="completed", totalUrls=3, completedCount=3)
    crawl = emulator.plant_crawl(api_key, status="completed", pages_crawled=7, max_pages=10)
    read = await client.get_batch(batch)
    assert read.status == "completed" and (read.total_urls, read.completed_count) == (3, 3)
    crawled = await client.get_crawl(crawl)
    assert crawled.status == "completed" and crawled.total_pages == 7
    other = emulator.plant_batch("spd_someone_else_entirely")
    with pytest.raises(NotFound):
        await client.get_batch(other)


async def test_unknown_log_is_not_found(client: SpidraClient) -> None:
    with pytest.raises(NotFound):
        await client.scrape_log("../account")

"""The official Python SDK (``spidra``) works against the emulator unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import spidra
from spidra.lib.http import (
    SpidraAuthenticationError,
    SpidraForbiddenError,
    SpidraNotFoundError,
    SpidraRateLimitError,
    SpidraServerError,
    SpidraValidationError,
)
from spidra.types.scrape import ScrapeJobCompleted, ScrapeJobFailed, ScrapeJobPending

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, Faults, Script


@pytest.fixture
async def sdk(emulator: Emulator, api_key: str) -> AsyncIterator[spidra.AsyncSpidra]:
    client = spidra.AsyncSpidra(api_key=api_key, api_url=emulator.base_url, backoff_factor=0.001)
    yield client
    await client.aclose()


async def keep_time_moving(clock: FakeClock) -> None:
    """Advance the emulator clock half a second per real millisecond or so."""
    while True:
        clock.advance(0.5)
        await asyncio.sleep(0.001)


async def test_start_and_get(sdk: spidra.AsyncSpidra, emulator: Emulator, fake_clock) -> None:
    queued = await sdk.start_scrape(
        "https://books.toscrape.com/", prompt="List every book", output="json"
    )
    assert queued.status == "queued" and queued.job_id in emulator.job_ids()
    pending = await sdk.get_scrape(queued.job_id)
    assert isinstance(pending, ScrapeJobPending) and pending.status == "waiting"
    fake_clock.advance(emulator.finish_time(queued.job_id) - fake_clock.monotonic())
    done = await sdk.get_scrape(queued.job_id)
    assert emulator.final_status(queued.job_id) == "completed"  # so seed 0 has it
    assert isinstance(done, ScrapeJobCompleted)
    expected = emulator.answer(queued.job_id)["result"]
    assert done.result.content == expected["content"] and isinstance(done.result.content, list)
    assert done.result.stats.total_tokens == expected["stats"]["totalTokens"] > 0


async def test_scrape_runs_to_completion(
    sdk: spidra.AsyncSpidra, emulator: Emulator, fake_clock: FakeClock
) -> None:
    ticking = asyncio.create_task(keep_time_moving(fake_clock))
    try:
        result = await asyncio.wait_for(
            sdk.scrape("https://news.ycombinator.com/", poll_interval=0.005), timeout=5
        )
    finally:
        ticking.cancel()
    (job_id,) = emulator.job_ids()
    assert emulator.final_status(job_id) == "completed"  # seed 0's first job completes
    assert result.content == emulator.answer(job_id)["result"]["content"]
    assert result.content.startswith("# ")
    assert emulator.stats.gets_after_terminal(job_id) == 0  # the SDK stops at the end


async def test_failed_job(sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key, error="Failed to scrape https://x.test/ — boom")
    failed = await sdk.get_scrape(job_id)
    assert isinstance(failed, ScrapeJobFailed) and failed.error.endswith("— boom")


async def test_sdk_errors(
    sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str, other_key: str
) -> None:
    with pytest.raises(SpidraNotFoundError):
        await sdk.get_scrape("00000000-0000-4000-8000-000000000000")
    with pytest.raises(SpidraForbiddenError):
        await sdk.get_scrape(emulator.create_job(other_key))
    with pytest.raises(SpidraValidationError) as invalid:
        await sdk.start_scrape(["https://a.test/"] * 4)
    assert invalid.value.errors == ["urls must contain at most 3 items"]
    async with spidra.AsyncSpidra(api_key="wrong", api_url=emulator.base_url) as stranger:
        with pytest.raises(SpidraAuthenticationError):
            await stranger.get_scrape(emulator.create_job(api_key))


async def test_sdk_sees_retry_after(sdk: spidra.AsyncSpidra, emulator: Emulator) -> None:
    emulator.faults = Faults(rate_limited=1.0, retry_after=3, retry_after_forms=("body",))
    with pytest.raises(SpidraRateLimitError) as limited:
        await sdk.get_scrape(emulator.create_job())
    assert limited.value.retry_after == 3


async def test_sdk_post_retries_create_no_duplicates(
    sdk: spidra.AsyncSpidra, emulator: Emulator
) -> None:
    emulator.faults = Faults(server_error=1.0, error_codes=(502,), html_errors=1.0)
    with pytest.raises(SpidraServerError):
        await sdk.start_scrape("https://a.test/")
    assert len(emulator.stats.requests()) == 4  # retried three times, as the SDK does
    assert emulator.job_ids() == []
    emulator.faults = Faults(server_error=1.0, error_codes=(504,))
    with pytest.raises(SpidraServerError):
        await sdk.start_scrape("https://a.test/")
    assert len(emulator.stats.requests()) == 5  # a 504 POST is not retried ...
    assert len(emulator.job_ids()) == 1  # ... because the job may exist, and here it does


async def test_sdk_get_retries_through_a_flaky_gateway(
    sdk: spidra.AsyncSpidra, emulator: Emulator, api_key: str
) -> None:
    job_id = emulator.create_job(api_key, script=Script(waiting=0.0, active=0.0))
    emulator.faults = Faults(server_error=0.5, error_codes=(502, 504), seed=3)
    answers = [await sdk.get_scrape(job_id) for _ in range(10)]
    assert all(isinstance(a, ScrapeJobCompleted) for a in answers)
    assert any(r.status >= 500 for r in emulator.stats.requests())

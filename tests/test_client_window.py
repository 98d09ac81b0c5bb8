"""The client tells the budget of every answer, and reads the window's Reset only as such."""

from __future__ import annotations

import pytest

from spidra_tui.api.client import ScrapeRequest, SpidraClient
from spidra_tui.api.errors import NotFound, RateLimited, ServerError
from spidra_tui.api.ratelimit import Answer, read_window
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults
from spidra_tui.emulator.window import WindowLimit
from spidra_tui.secret import Secret


def client_for(emulator: Emulator, key: str, clock: FakeClock, answers: list[Answer]):
    assert emulator.base_url is not None
    return SpidraClient(
        emulator.base_url, Secret(key), clock=clock, get_retries=0, observer=answers.append
    )


async def test_every_answer_reaches_the_observer_with_its_window(
    emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    answers: list[Answer] = []
    job_id = emulator.create_job(api_key)
    async with client_for(emulator, api_key, fake_clock, answers) as client:
        await client.get_job(job_id)
        with pytest.raises(NotFound):
            await client.get_job("no-such-job")
        await client.submit_scrape(ScrapeRequest(urls=("https://example.com/",)))
    assert [(a.method, a.status) for a in answers] == [("GET", 200), ("GET", 404), ("POST", 200)]
    assert [a.window.remaining for a in answers if a.window] == [299, 298, 297]
    assert answers[0].window is not None
    assert answers[0].window.limit == 300
    assert answers[0].window.resets_in == pytest.approx(900, abs=1)


@pytest.mark.parametrize("form", ["timestamp", "seconds"])
async def test_reset_read_in_either_form(
    make_emulator, fake_clock: FakeClock, api_key: str, form: str
) -> None:
    emulator = make_emulator(EmulatorConfig(window=WindowLimit(60, 180.0, form)))
    answers: list[Answer] = []
    job_id = emulator.create_job(api_key)
    async with client_for(emulator, api_key, fake_clock, answers) as client:
        await client.get_job(job_id)
        fake_clock.advance(40.0)
        await client.get_job(job_id)
    assert answers[-1].window is not None
    assert answers[-1].window.resets_in == pytest.approx(140, abs=1)


def test_a_timestamp_is_read_against_the_servers_date() -> None:
    headers = {
        "RateLimit-Limit": "300",
        "RateLimit-Remaining": "12",
        "RateLimit-Reset": "1780000900",
        "Date": "Thu, 28 May 2026 20:26:40 GMT",  # 1780000000
    }
    # The client's clock is an hour ahead: the Date header still gives 900 s.
    reading = read_window(headers, now=1780003600.0)
    assert reading is not None
    assert (reading.limit, reading.remaining, reading.resets_in) == (300, 12, 900.0)


def test_the_combined_and_legacy_forms() -> None:
    combined = read_window({"RateLimit": "limit=100, remaining=7, reset=30"}, now=0.0)
    assert combined is not None
    assert (combined.limit, combined.remaining, combined.resets_in) == (100, 7, 30.0)
    legacy = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "9"}
    assert read_window(legacy, now=0.0) is not None
    assert read_window({"RateLimit-Limit": "nonsense"}, now=0.0) is None


async def test_a_503_is_no_window_wait(emulator: Emulator, fake_clock: FakeClock, api_key: str):
    # Spidra sends RateLimit-Reset on every answer: a 503 must not wait for it.
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(server_error=1.0, error_codes=(503,), html_errors=1.0)
    async with client_for(emulator, api_key, fake_clock, []) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_job(job_id)
    assert caught.value.retry_after is None
    emulator.faults = Faults(busy=1.0)
    async with client_for(emulator, api_key, fake_clock, []) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_job(job_id)
    assert caught.value.retry_after == 60  # the body's own hint is one


async def test_too_many_pending_jobs_is_no_window_wait(
    emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    async with client_for(emulator, api_key, fake_clock, []) as client:
        for n in range(10):
            await client.submit_scrape(ScrapeRequest(urls=(f"https://example.com/{n}",)))
        with pytest.raises(RateLimited) as caught:
            await client.submit_scrape(ScrapeRequest(urls=("https://example.com/x",)))
    assert caught.value.pending_jobs
    assert caught.value.retry_after is None


async def test_a_spent_window_waits_for_its_reset(
    make_emulator, fake_clock: FakeClock, api_key: str
) -> None:
    emulator = make_emulator(EmulatorConfig(window=WindowLimit(2, 180.0)))
    job_id = emulator.create_job(api_key)
    async with client_for(emulator, api_key, fake_clock, []) as client:
        await client.get_job(job_id)
        fake_clock.advance(30.0)
        await client.get_job(job_id)
        with pytest.raises(RateLimited) as caught:
            await client.get_job(job_id)
    assert not caught.value.pending_jobs
    assert caught.value.retry_after == pytest.approx(150, abs=1)

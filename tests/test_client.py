"""SpidraClient against the emulator over a real loopback socket."""

from __future__ import annotations

import logging
import random

import pytest

from spidra_tui.api.client import ScrapeRequest, SpidraClient, job_path
from spidra_tui.api.errors import (
    AuthError,
    Forbidden,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    SpidraError,
    TransportError,
    ValidationFailed,
    describe,
)
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import EmulatorConfig, Faults
from spidra_tui.secret import Secret

KEY = "spd_test_key_0001"


def client_for(emulator, key: str | None = KEY, **kwargs) -> SpidraClient:
    kwargs.setdefault("clock", FakeClock())
    kwargs.setdefault("rng", random.Random(1))
    return SpidraClient(emulator.base_url, Secret(key) if key else None, **kwargs)


def gets(emulator) -> list:
    return [r for r in emulator.stats.requests() if r.method == "GET"]


def posts(emulator) -> list:
    return [r for r in emulator.stats.requests() if r.method == "POST"]


async def test_submit_then_poll_to_completion(emulator, fake_clock) -> None:
    async with client_for(emulator) as client:
        submitted = await client.submit_scrape(
            ScrapeRequest(urls=("https://example.com",), prompt="title", output="json")
        )
        job = await client.get_job(submitted.job_id)
        assert job.status in ("waiting", "active", "delayed")
        fake_clock.advance(3600)
        job = await client.get_job(submitted.job_id)
    assert job.is_terminal
    assert job.status == emulator.final_status(submitted.job_id)
    assert job.raw["status"] == job.status


async def test_sends_the_key_as_x_api_key_and_a_user_agent(emulator) -> None:
    seen = {}

    async with client_for(emulator) as client:
        # The request as it goes on the wire: the key is added just before that.
        transport = client._http._transport
        original = transport.handle_async_request

        async def spy(request):
            seen.update(request.headers)
            return await original(request)

        transport.handle_async_request = spy
        job_id = emulator.create_job(KEY)
        await client.get_job(job_id)
    assert seen["x-api-key"] == KEY
    assert seen["user-agent"].startswith("spidra-tui/")


@pytest.mark.parametrize(
    ("job_id", "expected_path"),
    [
        ("../x", "/api/scrape/..%2Fx"),
        ("a/b?c", "/api/scrape/a%2Fb%3Fc"),
        ("..", "/api/scrape/%2E%2E"),
        ("x#y", "/api/scrape/x%23y"),
    ],
)
async def test_odd_ids_stay_one_path_segment(emulator, job_id: str, expected_path: str) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(NotFound):
            await client.get_job(job_id)
    assert gets(emulator)[-1].path == expected_path
    assert job_path(job_id).count("/") == 2


async def test_each_error_status_maps_to_its_class(emulator, other_key) -> None:
    mine = emulator.create_job(KEY)
    theirs = emulator.create_job(other_key)
    async with client_for(emulator) as client:
        with pytest.raises(NotFound, match="Scrape not found"):
            await client.get_job("no-such-job")
        with pytest.raises(Forbidden, match="permission"):
            await client.get_job(theirs)
        assert (await client.get_job(mine)).status == "completed"
        with pytest.raises(ValidationFailed) as refused:
            await client.submit_scrape(ScrapeRequest(urls=()))
    assert refused.value.errors and str(refused.value.errors[0])
    async with client_for(
        emulator,
        key="spd_not_a_known_key",
    ) as client:
        emulator.revoke_key("spd_not_a_known_key")
        with pytest.raises(AuthError):
            await client.get_job(mine)
    async with client_for(emulator, key=None) as client:
        with pytest.raises(AuthError):
            await client.get_job(mine)


async def test_get_retries_transient_failures_then_succeeds(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(server_error=1.0, error_codes=(500, 502))
    sleeps: list[float] = []
    clock = FakeClock()
    original = clock.sleep

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            emulator.faults = Faults()
        await original(seconds)

    clock.sleep = record_sleep  # type: ignore[method-assign]
    async with client_for(emulator, clock=clock, get_retries=3) as client:
        job = await client.get_job(job_id)
    assert job.status == "completed"
    assert len(gets(emulator)) == 3
    # capped, jittered exponential backoff: each delay within [c/2, c] for c = 0.5 * 2**n
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


async def test_a_503_retry_after_hint_stretches_the_backoff(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(server_error=1.0, error_codes=(503,), html_errors=0.0, retry_after=4)
    sleeps: list[float] = []
    clock = FakeClock()

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        emulator.faults = Faults()

    clock.sleep = record_sleep  # type: ignore[method-assign]
    async with client_for(emulator, clock=clock) as client:
        await client.get_job(job_id)
    assert sleeps == [pytest.approx(4)]


async def test_get_gives_up_after_its_retries(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(server_error=1.0)
    async with client_for(emulator, get_retries=2) as client:
        with pytest.raises(ServerError):
            await client.get_job(job_id)
        assert len(gets(emulator)) == 3
        with pytest.raises(ServerError):
            await client.get_job(job_id, retries=0)
    assert len(gets(emulator)) == 4


async def test_non_json_answers_are_malformed_and_retried(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("html-200",))
    async with client_for(emulator, get_retries=1) as client:
        with pytest.raises(MalformedResponse, match="not JSON"):
            await client.get_job(job_id)
    assert len(gets(emulator)) == 2


async def test_dropped_connections_become_transport_errors(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(drop=1.0)
    async with client_for(emulator, get_retries=1) as client:
        with pytest.raises(TransportError):
            await client.get_job(job_id)
    assert len(gets(emulator)) == 2


async def test_unreachable_server_is_a_transport_error() -> None:
    client = SpidraClient("http://127.0.0.1:9", Secret(KEY), get_retries=0)
    async with client:
        with pytest.raises(TransportError, match="could not reach"):
            await client.get_job("x")


async def test_rate_limit_carries_retry_after(emulator) -> None:
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(rate_limited=1.0, retry_after=7, retry_after_forms=("seconds",))
    async with client_for(emulator, get_retries=0) as client:
        with pytest.raises(RateLimited) as limited:
            await client.get_job(job_id)
    assert limited.value.retry_after == pytest.approx(7)


async def test_post_is_retried_on_503_and_creates_one_job(emulator) -> None:
    emulator.faults = Faults(server_error=1.0, error_codes=(503,), methods=frozenset({"POST"}))
    clock = FakeClock()
    original = clock.sleep

    async def heal(seconds: float) -> None:
        emulator.faults = Faults()
        await original(seconds)

    clock.sleep = heal  # type: ignore[method-assign]
    async with client_for(emulator, clock=clock) as client:
        submitted = await client.submit_scrape(ScrapeRequest(urls=("https://retry.example/",)))
    assert submitted.job_id
    assert len(posts(emulator)) == 2
    assert emulator.stats.jobs_created_for("https://retry.example/") == 1


@pytest.mark.parametrize(
    "faults",
    [
        Faults(server_error=1.0, error_codes=(504,), methods=frozenset({"POST"})),
        Faults(drop=1.0, methods=frozenset({"POST"})),
        Faults(server_error=1.0, error_codes=(500,), methods=frozenset({"POST"})),
    ],
    ids=["504", "dropped", "500"],
)
async def test_post_is_not_retried_when_the_job_may_exist(emulator, faults: Faults) -> None:
    emulator.faults = faults
    async with client_for(emulator) as client:
        with pytest.raises((ServerError, TransportError)):
            await client.submit_scrape(ScrapeRequest(urls=("https://once.example/",)))
    assert len(posts(emulator)) == 1


async def test_the_key_appears_in_no_error_repr_or_log(emulator, caplog) -> None:
    planted = "spd_PLANTED_secret_value_9876"
    emulator.revoke_key(planted)
    caplog.set_level(logging.DEBUG)
    texts = []
    async with client_for(emulator, key=planted) as client:
        texts.append(repr(client))
        for job_id in ("x", "../y"):
            try:
                await client.get_job(job_id)
            except Exception as exc:  # every error is inspected
                texts += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
        emulator.faults = Faults(drop=1.0)
        try:
            await client.get_job("x", retries=0)
        except TransportError as exc:
            texts += [str(exc), repr(exc), repr(exc.__context__)]
    texts.append(caplog.text)
    assert not any(planted in text for text in texts)
    assert not any("PLANTED" in text for text in texts)


def test_emulator_config_is_importable() -> None:
    # The demo needs nothing but the package itself.
    assert EmulatorConfig(catalogue=True).catalogue


async def test_an_http_date_retry_after_is_read_on_the_client_clock(emulator, fake_clock) -> None:
    # The emulator writes the date from the same fake clock; read against the real
    # time it would be decades in the past and mean "no wait".
    job_id = emulator.create_job(KEY)
    emulator.faults = Faults(rate_limited=1.0, retry_after=30, retry_after_forms=("http-date",))
    async with client_for(emulator, clock=fake_clock, get_retries=0) as client:
        with pytest.raises(RateLimited) as limited:
            await client.get_job(job_id)
    assert 29 <= (limited.value.retry_after or 0) <= 31


@pytest.mark.parametrize(
    ("faults", "warned"),
    [
        (Faults(server_error=1.0, error_codes=(504,), methods=frozenset({"POST"})), True),
        (Faults(drop=1.0, methods=frozenset({"POST"})), True),
        (Faults(server_error=1.0, error_codes=(503,), methods=frozenset({"POST"})), False),
        (Faults(rate_limited=1.0, methods=frozenset({"POST"})), False),
    ],
    ids=["504", "dropped", "503", "429"],
)
async def test_a_failed_submit_says_whether_the_job_may_exist(
    emulator, faults: Faults, warned: bool
) -> None:
    emulator.faults = faults
    async with client_for(emulator, post_retries=0) as client:
        with pytest.raises(SpidraError) as failed:
            await client.submit_scrape(ScrapeRequest(urls=("https://maybe.example/",)))
    created = emulator.stats.jobs_created_for("https://maybe.example/")
    text = describe(failed.value, after_submit=True)
    assert ("may have been queued anyway" in text) is warned
    if created:
        assert warned  # a job that exists is never reported as surely not created

"""Injected faults, the hard rate limit, and server-side accounting."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from email.utils import parsedate_to_datetime

import httpx
import pytest

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, Script
from spidra_tui.emulator.faults import FaultPicker

BOOK = {"urls": [{"url": "https://books.toscrape.com/"}]}


def get(http: httpx.Client, emulator: Emulator, job_id: str, key: str) -> httpx.Response:
    return http.get(f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": key})


# --- each fault kind ------------------------------------------------------------------


def test_dropped_connection(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(drop=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        get(http, emulator, job_id, api_key)
    record = emulator.stats.requests()[-1]
    assert (record.status, record.fault, record.job_id) == (0, "drop", job_id)
    emulator.faults = Faults()
    assert get(http, emulator, job_id, api_key).status_code == 200


@pytest.mark.parametrize("code", [500, 502, 503, 504])
@pytest.mark.parametrize("html", [False, True])
def test_server_errors(
    http: httpx.Client, emulator: Emulator, api_key: str, code: int, html: bool
) -> None:
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(server_error=1.0, error_codes=(code,), html_errors=float(html))
    response = get(http, emulator, job_id, api_key)
    assert response.status_code == code
    if html:
        assert response.headers["content-type"].startswith("text/html")
        assert f"<h1>{code} " in response.text
    else:
        assert response.json()["status"] == "error"
        if code == 503:
            assert response.json()["code"] == "SERVICE_BUSY"
            assert response.headers["retry-after"] == "2"


def test_rate_limited_answers_in_every_form(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(rate_limited=1.0, retry_after=7.5, retry_after_forms=("seconds",))
    seconds = get(http, emulator, job_id, api_key)
    assert seconds.status_code == 429 and seconds.headers["retry-after"] == "8"
    emulator.faults = Faults(rate_limited=1.0, retry_after=7.5, retry_after_forms=("http-date",))
    dated = get(http, emulator, job_id, api_key)
    when = parsedate_to_datetime(dated.headers["retry-after"]).timestamp()
    assert when == math.ceil(fake_clock.wall() + 7.5)
    emulator.faults = Faults(rate_limited=1.0, retry_after=7.5, retry_after_forms=("body",))
    in_body = get(http, emulator, job_id, api_key)
    assert "retry-after" not in in_body.headers and in_body.json()["retry_after"] == 8


def test_non_json_answers(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    genuine = get(http, emulator, job_id, api_key).content
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("html-200",))
    page = get(http, emulator, job_id, api_key)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("html-502",))
    assert get(http, emulator, job_id, api_key).status_code == 502
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("truncated",))
    cut = get(http, emulator, job_id, api_key)
    assert cut.status_code == 200 and cut.headers["content-type"].startswith("application/json")
    assert genuine.startswith(cut.content) and len(cut.content) < len(genuine)
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_slow_answers_take_real_time(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(slow=1.0, slow_seconds=0.25)
    started = time.perf_counter()
    response = get(http, emulator, job_id, api_key)
    assert time.perf_counter() - started >= 0.25
    assert response.json()["status"] == "completed"
    assert emulator.stats.requests()[-1].fault == "slow"


def test_faults_can_target_one_method(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    emulator.faults = Faults(server_error=1.0, methods=frozenset({"POST"}))
    job_id = emulator.create_job(api_key)
    assert get(http, emulator, job_id, api_key).status_code == 200
    post = http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=BOOK)
    assert post.status_code >= 500


def test_fault_draws_follow_the_rates() -> None:
    picker = FaultPicker(
        Faults(drop=0.1, server_error=0.2, rate_limited=0.1, non_json=0.1, slow=0.3)
    )
    draws = [picker.draw("GET") for _ in range(20_000)]
    kinds = Counter(d.kind for d in draws)
    for kind, rate in (("drop", 0.1), ("server_error", 0.2), ("rate_limited", 0.1)):
        assert kinds[kind] / 20_000 == pytest.approx(rate, abs=0.015)
    assert sum(d.delay > 0 for d in draws) / 20_000 == pytest.approx(0.3, abs=0.015)
    codes = Counter(d.code for d in draws if d.kind == "server_error")
    assert set(codes) == {500, 502, 503, 504}
    again = FaultPicker(
        Faults(drop=0.1, server_error=0.2, rate_limited=0.1, non_json=0.1, slow=0.3)
    )
    assert [again.draw("GET") for _ in range(20_000)] == draws


@pytest.mark.parametrize(
    "faults",
    [
        {"drop": 1.5},
        {"drop": 0.6, "server_error": 0.6},
        {"error_codes": (404,)},
        {"non_json_kinds": ("xml",)},
        {"retry_after_forms": ()},
        {"rate_limit": (0, 1.0)},
    ],
)
def test_bad_fault_settings_are_refused(faults: dict) -> None:
    with pytest.raises(ValueError):
        Faults(**faults)


# --- POST semantics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "created"),
    [
        (Faults(server_error=1.0, error_codes=(502,)), False),
        (Faults(server_error=1.0, error_codes=(503,)), False),
        (Faults(server_error=1.0, error_codes=(500,)), False),
        (Faults(rate_limited=1.0), False),
        (Faults(non_json=1.0, non_json_kinds=("html-502",)), False),
        (Faults(server_error=1.0, error_codes=(504,)), True),
        (Faults(drop=1.0), True),
        (Faults(non_json=1.0, non_json_kinds=("html-200",)), True),
        (Faults(non_json=1.0, non_json_kinds=("truncated",)), True),
        (Faults(slow=1.0, slow_seconds=0.05), True),
    ],
)
def test_post_faults_create_a_job_only_when_production_would(
    http: httpx.Client, emulator: Emulator, api_key: str, faults: Faults, created: bool
) -> None:
    emulator.faults = faults
    try:
        http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=BOOK)
    except httpx.RemoteProtocolError:
        assert faults.drop == 1.0
    assert len(emulator.job_ids()) == int(created)
    assert emulator.stats.jobs_created_for("https://books.toscrape.com/") == int(created)
    assert emulator.stats.jobs_created_for_body(BOOK) == int(created)
    if created:
        assert emulator.stats.requests()[-1].job_id == emulator.job_ids()[0]


# --- the hard rate limit ------------------------------------------------------------------


def test_rate_limit_answers_429_with_a_correct_retry_after(
    http: httpx.Client,
    make_emulator,
    fake_clock: FakeClock,
    api_key: str,
    other_key: str,
) -> None:
    emulator = make_emulator(EmulatorConfig(faults=Faults(rate_limit=(5, 10.0)), window=None))
    job_id = emulator.create_job(api_key)
    remaining = []
    for _ in range(3):
        remaining.append(get(http, emulator, job_id, api_key).headers["ratelimit-remaining"])
    fake_clock.advance(4.0)
    for _ in range(2):
        remaining.append(get(http, emulator, job_id, api_key).headers["ratelimit-remaining"])
    assert remaining == ["4", "3", "2", "1", "0"]
    refused = get(http, emulator, job_id, api_key)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "6" and refused.json()["retry_after"] == 6
    assert get(http, emulator, job_id, other_key).status_code == 403  # not limited: own count
    fake_clock.advance(5.5)
    assert get(http, emulator, job_id, api_key).headers["retry-after"] == "1"
    fake_clock.advance(0.5)  # the first three leave the window
    assert [get(http, emulator, job_id, api_key).status_code for _ in range(4)] == [200] * 3 + [429]
    post = http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=BOOK)
    assert post.status_code == 429 and emulator.job_ids() == [job_id]
    fake_clock.advance(4.0)
    assert get(http, emulator, job_id, api_key).status_code == 200


# --- accounting ---------------------------------------------------------------------------


def test_gets_after_terminal(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    job_id = emulator.create_job(api_key, script=Script(waiting=1.0, active=1.0))
    for _ in range(3):
        get(http, emulator, job_id, api_key)
    fake_clock.advance(2.0)
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("truncated",))
    get(http, emulator, job_id, api_key)  # a broken terminal answer delivers nothing
    assert emulator.stats.terminal_answer_time(job_id) is None
    emulator.faults = Faults()
    assert get(http, emulator, job_id, api_key).json()["status"] == "completed"
    assert emulator.stats.terminal_answer_time(job_id) == fake_clock.monotonic()
    assert emulator.stats.gets_after_terminal(job_id) == 0
    for _ in range(4):
        get(http, emulator, job_id, api_key)
    assert emulator.stats.gets_after_terminal(job_id) == 4
    assert emulator.stats.gets_after_terminal() == 4
    assert emulator.stats.gets_for(job_id) == 9
    emulator.reset_stats()
    assert emulator.stats.gets_for(job_id) == 0 and emulator.stats.requests() == []
    get(http, emulator, job_id, api_key)
    assert emulator.stats.gets_after_terminal(job_id) == 1  # the job is still finished


def test_request_log_and_windows(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    job_id = emulator.create_job(api_key)
    for advance, count in ((0.0, 3), (0.5, 2), (1.0, 4)):
        fake_clock.advance(advance)
        for _ in range(count):
            get(http, emulator, job_id, api_key)
    http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=BOOK)
    stats = emulator.stats
    assert stats.max_requests_in_window(1.0) == 5
    assert stats.max_requests_in_window(1.0, method="GET") == 5
    assert stats.max_requests_in_window(0.1) == 5  # the 4 GETs and the POST at t = 1.5
    assert stats.max_requests_in_window(60.0, real_time=True) == 10
    log = stats.requests()
    assert [r.clock_time - log[0].clock_time for r in log[::3]] == [0.0, 0.5, 1.5, 1.5]
    assert log[0].wall_time == pytest.approx(fake_clock.wall() - 1.5)
    assert log[-1].method == "POST" and log[-1].path == "/api/scrape"
    assert {r.key_hash for r in log} == {log[0].key_hash} and api_key not in repr(log)
    assert stats.in_flight == 0 and stats.peak_in_flight == 1 and stats.handler_errors == []

"""The emulator limits like Spidra: a request window per client address, pending jobs, busy."""

from __future__ import annotations

import httpx
import pytest

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, Script
from spidra_tui.emulator.window import AddressWindows, WindowLimit, parse_window


def get(http: httpx.Client, emulator: Emulator, job_id: str, key: str) -> httpx.Response:
    return http.get(f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": key})


def post(http: httpx.Client, emulator: Emulator, key: str, n: int = 0) -> httpx.Response:
    body = {"urls": [{"url": f"https://example.com/{n}"}]}
    return http.post(f"{emulator.base_url}/scrape", json=body, headers={"x-api-key": key})


def test_the_default_is_300_per_15_minutes_with_headers_on_every_answer(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    job_id = emulator.create_job(api_key)
    first = get(http, emulator, job_id, api_key)
    assert first.headers["ratelimit-limit"] == "300"
    assert first.headers["ratelimit-remaining"] == "299"
    # A Unix timestamp, the documented form, 15 minutes after the window opened.
    assert int(first.headers["ratelimit-reset"]) == round(fake_clock.wall() + 900)
    missing = get(http, emulator, "no-such-job", api_key)
    assert missing.status_code == 404
    assert missing.headers["ratelimit-remaining"] == "298"
    refused = get(http, emulator, job_id, "spd_not_a_known_key_but_well_formed")
    assert refused.status_code == 403
    assert refused.headers["ratelimit-remaining"] == "297"  # per address, not per key
    assert "date" in refused.headers


def test_over_the_limit_the_documented_429_until_the_window_resets(
    http: httpx.Client, make_emulator, fake_clock: FakeClock, api_key: str
) -> None:
    emulator = make_emulator(EmulatorConfig(window=WindowLimit(5, 180.0)))
    job_id = emulator.create_job(api_key)
    statuses = [get(http, emulator, job_id, api_key).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    refused = get(http, emulator, job_id, api_key)
    assert refused.json() == {
        "status": "error",
        "message": "Too many requests, please try again later.",
    }
    assert refused.headers["ratelimit-remaining"] == "0"
    fake_clock.advance(179.0)
    assert get(http, emulator, job_id, api_key).status_code == 429
    fake_clock.advance(1.0)
    again = get(http, emulator, job_id, api_key)
    assert again.status_code == 200
    assert again.headers["ratelimit-remaining"] == "4"


def test_reset_in_seconds_when_asked(
    http: httpx.Client, make_emulator, fake_clock: FakeClock, api_key: str
) -> None:
    emulator = make_emulator(EmulatorConfig(window=WindowLimit(60, 180.0, "seconds")))
    job_id = emulator.create_job(api_key)
    get(http, emulator, job_id, api_key)
    fake_clock.advance(30.0)
    assert get(http, emulator, job_id, api_key).headers["ratelimit-reset"] == "150"


def test_windows_are_counted_per_address() -> None:
    windows = AddressWindows(WindowLimit(2, 60.0))
    assert [windows.count("10.0.0.1", 0.0, 0.0).allowed for _ in range(3)] == [True, True, False]
    assert windows.count("10.0.0.2", 1.0, 1.0).allowed
    assert windows.count("10.0.0.1", 60.0, 60.0).allowed  # a new window


def test_off_sends_no_headers(http: httpx.Client, make_emulator, api_key: str) -> None:
    emulator = make_emulator(EmulatorConfig(window=None))
    answer = get(http, emulator, emulator.create_job(api_key), api_key)
    assert "ratelimit-limit" not in answer.headers


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [("300/15m", 300, 900.0), ("60/3m", 60, 180.0), ("100/90s", 100, 90.0), ("5/m", 5, 60.0)],
)
def test_parse_window(text: str, limit: int, window: float) -> None:
    assert parse_window(text) == WindowLimit(limit, window)


def test_parse_window_off_and_nonsense() -> None:
    assert parse_window("off") is None
    for bad in ("300", "x/15m", "0/15m", "300/0m"):
        with pytest.raises(ValueError):
            parse_window(bad)


def test_ten_pending_single_scrapes_then_too_many_pending_jobs(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str, other_key: str
) -> None:
    for n in range(10):
        assert post(http, emulator, api_key, n).status_code == 200
    refused = post(http, emulator, api_key, 10)
    assert refused.status_code == 429
    assert refused.json()["code"] == "TOO_MANY_PENDING_JOBS"
    assert "ratelimit-remaining" in refused.headers
    assert post(http, emulator, other_key).status_code == 200  # another key's own count
    fake_clock.advance(3600.0)  # every job ended
    assert post(http, emulator, api_key, 11).status_code == 200


def test_a_planted_running_job_counts_as_pending(
    http: httpx.Client, make_emulator, api_key: str
) -> None:
    emulator = make_emulator(EmulatorConfig(max_pending=1))
    emulator.create_job(api_key, script=Script(waiting=0, active=600))
    assert post(http, emulator, api_key).status_code == 429


def test_service_busy(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    emulator.faults = Faults(busy=1.0)
    answer = get(http, emulator, job_id, api_key)
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "error",
        "message": "Service is busy, please retry shortly",
        "code": "SERVICE_BUSY",
        "retry_after": 60,
    }
    assert "ratelimit-reset" in answer.headers  # Spidra sends the window on every answer

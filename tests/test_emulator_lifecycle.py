"""Job lifecycles on the emulator clock: waiting, delayed, active, completed or failed."""

from __future__ import annotations

import random
import statistics

import httpx
import pytest

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script, SubmissionRejected
from spidra_tui.emulator.lifecycle import draw_script


def get_status(http: httpx.Client, emulator: Emulator, key: str, job_id: str) -> dict:
    response = http.get(f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": key})
    assert response.status_code == 200, response.text
    return response.json()


def test_script_moves_through_its_phases() -> None:
    script = Script(waiting=2.0, delayed=3.0, active=10.0, stages=("A", "B", "C", "D"))
    assert script.at(0).status == "waiting"
    assert script.at(1.99).status == "waiting"
    assert script.at(2.0).status == "delayed"
    assert script.at(5.0).status == "active"
    seen = [script.at(5.0 + t) for t in range(10)]
    fractions = [m.progress for m in seen]
    assert fractions == sorted(fractions) and len(set(fractions)) == 10
    assert 0.05 <= fractions[0] < fractions[-1] <= 0.95
    assert [m.message for m in seen] == ["A"] * 3 + ["B"] * 2 + ["C"] * 3 + ["D"] * 2
    done = script.at(15.0)
    assert (done.status, done.message, done.progress) == (
        "completed",
        "Scrape completed successfully",
        1.0,
    )
    assert script.total == 15.0


def test_failing_script_stops_rising_and_fails() -> None:
    script = Script(waiting=0.0, active=4.0, outcome="failed", fail_at=0.5)
    last_active = script.at(3.999)
    failed = script.at(4.0)
    assert last_active.status == "active" and last_active.progress < failed.progress + 0.01
    assert (failed.status, failed.message) == ("failed", "Scrape failed")
    assert failed.progress == pytest.approx(0.5, abs=0.01)


def test_job_progresses_over_http_as_the_clock_moves(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    script = Script(waiting=2.0, active=8.0, stages=("Loading page", "Extracting content"))
    job_id = emulator.create_job(api_key, script=script)
    first = get_status(http, emulator, api_key, job_id)
    assert first == {
        "status": "waiting",
        "progress": {"message": "Waiting in queue", "progress": 0},
        "result": None,
        "error": None,
    }
    fake_clock.advance(3.0)
    early = get_status(http, emulator, api_key, job_id)
    fake_clock.advance(4.0)
    later = get_status(http, emulator, api_key, job_id)
    assert early["status"] == later["status"] == "active"
    assert early["progress"]["message"] == "Loading page"
    assert later["progress"]["message"] == "Extracting content"
    assert early["progress"]["progress"] < later["progress"]["progress"]
    assert emulator.status_at(job_id) == "active"
    fake_clock.advance(3.0)
    done = get_status(http, emulator, api_key, job_id)
    assert done["status"] == "completed" and done["error"] is None
    assert done["progress"] == {"message": "Scrape completed successfully", "progress": 1}
    assert done["result"]["data"][0]["url"] == "https://example.com/"
    assert emulator.final_status(job_id) == "completed"


def test_finish_time_is_exactly_when_the_status_turns(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    job_id = emulator.create_job(
        api_key, script=Script(waiting=1.0, delayed=2.0, active=3.0, outcome="failed")
    )
    finish = emulator.finish_time(job_id)
    assert finish == pytest.approx(fake_clock.monotonic() + 6.0)
    fake_clock.advance(1.5)
    assert get_status(http, emulator, api_key, job_id)["status"] == "delayed"
    fake_clock.advance(finish - fake_clock.monotonic() - 0.001)
    assert get_status(http, emulator, api_key, job_id)["status"] == "active"
    fake_clock.advance(0.001)
    failed = get_status(http, emulator, api_key, job_id)
    assert failed["status"] == "failed" == emulator.final_status(job_id)
    assert failed["result"] is None
    assert failed["error"].startswith("Failed to scrape https://example.com/ — ")
    assert failed["progress"]["message"] == "Scrape failed"


def test_time_scale_speeds_lifecycles_up(make_emulator, fake_clock: FakeClock) -> None:
    emulator = make_emulator(EmulatorConfig(time_scale=10.0))
    job_id = emulator.create_job(script=Script(waiting=5.0, active=5.0))
    assert emulator.finish_time(job_id) == pytest.approx(fake_clock.monotonic() + 1.0)
    fake_clock.advance(0.6)
    assert emulator.status_at(job_id) == "active"
    fake_clock.advance(0.4)
    assert emulator.status_at(job_id) == "completed"


def test_planted_answers_are_served(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    result = {"content": {"planted": True}, "data": [], "screenshots": []}
    planted = emulator.create_job(api_key, result=result)
    assert get_status(http, emulator, api_key, planted)["result"] == result
    failed = emulator.create_job(api_key, error="Failed to scrape https://a.test/ — boom")
    body = get_status(http, emulator, api_key, failed)
    assert (body["status"], body["error"]) == ("failed", "Failed to scrape https://a.test/ — boom")
    raw = b'{"status":"completed","result":{"content":"\x1b]2;title\x07"}}'
    hostile = emulator.create_job(api_key, final_body=raw)
    response = http.get(f"{emulator.base_url}/scrape/{hostile}", headers={"x-api-key": api_key})
    assert response.content == raw
    assert emulator.answer_bytes(hostile) == raw


def test_submitted_lifecycles_have_the_documented_mix(
    emulator: Emulator, fake_clock: FakeClock, api_key: str
) -> None:
    plain = [
        emulator.submit(api_key, {"urls": [{"url": f"https://s{i}.test/"}]}) for i in range(600)
    ]
    prompted = [
        emulator.submit(
            api_key,
            {"urls": [{"url": f"https://p{i}.test/"}], "prompt": "Get the title", "output": "json"},
        )
        for i in range(600)
    ]
    jobs = plain + prompted
    durations = [emulator.finish_time(j) - fake_clock.monotonic() for j in jobs]
    within = sum(2.0 <= d <= 15.0 for d in durations) / len(durations)
    assert within > 0.75
    assert 4.0 < statistics.median(durations) < 11.0
    failed = sum(emulator.final_status(j) == "failed" for j in jobs) / len(jobs)
    assert 0.06 < failed < 0.14
    delayed = sum(
        any(emulator.status_at(j, fake_clock.monotonic() + t / 4) == "delayed" for t in range(60))
        for j in jobs
    )
    assert 0.01 < delayed / len(jobs) < 0.10
    fake_clock.advance(200.0)
    ai_failed = [
        emulator.answer(j)["result"]["ai_extraction_failed"]
        for j in prompted
        if emulator.final_status(j) == "completed"
    ]
    assert 0.05 < sum(ai_failed) / len(ai_failed) < 0.16
    assert not any(
        emulator.answer(j)["result"]["ai_extraction_failed"]
        for j in plain
        if emulator.final_status(j) == "completed"
    )


def test_same_seed_gives_the_same_jobs_and_answers(make_emulator, fake_clock: FakeClock) -> None:
    body = {
        "urls": [{"url": "https://books.toscrape.com/"}],
        "prompt": "List all",
        "output": "json",
    }
    runs = []
    for _ in range(2):
        emulator = make_emulator(EmulatorConfig(seed=42), start=False)
        ids = [emulator.submit("spd_same_key_123", body) for _ in range(5)]
        runs.append((ids, [emulator.answer(j, at=fake_clock.monotonic() + 500) for j in ids]))
    assert runs[0] == runs[1]
    other = make_emulator(EmulatorConfig(seed=43), start=False)
    assert other.submit("spd_same_key_123", body) not in runs[0][0]


def test_draw_script_stages_follow_the_request() -> None:
    script, _ = draw_script(random.Random(1), pages=1, prompt=True, actions=True, for_each=True)
    assert script.stages[0] == "Launching browser"
    assert "Running browser actions" in script.stages
    assert script.stages[-1] == "Processing content with AI..."


def test_submit_rejects_what_post_rejects(emulator: Emulator, api_key: str) -> None:
    with pytest.raises(SubmissionRejected) as caught:
        emulator.submit(api_key, {"urls": [], "output": "pdf"})
    assert caught.value.errors == [
        "urls must be a non-empty array",
        "output must be one of: markdown, json, text, table",
    ]
    assert emulator.job_ids() == []

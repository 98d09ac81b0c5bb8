"""The demo catalogue, the shape of every status answer, and generated content."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
import jsonschema
import pytest

from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.emulator.content import foreach_markdown, json_value


@pytest.fixture
def demo_emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """The demo catalogue without Spidra's request window: these tests read every job
    many times, which the window is not what they are about."""
    return make_emulator(EmulatorConfig(catalogue=True, window=None))


def by_description(emulator: Emulator, fragment: str) -> str:
    matches = [job_id for job_id, text in emulator.catalogue_ids() if fragment in text]
    assert len(matches) == 1, fragment
    return matches[0]


def fetch(http: httpx.Client, emulator: Emulator, job_id: str) -> dict:
    response = http.get(
        f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": emulator.demo_key}
    )
    assert response.status_code == 200
    return response.json()


def finished(http: httpx.Client, emulator: Emulator, clock: FakeClock, fragment: str) -> dict:
    job_id = by_description(emulator, fragment)
    clock.advance(max(0.0, emulator.finish_time(job_id) - clock.monotonic()))
    return fetch(http, emulator, job_id)


def test_catalogue_is_staggered_for_a_newcomer(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    start = fake_clock.monotonic()
    jobs = demo_emulator.catalogue_ids()
    assert len(jobs) >= 11 and len({job_id for job_id, _ in jobs}) == len(jobs)
    ends = sorted(demo_emulator.finish_time(job_id) - start for job_id, _ in jobs)
    assert 3.0 <= ends[0] <= 5.0
    assert sum(end <= 30.0 for end in ends) >= len(ends) - 1
    assert 120.0 <= ends[-1] <= 180.0
    assert all(fetch(http, demo_emulator, job_id)["status"] == "waiting" for job_id, _ in jobs)
    fake_clock.advance(3.0)
    statuses = {fetch(http, demo_emulator, job_id)["status"] for job_id, _ in jobs}
    assert "active" in statuses


def test_catalogue_is_the_same_on_every_start(make_emulator) -> None:
    first = make_emulator(EmulatorConfig(catalogue=True), start=False)
    second = make_emulator(EmulatorConfig(catalogue=True), start=False)
    assert first.catalogue_ids() == second.catalogue_ids()
    job_id = first.catalogue_ids()[0].job_id
    assert first.answer(job_id, at=1e9) == second.answer(job_id, at=1e9)


def test_markdown_result(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    body = finished(http, demo_emulator, fake_clock, "Markdown page")
    result = body["result"]
    page = result["data"][0]
    assert (page["url"], page["title"], page["success"]) == (
        "https://news.ycombinator.com/",
        "Hacker News",
        True,
    )
    content = result["content"]
    assert content == page["markdownContent"] and content.startswith("# Hacker News\n")
    assert re.search(r"^## ", content, re.M)
    assert re.search(r"\[[^\]]+\]\(https://", content)
    assert re.search(r"^\| --- \|", content, re.M)
    assert result["ai_extraction_failed"] is False and "extraction_empty" not in result
    assert result["stats"]["inputTokens"] == 0 and result["stats"]["durationMs"] > 0


def test_json_object_and_array(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    obj = finished(http, demo_emulator, fake_clock, "JSON object")["result"]
    assert obj["content"]["title"] == "A Light in the Attic"
    assert obj["extraction_empty"] is False
    stats = obj["stats"]
    assert stats["totalTokens"] == stats["inputTokens"] + stats["outputTokens"] > 0
    array = finished(http, demo_emulator, fake_clock, "JSON array")["result"]["content"]
    assert isinstance(array, list) and len(array) >= 3
    assert {"title", "price", "url"} <= set(array[0])


def test_three_urls_with_one_failed_page(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    result = finished(http, demo_emulator, fake_clock, "Three URLs")["result"]
    assert [page["success"] for page in result["data"]] == [True, True, False]
    assert result["data"][2]["markdownContent"] == ""
    assert "Quotes to Scrape - page 2" in result["content"]


def test_foreach_fifty_items(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    content = finished(http, demo_emulator, fake_clock, "forEach: 50")["result"]["content"]
    numbers = [int(n) for n in re.findall(r"^## Item (\d+)$", content, re.M)]
    assert numbers == list(range(1, 51))


def test_screenshots_are_https(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    result = finished(http, demo_emulator, fake_clock, "Screenshots")["result"]
    assert result["screenshots"] and all(u.startswith("https://") for u in result["screenshots"])
    assert result["data"][0]["screenshotUrl"] == result["screenshots"][0]
    assert result["stats"]["captchaSolvedCount"] == 1


def test_ai_failure_and_empty_extraction(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    fallback = finished(http, demo_emulator, fake_clock, "AI extraction failed")["result"]
    assert fallback["ai_extraction_failed"] is True
    assert isinstance(fallback["content"], str) and fallback["content"].startswith("# Web scraping")
    empty = finished(http, demo_emulator, fake_clock, "came back empty")["result"]
    assert empty["extraction_empty"] is True and empty["content"] in ([], {})


def test_failed_delayed_and_long_running(
    http: httpx.Client, demo_emulator: Emulator, fake_clock: FakeClock
) -> None:
    failed_id = by_description(demo_emulator, "Failed job")
    delayed_id = by_description(demo_emulator, "Delayed")
    long_id = by_description(demo_emulator, "Long-running")
    start = fake_clock.monotonic()
    saw_delayed = False
    for _ in range(40):
        fake_clock.advance(1.0)
        saw_delayed |= fetch(http, demo_emulator, delayed_id)["status"] == "delayed"
    assert saw_delayed
    failed = fetch(http, demo_emulator, failed_id)
    assert failed["status"] == "failed" == demo_emulator.final_status(failed_id)
    assert failed["error"] == (
        "Failed to scrape https://shop.closed-store.invalid/ — net::ERR_NAME_NOT_RESOLVED"
    )
    assert fetch(http, demo_emulator, delayed_id)["status"] == "completed"
    running = fetch(http, demo_emulator, long_id)
    assert running["status"] == "active" and fake_clock.monotonic() - start == 40.0
    messages = set()
    for _ in range(30):
        fake_clock.advance(5.0)
        messages.add(fetch(http, demo_emulator, long_id)["progress"]["message"])
    assert {"Solving CAPTCHA", "Processing content with AI..."} <= messages
    assert fetch(http, demo_emulator, long_id)["status"] == "completed"


def test_every_status_answer_fits_the_published_schema(
    http: httpx.Client,
    demo_emulator: Emulator,
    fake_clock: FakeClock,
    status_validator,
    published_status_schema: dict,
) -> None:
    strict = jsonschema.Draft202012Validator(published_status_schema)
    extra = [
        demo_emulator.submit(demo_emulator.demo_key, body)
        for body in (
            {"urls": [{"url": "https://a.test/"}], "prompt": "Summarise", "output": "text"},
            {"urls": [{"url": "https://b.test/"}], "prompt": "Summarise", "output": "table"},
            {
                "urls": [{"url": "https://c.test/"}],
                "prompt": "Get the product",
                "output": "json",
                "schema": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        )
    ]
    jobs = [job_id for job_id, _ in demo_emulator.catalogue_ids()] + extra
    statuses = set()
    arrays = 0
    for _ in range(35):
        for job_id in jobs:
            body = fetch(http, demo_emulator, job_id)
            statuses.add(body["status"])
            assert set(body) == {"status", "progress", "result", "error"}
            status_validator(body)
            content = (body["result"] or {}).get("content")
            if isinstance(content, list):
                arrays += 1  # the one documented departure from the schema's type list
                continue
            strict.validate(body)
        fake_clock.advance(5.0)
    assert statuses == {"waiting", "delayed", "active", "completed", "failed"}
    assert arrays > 0


def test_schema_fixture_rejects_wrong_shapes(status_validator) -> None:
    good = {"status": "active", "progress": {"message": "x", "progress": 0.5}}
    status_validator({**good, "result": None, "error": None})
    for bad in (
        {**good, "status": "running"},
        {**good, "progress": {"message": "x", "progress": 1.5}},
        {**good, "result": {"content": 5}},
        {**good, "error": 3},
    ):
        with pytest.raises(jsonschema.ValidationError):
            status_validator(bad)


@pytest.mark.parametrize("size", [2_000, 50_000, 1_000_000])
def test_foreach_markdown_has_the_asked_size(size: int) -> None:
    text = foreach_markdown(size, seed=3)
    assert size <= len(text.encode()) <= size * 1.05 + 2_000
    assert text.startswith("## Item 1\n")
    assert "](https://" in text and "| --- |" in text
    assert len(re.findall(r"^## Item \d+$", text, re.M)) <= 50
    assert foreach_markdown(size, seed=3) == text != foreach_markdown(size, seed=4)


@pytest.mark.parametrize("size", [500, 100_000])
def test_json_value_has_the_asked_size(size: int) -> None:
    value = json_value(size, seed=1)
    encoded = json.dumps(value, ensure_ascii=False).encode()
    assert isinstance(value, list) and size <= len(encoded) <= size + 1_000
    assert isinstance(json_value(size, seed=1, as_object=True), dict)


def test_planted_job_with_large_content(
    http: httpx.Client, emulator: Emulator, fake_clock: FakeClock
) -> None:
    content = foreach_markdown(300_000, seed=9)
    job_id = emulator.create_job(
        script=Script(waiting=0.0, active=1.0),
        result={"content": content, "data": [], "screenshots": [], "ai_extraction_failed": False},
    )
    fake_clock.advance(1.0)
    assert fetch(http, emulator, job_id)["result"]["content"] == content

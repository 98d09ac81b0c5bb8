"""The job model against the reference examples and against surprising shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.models import Status, is_terminal, parse_job

# The OpenAPI block of the reference page, kept unchanged.
OPENAPI = Path(__file__).parent / "data" / "openapi-get-scrape.yaml"


def _openapi_examples() -> dict[str, object]:
    spec = yaml.safe_load(OPENAPI.read_text())
    responses = spec["paths"]["/scrape/{jobId}"]["get"]["responses"]
    examples = dict(responses["200"]["content"]["application/json"]["examples"])
    return {name: example["value"] for name, example in examples.items()}


REFERENCE_COMPLETED = {
    "status": "completed",
    "progress": {"message": "Scrape completed successfully", "progress": 1},
    "result": {
        "content": "...",
        "data": [
            {
                "url": "https://example.com",
                "title": "Example Domain",
                "markdownContent": "...",
                "success": True,
                "screenshotUrl": None,
            }
        ],
        "screenshots": [],
        "ai_extraction_failed": False,
        "stats": {
            "durationMs": 4200,
            "captchaSolvedCount": 0,
            "inputTokens": 312,
            "outputTokens": 84,
            "totalTokens": 396,
        },
    },
    "error": None,
}


def test_every_openapi_example_parses() -> None:
    examples = _openapi_examples()
    assert set(examples) == {"in_progress", "completed"}
    running = parse_job(examples["in_progress"])
    assert running.status == Status.ACTIVE and not running.is_terminal
    assert running.progress is not None and running.progress.fraction == pytest.approx(0.6)
    assert running.progress.message == "Processing content with AI..."
    assert running.result is None and running.error is None
    done = parse_job(examples["completed"])
    assert done.is_terminal and done.result is not None
    assert done.result.content == {
        "heading": "Example Domain",
        "paragraph": "This domain is for use in examples.",
    }
    assert done.result.content_kind == "json"
    assert done.result.screenshots == ("https://storage.spidra.io/screenshots/abc123.png",)
    assert done.result.stats is not None and done.result.stats.total_tokens == 1323
    assert done.raw is examples["completed"]


def test_reference_page_example_parses() -> None:
    job = parse_job(REFERENCE_COMPLETED)
    assert job.result is not None
    page = job.result.pages[0]
    assert (page.url, page.title, page.markdown, page.success, page.screenshot_url) == (
        "https://example.com",
        "Example Domain",
        "...",
        True,
        None,
    )
    assert job.title == "Example Domain"
    assert job.result.content_kind == "markdown"
    assert job.result.stats is not None and job.result.stats.duration_ms == 4200


def test_failed_answer_keeps_the_error() -> None:
    job = parse_job(
        {"status": "failed", "error": "Failed to scrape https://x — net::ERR_NAME_NOT_RESOLVED"}
    )
    assert job.is_terminal and job.status == "failed"
    assert "ERR_NAME_NOT_RESOLVED" in (job.error or "")


@pytest.mark.parametrize(
    ("body", "fraction"),
    [
        ({"status": "active", "progress": {"progress": 7}}, 0.07),
        ({"status": "active", "progress": {"progress": -1}}, 0.0),
        ({"status": "active", "progress": {"progress": 250}}, 1.0),
        ({"status": "active", "progress": {"progress": "0.5"}}, 0.5),
        ({"status": "active", "progress": {"progress": "NaN"}}, None),
        ({"status": "active", "progress": {"progress": True}}, None),
        ({"status": "active", "progress": 0.25}, 0.25),
        ({"status": "active", "progress": None}, None),
    ],
)
def test_progress_fraction_is_clamped_or_dropped(body: dict, fraction: float | None) -> None:
    job = parse_job(body)
    got = job.progress.fraction if job.progress else None
    assert got == (pytest.approx(fraction) if fraction is not None else None)


def test_missing_null_and_extra_fields_are_tolerated() -> None:
    job = parse_job(
        {
            "status": "completed",
            "result": {
                "content": None,
                "data": None,
                "screenshots": None,
                "stats": None,
                "brand_new_field": [1, 2],
            },
            "schema_warnings": ["field x ignored"],
            "something_else": {"a": 1},
        }
    )
    assert job.result is not None
    assert job.result.pages == () and job.result.screenshots == () and job.result.stats is None
    assert job.result.content_kind == "empty"
    assert job.schema_warnings == ("field x ignored",)
    assert job.raw["something_else"] == {"a": 1}


def test_unknown_status_stays_a_string_and_is_not_terminal() -> None:
    job = parse_job({"status": "paused-by-operator"})
    assert job.status == "paused-by-operator"
    assert not job.is_terminal
    for known in (Status.QUEUED, Status.DELAYED, Status.WAITING):
        assert not is_terminal(known)
    assert is_terminal(Status.CANCELLED)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], None),
        ("<html>", None),
        ({}, "status"),
        ({"status": 3}, "status"),
        ({"status": "active", "progress": "half"}, "progress"),
        ({"status": "active", "progress": {"message": ["x"]}}, "progress.message"),
        ({"status": "completed", "result": "done"}, "result"),
        ({"status": "completed", "result": {"data": {"url": "x"}}}, "result.data"),
        ({"status": "completed", "result": {"data": ["x"]}}, "result.data[0]"),
        ({"status": "completed", "result": {"data": [{"title": {}}]}}, "result.data[0].title"),
        ({"status": "completed", "result": {"stats": []}}, "result.stats"),
        ({"status": "completed", "result": {"screenshots": "a.png"}}, "result.screenshots"),
    ],
)
def test_wrong_shapes_raise_malformed_naming_the_field(body: object, field: str | None) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_job(body)
    assert caught.value.field == field
    if field:
        assert field in str(caught.value)


def test_odd_values_inside_known_fields_do_not_raise() -> None:
    job = parse_job(
        {
            "status": "completed",
            "error": {"message": "nested"},
            "result": {
                "screenshots": ["https://a/1.png", 5, None, ""],
                "data": [{"url": 42, "success": "true"}, {"screenshotUrl": "https://a/1.png"}],
                "stats": {"durationMs": "12", "inputTokens": "lots", "totalTokens": 1e400},
                "ai_extraction_failed": 1,
            },
        }
    )
    assert job.error == "nested"
    assert job.result is not None
    assert job.result.screenshots == ("https://a/1.png",)
    assert job.result.all_screenshots == ("https://a/1.png",)
    assert job.result.pages[0].url == "42" and job.result.pages[0].success is True
    assert job.result.stats is not None
    assert job.result.stats.duration_ms == 12 and job.result.stats.input_tokens is None
    assert job.result.stats.total_tokens is None
    assert job.result.ai_extraction_failed is True

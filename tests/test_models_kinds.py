"""Batch and crawl answers are read as forgivingly as a scrape's, and as strictly."""

from __future__ import annotations

import pytest

from spidra_tui.api.batch import parse_batch, parse_batch_list, parse_batch_queued
from spidra_tui.api.crawl import (
    parse_crawl,
    parse_crawl_history,
    parse_crawl_pages,
    parse_crawl_queued,
)
from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.kinds import JobRef, Kind, ref_of_key
from spidra_tui.job_ids import parse_ref


def batch_body(**extra):
    return {
        "status": "running",
        "totalUrls": 3,
        "completedCount": 1,
        "failedCount": 1,
        "createdAt": "2026-12-03T08:00:00Z",
        "finishedAt": None,
        "items": [
            {
                "uuid": "i1",
                "url": "https://a.test/",
                "status": "completed",
                "result": {"content": "# A"},
                "creditsUsed": "1.00",
            },
            {"uuid": "i2", "url": "https://b.test/", "status": "failed", "error": "timeout"},
            {"uuid": "i3", "url": "https://c.test/", "status": "pending"},
        ],
        **extra,
    }


def test_batch_counts_items_and_content() -> None:
    batch = parse_batch(batch_body())
    assert (batch.total_urls, batch.completed_count, batch.failed_count) == (3, 1, 1)
    assert batch.ended_count == 2 and batch.fraction == pytest.approx(2 / 3)
    first, second, third = batch.items
    assert first.content == "# A" and first.credits_used == 1.0
    assert second.error == "timeout" and not third.ended
    assert not batch.is_terminal


def test_batch_keeps_unknown_statuses_and_counts_missing_figures() -> None:
    body = batch_body(status="paused_by_admin")
    del body["completedCount"], body["failedCount"]
    body["items"][2]["status"] = "throttled"
    batch = parse_batch(body)
    assert batch.status == "paused_by_admin" and batch.items[2].status == "throttled"
    assert (batch.completed_count, batch.failed_count) == (1, 1)


def test_batch_counts_as_decimal_strings() -> None:
    batch = parse_batch(batch_body(totalUrls="3", completedCount="1.0"))
    assert batch.total_urls == 3 and batch.completed_count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], None),
        ({"items": []}, "status"),
        ({"status": 3}, "status"),
        ({"status": "running", "items": {"a": 1}}, "items"),
        ({"status": "running", "items": ["x"]}, "items[0]"),
        ({"status": "running", "items": [{"url": {"x": 1}}]}, "items[0].url"),
    ],
)
def test_batch_wrong_shapes_name_the_field(body, field) -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse_batch(body)
    assert raised.value.field == field


def test_batch_item_result_as_json_text() -> None:
    body = batch_body()
    body["items"][0]["result"] = '{"title": "A"}'
    assert parse_batch(body).items[0].content == {"title": "A"}


def test_batch_queued_and_list() -> None:
    queued = parse_batch_queued({"status": "queued", "batchId": "b1", "total": 2})
    assert queued.batch_id == "b1" and queued.total == 2
    with pytest.raises(MalformedResponse):
        parse_batch_queued({"status": "queued"})
    listed = parse_batch_list(
        {
            "jobs": [
                {
                    "uuid": "b1",
                    "status": "completed",
                    "totalUrls": 2,
                    "completedCount": 2,
                    "failedCount": 0,
                }
            ],
            "pagination": {"page": 1, "limit": 20, "total": 1, "totalPages": 1},
        }
    )
    assert listed.jobs[0].uuid == "b1" and listed.total == 1


def crawl_body(**extra):
    return {
        "status": "active",
        "progress": {"message": "Crawling", "pagesCrawled": 2, "maxPages": 10},
        "result": [
            {
                "url": "https://s.test/",
                "title": "Home",
                "status": "success",
                "data": "# Home",
                "html": "https://store.test/h1",
                "markdown": "https://store.test/m1",
                "depth": 0,
                "parentUrl": None,
            },
            {
                "url": "https://s.test/a",
                "status": "success",
                "data": '{"k": [1, 2]}',
                "html_url": "https://store.test/h2",
                "markdown_url": "https://store.test/m2",
                "depth": "1",
                "parentUrl": "https://s.test/",
            },
        ],
        "totalPages": 2,
        "resultTruncated": 0,
        **extra,
    }


def test_crawl_pages_both_link_spellings_and_json_text_data() -> None:
    crawl = parse_crawl(crawl_body())
    assert crawl.pages_crawled == 2 and crawl.max_pages == 10 and crawl.fraction == 0.2
    home, child = crawl.pages
    assert home.data == "# Home" and home.html_url == "https://store.test/h1"
    assert child.data == {"k": [1, 2]} and child.markdown_url == "https://store.test/m2"
    assert child.depth == 1 and child.parent_url == "https://s.test/"
    assert crawl.result_truncated is False


def test_crawl_truncation_flag_as_number_and_unknown_status() -> None:
    crawl = parse_crawl(crawl_body(status="indexing", resultTruncated=1))
    assert crawl.status == "indexing" and crawl.result_truncated is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "active", "progress": "half"}, "progress"),
        ({"status": "active", "result": "none"}, "result"),
        ({"status": "active", "result": [3]}, "result[0]"),
        ({"status": None}, "status"),
    ],
)
def test_crawl_wrong_shapes_name_the_field(body, field) -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse_crawl(body)
    assert raised.value.field == field


def test_crawl_pages_slice() -> None:
    pages = parse_crawl_pages(
        {
            "pages": [
                {
                    "id": "p3",
                    "url": "https://s.test/c",
                    "status": "failed",
                    "data": None,
                    "error_message": "blocked",
                    "created_at": "t",
                }
            ],
            "total": 5,
            "offset": 2,
            "limit": 1,
            "hasMore": 1,
        }
    )
    assert pages.offset == 2 and pages.has_more and pages.total == 5
    assert pages.pages[0].error == "blocked" and pages.pages[0].failed
    assert pages.pages[0].page_id == "p3"
    # hasMore missing: worked out from the total
    assert parse_crawl_pages({"pages": [], "total": 5}, offset=5).has_more is False
    assert parse_crawl_queued({"jobId": "c1", "status": "queued"}) == "c1"


def test_crawl_history_database_quirks() -> None:
    history = parse_crawl_history(
        {
            "jobs": [
                {
                    "id": "c1",
                    "base_url": "https://s.test",
                    "status": "completed",
                    "pages_crawled": 12,
                    "max_pages": 50,
                    "credits_used": "2.00",
                    "use_proxy": 0,
                    "created_at": "t",
                    "updated_at": "u",
                }
            ],
            "total": 1,
            "page": 1,
            "totalPages": 1,
        }
    )
    entry = history.jobs[0]
    assert entry.credits_used == 2.0 and entry.use_proxy is False and entry.pages_crawled == 12


def test_refs() -> None:
    assert parse_ref("batch:abc-1") == JobRef(Kind.BATCH, "abc-1")
    assert parse_ref("CRAWL:x") == JobRef(Kind.CRAWL, "x")
    assert parse_ref("abc") == JobRef(Kind.SCRAPE, "abc")
    assert str(JobRef(Kind.CRAWL, "x")) == "crawl:x" and str(JobRef(Kind.SCRAPE, "x")) == "x"
    assert ref_of_key("batch:b1") == JobRef(Kind.BATCH, "b1")
    with pytest.raises(ValueError):
        parse_ref("batch:")
    with pytest.raises(ValueError):
        parse_ref("batch:a/b")

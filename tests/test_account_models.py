"""The account's models read odd shapes as clear states and never raise on a row."""

from __future__ import annotations

import pytest

from spidra_tui.api.account import LogFilters, parse_account, parse_log_page, parse_usage
from spidra_tui.api.account_lists import parse_batch_page, parse_crawl_page
from spidra_tui.api.errors import MalformedResponse


def test_log_rows_with_wrong_types_are_read_as_far_as_possible() -> None:
    body = {
        "status": "success",
        "data": {
            "logs": [
                {
                    "uuid": "a",
                    "status": "success",
                    "credits_used": "2.00",
                    "use_proxy": 1,
                    "urls": [{"url": "https://a.test/"}, 7, {"url": None}],
                    "latency_ms": "12",
                },
                "not a row",
                {
                    "uuid": 5,
                    "status": ["x"],
                    "credits_used": {"n": 1},
                    "urls": "https://b.test/",
                    "screenshot": "maybe",
                    "input_tokens": float("nan"),
                },
                None,
            ],
            "total": "40",
        },
    }
    page = parse_log_page(body, LogFilters(limit=4))
    assert page.skipped == 2 and page.total == 40 and page.has_more
    first, second = page.logs
    assert first.credits_used == 2.0 and first.use_proxy is True and first.latency_ms == 12
    assert first.urls == ("https://a.test/", "7")
    assert second.uuid == "5" and second.status == "unknown" and second.credits_used is None
    assert second.urls == ("https://b.test/",) and second.screenshot is None
    assert second.input_tokens is None


@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"data": []}, {"data": {"logs": {"a": 1}}}, {"logs": "x"}],
)
def test_a_log_page_that_is_not_one_is_a_clear_error(body: object) -> None:
    with pytest.raises(MalformedResponse):
        parse_log_page(body, LogFilters())


def test_account_figures_and_the_low_warning() -> None:
    account = parse_account(
        {"data": {"plan": {"name": "Pro"}, "credits": {"limit": "1000", "used": 950}}}
    )
    assert account.plan == "Pro" and account.remaining == 50 and account.low
    empty = parse_account({"data": {"plan": 3, "credits": "lots"}})
    assert empty.plan == "3" and empty.remaining is None and not empty.low
    assert (
        parse_account({"data": {"credits": {"limit": 0, "remaining": 0}}}).remaining_share is None
    )
    with pytest.raises(MalformedResponse):
        parse_account({"data": ["no"]})


def test_usage_rows_bare_or_wrapped_and_negative_figures() -> None:
    rows = [{"label": "Dec 1", "date": "2026-12-01", "requests": "3", "credits": -5}, 9]
    bare = parse_usage(rows, "7d")
    assert bare == parse_usage({"data": rows}, "7d") == parse_usage({"rows": rows}, "7d")
    assert bare.days[0].requests == 3 and bare.days[0].credits == 0 and bare.skipped == 1
    with pytest.raises(MalformedResponse):
        parse_usage({"data": "none"}, "7d")


def test_batch_and_crawl_rows_need_an_id() -> None:
    batches = parse_batch_page(
        {
            "jobs": [{"uuid": "b1", "status": "running", "totalUrls": "5"}, {"status": "x"}],
            "pagination": {"page": 1, "totalPages": 3},
        },
        1,
    )
    assert [b.uuid for b in batches.rows] == ["b1"] and batches.skipped == 1 and batches.has_more
    assert batches.rows[0].total_urls == 5 and batches.rows[0].running
    crawls = parse_crawl_page(
        {"jobs": [{"id": 7, "status": "completed", "credits_used": "2.00", "max_pages": None}]}, 1
    )
    assert crawls.rows[0].id == "7" and crawls.rows[0].credits_used == 2.0
    assert not crawls.rows[0].running and not crawls.has_more
    with pytest.raises(MalformedResponse):
        parse_crawl_page({"jobs": 3}, 1)

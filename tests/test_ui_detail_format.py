"""The detail pane's pure parts: number formats, status words, deliverables."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spidra_tui import format as fmt
from spidra_tui.api.models import parse_job
from spidra_tui.sanitize import clean, clean_json
from spidra_tui.ui.detail.deliverable import (
    content_deliverable,
    json_text,
    page_deliverable,
    raw_deliverable,
    screenshots_deliverable,
)
from spidra_tui.ui.detail.pages import item_number
from spidra_tui.ui.detail.pane import tab_titles
from spidra_tui.ui.detail.screenshots import screenshots_of
from spidra_tui.ui.detail.status import Phase, phase_of
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, JobSummary


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.85, "850 ms"),
        (4.2, "4.2 s"),
        (42, "42 s"),
        (185, "3 min 5 s"),
        (180, "3 min"),
        (7500, "2 h 5 min"),
        (3 * 86400 + 4 * 3600, "3 d 4 h"),
        (-5, "0 ms"),
        (None, fmt.EMPTY),
        (float("nan"), fmt.EMPTY),
    ],
)
def test_duration(seconds: float | None, shown: str) -> None:
    assert fmt.duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.2, "just now"),
        (-3, "just now"),
        (12, "12 s ago"),
        (190, "3 min ago"),
        (7300, "2 h ago"),
        (200_000, "2 d ago"),
        (None, fmt.EMPTY),
    ],
)
def test_age(seconds: float | None, shown: str) -> None:
    assert fmt.age(seconds) == shown


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (12_595, "12.3 KB"),
        (245_760, "240 KB"),
        (1_572_864, "1.5 MB"),
        (None, fmt.EMPTY),
    ],
)
def test_size(n: int | None, shown: str) -> None:
    assert fmt.size(n) == shown


@pytest.mark.parametrize(
    ("n", "shown"),
    [(312, "312"), (12_345, "12.3k"), (123_456, "123k"), (4_500_000, "4.5M"), (None, fmt.EMPTY)],
)
def test_tokens(n: int | None, shown: str) -> None:
    assert fmt.tokens(n) == shown


def test_count_has_separators() -> None:
    assert fmt.count(1234567) == "1,234,567"


def test_local_time_today_and_other_day() -> None:
    now = time.mktime((2025, 6, 1, 15, 4, 5, 0, 0, -1))
    assert fmt.local_time(now, now=now) == "15:04:05"
    assert fmt.local_time(now - 86400 * 3, now=now) == "2025-05-29 15:04"
    assert fmt.when(now - 180, now=now) == "15:01:05 (3 min ago)"


@given(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.integers(min_value=1, max_value=200),
)
def test_progress_bar_always_fits(fraction: float | None, width: int) -> None:
    bar = fmt.progress_bar(fraction, width, with_percent=False)
    assert bar.cell_len == width


def test_progress_bar_fill_and_percent() -> None:
    assert fmt.progress_bar(0.5, 10).plain == "█████░░░░░  50%"
    assert fmt.progress_bar(None, 4).plain == "░░░░    ?"
    assert fmt.progress_bar(7, 4).plain == "████ 100%"


def test_item_number_reads_foreach_headings() -> None:
    assert item_number("Item 3") == 3
    assert item_number("Item 12: a title") == 12
    assert item_number("Items") is None
    assert item_number(None) is None


def test_phase_of_each_kind_of_job() -> None:
    done = parse_job({"status": "completed", "result": {"content": "x"}})
    failed = parse_job({"status": "failed", "error": "boom"})
    running = parse_job({"status": "active", "progress": {"progress": 0.4}})
    s = JobSummary("j", 0.0)
    assert phase_of(None, None) == Phase.NONE
    assert phase_of(s, None) == Phase.PENDING  # unknown: never polled
    assert phase_of(JobSummary("j", 0.0, status="completed"), done) == Phase.RESULT
    assert phase_of(JobSummary("j", 0.0, status="failed"), failed) == Phase.FAILED
    assert phase_of(JobSummary("j", 0.0, status="active"), running) == Phase.PENDING
    assert phase_of(JobSummary("j", 0.0, status=NOT_FOUND), None) == Phase.GONE
    assert phase_of(JobSummary("j", 0.0, status=FORBIDDEN), done) == Phase.GONE
    assert s.status == UNKNOWN


def test_deliverables_names_and_text() -> None:
    md = parse_job({"status": "completed", "result": {"content": "# T\x1b[31m\n"}}).result
    js = parse_job({"status": "completed", "result": {"content": {"a": [1, "\x9b2J"]}}}).result
    assert md is not None and js is not None
    got = content_deliverable("job/../x", md)
    assert got is not None
    assert (got.text, got.what, got.file_name) == ("# T\n", "content (markdown)", "job-.-x.md")
    got = content_deliverable("abc", js)
    assert got is not None and got.what == "JSON" and got.file_name == "abc.json"
    # Each string is sanitized on its own: the 8-bit CSI goes, the JSON stays whole.
    assert json.loads(got.text) == {"a": [1, ""]}
    page = parse_job(
        {"status": "completed", "result": {"data": [{"url": "u", "markdownContent": "m"}]}}
    ).result
    assert page is not None
    got = page_deliverable("abc", page.pages[0], 2)
    assert got is not None and (got.what, got.file_name) == ("page 2 markdown", "abc-page-2.md")
    got = raw_deliverable("abc", {"status": "completed"})
    assert got is not None and got.what == "raw answer" and got.file_name == "abc-answer.json"
    assert raw_deliverable("abc", {}) is None
    assert screenshots_deliverable("abc", []) is None


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_json_text_is_valid_json_of_the_value_with_its_strings_sanitized(value: object) -> None:
    text = json_text(value)
    assert clean(text) == text
    assert json.loads(text) == clean_json(value)
    if clean_json(value) == value:  # nothing to sanitize: the value comes back exactly
        assert json.loads(text) == value


def test_json_text_keeps_the_document_whole_around_8_bit_introducers() -> None:
    value = {"k\x1b]0;t\x07": "\x9d start of an OSC", "after": ["\x9b", "kept", "\ud800\x00"]}
    text = json_text(value)
    assert not any(c in text for c in ("\x1b", "\x9b", "\x9d", "\ud800", "\x07", "\x00"))
    loaded = json.loads(text)
    assert loaded == clean_json(value)
    assert loaded["after"] == ["", "kept", "\ufffd"]  # each string cleaned on its own


def test_screenshots_of_names_pages_and_refuses_other_schemes() -> None:
    result = parse_job(
        {
            "status": "completed",
            "result": {
                "screenshots": ["https://s/a.png", "javascript:alert(1)"],
                "data": [
                    {"url": "https://p/1", "screenshotUrl": "https://s/a.png"},
                    {"url": "https://p/2", "screenshotUrl": "https://s/b.png"},
                ],
            },
        }
    ).result
    shots = screenshots_of(result)
    assert [(s.url, s.pages, s.listed, s.safe) for s in shots] == [
        ("https://s/a.png", (1,), True, True),
        ("javascript:alert(1)", (), True, False),
        ("https://s/b.png", (2,), False, True),
    ]


def test_tab_titles_shrink_to_fit_the_pane() -> None:
    counts = {"pages": 3, "screenshots": 12}
    wide = tab_titles(counts, 120)
    assert wide == ("1 Content", "2 Pages (3)", "3 Screenshots (12)", "4 Stats", "5 Raw")
    assert tab_titles(counts, 52) == ("1 Content", "2 Pages", "3 Screenshots", "4 Stats", "5 Raw")
    assert tab_titles(counts, 40)[2] == "3 Shots"
    assert tab_titles({}, 120)[1] == "2 Pages"


def test_a_fraction_reads_the_same_in_the_list_the_detail_and_watch() -> None:
    from spidra_tui.commands.watch import percent as watch_percent
    from spidra_tui.ui.jobs.job_row import progress_text

    summary = JobSummary(job_id="j", status="active", fraction=0.996, added_at=0.0)
    in_list = progress_text(summary).plain.split()[-1]
    in_detail = fmt.progress_bar(0.996).plain.split()[-1]
    assert in_list == in_detail == watch_percent(0.996).strip() == fmt.percent(0.996) == "99%"

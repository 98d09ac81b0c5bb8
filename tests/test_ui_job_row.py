"""How a job looks as a row: every cell a Text, API text shown literally and safely."""

from __future__ import annotations

from rich.text import Text

from spidra_tui.ui.jobs import job_row
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, JobSummary, RetryState

NOW = 1_780_000_000.0


def summary(**fields: object) -> JobSummary:
    base: dict[str, object] = {"job_id": "3f2b8c1e-9d4a-4e7b", "added_at": NOW - 90}
    base.update(fields)
    return JobSummary(**base)  # type: ignore[arg-type]


def test_every_cell_is_text_never_a_markup_string() -> None:
    cells = job_row.row_cells(summary(title="[@click=app.quit]x[/]"), None, NOW)
    assert all(isinstance(cell, Text) for cell in cells)
    assert cells[2].plain == "[@click=app.quit]x[/]"


def test_escape_sequences_and_bidi_controls_never_reach_a_cell() -> None:
    hostile = "Title\x1b]2;owned\x07\x1b[31m red \u202eevil\r\nnext"
    cells = job_row.row_cells(
        summary(title=hostile, message=hostile, status="\x1b[2Jactive"), None, NOW
    )
    for cell in cells:
        assert not any(ch in cell.plain for ch in "\x1b\x07\r\n\u202e")
    assert cells[2].plain == "Title red evil next"


def test_each_watch_status_has_its_own_glyph() -> None:
    statuses = [
        "waiting",
        "active",
        "delayed",
        "completed",
        "failed",
        NOT_FOUND,
        FORBIDDEN,
        UNKNOWN,
    ]
    glyph_words = {job_row.look_for(s).word for s in statuses}
    assert len(glyph_words) == len(statuses)
    assert job_row.look_for("active", retrying=True).word == "retrying"
    assert job_row.look_for("brand-new-status").word == "brand-new-status"


def test_retrying_shows_the_reason_instead_of_the_message() -> None:
    retry = RetryState(reason="server error 503", attempt=2, retry_at=0.0, delay=4.0)
    cells = job_row.row_cells(summary(status="active", message="Loading page"), retry, NOW)
    assert cells[0].plain.endswith("retrying")
    assert "server error 503" in cells[4].plain and "2" in cells[4].plain


def test_progress_bar_and_percent() -> None:
    assert job_row.progress_text(summary(status="active", fraction=0.6)).plain == "██████░░░░  60%"
    assert job_row.progress_text(summary(status="completed")).plain.endswith("100%")
    assert job_row.progress_text(summary(status="waiting")).plain.endswith("?")  # not 0%


def test_age_while_running_and_duration_once_finished() -> None:
    assert job_row.age_text(summary(status="active"), NOW).plain == "1m"
    done = summary(status="completed", terminal=True, finished_at=NOW - 90 + 12)
    assert job_row.age_text(done, NOW).plain == "12s"


def test_label_is_the_title_once_known_else_the_url() -> None:
    assert job_row.job_label(summary(label="example.com/a")) == "example.com/a"
    assert job_row.job_label(summary(label="example.com/a", title="A page")) == "A page"
    assert job_row.url_label("https://Example.com/a/b/?q=1#x") == "example.com/a/b"


def test_the_filter_matches_id_url_title_and_message_case_blind() -> None:
    text = job_row.search_text(
        summary(label="shop.example/Books", title="All Products", message="Loading Page")
    )
    for word in ("3f2b8c1e", "books", "all products", "loading page"):
        assert word in text
    pages = job_row.search_text(summary(urls="https://a.example/x\nhttps://b.example/Deep/Y"))
    assert "b.example/deep/y" in pages

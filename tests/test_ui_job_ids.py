"""Reading pasted job IDs: separators, repeats, and a reason for every refusal."""

from __future__ import annotations

from spidra_tui.job_ids import MAX_ID_LENGTH, check_job_id, parse_job_ids

UUID_A = "3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f"
UUID_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_spaces_commas_and_newlines_separate_ids() -> None:
    parsed = parse_job_ids(f"{UUID_A}, {UUID_B}\nabc_123\tdef-4;ghi")
    assert parsed.ids == (UUID_A, UUID_B, "abc_123", "def-4", "ghi")
    assert parsed.refused == ()


def test_repeats_are_kept_once_in_first_order() -> None:
    assert parse_job_ids(f"{UUID_B} {UUID_A} {UUID_B}").ids == (UUID_B, UUID_A)


def test_quotes_and_brackets_of_a_pasted_json_list_are_ignored() -> None:
    assert parse_job_ids(f'["{UUID_A}", "{UUID_B}"]').ids == (UUID_A, UUID_B)


def test_bad_entries_are_refused_with_their_reason_and_good_ones_kept() -> None:
    parsed = parse_job_ids(f"{UUID_A} bad/id {'x' * (MAX_ID_LENGTH + 1)}")
    assert parsed.ids == (UUID_A,)
    reasons = {refused.shown: refused.reason for refused in parsed.refused}
    assert "'/'" in reasons["bad/id"]
    assert any(str(MAX_ID_LENGTH) in reason for reason in reasons.values())


def test_a_url_is_refused_with_a_hint_to_start_a_scrape() -> None:
    reason = check_job_id("https://example.com/page")
    assert reason is not None and "URL" in reason and "press n" in reason


def test_control_characters_are_named_not_shown() -> None:
    parsed = parse_job_ids("abc\x1b[31mdef\x07")
    assert parsed.ids == ()
    (refused,) = parsed.refused
    assert "\x1b" not in refused.shown and "\x07" not in refused.shown
    assert "U+001B" in refused.reason


def test_empty_paste_is_empty() -> None:
    assert parse_job_ids(" \n , ").empty
    assert check_job_id("a" * MAX_ID_LENGTH) is None

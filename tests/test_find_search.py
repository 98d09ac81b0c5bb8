"""The pure matcher behind find: smart case, regex, lines, chunks, limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spidra_tui.ui.document.search import (
    BadPattern,
    FindQuery,
    compile_query,
    iter_matches,
)


def spans(query: FindQuery, text: str, **options: int) -> list[tuple[int, int]]:
    pattern = compile_query(query)
    assert pattern is not None
    found = []
    for chunk in iter_matches(pattern, text, regex=query.regex, **options):
        found.extend(zip(chunk.starts, chunk.ends, strict=True))
    return found


def by_line(query: FindQuery, text: str) -> list[tuple[int, int]]:
    """What a grep of each line alone finds: the reference."""
    pattern = compile_query(query)
    assert pattern is not None
    found, offset = [], 0
    for line in text.split("\n"):
        found += [
            (offset + m.start(), offset + m.end())
            for m in pattern.finditer(line)
            if m.end() > m.start()
        ]
        offset += len(line) + 1
    return found


def test_smart_case() -> None:
    text = "Price price PRICE"
    assert len(spans(FindQuery("price"), text)) == 3
    assert spans(FindQuery("Price"), text) == [(0, 5)]
    assert FindQuery("a1b").case_sensitive is False
    assert FindQuery("É").case_sensitive is True


def test_plain_text_is_never_a_pattern() -> None:
    text = "a.b axb [/x] (x"
    assert spans(FindQuery("a.b"), text) == [(0, 3)]
    assert spans(FindQuery("[/x]"), text) == [(8, 12)]
    assert spans(FindQuery("(x"), text) == [(13, 15)]


def test_a_regex_matches_within_lines() -> None:
    text = "price 1.50\nno\nprice 22.00 end\n"
    assert spans(FindQuery(r"\d+\.\d\d$", regex=True), text) == [(6, 10)]
    assert spans(FindQuery(r"^price", regex=True), text) == [(0, 5), (14, 19)]
    # \s+ cannot swallow the line break: each line's trailing spaces only.
    assert spans(FindQuery(r"o\s+", regex=True), "no  \nno\n") == [(1, 4)]
    # Empty matches are skipped: nothing to show.
    assert spans(FindQuery("x*", regex=True), "ab\nxx") == [(3, 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [("price (", "missing ), unterminated subpattern"), ("*x", "nothing to repeat"), ("[a", "")],
)
def test_a_bad_regex_says_why(text: str, message: str) -> None:
    with pytest.raises(BadPattern) as caught:
        compile_query(FindQuery(text, regex=True))
    assert str(caught.value).startswith("Bad regex: ")
    assert message in str(caught.value)
    assert "at position" in str(caught.value)


def test_empty_query_finds_nothing_and_only_the_first_line_counts() -> None:
    assert compile_query(FindQuery("")) is None
    assert spans(FindQuery("ab\ncd"), "ab cd") == [(0, 2)]


def test_matches_come_in_chunks_and_stop_at_the_limit() -> None:
    text = "ab\n" * 1000
    pattern = compile_query(FindQuery("b"))
    assert pattern is not None
    chunks = list(iter_matches(pattern, text, regex=False, chunk_chars=300))
    assert len(chunks) > 5
    assert all(chunk.end % 3 == 0 for chunk in chunks)  # every chunk ends at a line break
    assert sum(len(chunk.starts) for chunk in chunks) == 1000
    limited = list(iter_matches(pattern, text, regex=False, chunk_chars=300, limit=150))
    assert sum(len(chunk.starts) for chunk in limited) == 150


LINES = st.lists(st.text(alphabet="abAB .\t", max_size=30), max_size=40).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(
    text=LINES, query=st.text(alphabet="abAB .", min_size=1, max_size=3), size=st.integers(1, 64)
)
def test_plain_query_finds_what_a_line_by_line_search_finds(
    text: str, query: str, size: int
) -> None:
    chunk = max(size, 31)  # longer than any line: no line is cut
    assert spans(FindQuery(query), text, chunk_chars=chunk) == by_line(FindQuery(query), text)


REGEXES = [r"a+", r"^b", r"a$", r"\s+", r"[^a]+", r"a(?=b)", r"b\Z", r"(?<!a)b", r"\bab\b", r"."]


@settings(max_examples=200, deadline=None)
@given(text=LINES, regex=st.sampled_from(REGEXES), size=st.integers(31, 200))
def test_regex_finds_what_a_line_by_line_search_finds(text: str, regex: str, size: int) -> None:
    query = FindQuery(regex, regex=True)
    assert spans(query, text, chunk_chars=size) == by_line(query, text)


def test_json_nodes_match_on_their_cleaned_label_text() -> None:
    from spidra_tui.ui.document.json_find import find_nodes, label_text

    value = {
        "title\x1b]0;x\x07": "A \x1b[31mred\x1b[0m book",
        "items": [{"price": 12.5}, "[/x]", None, {"deep": [[["needle"]]]}],
        "needle": {},
    }

    def paths(text: str, regex: bool = False) -> list[tuple[int, ...]]:
        pattern = compile_query(FindQuery(text, regex=regex))
        assert pattern is not None
        return find_nodes(value, pattern)

    assert label_text("title", "A red book") == 'title: "A red book"'
    assert paths("red book") == [(0,)]  # the escape sequences are gone, as on screen
    assert paths("x07") == []
    assert paths("[/x]") == [(1, 1)]
    assert paths("price: 12.5") == [(1, 0, 0)]
    assert paths("null") == [(1, 2)]
    assert paths("needle") == [(1, 3, 0, 0, 0, 0), (2,)]  # depth first, keys count
    assert paths(r"^title: ", regex=True) == [(0,)]

"""Items and pages as JSON Lines, CSV and text: the server's values with their strings
sanitized, nothing a terminal acts on."""

from __future__ import annotations

import csv
import io
import json

import pytest

from spidra_tui.api.batch import parse_batch
from spidra_tui.api.crawl import parse_crawl, parse_page
from spidra_tui.api.records import Fetched, NotFlat, content_text, csv_text, jsonl, whole_json
from spidra_tui.sanitize import clean

HOSTILE = "\x1b]2;owned\x07\x9b31m[/x]\u202e"


def hostile_batch():
    return parse_batch(
        {
            "status": "completed" + HOSTILE,
            "items": [
                {
                    "uuid": "1",
                    "url": "https://a.test/" + HOSTILE,
                    "status": "completed",
                    "result": "# Title " + HOSTILE,
                },
                {
                    "uuid": "2",
                    "url": "https://b.test/",
                    "status": "failed",
                    "error": "boom \x1b[2J" + HOSTILE,
                },
                {
                    "uuid": "3",
                    "url": "https://c.test/",
                    "status": "completed",
                    "result": {"content": {"price": "£3" + HOSTILE, "n": 2}},
                },
            ],
        }
    )


def unsafe(text: str) -> bool:
    return any(
        ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text
    )


def test_json_lines_keep_the_values_and_show_nothing_a_terminal_acts_on() -> None:
    text = jsonl(Fetched(hostile_batch()))
    assert not unsafe(text)
    first, second, third = (json.loads(line) for line in text.splitlines())
    assert first["url"] == clean("https://a.test/" + HOSTILE) == "https://a.test/[/x]"
    assert second["error"] == clean("boom \x1b[2J" + HOSTILE)
    assert third["content"] == {"price": clean("£3" + HOSTILE), "n": 2}
    assert first["content"] == "# Title [/x]"  # markup-like text stays as written


def test_csv_flattens_an_object_of_plain_values_and_refuses_nested_ones() -> None:
    text = csv_text(Fetched(hostile_batch()))
    assert not unsafe(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[2]["content.n"] == "2" and rows[2]["content.price"].startswith("£3")
    nested = parse_batch(
        {
            "status": "completed",
            "items": [{"url": "u", "status": "completed", "result": {"content": {"a": [1]}}}],
        }
    )
    with pytest.raises(NotFlat):
        csv_text(Fetched(nested))


def test_text_and_whole_json_are_safe_and_the_json_has_every_page() -> None:
    assert not unsafe(content_text(Fetched(hostile_batch())))
    crawl = parse_crawl(
        {
            "status": "completed",
            "result": [{"url": "https://d.test/"}],
            "totalPages": 3,
            "resultTruncated": True,
        }
    )
    pages = tuple(
        parse_page({"url": f"https://d.test/{k}", "data": HOSTILE}, "p") for k in range(3)
    )
    text = whole_json(Fetched(crawl, pages))
    assert not unsafe(text)
    body = json.loads(text)
    assert len(body["result"]) == 3 and body["resultTruncated"] is False
    assert body["result"][2]["data"] == clean(HOSTILE)

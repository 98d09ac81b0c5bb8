"""A corpus of hostile answers: everything a broken proxy or a stranger's page can send.

Each case is a named job whose answer attacks one thing: the terminal (escape
sequences, terminal queries, bidi overrides), the markup parser, the JSON reader
(wrong types, truncated or non-UTF-8 bodies), the renderers (deep nesting, 10 MB,
a thousand pages), the link opener (``javascript:``, ``file:``, ``data:``), or the
poller's patience (an answer that never comes). ``plant_hostile`` puts every case
into an :class:`Emulator` under its own job ID, so tests and a person at a terminal
(``spidra-tui demo-server --hostile``) see the same corpus.

The job IDs are the case names: they pass the app's job ID check, so each can be
added with ``a`` or on the command line. One of them (``--CON``) is itself hostile
as a file name.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import Emulator

__all__ = [
    "ESCAPES",
    "ESCAPE_SOUP",
    "MARKUP",
    "HostileCase",
    "HostileJob",
    "hostile_cases",
    "plant_hostile",
]

# Every sequence carries the word PWNED inside it, so a test (or a person looking at a
# tmux pane title or paste buffer) can tell at once whether one got through whole.
ESCAPES: dict[str, str] = {
    "osc0-title": "\x1b]0;PWNED-title-0\x07",
    "osc2-title": "\x1b]2;PWNED-title-2\x1b\\",
    "osc52-set": "\x1b]52;c;" + base64.b64encode(b"PWNED clipboard").decode() + "\x07",
    "osc52-query": "\x1b]52;c;?\x07",
    "osc8-link": "\x1b]8;;https://evil.example/PWNED\x1b\\link text\x1b]8;;\x1b\\",
    "csi-clear": "\x1b[2J\x1b[3J\x1b[H",
    "csi-colour": "\x1b[31;1m",
    "da-query": "\x1b[c",
    "cpr-query": "\x1b[6n",
    "decrqss": "\x1bP$qm\x1b\\",
    "dcs-tmux": "\x1bPtmux;\x1b\x1b]0;PWNED-tmux\x07\x1b\\",
    "apc": "\x1b_Ga=T,PWNED\x1b\\",
    "reset": "\x1bc",
    "c1-csi": "\x9b2J\x9b6n",
    "c1-osc": "\x9d0;PWNED-c1\x9c",
    "bell-cr": "\x07\r\x08",
}

# All of them at once, with plain words between so what survives is easy to read.
ESCAPE_SOUP = "start " + " ".join(f"<{name}>{seq}" for name, seq in ESCAPES.items()) + " end"

MARKUP = {
    "click": "[@click=app.quit]x[/]",
    "close": "[/x]",
    "style": "[bold red]",
}
MARKUP_SOUP = " ".join(MARKUP.values())

RLO = "\u202e"
BIDI_TITLE = f"invoice-{RLO}fdp.exe"
BIDI_URL = f"https://example.com/{RLO}moc.elgoog.www"

DANGEROUS_LINKS = (
    "javascript:alert(document.cookie)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(2)",
)

HUGE_BYTES = 10 * 1024 * 1024
DEPTH = 200
MANY_PAGES = 1000

_HTML_200 = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b"<body><h1>Checking your browser</h1><p>Please enable JavaScript and cookies.</p>"
    b"</body></html>\n"
)
_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class HostileCase:
    """One hostile answer.

    ``expect`` is the state the app should show for it: ``completed``, ``failed``,
    ``running`` (an unknown status, polled on), ``retrying`` (an answer that cannot
    be read, tried again later) or ``waiting`` (no answer yet).
    """

    name: str
    description: str
    expect: str
    result: dict[str, Any] | None = None
    error: str | None = None
    final_body: Any = None
    final_status: int = 200
    content_type: str | None = None
    answer_delay: float = 0.0
    urls: tuple[str, ...] = ("https://example.com/",)
    shows: str | None = None
    """Text the app should show literally for this job (its row or its content tab)."""


@dataclass(frozen=True)
class HostileJob:
    """A planted case: its job ID in the emulator and the case."""

    job_id: str
    case: HostileCase


def _page(url: str, title: Any, markdown: Any, shot: Any = None, success: Any = True) -> dict:
    return {
        "url": url,
        "title": title,
        "markdownContent": markdown,
        "success": success,
        "screenshotUrl": shot,
    }


def _completed(result: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "status": "completed",
        "progress": {"message": "Scrape completed successfully", "progress": 1},
        "result": result,
        "error": None,
    }
    body.update(extra)
    return body


def _escapes_everywhere() -> dict[str, Any]:
    soup = ESCAPE_SOUP
    return {
        "status": "completed",
        "progress": {"message": f"done {soup}", "progress": 1},
        "error": None,
        "schema_warnings": [f"warning {soup}"],
        "result": {
            "content": f"# Heading {soup}\n\nParagraph {soup}\n\n```\ncode {soup}\n```\n",
            "data": [
                _page(
                    f"https://example.com/{soup}",
                    f"Title {soup}",
                    f"## Page {soup}\n\n{soup}",
                    f"https://shots.example/{soup}.png",
                )
            ],
            "screenshots": [f"https://shots.example/list-{soup}.png"],
            "stats": {"durationMs": f"12{soup}", "totalTokens": 5},
            "ai_extraction_failed": False,
        },
        f"key {soup}": {f"inner {soup}": soup},
    }


def _escapes_in_json() -> dict[str, Any]:
    soup = ESCAPE_SOUP
    content = {
        f"name {soup}": f"value {soup}",
        "list": [soup, {"nested": soup}, 1, None, True],
        soup: [f"{name}: {seq}" for name, seq in ESCAPES.items()],
    }
    return {"content": content, "data": [_page("https://example.com/", "JSON escapes", soup)]}


def _markup() -> dict[str, Any]:
    soup = MARKUP_SOUP
    return {
        "content": f"# {soup}\n\n{soup} [b]not bold[/b] [link=https://evil.example]x[/link]\n",
        "data": [
            _page(
                "https://example.com/[/x]",
                MARKUP["click"],
                f"## {soup}\n\n{soup}",
                "https://shots.example/[@click=app.quit]x[/].png",
            )
        ],
        "screenshots": ["https://shots.example/[/x].png"],
        "stats": {"durationMs": 10},
    }


def _nul() -> dict[str, Any]:
    return {
        "content": "before\x00after\n\nline\x00\x00two\n",
        "data": [
            _page("https://example.com/a\x00b", "nul\x00title", "md\x00text", "https://s/\x00.png")
        ],
        "screenshots": ["https://shots.example/\x00.png"],
    }


# Written as JSON text, since a lone surrogate cannot be encoded to bytes any other way.
_SURROGATES = (
    b'{"status": "completed", "progress": {"message": "half \\ud800 a pair", "progress": 1},'
    b' "result": {"content": "before \\ud800 middle \\udfff after \\udc00\\ud800",'
    b' "data": [{"url": "https://example.com/\\ud800", "title": "title \\udbff end",'
    b' "markdownContent": "# \\ud800 heading\\n\\ntext \\udfff", "success": true,'
    b' "screenshotUrl": "https://shots.example/\\ud800.png"}],'
    b' "screenshots": ["https://shots.example/\\udfff.png"]},'
    b' "\\ud800key": "\\udfff"}'
)


def _bidi() -> dict[str, Any]:
    return {
        "content": f"Open {BIDI_TITLE} now.\n\nA link: [{BIDI_URL}]({BIDI_URL})\n",
        "data": [_page(BIDI_URL, BIDI_TITLE, f"# {BIDI_TITLE}", f"{BIDI_URL}.png")],
        "screenshots": [f"https://shots.example/{RLO}gnp.exe"],
    }


def _deep_json() -> dict[str, Any]:
    value: Any = "bottom"
    for depth in range(DEPTH):
        value = {"level": depth, "child": value} if depth % 2 else [value, depth]
    return {"content": value, "data": [_page("https://example.com/", "Deep JSON", "x")]}


def _deep_markdown() -> dict[str, Any]:
    quotes = "> " * DEPTH + "deep quote"
    lists = "\n".join("  " * n + "- item" for n in range(DEPTH))
    return {
        "content": f"{quotes}\n\n{lists}\n\n" + "[" * DEPTH + "x" + "]" * DEPTH + "\n",
        "data": [_page("https://example.com/", "Deep markdown", quotes)],
    }


def _huge() -> dict[str, Any]:
    # Lines of prose with an escape sequence now and then, so the cleaning of the
    # part loaded in the background is tested too.
    paragraph = "".join(
        f"Line {n}: the quick brown fox jumps over the lazy dog. {ESCAPES['osc0-title']}\n"
        if n % 997 == 0
        else f"Line {n}: the quick brown fox jumps over the lazy dog.\n"
        for n in range(2000)
    )
    repeats = HUGE_BYTES // len(paragraph) + 1
    content = ("# A 10 MB result\n\n" + paragraph * repeats)[:HUGE_BYTES]
    return {"content": content, "data": [_page("https://example.com/", "Ten megabytes", "x")]}


def _many_pages() -> dict[str, Any]:
    data = [
        _page(
            f"https://example.com/page/{n}",
            f"Page {n} {ESCAPES['osc0-title'] if n % 100 == 0 else ''}",
            f"# Page {n}\n\nText of page {n}.",
            f"https://shots.example/{n}.png" if n % 10 == 0 else None,
            success=n % 50 != 0,
        )
        for n in range(1, MANY_PAGES + 1)
    ]
    return {"content": "A thousand pages.", "data": data, "screenshots": []}


def _dangerous_links() -> dict[str, Any]:
    links = "\n".join(f"- [link {n}]({url})" for n, url in enumerate(DANGEROUS_LINKS))
    autolinks = " ".join(f"<{url.strip()}>" for url in DANGEROUS_LINKS)
    return {
        "content": f"# Links\n\n{links}\n\n{autolinks}\n\n![img](javascript:alert(3))\n",
        "data": [
            _page(url.strip(), f"Link page {n}", f"[x]({url})", url)
            for n, url in enumerate(DANGEROUS_LINKS)
        ],
        "screenshots": list(DANGEROUS_LINKS),
    }


def _wrong_type(field_path: str, value: Any) -> dict[str, Any]:
    """A completed answer with one field replaced by ``value``."""
    body = _completed(
        {
            "content": "fine",
            "data": [_page("https://example.com/", "Fine", "fine")],
            "screenshots": [],
            "stats": {"durationMs": 1},
        }
    )
    target: dict[str, Any] = body
    *parents, last = field_path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    return body


def _cases() -> list[HostileCase]:
    raw = HostileCase
    return [
        raw(
            "escapes-everywhere",
            "terminal escape sequences (titles, OSC 52 set and read, OSC 8, clear screen, "
            "DA/CPR/DECRQSS queries, DCS, APC, 8-bit CSI) in every string field",
            "completed",
            final_body=_escapes_everywhere(),
            shows="Title start <osc0-title> <osc2-title> <osc52-set>",
        ),
        raw(
            "escapes-in-json",
            "escape sequences in the keys and values of JSON content",
            "completed",
            result=_escapes_in_json(),
        ),
        raw(
            "escapes-in-error",
            "a failed job whose error holds every escape sequence and markup",
            "failed",
            error=f"Failed: {ESCAPE_SOUP} {MARKUP_SOUP}",
        ),
        raw(
            "escapes-in-status",
            "a status the app does not know, made of escape sequences and markup",
            "running",
            final_body={
                "status": f"weird{ESCAPES['osc0-title']}{MARKUP['close']}",
                "progress": {"message": f"msg {ESCAPE_SOUP}", "progress": 0.5},
            },
        ),
        raw(
            "markup",
            "Textual markup ([@click=app.quit]x[/], [/x], [bold red]) in every field",
            "completed",
            result=_markup(),
            shows=MARKUP["click"],
        ),
        raw("nul-bytes", "NUL bytes in content, title, URLs", "completed", result=_nul()),
        raw(
            "lone-surrogates",
            "lone UTF-16 surrogates (\\ud800) as JSON escapes in every string",
            "completed",
            final_body=_SURROGATES,
        ),
        raw(
            "bidi-overrides",
            "right-to-left overrides in the title, URLs and content",
            "completed",
            result=_bidi(),
            urls=(BIDI_URL,),
            shows="invoice-fdp.exe",
        ),
        raw("deep-json", f"JSON content nested {DEPTH} levels", "completed", result=_deep_json()),
        raw(
            "deep-markdown",
            f"markdown quotes, lists and brackets nested {DEPTH} levels",
            "completed",
            result=_deep_markdown(),
        ),
        raw("huge-string", "a 10 MB string as content", "completed", result=_huge()),
        raw("many-pages", f"{MANY_PAGES} entries in data[]", "completed", result=_many_pages()),
        raw(
            "dangerous-links",
            "javascript:, file: and data: links as screenshot URLs and markdown links",
            "completed",
            result=_dangerous_links(),
        ),
        raw("status-number", "status is a number", "retrying", final_body={"status": 200}),
        raw("status-list", "status is a list", "retrying", final_body={"status": ["completed"]}),
        raw(
            "progress-string",
            "progress is a string",
            "retrying",
            final_body={"status": "active", "progress": "50%"},
        ),
        raw(
            "result-list",
            "result is a list",
            "retrying",
            final_body=_completed(["content"]),
        ),
        raw(
            "data-object",
            "result.data is an object",
            "retrying",
            final_body=_wrong_type("result.data", {"url": "https://example.com/"}),
        ),
        raw(
            "data-items-strings",
            "result.data holds strings",
            "retrying",
            final_body=_wrong_type("result.data", ["https://example.com/", "page two"]),
        ),
        raw(
            "stats-string",
            "result.stats is a string",
            "retrying",
            final_body=_wrong_type("result.stats", "fast"),
        ),
        raw(
            "screenshots-object",
            "result.screenshots is an object",
            "retrying",
            final_body=_wrong_type("result.screenshots", {"0": "https://shots.example/0.png"}),
        ),
        raw(
            "odd-scalars",
            "numbers, booleans and NaN-like strings where text is expected",
            "completed",
            final_body=_completed(
                {
                    "content": 12345,
                    "data": [_page("https://example.com/", 42, 7.5, None, "yes")],
                    "screenshots": [1, None, "", "https://shots.example/ok.png"],
                    "stats": {"durationMs": "NaN", "totalTokens": "1e309", "inputTokens": []},
                },
                progress={"message": 3.5, "progress": "Infinity"},
                error={"message": ["not", "text"]},
            ),
        ),
        raw(
            "unknown-status",
            "a status no client knows ('exploded')",
            "running",
            final_body={"status": "exploded", "progress": {"message": "???", "progress": 2}},
        ),
        raw("empty-status", "status is an empty string", "retrying", final_body={"status": " "}),
        raw(
            "html-200",
            "an HTML challenge page with status 200",
            "retrying",
            final_body=_HTML_200,
            content_type=HTML,
        ),
        raw(
            "html-502",
            "an nginx 502 Bad Gateway page",
            "retrying",
            final_body=_HTML_502,
            final_status=502,
            content_type=HTML,
        ),
        raw(
            "truncated-json",
            "a JSON answer cut off in the middle",
            "retrying",
            final_body=b'{"status": "completed", "result": {"content": "abc',
        ),
        raw("empty-body", "an empty body with status 200", "retrying", final_body=b""),
        raw("json-null", "the JSON value null", "retrying", final_body=b"null"),
        raw(
            "not-utf8",
            "a body that is not UTF-8",
            "retrying",
            final_body=b'{"status": "completed", "result": {"content": "caf\xe9 \xff\xfe"}}',
        ),
        raw(
            "never-answers",
            "an answer that never comes (held back for an hour)",
            "waiting",
            answer_delay=3600.0,
        ),
        raw(
            "--CON",
            "a job ID that is a dash option and a reserved device name as a file name",
            "completed",
            result={
                "content": "# Saved under a safe name\n",
                "data": [
                    _page(
                        "https://example.com/../../.bashrc",
                        "../../etc/passwd",
                        "x",
                        "https://shots.example/../../x.png",
                    )
                ],
            },
            shows="../../etc/passwd",
        ),
    ]


def hostile_cases() -> list[HostileCase]:
    """Every case, in a fixed order (built fresh: the large ones cost a moment)."""
    return _cases()


def plant_hostile(
    emulator: Emulator,
    key: str | None = None,
    *,
    cases: list[HostileCase] | None = None,
    select: Callable[[HostileCase], bool] | None = None,
) -> list[HostileJob]:
    """Create every case (or those ``select`` keeps) as an already finished job of ``key``
    (default: the demo key); returns them in order. Each job's ID is its case name."""
    planted = []
    for case in cases if cases is not None else hostile_cases():
        if select is not None and not select(case):
            continue
        job_id = emulator.create_job(
            key,
            urls=case.urls,
            result=case.result,
            error=case.error,
            final_body=case.final_body,
            job_id=case.name,
            final_status=case.final_status,
            content_type=case.content_type,
            answer_delay=case.answer_delay,
        )
        planted.append(HostileJob(job_id, case))
    return planted

"""The bodies of the hostile corpus (``hostile.py``): the attacks and the answers built
from them. Large ones are built on demand."""

from __future__ import annotations

import base64
from typing import Any

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

HTML_200 = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b"<body><h1>Checking your browser</h1><p>Please enable JavaScript and cookies.</p>"
    b"</body></html>\n"
)
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML = "text/html; charset=utf-8"


def page(url: str, title: Any, markdown: Any, shot: Any = None, success: Any = True) -> dict:
    """One entry of ``result.data``, with whatever values the case wants."""
    return {
        "url": url,
        "title": title,
        "markdownContent": markdown,
        "success": success,
        "screenshotUrl": shot,
    }


def completed(result: Any, **extra: Any) -> dict[str, Any]:
    """A completed answer around ``result`` (any value), plus ``extra`` top-level fields."""
    body = {
        "status": "completed",
        "progress": {"message": "Scrape completed successfully", "progress": 1},
        "result": result,
        "error": None,
    }
    body.update(extra)
    return body


def escapes_everywhere() -> dict[str, Any]:
    """A completed answer with every escape sequence in every string field."""
    soup = ESCAPE_SOUP
    return {
        "status": "completed",
        "progress": {"message": f"done {soup}", "progress": 1},
        "error": None,
        "schema_warnings": [f"warning {soup}"],
        "result": {
            "content": f"# Heading {soup}\n\nParagraph {soup}\n\n```\ncode {soup}\n```\n",
            "data": [
                page(
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


def escapes_in_json() -> dict[str, Any]:
    """A ``result`` whose JSON content has escape sequences in keys and values."""
    soup = ESCAPE_SOUP
    content = {
        f"name {soup}": f"value {soup}",
        "list": [soup, {"nested": soup}, 1, None, True],
        soup: [f"{name}: {seq}" for name, seq in ESCAPES.items()],
    }
    return {"content": content, "data": [page("https://example.com/", "JSON escapes", soup)]}


def markup() -> dict[str, Any]:
    """A ``result`` with Textual markup in its content, title and URLs."""
    soup = MARKUP_SOUP
    return {
        "content": f"# {soup}\n\n{soup} [b]not bold[/b] [link=https://evil.example]x[/link]\n",
        "data": [
            page(
                "https://example.com/[/x]",
                MARKUP["click"],
                f"## {soup}\n\n{soup}",
                "https://shots.example/[@click=app.quit]x[/].png",
            )
        ],
        "screenshots": ["https://shots.example/[/x].png"],
        "stats": {"durationMs": 10},
    }


def nul() -> dict[str, Any]:
    """A ``result`` with NUL bytes in its content, title and URLs."""
    return {
        "content": "before\x00after\n\nline\x00\x00two\n",
        "data": [
            page("https://example.com/a\x00b", "nul\x00title", "md\x00text", "https://s/\x00.png")
        ],
        "screenshots": ["https://shots.example/\x00.png"],
    }


# Written as JSON text, since a lone surrogate cannot be encoded to bytes any other way.
SURROGATES = (
    b'{"status": "completed", "progress": {"message": "half \\ud800 a pair", "progress": 1},'
    b' "result": {"content": "before \\ud800 middle \\udfff after \\udc00\\ud800",'
    b' "data": [{"url": "https://example.com/\\ud800", "title": "title \\udbff end",'
    b' "markdownContent": "# \\ud800 heading\\n\\ntext \\udfff", "success": true,'
    b' "screenshotUrl": "https://shots.example/\\ud800.png"}],'
    b' "screenshots": ["https://shots.example/\\udfff.png"]},'
    b' "\\ud800key": "\\udfff"}'
)


def bidi() -> dict[str, Any]:
    """A ``result`` with right-to-left overrides in its title, URLs and content."""
    return {
        "content": f"Open {BIDI_TITLE} now.\n\nA link: [{BIDI_URL}]({BIDI_URL})\n",
        "data": [page(BIDI_URL, BIDI_TITLE, f"# {BIDI_TITLE}", f"{BIDI_URL}.png")],
        "screenshots": [f"https://shots.example/{RLO}gnp.exe"],
    }


def deep_json() -> dict[str, Any]:
    """A ``result`` whose JSON content is nested ``DEPTH`` levels deep."""
    value: Any = "bottom"
    for depth in range(DEPTH):
        value = {"level": depth, "child": value} if depth % 2 else [value, depth]
    return {"content": value, "data": [page("https://example.com/", "Deep JSON", "x")]}


def deep_markdown() -> dict[str, Any]:
    """A ``result`` whose markdown nests quotes, lists and brackets ``DEPTH`` deep."""
    quotes = "> " * DEPTH + "deep quote"
    lists = "\n".join("  " * n + "- item" for n in range(DEPTH))
    return {
        "content": f"{quotes}\n\n{lists}\n\n" + "[" * DEPTH + "x" + "]" * DEPTH + "\n",
        "data": [page("https://example.com/", "Deep markdown", quotes)],
    }


def huge() -> dict[str, Any]:
    """A ``result`` whose content is a 10 MB string of prose."""
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
    return {"content": content, "data": [page("https://example.com/", "Ten megabytes", "x")]}


def many_pages() -> dict[str, Any]:
    """A ``result`` with ``MANY_PAGES`` entries in ``data``."""
    data = [
        page(
            f"https://example.com/page/{n}",
            f"Page {n} {ESCAPES['osc0-title'] if n % 100 == 0 else ''}",
            f"# Page {n}\n\nText of page {n}.",
            f"https://shots.example/{n}.png" if n % 10 == 0 else None,
            success=n % 50 != 0,
        )
        for n in range(1, MANY_PAGES + 1)
    ]
    return {"content": "A thousand pages.", "data": data, "screenshots": []}


def dangerous_links() -> dict[str, Any]:
    """A ``result`` whose links and screenshots use non-web schemes."""
    links = "\n".join(f"- [link {n}]({url})" for n, url in enumerate(DANGEROUS_LINKS))
    autolinks = " ".join(f"<{url.strip()}>" for url in DANGEROUS_LINKS)
    return {
        "content": f"# Links\n\n{links}\n\n{autolinks}\n\n![img](javascript:alert(3))\n",
        "data": [
            page(url.strip(), f"Link page {n}", f"[x]({url})", url)
            for n, url in enumerate(DANGEROUS_LINKS)
        ],
        "screenshots": list(DANGEROUS_LINKS),
    }


def wrong_type(field_path: str, value: Any) -> dict[str, Any]:
    """A completed answer with one field replaced by ``value``."""
    body = completed(
        {
            "content": "fine",
            "data": [page("https://example.com/", "Fine", "fine")],
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

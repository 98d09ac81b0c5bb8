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

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import hostile_bodies as bodies
from .hostile_bodies import (
    BIDI_URL,
    DEPTH,
    ESCAPE_SOUP,
    ESCAPES,
    HTML,
    MANY_PAGES,
    MARKUP,
    MARKUP_SOUP,
)

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


def _cases() -> list[HostileCase]:
    raw = HostileCase
    return [
        raw(
            "escapes-everywhere",
            "terminal escape sequences (titles, OSC 52 set and read, OSC 8, clear screen, "
            "DA/CPR/DECRQSS queries, DCS, APC, 8-bit CSI) in every string field",
            "completed",
            final_body=bodies.escapes_everywhere(),
            shows="Title start <osc0-title> <osc2-title> <osc52-set>",
        ),
        raw(
            "escapes-in-json",
            "escape sequences in the keys and values of JSON content",
            "completed",
            result=bodies.escapes_in_json(),
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
            result=bodies.markup(),
            shows=MARKUP["click"],
        ),
        raw("nul-bytes", "NUL bytes in content, title, URLs", "completed", result=bodies.nul()),
        raw(
            "lone-surrogates",
            "lone UTF-16 surrogates (\\ud800) as JSON escapes in every string",
            "completed",
            final_body=bodies.SURROGATES,
        ),
        raw(
            "bidi-overrides",
            "right-to-left overrides in the title, URLs and content",
            "completed",
            result=bodies.bidi(),
            urls=(BIDI_URL,),
            shows="invoice-fdp.exe",
        ),
        raw(
            "deep-json",
            f"JSON content nested {DEPTH} levels",
            "completed",
            result=bodies.deep_json(),
        ),
        raw(
            "deep-markdown",
            f"markdown quotes, lists and brackets nested {DEPTH} levels",
            "completed",
            result=bodies.deep_markdown(),
        ),
        raw("huge-string", "a 10 MB string as content", "completed", result=bodies.huge()),
        raw(
            "many-pages", f"{MANY_PAGES} entries in data[]", "completed", result=bodies.many_pages()
        ),
        raw(
            "dangerous-links",
            "javascript:, file: and data: links as screenshot URLs and markdown links",
            "completed",
            result=bodies.dangerous_links(),
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
            final_body=bodies.completed(["content"]),
        ),
        raw(
            "data-object",
            "result.data is an object",
            "retrying",
            final_body=bodies.wrong_type("result.data", {"url": "https://example.com/"}),
        ),
        raw(
            "data-items-strings",
            "result.data holds strings",
            "retrying",
            final_body=bodies.wrong_type("result.data", ["https://example.com/", "page two"]),
        ),
        raw(
            "stats-string",
            "result.stats is a string",
            "retrying",
            final_body=bodies.wrong_type("result.stats", "fast"),
        ),
        raw(
            "screenshots-object",
            "result.screenshots is an object",
            "retrying",
            final_body=bodies.wrong_type(
                "result.screenshots", {"0": "https://shots.example/0.png"}
            ),
        ),
        raw(
            "odd-scalars",
            "numbers, booleans and NaN-like strings where text is expected",
            "completed",
            final_body=bodies.completed(
                {
                    "content": 12345,
                    "data": [bodies.page("https://example.com/", 42, 7.5, None, "yes")],
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
            final_body=bodies.HTML_200,
            content_type=HTML,
        ),
        raw(
            "html-502",
            "an nginx 502 Bad Gateway page",
            "retrying",
            final_body=bodies.HTML_502,
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
                    bodies.page(
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

"""The history's filter line: ``status:error since:2026-11-01 until:… channel:api words``."""

from __future__ import annotations

from datetime import datetime

from spidra_tui.api.account import LogFilters

HINT = "status:success|error  since:YYYY-MM-DD  until:YYYY-MM-DD  channel:api|playground  text"


def parse_filter(text: str, *, limit: int = 50) -> LogFilters | str:
    """The filters a line asks for, or what is wrong with it, in plain words."""
    fields: dict[str, str] = {}
    words: list[str] = []
    for token in text.split():
        name, colon, value = token.partition(":")
        name = name.lower()
        if colon and name in ("status", "since", "until", "channel") and value:
            if name in ("since", "until"):
                try:
                    datetime.strptime(value, "%Y-%m-%d")
                except ValueError:
                    return f"{name}: wants a date such as 2026-11-30, not {value[:20]!r}"
            fields[name] = value
        else:
            words.append(token)
    return LogFilters(
        page=1,
        limit=limit,
        status=fields.get("status"),
        search=" ".join(words) or None,
        date_start=fields.get("since"),
        date_end=fields.get("until"),
        channel=fields.get("channel"),
    )

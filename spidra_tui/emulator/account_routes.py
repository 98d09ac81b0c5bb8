"""The account's endpoints as the emulator answers them.

``GET /scrape-logs``, ``GET /scrape-logs/{uuid}``, ``GET /account``, ``GET /usage-stats``,
and the list endpoints ``GET /batch/scrape`` and ``GET /crawl/history``. Keys, rate
limits and faults are applied by :mod:`.routes` before a request gets here.

``shape`` chooses between the two answer shapes the SDK accepts: ``wrapped``
(``{status, data: ...}``, the documented one) and ``bare`` (the payload alone, and
``resultData`` in camelCase for a log's detail).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .ledger import Ledger
from .wire import Reply

ACCOUNT_PATHS = ("/scrape-logs", "/account", "/usage-stats", "/batch/scrape", "/crawl/history")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BATCH_CAP, _CRAWL_CAP, _LOG_CAP = 50, 100, 100
SHAPES = ("wrapped", "bare")


def account_path(rest: str) -> bool:
    """Whether ``rest`` (the path after ``/api``) is one of the account's endpoints."""
    rest = rest.rstrip("/") or "/"
    if rest in ACCOUNT_PATHS:
        return True
    if rest.startswith("/scrape-logs/"):
        return "/" not in rest[len("/scrape-logs/") :]
    return False


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body, ensure_ascii=False).encode())


def _bad(message: str) -> Reply:
    return _json(400, {"status": "error", "message": message})


class _BadQuery(ValueError):
    pass


def _int(query: dict[str, list[str]], name: str, default: int, cap: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        value = int(values[0])
    except ValueError:
        raise _BadQuery(f"{name} must be a whole number") from None
    if value < 1:
        raise _BadQuery(f"{name} must be at least 1")
    return min(value, cap)


def _text(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values and values[0] != "" else None


class AccountRoutes:
    """Answers the account's GETs from a :class:`Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.shape = "wrapped"

    def serve(self, target: str, rest: str, key: str) -> Reply:
        """Answer ``GET`` ``target`` (whose path after ``/api`` is ``rest``) for ``key``."""
        query = parse_qs(urlsplit(target).query, keep_blank_values=True)
        rest = rest.rstrip("/")
        try:
            if rest == "/scrape-logs":
                return self._logs(query, key)
            if rest.startswith("/scrape-logs/"):
                return self._log(unquote(rest[len("/scrape-logs/") :], errors="replace"), key)
            if rest == "/account":
                return _json(200, self.ledger.account(key))
            if rest == "/usage-stats":
                return self._usage(query, key)
            if rest == "/batch/scrape":
                return self._batches(query, key)
            return self._crawls(query, key)
        except _BadQuery as exc:
            return _bad(str(exc))

    def _wrap(self, payload: Any) -> Any:
        return {"status": "success", "data": payload} if self.shape == "wrapped" else payload

    def _logs(self, query: dict[str, list[str]], key: str) -> Reply:
        page = _int(query, "page", 1, 10**6)
        limit = _int(query, "limit", 10, _LOG_CAP)
        status, search = _text(query, "status"), _text(query, "searchTerm")
        start, end, channel = (
            _text(query, "dateStart"),
            _text(query, "dateEnd"),
            _text(query, "channel"),
        )
        for name, value in (("dateStart", start), ("dateEnd", end)):
            if value is not None and not _DATE.fullmatch(value):
                raise _BadQuery(f"{name} must be a date, YYYY-MM-DD")
        rows = []
        for entry in self.ledger.entries(key):
            if status is not None and entry.status != status:
                continue
            if channel is not None and entry.channel != channel:
                continue
            day = _day(entry.started)
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            if search is not None:
                needle = search.lower()
                haystack = [*entry.job.submission.urls, entry.job.submission.prompt or ""]
                if not any(needle in text.lower() for text in haystack):
                    continue
            rows.append(entry)
        chosen = rows[(page - 1) * limit : page * limit]
        logs = [self.ledger.log_row(entry) for entry in chosen]
        return _json(200, self._wrap({"logs": logs, "total": len(rows)}))

    def _log(self, log_id: str, key: str) -> Reply:
        entry = self.ledger.find(key, log_id)
        if entry is None:
            return _json(404, {"status": "error", "message": "Scrape log not found"})
        row = self.ledger.log_row(entry)
        row["result_data" if self.shape == "wrapped" else "resultData"] = self.ledger.result_data(
            entry
        )
        return _json(200, self._wrap(row))

    def _usage(self, query: dict[str, list[str]], key: str) -> Reply:
        time_range = _text(query, "range") or "30d"
        if time_range not in ("7d", "30d", "weekly"):
            raise _BadQuery("range must be 7d, 30d or weekly")
        rows = self.ledger.usage(key, time_range)
        return _json(200, {"status": "success", "data": rows} if self.shape == "wrapped" else rows)

    def _batches(self, query: dict[str, list[str]], key: str) -> Reply:
        page = _int(query, "page", 1, 10**6)
        limit = _int(query, "limit", 20, _BATCH_CAP)
        rows = self.ledger.rows("batch", key)
        total_pages = (len(rows) + limit - 1) // limit
        pagination = {"page": page, "limit": limit, "total": len(rows), "totalPages": total_pages}
        chosen = rows[(page - 1) * limit : page * limit]
        return _json(200, {"jobs": chosen, "pagination": pagination})

    def _crawls(self, query: dict[str, list[str]], key: str) -> Reply:
        page = _int(query, "page", 1, 10**6)
        limit = _int(query, "limit", 20, _CRAWL_CAP)
        rows = self.ledger.rows("crawl", key)
        total_pages = (len(rows) + limit - 1) // limit
        chosen = rows[(page - 1) * limit : page * limit]
        return _json(
            200, {"jobs": chosen, "total": len(rows), "page": page, "totalPages": total_pages}
        )


def _day(wall: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%d")

"""Validation of ``POST /scrape`` bodies, with the service's error wording, and the
typed submission a valid body becomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_URLS = 3
OUTPUTS = ("markdown", "json", "text", "table")
SCRAPE_MODES = ("default", "fast")
_BOOL_FIELDS = ("useProxy", "extractContentOnly", "screenshot", "fullPageScreenshot")
_STRING_FIELDS = ("prompt", "proxyCountry", "cookies")
# Keywords the extractor ignores; a schema using them earns a schema_warnings entry.
_UNSUPPORTED_SCHEMA_KEYWORDS = ("$ref", "patternProperties", "oneOf", "allOf", "if", "not")


class SubmissionRejected(ValueError):
    """A body the service would answer with 422; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("Validation failed: " + "; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Submission:
    """A valid scrape request, reduced to what shapes the job and its result."""

    urls: tuple[str, ...]
    prompt: str | None = None
    output: str = "markdown"
    schema: dict[str, Any] | None = None
    screenshot: bool = False
    full_page_screenshot: bool = False
    actions: bool = False
    for_each_items: int = 0
    """Items a forEach action collects (0 without forEach)."""

    @property
    def wants_screenshots(self) -> bool:
        return self.screenshot or self.full_page_screenshot


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def validate(body: object) -> list[str]:
    """Every problem with a decoded ``POST /scrape`` body (empty when it is valid)."""
    if not isinstance(body, dict):
        return ["Request body must be a JSON object"]
    errors: list[str] = []
    urls = body.get("urls")
    if urls is None:
        errors.append("urls is required")
    elif not isinstance(urls, list) or not urls:
        errors.append("urls must be a non-empty array")
    elif len(urls) > MAX_URLS:
        errors.append(f"urls must contain at most {MAX_URLS} items")
    else:
        for index, entry in enumerate(urls):
            if not isinstance(entry, dict):
                errors.append(f"urls[{index}] must be an object with a url")
            elif not _is_http_url(entry.get("url")):
                errors.append(f"urls[{index}].url must be a valid http or https URL")
            elif "actions" in entry and not isinstance(entry["actions"], list):
                errors.append(f"urls[{index}].actions must be an array")
    output = body.get("output")
    if output is not None and output not in OUTPUTS:
        errors.append(f"output must be one of: {', '.join(OUTPUTS)}")
    for name in _STRING_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            errors.append(f"{name} must be a string")
    for name in _BOOL_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], bool):
            errors.append(f"{name} must be a boolean")
    if body.get("schema") is not None and not isinstance(body["schema"], dict):
        errors.append("schema must be a JSON Schema object")
    mode = body.get("scrapeMode")
    if mode is not None and mode not in SCRAPE_MODES:
        errors.append(f"scrapeMode must be one of: {', '.join(SCRAPE_MODES)}")
    return errors


def parse_submission(body: object) -> Submission:
    """The submission a body describes; raises ``SubmissionRejected`` if it is invalid."""
    errors = validate(body)
    if errors:
        raise SubmissionRejected(errors)
    assert isinstance(body, dict)
    entries = body["urls"]
    actions = [a for entry in entries for a in entry.get("actions") or [] if isinstance(a, dict)]
    for_each = [a for a in actions if a.get("type") == "forEach"]
    items = 0
    if for_each:
        wanted = for_each[0].get("maxItems")
        items = wanted if isinstance(wanted, int) and 0 < wanted <= 50 else 50
    return Submission(
        urls=tuple(entry["url"] for entry in entries),
        prompt=body.get("prompt") or None,
        output=body.get("output") or "markdown",
        schema=body.get("schema"),
        screenshot=bool(body.get("screenshot")),
        full_page_screenshot=bool(body.get("fullPageScreenshot")),
        actions=bool(actions),
        for_each_items=items,
    )


def schema_warnings(body: dict[str, Any]) -> list[str]:
    """Non-fatal remarks about the ``schema`` of a valid body."""
    schema = body.get("schema")
    if not isinstance(schema, dict):
        return []
    found: list[str] = []
    stack: list[object] = [schema]
    while stack:  # iterative: a hostile schema may nest deeper than the recursion limit
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _UNSUPPORTED_SCHEMA_KEYWORDS and key not in found:
                    found.append(key)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return [f"Schema keyword '{key}' is not supported and was ignored" for key in sorted(found)]

"""The ``result`` object of a completed job, built from its submission."""

from __future__ import annotations

import json
import random
import re
from typing import Any

from . import content
from .lifecycle import Flavour
from .validation import Submission

SCREENSHOT_HOST = "https://storage.spidra.io/screenshots"
PAGE_SEPARATOR = "\n\n---\n\n"
_LIST_PROMPT = re.compile(r"\b(list|all|every|each)\b", re.IGNORECASE)


def _tokens(text: str) -> int:
    # Roughly four characters a token, as the usual tokenizers give for English.
    return max(1, len(text) // 4)


def page_entries(
    submission: Submission,
    flavour: Flavour,
    rng: random.Random,
    job_id: str,
    titles: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """``result.data``: one entry per submitted URL (``titles`` names the pages)."""
    entries = []
    for index, url in enumerate(submission.urls):
        success = index not in flavour.failed_pages
        title = ""
        if success:
            title = titles[index] if index < len(titles) else content.page_title(url, rng)
        if not success:
            markdown = ""
        elif submission.for_each_items:
            markdown = content.foreach_markdown(
                seed=rng.getrandbits(32), items=submission.for_each_items
            )
        else:
            markdown = content.page_markdown(url, title, rng, sections=rng.randint(2, 5))
        shots = screenshot_links(submission, job_id, index + 1) if success else []
        entries.append(
            {
                "url": url,
                "title": title,
                "markdownContent": markdown,
                "success": success,
                "screenshotUrl": shots[0] if shots else None,
            }
        )
    return entries


def screenshot_links(submission: Submission, job_id: str, number: int) -> list[str]:
    """The screenshots of page ``number`` (1-based): the viewport's when ``screenshot``
    was asked for, the full page's (``...-full.png``) when ``fullPageScreenshot`` was."""
    links = []
    if submission.screenshot:
        links.append(f"{SCREENSHOT_HOST}/{job_id}-{number}.png")
    if submission.full_page_screenshot:
        links.append(f"{SCREENSHOT_HOST}/{job_id}-{number}-full.png")
    return links


def extracted(submission: Submission, rng: random.Random, empty: bool) -> Any:
    """What the AI extraction returns for the submission's prompt and output."""
    prompt = submission.prompt or ""
    if submission.output == "json":
        many = bool(_LIST_PROMPT.search(prompt)) or submission.for_each_items > 0
        if empty:
            return [] if many else {}
        if submission.schema is not None:
            return content.value_for_schema(submission.schema, rng)
        if many:
            count = submission.for_each_items or rng.randint(3, 12)
            return [content.product(rng, n) for n in range(1, count + 1)]
        return content.product(rng, 1)
    if empty:
        return ""
    if submission.output == "text":
        return content.summary_text(rng)
    if submission.output == "table":
        return content.summary_table(rng)
    return content.summary_markdown(rng)


def build_result(
    submission: Submission,
    flavour: Flavour,
    *,
    seed: int,
    job_id: str,
    duration_ms: int,
    titles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A completed job's ``result``, as the service returns it."""
    rng = random.Random(seed)
    data = page_entries(submission, flavour, rng, job_id, titles)
    raw = PAGE_SEPARATOR.join(e["markdownContent"] for e in data if e["success"])
    result: dict[str, Any] = {}
    input_tokens = output_tokens = 0
    if submission.prompt is None:
        result["content"] = raw
    elif flavour.ai_extraction_failed:
        result["content"] = raw
        input_tokens = _tokens(raw)
    else:
        value = extracted(submission, rng, flavour.extraction_empty)
        result["content"] = value
        input_tokens = _tokens(raw) + _tokens(submission.prompt)
        output_tokens = _tokens(value if isinstance(value, str) else json.dumps(value))
    result["data"] = data
    result["screenshots"] = [
        link
        for number, entry in enumerate(data, 1)
        if entry["success"]
        for link in screenshot_links(submission, job_id, number)
    ]
    result["ai_extraction_failed"] = flavour.ai_extraction_failed
    if submission.prompt is not None:
        # The service reports extraction_empty only where an extraction ran.
        result["extraction_empty"] = flavour.extraction_empty
    result["stats"] = {
        "durationMs": duration_ms,
        "captchaSolvedCount": flavour.captchas,
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
        "totalTokens": input_tokens + output_tokens,
    }
    return result

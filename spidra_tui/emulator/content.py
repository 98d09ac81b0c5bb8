"""Realistic scraped content: page markdown, forEach item lists and extracted JSON.

Everything is drawn from a seeded RNG, so the same seed gives the same text. The
public generators ``foreach_markdown`` and ``json_value`` also serve benchmarks that
need content of a given size.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlsplit

_WORDS = (
    "crawler selector market price review stock shipping archive release version server "
    "browser latency cache region index catalogue author chapter edition library garden "
    "coffee river station ticket travel weather report quarter revenue growth customer "
    "support policy update feature dashboard metric signal network protocol design pattern "
    "open source community guide tutorial example migration database query schema table "
    "column record field value search result ranking article comment thread discussion "
    "news story headline summary detail insight analysis trend forecast budget planning "
    "product category warranty delivery return discount offer bundle membership account "
    "café naïve résumé façade"
).split()

_TITLES = (
    "A Light in the Attic",
    "Tipping the Velvet",
    "Soumission",
    "Sharp Objects",
    "Sapiens: A Brief History of Humankind",
    "The Requiem Red",
    "The Dirty Little Secrets",
    "The Coming Woman",
    "The Boys in the Boat",
    "The Black Maria",
    "Starving Hearts",
    "Shakespeare's Sonnets",
    "Set Me Free",
    "Scott Pilgrim's Precious Little Life",
    "Rip it Up and Start Again",
    "Our Band Could Be Your Life",
    "Olio",
    "Mesaerion",
    "Libertarianism for Beginners",
    "It's Only the Himalayas",
)

_RATINGS = ("One", "Two", "Three", "Four", "Five")


def _sentence(rng: random.Random, words: int | None = None) -> str:
    count = words or rng.randint(8, 20)
    text = " ".join(rng.choice(_WORDS) for _ in range(count))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _heading(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 5))).title()


def _link(rng: random.Random, host: str) -> str:
    path = "-".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
    return f"[{_heading(rng)}](https://{host}/{path})"


def _price(rng: random.Random) -> str:
    return f"£{rng.randint(10, 60)}.{rng.randint(0, 99):02d}"


def _table(rng: random.Random, rows: int) -> str:
    lines = ["| Title | Price | Rating | In stock |", "| --- | --- | --- | --- |"]
    for _ in range(rows):
        stock = "Yes" if rng.random() < 0.8 else "No"
        lines.append(
            f"| {rng.choice(_TITLES)} | {_price(rng)} | {rng.choice(_RATINGS)} | {stock} |"
        )
    return "\n".join(lines)


def page_title(url: str, rng: random.Random) -> str:
    """A plausible browser title for a page at ``url``."""
    host = urlsplit(url).hostname or "example.com"
    return f"{_heading(rng)} | {host.removeprefix('www.')}"


def page_markdown(url: str, title: str, rng: random.Random, sections: int = 3) -> str:
    """A scraped page as markdown: headings, paragraphs, links, a list and a table."""
    host = urlsplit(url).hostname or "example.com"
    parts = [f"# {title}", _paragraph(rng)]
    for number in range(sections):
        parts.append(f"## {_heading(rng)}")
        parts.append(_paragraph(rng))
        if number == 0:
            parts.append("\n".join(f"- {_link(rng, host)}" for _ in range(rng.randint(3, 6))))
        if number == 1:
            parts.append(_table(rng, rng.randint(3, 8)))
    parts.append(f"Source: [{host}]({url})")
    return "\n\n".join(parts) + "\n"


def _foreach_item(rng: random.Random, number: int, host: str) -> str:
    title = rng.choice(_TITLES)
    slug = title.lower().replace(" ", "-").replace("'", "")[:40]
    return "\n".join(
        [
            f"## Item {number}",
            "",
            f"**{title}**",
            "",
            f"Price: {_price(rng)} · Rating: {rng.choice(_RATINGS)} stars · "
            f"[View details](https://{host}/catalogue/{slug}_{number}/index.html)",
            "",
            _paragraph(rng),
        ]
    )


def foreach_markdown(
    size_bytes: int | None = None,
    seed: int = 0,
    *,
    items: int | None = None,
    host: str = "books.toscrape.com",
) -> str:
    """forEach-style markdown, ``## Item 1`` ... ``## Item N``, with tables and links.

    Give ``items`` for a fixed count of short items, or ``size_bytes`` for about that
    many UTF-8 bytes: at most 50 items (a real forEach stops there), each grown with
    tables and prose until the whole reaches ``size_bytes`` (it overshoots by at most
    one table and paragraph, and is never shorter unless ``items`` is given).
    """
    rng = random.Random(seed)
    if items is not None:
        count, target = items, 0
    else:
        target = size_bytes if size_bytes is not None else 20_000
        count = max(1, min(50, target // 600))
    blocks = [_foreach_item(rng, n, host) for n in range(1, count + 1)]
    size = sum(len(block.encode()) + 2 for block in blocks)
    turn = 0
    while size < target:
        extra = "\n\n" + _table(rng, rng.randint(3, 10)) + "\n\n" + _paragraph(rng)
        blocks[turn % count] += extra
        size += len(extra.encode())
        turn += 1
    return "\n\n".join(blocks) + "\n"


def product(rng: random.Random, number: int, host: str = "books.toscrape.com") -> dict[str, Any]:
    """One extracted record, as an AI extraction with ``output: json`` returns it."""
    title = rng.choice(_TITLES)
    return {
        "title": title,
        "price": _price(rng),
        "rating": rng.randint(1, 5),
        "in_stock": rng.random() < 0.8,
        "url": f"https://{host}/catalogue/item_{number}/index.html",
        "tags": sorted({rng.choice(_WORDS) for _ in range(rng.randint(1, 4))}),
        "description": _sentence(rng),
    }


def json_value(size_bytes: int = 10_000, seed: int = 0, *, as_object: bool = False) -> Any:
    """An extracted JSON value of about ``size_bytes`` serialized bytes (never fewer):
    an array of records, or with ``as_object`` an object holding that array."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    size = 0  # "[" + "]" and the ", " between records: 2 bytes per record
    while size < size_bytes:
        record = product(rng, len(records) + 1)
        records.append(record)
        size += len(json.dumps(record, ensure_ascii=False).encode()) + 2
    if as_object:
        return {"source": "https://books.toscrape.com/", "count": len(records), "items": records}
    return records


def value_for_schema(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A value that fits a (simple) JSON Schema, as an extraction with ``schema`` returns."""
    if not isinstance(schema, dict) or depth > 6:
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return rng.choice(schema["enum"])
    if kind == "object" or "properties" in schema:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        return {name: value_for_schema(sub, rng, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [value_for_schema(schema.get("items"), rng, depth + 1) for _ in range(3)]
    if kind == "integer":
        return rng.randint(1, 500)
    if kind == "number":
        return round(rng.uniform(1, 500), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        return _heading(rng)
    return None


def summary_markdown(rng: random.Random) -> str:
    """An AI answer formatted as markdown."""
    points = "\n".join(f"- {_sentence(rng, rng.randint(6, 12))}" for _ in range(4))
    return f"## Summary\n\n{_paragraph(rng)}\n\n### Key points\n\n{points}\n"


def summary_text(rng: random.Random) -> str:
    """An AI answer formatted as plain text."""
    return "\n\n".join(_paragraph(rng) for _ in range(2)) + "\n"


def summary_table(rng: random.Random) -> str:
    """An AI answer formatted as a markdown table."""
    return _table(rng, rng.randint(4, 10)) + "\n"

"""Generated screenshots: PNGs that look like a web page, made from a seed.

The demo shows them as previews, and tests decode them, so they are real images of
the sizes a screenshot service returns: a viewport (1280x800) and a full page (the
same width, thousands of pixels tall). Flat blocks of colour keep them small
(a 1280x10,000 page is a few hundred KB) and quick to make.
"""

from __future__ import annotations

import io
import random

VIEWPORT = (1280, 800)
FULL_PAGE_WIDTH = 1280
FULL_PAGE_HEIGHTS = (3_000, 8_000)
"""A generated full page is between these heights, chosen by the seed."""

_PALETTES = (
    ((36, 41, 47), (9, 105, 218), (246, 248, 250)),
    ((22, 27, 34), (35, 134, 54), (240, 246, 252)),
    ((128, 0, 32), (214, 160, 40), (252, 248, 240)),
    ((20, 60, 120), (230, 90, 40), (245, 247, 250)),
)


def full_page_height(seed: int) -> int:
    """The height of the full-page screenshot made from ``seed``."""
    low, high = FULL_PAGE_HEIGHTS
    return random.Random(f"height/{seed}").randint(low, high)


def page_picture(seed: int, width: int, height: int, title: str = "") -> bytes:
    """A PNG of ``width`` x ``height`` that looks like a web page: a header bar, a
    title, rows of text as grey bars, coloured cards. Same seed, same bytes."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"picture/{seed}")
    header, accent, paper = _PALETTES[rng.randrange(len(_PALETTES))]
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 64), fill=header)
    draw.rectangle((24, 20, 120, 44), fill=accent)
    for x in range(width - 420, width - 40, 95):
        draw.rectangle((x, 26, x + 70, 38), fill=(200, 205, 210))
    if title:
        draw.text((150, 24), title[:80], fill=(255, 255, 255))
    margin = max(40, width // 10)
    y = 100
    while y < height - 40:
        block = rng.random()
        if block < 0.2:
            card_height = rng.randint(120, 260)
            columns = rng.randint(2, 4)
            gap = 24
            card_width = (width - 2 * margin - gap * (columns - 1)) // columns
            for column in range(columns):
                left = margin + column * (card_width + gap)
                shade = tuple(min(255, c + rng.randint(0, 60)) for c in accent)
                draw.rectangle((left, y, left + card_width, y + card_height), fill=shade)
                draw.rectangle(
                    (left + 12, y + card_height - 36, left + card_width - 12, y + card_height - 24),
                    fill=paper,
                )
            y += card_height + 32
        elif block < 0.3:
            draw.rectangle((margin, y, margin + rng.randint(200, 600), y + 22), fill=header)
            y += 48
        else:
            for _ in range(rng.randint(3, 8)):
                length = rng.randint((width - 2 * margin) // 2, width - 2 * margin)
                draw.rectangle((margin, y, margin + length, y + 10), fill=(120, 126, 134))
                y += 22
            y += 20
    draw.rectangle((0, height - 32, width, height), fill=header)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()

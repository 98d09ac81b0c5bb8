"""Render one block of a document into strips with Rich, never raising.

Markdown blocks go through Rich's `Markdown` with hyperlinks off (links show as
``text (url)``, no OSC 8 reaches the terminal); raw HTML blocks show as text instead of
vanishing. Anything that fails to render falls back to the block's text as plain
wrapped lines, and if even that fails, to hard-cut lines with no Rich layout at all.
Each fallback is logged as a warning with its traceback (``--log``): the reader still
sees the text, and the failure is not lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

if TYPE_CHECKING:
    from rich.markdown import Markdown

log = logging.getLogger(__name__)


def markdown_renderable(source: str) -> Markdown:
    """A Rich Markdown renderable for `source`, parsed with the shared parser."""
    # Imported on first use: the first screen shows no markdown (see block_markdown).
    from spidra_tui.ui.document.block_markdown import markdown_renderable as renderable

    return renderable(source)


def render_renderable(console: Console, renderable: RenderableType, width: int) -> list[Strip]:
    """Render `renderable` at `width` cells into one strip per line."""
    options = console.options.update(width=width, min_width=width, max_width=width, height=None)
    lines = console.render_lines(renderable, options, pad=True)
    return [Strip(line, width) for line in lines]


def render_text(console: Console, text: Text, width: int) -> list[Strip]:
    """Render `text` wrapped at `width` cells (long words folded)."""
    text.no_wrap = False
    text.overflow = "fold"
    text.end = ""
    try:
        return render_renderable(console, text, width)
    except Exception:
        log.warning("A text block could not be laid out; shown cut at the width", exc_info=True)
        return hard_cut(text.plain, width)


def render_markdown(console: Console, source: str, width: int) -> list[Strip]:
    """Render markdown `source` at `width` cells, without blank lines around it.

    Plain text if Rich fails on it, or shows nothing for text that is not blank (a list
    nested past the parser's depth limit renders empty).
    """
    try:
        strips = _trim(render_renderable(console, markdown_renderable(source), width))
    except Exception:
        log.warning("A markdown block could not be rendered; shown as text", exc_info=True)
        strips = []
    if not strips and source.strip():
        strips = render_text(console, Text(source), width)
    return strips


def _is_blank(strip: Strip) -> bool:
    return not strip.text.strip() and not any(
        segment.style is not None and segment.style.bgcolor is not None for segment in strip
    )


def _trim(strips: list[Strip]) -> list[Strip]:
    # Rich puts a blank line before lists, tables and quotes and after rules; the view
    # spaces blocks itself, one blank line apart.
    start, end = 0, len(strips)
    while start < end and _is_blank(strips[start]):
        start += 1
    while end > start and _is_blank(strips[end - 1]):
        end -= 1
    return strips[start:end]


def hard_cut(text: str, width: int) -> list[Strip]:
    """Lines of at most `width` characters, with no help from Rich's layout."""
    width = max(1, width)
    strips = []
    for line in text.expandtabs().split("\n"):
        for start in range(0, max(1, len(line)), width):
            piece = line[start : start + width]
            strips.append(Strip([Segment(piece)], cell_len(piece)))
    return strips

"""Rich's Markdown as the document viewer renders one block of markdown with it.

Kept apart from :mod:`spidra_tui.ui.document.block_render` so that markdown-it and Rich's
Markdown (a few tens of milliseconds to import) load when the first markdown is
shown, not when the app starts.
"""

from __future__ import annotations

import copy

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown, MarkdownContext, TextElement

# Rich builds a parser for every Markdown object (a quarter of a millisecond); one
# parser, configured as Rich configures its own, serves every block.
_PARSER = MarkdownIt().enable("strikethrough").enable("table")


class HtmlBlock(TextElement):
    """A raw HTML block, shown as its source text (Rich would drop it)."""

    style_name = "markdown.code"

    def on_text(self, context: MarkdownContext, text: object) -> None:
        self.text.append(str(text).rstrip("\n"))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text


class BlockMarkdown(Markdown):
    """Rich's Markdown, showing raw HTML blocks as text."""

    elements = {**Markdown.elements, "html_block": HtmlBlock}


_TEMPLATE = BlockMarkdown("", hyperlinks=False)


def markdown_renderable(source: str) -> Markdown:
    """A Rich Markdown renderable for `source`, parsed with the shared parser."""
    markdown = copy.copy(_TEMPLATE)
    markdown.markup = source
    markdown.parsed = _PARSER.parse(source)
    return markdown

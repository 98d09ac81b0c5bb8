"""BlockRenderingView: how a document's blocks become lines, with the theme's colours.

Markdown blocks are rendered by Rich (and kept before matches are painted on them, so a
new find repaints without parsing the markdown again); source and JSON blocks are
wrapped text, JSON highlighted. Matches of a find are painted on all of them.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from spidra_tui.ui.document.block_layout import CACHE_BLOCKS, BlockLayout
from spidra_tui.ui.document.block_render import render_markdown, render_text
from spidra_tui.ui.document.blocks import Block
from spidra_tui.ui.document.find_view import SearchableView
from spidra_tui.ui.document.json_lines import highlight_json

JSON_STYLES = (
    "document-view--json-key",
    "document-view--json-string",
    "document-view--json-number",
    "document-view--json-literal",
)


class BlockRenderingView(SearchableView):
    """Renders markdown, source and JSON blocks in the component styles of the view."""

    def __init__(self, layout: BlockLayout, **kwargs: Any) -> None:
        super().__init__(layout, **kwargs)
        self._style_key: tuple[Style, ...] | None = None
        # Rendered markdown before matches are painted on it, by (offset, width).
        self._markdown_strips: LRUCache[tuple[int, int], list[Strip]] = LRUCache(CACHE_BLOCKS)

    def _forget_rendered_markdown(self) -> None:
        """New text: the markdown rendered for the previous one is of no use."""
        self._markdown_strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Colours of source and JSON text come from the theme; a focus change leaves
        # them as they are, so keep what is rendered unless they really changed.
        try:
            key = tuple(self._component_style(name) for name in sorted(self.COMPONENT_CLASSES))
        except Exception:
            return
        if key != self._style_key:
            self._style_key = key
            self._markdown_strips.clear()
            for layout in self._find_layouts():
                layout.clear_cache()

    def _component_style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _render_markdown_block(self, block: Block, width: int) -> list[Strip]:
        if block.kind == "plain":
            text = Text(block.text)
            self._find_paint_text(text, block)
            return render_text(self.app.console, text, width)
        key = (block.offset, width)
        strips = self._markdown_strips.get(key)
        if strips is None:
            strips = render_markdown(self.app.console, block.text, width)
            self._markdown_strips[key] = strips
        return self._find_paint_rendered(strips, block)

    def _render_source_block(self, block: Block, width: int) -> list[Strip]:
        text = Text(block.text)
        if block.title is not None:
            first_line = block.text.find("\n")
            end = len(block.text) if first_line < 0 else first_line
            text.stylize(self._component_style("document-view--heading"), 0, end)
        self._find_paint_text(text, block)
        return render_text(self.app.console, text, width)

    def _render_json_block(self, block: Block, width: int) -> list[Strip]:
        styles = [self._component_style(name) for name in JSON_STYLES]
        text = highlight_json(block.text, *styles)
        self._find_paint_text(text, block)
        return render_text(self.app.console, text, width)

"""The vertical layout of a document made of blocks, rendered only where it is looked at.

Every block has a height: an estimate from its line lengths until it is rendered, then
the real one. Rendered lines are kept in a bounded cache; a block that falls out of it is
rendered again when it comes back into view (its measured height is kept).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

from textual.cache import LRUCache
from textual.strip import Strip

from spidra_tui.ui.blocks import Block

# Rendered blocks kept: enough for several screens of scrolling back and forth.
CACHE_BLOCKS = 400

# Lines a block takes besides its text (a table's rule and edge, a code block's padding).
_EXTRA_LINES = {"table": 1, "fence": 2}

BlockRenderer = Callable[[Block, int], list[Strip]]


def estimate_height(block: Block, width: int) -> int:
    """Lines `block` will probably take at `width` columns, before it is rendered."""
    rows = 0
    for length in block.lengths:
        rows += 1 if length <= width else -(-length // width)
    return rows + _EXTRA_LINES.get(block.kind, 0) + block.spacing


class BlockLayout:
    """Blocks stacked top to bottom, with the line each starts at.

    `render(block, width)` turns a block into strips of `width` cells. Heights measured
    by rendering change the position of the blocks below; `settle` bookkeeping (which
    block to keep in place) is left to the caller, which reads `locate` before and
    `start` after.
    """

    def __init__(self, render: BlockRenderer) -> None:
        self._render = render
        self.blocks: list[Block] = []
        self._offsets: list[int] = []
        self._heights: list[int] = []
        self._starts: list[int] = [0]
        self._stale_from: int | None = None
        self._cache: LRUCache[int, list[Strip]] = LRUCache(CACHE_BLOCKS)
        self.width = 0

    def __len__(self) -> int:
        return len(self.blocks)

    @property
    def total(self) -> int:
        """Total height in lines."""
        self._update_starts()
        return self._starts[-1]

    @property
    def stale(self) -> bool:
        """Whether a height changed since positions were last worked out."""
        return self._stale_from is not None

    def extend(self, blocks: Sequence[Block]) -> None:
        """Add blocks at the bottom."""
        if not blocks:
            return
        self._update_starts()
        width = self.width
        heights = [estimate_height(block, width or 80) for block in blocks]
        self.blocks.extend(blocks)
        self._offsets.extend(block.offset for block in blocks)
        self._heights.extend(heights)
        self._starts.extend(accumulate(heights, initial=self._starts[-1]))
        del self._starts[-len(heights) - 1]

    def set_width(self, width: int) -> None:
        """Lay out again for a new width: all heights become estimates."""
        if width == self.width:
            return
        self.width = width
        self._cache.clear()
        self._heights = [estimate_height(block, width) for block in self.blocks]
        self._starts = list(accumulate(self._heights, initial=0))
        self._stale_from = None

    def clear_cache(self) -> None:
        """Forget rendered lines (styles changed); heights stay as measured."""
        self._cache.clear()

    def start(self, index: int) -> int:
        """The line block `index` starts at."""
        self._update_starts()
        return self._starts[max(0, min(index, len(self.blocks)))]

    def height(self, index: int) -> int:
        """The height of block `index` (estimated or measured)."""
        return self._heights[index]

    def locate(self, y: int) -> tuple[int, int]:
        """The block holding line `y` and the line within it; (0, 0) when empty."""
        if not self.blocks:
            return 0, 0
        starts = self._starts
        index = min(max(bisect_right(starts, y) - 1, 0), len(self.blocks) - 1)
        return index, y - starts[index]

    def block_at_offset(self, offset: int) -> int:
        """The block holding the source character at `offset`."""
        return max(0, bisect_right(self._offsets, offset) - 1)

    def strips(self, index: int) -> list[Strip]:
        """The rendered lines of block `index`, spacing included, rendering if needed."""
        strips = self._cache.get(index)
        if strips is not None:
            return strips
        block = self.blocks[index]
        width = self.width
        strips = self._render(block, width)
        if strips and block.spacing:
            strips = strips + [Strip.blank(width)] * block.spacing
        self._cache[index] = strips
        if self._heights[index] != len(strips):
            self._heights[index] = len(strips)
            if self._stale_from is None or index < self._stale_from:
                self._stale_from = index
        return strips

    def render_range(self, top: int, bottom: int) -> bool:
        """Render every block that shows between lines `top` and `bottom`.

        Returns whether any height changed (positions below have moved).
        """
        if not self.blocks or bottom <= top:
            return False
        self._update_starts()
        index, _ = self.locate(top)
        y = self._starts[index]
        changed = False
        count = len(self.blocks)
        while index < count and y < bottom:
            before = self._heights[index]
            self.strips(index)
            height = self._heights[index]
            changed = changed or height != before
            y += height
            index += 1
        self._update_starts()
        return changed

    def line(self, y: int) -> Strip | None:
        """The strip at line `y`, or None past the end."""
        if not self.blocks or y < 0 or y >= self._starts[-1]:
            return None
        index, offset = self.locate(y)
        strips = self.strips(index)
        return strips[offset] if offset < len(strips) else None

    def _update_starts(self) -> None:
        start = self._stale_from
        if start is None:
            return
        self._stale_from = None
        starts = self._starts
        starts[start:] = accumulate(self._heights[start:], initial=starts[start])

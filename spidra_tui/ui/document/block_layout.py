"""The vertical layout of a document made of blocks, rendered only where it is looked at.

Every block has a height: an estimate until it is rendered, then the real one. Rendered
lines are kept in a bounded cache; a block that falls out of it is rendered again when
it comes back into view (its measured height is kept).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from time import perf_counter

from textual.cache import LRUCache
from textual.strip import Strip

from spidra_tui.ui.document.blocks import Block, BlockBatch

# Rendered blocks kept: several screens' worth, for scrolling back and forth.
CACHE_BLOCKS = 200

BlockRenderer = Callable[[Block, int], list[Strip]]


def estimate_heights(batch: BlockBatch, width: int, start: int = 0) -> array[int]:
    """Lines the blocks of `batch` from `start` will probably take at `width` columns."""
    width = max(1, width)
    heights = array("q")
    append = heights.append
    for lines, long_lines, long_chars, spacing in zip(
        batch.lines[start:],
        batch.long_lines[start:],
        batch.long_chars[start:],
        batch.spacings[start:],
        strict=True,
    ):
        # Short lines take a row each; long ones about length / width rows, plus half a
        # row for the ragged end of word wrapping.
        rows = lines - long_lines + (long_chars + long_lines * width // 2) // width
        append(max(1, rows) + spacing)
    return heights


class BlockLayout:
    """Blocks stacked top to bottom, with the line each starts at.

    `render(block, width)` turns a block into strips of `width` cells. Measured heights
    move the blocks below; keeping the reader's place (reading `locate` before and
    `start` after) is left to the caller.
    """

    def __init__(self, render: BlockRenderer) -> None:
        self._render = render
        self._batch = BlockBatch()
        self._heights = array("q")
        self._starts = array("q", [0])
        self._stale_from: int | None = None
        self._cache: LRUCache[int, list[Strip]] = LRUCache(CACHE_BLOCKS)
        self.width = 0
        self.sections: list[int] = []
        """Indexes of the blocks that start a section (those with a title)."""

    def __len__(self) -> int:
        return len(self._batch)

    @property
    def total(self) -> int:
        """Total height in lines."""
        self._update_starts()
        return self._starts[-1]

    @property
    def stale(self) -> bool:
        """Whether a height changed since positions were last worked out."""
        return self._stale_from is not None

    def block(self, index: int) -> Block:
        """Block `index`."""
        return self._batch.block(index)

    def offset(self, index: int) -> int:
        """Where block `index` starts in the source text."""
        return self._batch.offsets[index]

    def title(self, index: int) -> str | None:
        """The section title of block `index`, if it starts one."""
        return self._batch.titles.get(index)

    def extend(self, batch: BlockBatch) -> None:
        """Add blocks at the bottom."""
        if not batch:
            return
        self._update_starts()
        first = len(self._batch)
        self.sections.extend(first + index for index in sorted(batch.titles))
        self._batch.extend(batch)
        heights = estimate_heights(batch, self.width or 80)
        self._heights.extend(heights)
        self._starts.extend(accumulate(heights, initial=self._starts[-1]))
        del self._starts[first]

    def clear(self) -> None:
        """Remove every block."""
        self._batch = BlockBatch()
        self._heights = array("q")
        self._starts = array("q", [0])
        self._stale_from = None
        self._cache.clear()
        self.sections = []

    def set_width(self, width: int) -> None:
        """Lay out again for a new width: all heights become estimates."""
        if width == self.width:
            return
        self.width = width
        self._cache.clear()
        self._heights = estimate_heights(self._batch, width)
        self._starts = array("q", accumulate(self._heights, initial=0))
        self._stale_from = None

    def clear_cache(self) -> None:
        """Forget rendered lines (styles changed); heights stay as measured."""
        self._cache.clear()

    def start(self, index: int) -> int:
        """The line block `index` starts at."""
        self._update_starts()
        return self._starts[max(0, min(index, len(self._batch)))]

    def section_starts(self) -> list[tuple[str, int]]:
        """The title and start line of every section, in order."""
        self._update_starts()
        starts, titles = self._starts, self._batch.titles
        return [(titles[index], starts[index]) for index in self.sections]

    def height(self, index: int) -> int:
        """The height of block `index` (estimated or measured)."""
        return self._heights[index]

    def locate(self, y: int) -> tuple[int, int]:
        """The block holding line `y` and the line within it; (0, 0) when empty."""
        count = len(self._batch)
        if not count:
            return 0, 0
        starts = self._starts
        index = min(max(bisect_right(starts, y) - 1, 0), count - 1)
        return index, y - starts[index]

    def block_at_offset(self, offset: int) -> int:
        """The block holding the source character at `offset`."""
        return max(0, bisect_right(self._batch.offsets, offset) - 1)

    def strips(self, index: int) -> list[Strip]:
        """The rendered lines of block `index`, spacing included, rendering if needed."""
        strips = self._cache.get(index)
        if strips is not None:
            return strips
        block = self._batch.block(index)
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

    def render_range(
        self, top: int, bottom: int, deadline: float | None = None
    ) -> tuple[bool, bool]:
        """Render every block that shows between lines `top` and `bottom`.

        With a `deadline` (a `time.perf_counter()` value), stop rendering once it has
        passed. Returns whether any height changed (so positions below have moved) and
        whether every block in the range is rendered.
        """
        if not len(self._batch) or bottom <= top:
            return False, True
        self._update_starts()
        index, _ = self.locate(top)
        y = self._starts[index]
        changed = False
        count = len(self._batch)
        heights = self._heights
        cache = self._cache
        while index < count and y < bottom:
            if index not in cache:
                if deadline is not None and perf_counter() > deadline:
                    self._update_starts()
                    return changed, False
                before = heights[index]
                self.strips(index)
                changed = changed or heights[index] != before
            y += heights[index]
            index += 1
        self._update_starts()
        return changed, True

    def line(self, y: int) -> Strip | None:
        """The strip at line `y`, or None past the end."""
        if not len(self._batch) or y < 0 or y >= self._starts[-1]:
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
        starts[start:] = array("q", accumulate(self._heights[start:], initial=starts[start]))

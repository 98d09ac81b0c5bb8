"""BlockView: a scroll view over a `BlockLayout`, rendering only what is looked at.

The view draws lines with the Line API from the blocks of its layout. Before a frame it
renders the blocks in view (estimated heights become real ones) and puts the reader's
place back where it was, so text never jumps; the blocks a screen above and below are
rendered after the frame, a few milliseconds at a time. Sections (blocks with a title)
can be stepped through with `]` and `[`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from time import perf_counter
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from spidra_tui.ui.document.block_layout import BlockLayout

# Seconds of rendering ahead of the reader per turn of the event loop.
_PREFETCH_SLICE = 0.008


@dataclass(frozen=True)
class Section:
    """A heading (or top-level JSON entry) and the line of the view it starts at."""

    title: str
    line: int


class BlockView(ScrollView):
    """A read-only scroll view of a `BlockLayout`, with keys to move and to step sections.

    Subclasses choose what the layout holds; `_set_layout` swaps it, keeping a place.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_lines(1)", "Down", show=False),
        Binding("up,k", "scroll_lines(-1)", "Up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "bottom", "Bottom", show=False),
        Binding("right_square_bracket", "next_section", "Next section"),
        Binding("left_square_bracket", "previous_section", "Previous section"),
    ]

    DEFAULT_CSS = """
    BlockView {
        overflow-x: hidden;
        overflow-y: auto;
        /* The width must not change when the scrollbar appears: every block would be
           rendered again. */
        scrollbar-gutter: stable;
    }
    """

    def __init__(
        self,
        layout: BlockLayout,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._layout = layout
        self._settling = False
        self._settle_pending = False
        self._prefetch_pending = False
        self._pin_end = False

    def _set_layout(self, layout: BlockLayout, anchor: tuple[int, int] = (0, 0)) -> None:
        """Show `layout`, with line `anchor[1]` of block `anchor[0]` at the top."""
        self._layout = layout
        self._pin_end = False
        self._settle(anchor=anchor)

    # --- sections -----------------------------------------------------------------

    def sections(self) -> list[Section]:
        """The headings (top-level entries for JSON) and the lines they start at."""
        return [Section(title, line) for title, line in self._layout.section_starts()]

    def current_section_title(self) -> str | None:
        """The title of the section the top line is in, or None above the first."""
        layout = self._layout
        index, _ = layout.locate(round(self.scroll_y))
        position = bisect_right(layout.sections, index)
        return layout.title(layout.sections[position - 1]) if position else None

    def next_section(self) -> bool:
        """Scroll the next section's heading to the top; False if there is none."""
        layout = self._layout
        index, _ = layout.locate(round(self.scroll_y))
        position = bisect_right(layout.sections, index)
        if position >= len(layout.sections):
            return False
        self._show_block(layout.sections[position])
        return True

    def previous_section(self) -> bool:
        """Scroll to the heading above the top line; False if there is none."""
        layout = self._layout
        index, offset = layout.locate(round(self.scroll_y))
        sections = layout.sections
        position = bisect_left(sections, index)
        if offset > 0 and position < len(sections) and sections[position] == index:
            target = index
        elif position > 0:
            target = sections[position - 1]
        else:
            return False
        self._show_block(target)
        return True

    # --- layout and scrolling -----------------------------------------------------

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _settle(self, anchor: tuple[int, int] | None = None) -> None:
        """Render the blocks in view now, and those around it soon after.

        The reader's place is `anchor` (a block and a line in it) if given, else the
        block at the top of the view: when rendered blocks replace estimated heights
        with real ones, the anchor is scrolled back to where it was, so text does not
        jump.
        """
        self._lay_out(anchor, 0, None)
        self._schedule_prefetch()

    def _lay_out(self, anchor: tuple[int, int] | None, margin: int, deadline: float | None) -> bool:
        """Render the view and `margin` lines above and below it, until `deadline`.

        Returns whether all of it is rendered.
        """
        layout = self._layout
        width = self._content_width()
        height = self.scrollable_content_region.height
        if self._settling or width <= 0 or height <= 0:
            return True
        self._settling = True
        complete = True
        try:
            moved = anchor is not None or layout.width != width or self._pin_end
            index, offset = anchor if anchor is not None else layout.locate(round(self.scroll_y))
            layout.set_width(width)
            top = self._place(index, offset, height)
            for _ in range(8):
                changed, complete = layout.render_range(
                    max(0, top - margin), top + height + margin, deadline
                )
                if not changed:
                    break
                # Heights moved: put the anchor back, and render what that brings in.
                moved = True
                top = self._place(index, offset, height)
                if not complete:
                    break
            size = Size(width, layout.total)
            if self.virtual_size != size:
                self.virtual_size = size
            if moved and top != round(self.scroll_y):
                self.scroll_y = top
        finally:
            self._settling = False
        if margin == 0:
            # Rendering around the view changes nothing shown; a move of the view
            # refreshes it through the scroll watcher.
            self.refresh()
        return complete

    def _place(self, index: int, offset: int, height: int) -> int:
        """The top line that puts line `offset` of block `index` at the top."""
        layout = self._layout
        if self._pin_end:
            return max(0, layout.total - height)
        if not len(layout):
            return 0
        return layout.start(index) + min(offset, max(0, layout.height(index) - 1))

    def _schedule_prefetch(self) -> None:
        if not self._prefetch_pending and self.is_mounted:
            self._prefetch_pending = True
            self.call_after_refresh(self._prefetch)

    def _prefetch(self) -> None:
        # A screen above and below, a few milliseconds at a time, so paging lands on
        # measured blocks and a key press never waits long behind it.
        self._prefetch_pending = False
        margin = self.scrollable_content_region.height
        if not self._lay_out(None, margin, perf_counter() + _PREFETCH_SLICE):
            self._schedule_prefetch()

    def _settle_later(self) -> None:
        self._settle_pending = False
        self._settle()

    def _show_block(self, index: int) -> None:
        self._pin_end = False
        self._settle(anchor=(index, 0))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._settling:
            self._pin_end = False
            self._settle()

    def on_resize(self, event: Resize) -> None:
        self._settle()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._layout.stale or self._layout.width != self._content_width():
            self._settle()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        strip = self._layout.line(self.scroll_offset.y + y)
        if self._layout.stale and not self._settle_pending:
            # A block came into view unrendered and measured differently: fix the layout
            # after this frame.
            self._settle_pending = True
            self.call_after_refresh(self._settle_later)
        if strip is None:
            return Strip.blank(width, base)
        return strip.crop_extend(0, width, base).apply_style(base)

    # --- actions ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_section", "previous_section"):
            return bool(self._layout.sections) or None
        return True

    def action_scroll_lines(self, lines: int) -> None:
        """Scroll by `lines` (negative: up)."""
        self.scroll_to(y=self.scroll_y + lines, animate=False)

    def action_page(self, pages: int) -> None:
        """Scroll by `pages` screens (negative: up)."""
        height = self.scrollable_content_region.height
        self.scroll_to(y=self.scroll_y + pages * height, animate=False)

    def action_top(self) -> None:
        """Scroll to the start."""
        self._show_block(0)

    def action_bottom(self) -> None:
        """Scroll to the end."""
        self._pin_end = True
        self._settle()

    def action_next_section(self) -> None:
        """Scroll to the next section."""
        self.next_section()

    def action_previous_section(self) -> None:
        """Scroll to the previous section."""
        self.previous_section()

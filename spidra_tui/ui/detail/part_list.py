"""A one-line-a-row list that draws only the rows on screen: a crawl's pages.

An ``OptionList`` measures every option when it is filled or grows (its height is
the sum of theirs), so a crawl of 10,000 pages held the event loop for most of a
second at each update. Every row here is one line high, so the list's height is
its row count and a row is rendered only when it is drawn; rows are added at the
end without touching the ones already there.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

_CACHED_ROWS = 512


class PartList(ScrollView, can_focus=True):
    """Rows named by an index each; ``prompt(index)`` gives a row's text when drawn."""

    COMPONENT_CLASSES = {"part-list--cursor"}

    DEFAULT_CSS = """
    PartList {
        height: auto;
        overflow-x: hidden;
        background: $surface;
        & > .part-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .part-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved to ``position`` (a row, counted among the rows listed)."""

        def __init__(self, part_list: PartList, position: int) -> None:
            super().__init__()
            self.part_list = part_list
            self.position = position

        @property
        def control(self) -> PartList:
            return self.part_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[int] = []
        self._prompt: Callable[[int], Text] = lambda index: Text(str(index))
        self._cursor: int | None = None
        self._strips: OrderedDict[tuple[int, int, bool, bool], Strip] = OrderedDict()

    # -- filling ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_text(self, position: int) -> Text:
        """The text of row ``position`` (as it is drawn, before it is cut to the width)."""
        return self._prompt(self._rows[position])

    def set_rows(self, rows: Sequence[int], prompt: Callable[[int], Text]) -> None:
        """List ``rows`` (indexes for ``prompt``), from the top, with no cursor."""
        self._rows = list(rows)
        self._prompt = prompt
        self._cursor = None
        self._strips.clear()
        self._resized(scroll_home=True)

    def add_rows(self, rows: Sequence[int]) -> None:
        """Add ``rows`` at the end; the rows listed, the cursor and the scroll stay."""
        if rows:
            self._rows.extend(rows)
            self._resized(scroll_home=False)

    def _resized(self, *, scroll_home: bool) -> None:
        # A new row count lays the screen out (the list's height follows it); the
        # same count needs only a repaint.
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        if scroll_home:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    # -- the cursor ---------------------------------------------------------------

    @property
    def highlighted(self) -> int | None:
        """The cursor's row (None: no cursor)."""
        return self._cursor

    @highlighted.setter
    def highlighted(self, position: int | None) -> None:
        self.move_to(position, announce=False)

    def move_to(self, position: int | None, *, announce: bool = True) -> None:
        """Put the cursor on row ``position`` and bring it into view; ``announce``
        posts :class:`Highlighted` (a cursor the code set needs no answer)."""
        if position is not None and not self._rows:
            position = None
        if position is not None:
            position = max(0, min(position, len(self._rows) - 1))
        if position == self._cursor:
            return
        self._cursor = position
        self.refresh()
        if position is not None:
            self.scroll_to_region_of(position)
            if announce:
                self.post_message(self.Highlighted(self, position))

    def scroll_to_region_of(self, position: int) -> None:
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if height <= 0:
            return
        if position < top:
            self.scroll_to(y=position, animate=False, immediate=True)
        elif position >= top + height:
            self.scroll_to(y=position - height + 1, animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        if self._cursor is None:
            self.move_to(0)
        else:
            self.move_to(self._cursor + step)

    def action_page(self, direction: int) -> None:
        step = max(1, self.scrollable_content_region.height - 1)
        self.action_move(step * direction)

    def action_jump(self, where: int) -> None:
        self.move_to(where if where >= 0 else len(self._rows) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            row = offset.y + self.scroll_offset.y
            if row < len(self._rows):
                self.move_to(row)

    # -- drawing ------------------------------------------------------------------

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        if row >= len(self._rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        cursor = row == self._cursor
        key = (self._rows[row], width, cursor, cursor and self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(self._rows[row], width, cursor)
            self._strips[key] = strip
            while len(self._strips) > _CACHED_ROWS:
                self._strips.popitem(last=False)
        else:
            self._strips.move_to_end(key)
        return strip

    def _render_row(self, index: int, width: int, cursor: bool) -> Strip:
        text = self._prompt(index)
        text.no_wrap, text.overflow, text.end = True, "ellipsis", ""
        base = self.rich_style
        if cursor:
            base = base + self.get_component_rich_style("part-list--cursor")
        options = self.app.console.options.update(width=width, max_width=width, height=1)
        lines = self.app.console.render_lines(text, options, style=base, pad=True)
        return Strip(lines[0], width) if lines else Strip.blank(width, base)

"""The picture of a screenshot, scaled to the pane: half-block cells, or the
terminal's own graphics (kitty or sixel) where the app was told it is safe.

Decoding, scaling and encoding (C work in Pillow, which lets go of the interpreter
lock) run on a background thread of lower priority (see
``spidra_tui.images.worker``): a 1280 x 10,000 full-page screenshot takes a tenth of a
second or more, and keys must not wait for it. Rows of cells are built only as they
come on screen (the line API of ``ScrollView``).

- ``cells``: half blocks, two pixels a cell.
- ``kitty``: the picture goes to the terminal once (through the app's raw terminal
  channel), a tile of it as it first comes on screen, and the rows are placeholder
  cells that the terminal fills with it.
- ``sixel``: the rows are half-block cells, and the last visible row ends with a
  zero-width control segment that draws the visible window's sixel over them from
  the widget's top-left corner (cursor saved, up to the first row, restored). Each
  window is encoded on the worker when the picture scrolls to it; until then the
  cells show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.segment import ControlType, Segment
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from spidra_tui.images import CellPicture, PictureError, decode_preview, half_block_lines
from spidra_tui.images.cells import cells_in_box
from spidra_tui.images.decode import PREVIEW_WIDTH
from spidra_tui.images.kitty import KittyPicture, kitty_picture
from spidra_tui.images.protocol import cell_pixels
from spidra_tui.images.sixel import SixelPicture, sixel_picture
from spidra_tui.images.worker import PictureWorker

if TYPE_CHECKING:
    from PIL.Image import Image

Shown = Callable[[str | None], None]
"""Told when a picture is on screen (None) or could not be made (the reason)."""

GRAPHICS_WIDTH = 2000
"""Widest decode for kitty and sixel (pixels), whatever the pane's width."""
_KEPT_WINDOWS = 6
_ZERO_WIDTH = ((ControlType.CURSOR_FORWARD, 0),)


@dataclass(frozen=True)
class Built:
    """What the worker made for one width: cells always (the fallback), and the
    graphics of the mode when it is ``kitty`` or ``sixel``."""

    cells: CellPicture
    kitty: KittyPicture | None = None
    sixel: SixelPicture | None = None


def build(image: Image, mode: str, columns: int, cell: tuple[int, int]) -> Built:
    """The picture of ``image`` for ``columns`` cells in ``mode``. Off the event loop."""
    if mode == "kitty":
        kitty = kitty_picture(image, columns, cell)
        return Built(cells_in_box(image, kitty.columns, kitty.rows), kitty=kitty)
    if mode == "sixel":
        sixel = sixel_picture(image, columns, cell)
        return Built(cells_in_box(image, sixel.columns, sixel.rows), sixel=sixel)
    return Built(half_block_lines(image, columns))


def decode_width(mode: str, columns: int, cell: tuple[int, int]) -> int:
    """How wide to decode for ``mode``: graphics show the pane's real pixels."""
    if mode == "cells":
        return PREVIEW_WIDTH
    return max(PREVIEW_WIDTH, min(GRAPHICS_WIDTH, columns * cell[0]))


class ScreenshotPreview(ScrollView, can_focus=True):
    """Shows one image, as wide as the pane allows, scrolled vertically when tall.

    Its scrollbar is always there, so a new picture changes no layout: setting a
    scroll view's virtual size would otherwise lay out the whole screen (some 25 ms
    here), once when the cursor leaves a job and once when the next picture lands,
    and a key arriving meanwhile would wait for it.
    """

    DEFAULT_CSS = """
    ScreenshotPreview {
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, mode: str = "cells", id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode if mode in ("kitty", "sixel") else "cells"
        if self.mode == "sixel":
            # Textual crops a line short of a scrollbar, and the crop would drop the
            # sixel at the line's end: no scrollbar here.
            self.styles.scrollbar_size_vertical = 0
        self._worker = PictureWorker()
        self._image: Image | None = None
        self._built: Built | None = None
        self._kitty: KittyPicture | None = None
        self._sent: set[int] = set()
        self._windows: dict[tuple[int, int], str] = {}
        self._wanted: tuple[int, int] | None = None
        self._source: Path | None = None
        self._width = 0
        self._cell = (0, 0)
        self.renders = 0
        """How many pictures were put on screen (tests and the benchmark read it)."""

    @property
    def picture(self) -> CellPicture | None:
        """The cells of the picture on show (under the graphics, if any)."""
        return None if self._built is None else self._built.cells

    @property
    def kitty(self) -> KittyPicture | None:
        """The kitty picture the terminal has been sent, if any."""
        return self._kitty

    @property
    def sixel(self) -> SixelPicture | None:
        """The sixel picture on show, if any."""
        return None if self._built is None else self._built.sixel

    def on_unmount(self) -> None:
        self._forget_kitty()
        self._worker.close()

    def clear(self) -> None:
        """Show nothing (work under way for an earlier file is dropped when done)."""
        self._source = None
        self._image = None
        self._set_picture(None)

    def show_file(self, path: Path, shown: Shown) -> None:
        """Decode ``path`` and show it; ``shown`` hears how it went."""
        self.clear()
        self._source = path
        width, cell, mode = self._columns(), self._cell_pixels(), self.mode

        def work() -> tuple[Image, Built | None]:
            image = decode_preview(path, decode_width(mode, width, cell))
            return image, build(image, mode, width, cell) if width > 0 else None

        def done(result: Any, error: BaseException | None) -> None:
            if self._source != path:
                return  # another screenshot was chosen meanwhile
            if error is not None:
                message = str(error) if isinstance(error, PictureError | OSError) else ""
                shown(message or "Not shown: the image could not be decoded")
                return
            self._image, built = result
            self._width, self._cell = width, cell
            self._set_picture(built)
            self._rescale()  # the pane may have changed size meanwhile
            shown(None)

        self._worker.submit("picture", work, done)

    def on_resize(self, event: Resize) -> None:
        self._rescale()

    def _columns(self) -> int:
        return max(0, self.scrollable_content_region.width)

    def _cell_pixels(self) -> tuple[int, int]:
        if self.mode == "cells":
            return (0, 0)
        return cell_pixels((self.app.size.width, self.app.size.height))

    def _rescale(self) -> None:
        image, width, cell = self._image, self._columns(), self._cell_pixels()
        if image is None or width < 1 or (width, cell) == (self._width, self._cell):
            return
        self._width, self._cell = width, cell
        mode = self.mode

        def done(result: Any, error: BaseException | None) -> None:
            if error is None and image is self._image:
                self._set_picture(result)

        self._worker.submit("picture", lambda: build(image, mode, width, cell), done)

    def _set_picture(self, built: Built | None) -> None:
        self._forget_kitty()
        self._built = built
        self._windows.clear()
        self._wanted = None
        if built is not None and built.kitty is not None and built.kitty.ids:
            # Headless, or no terminal attached: the cells show instead.
            tiles = built.kitty.tiles_for(self.scroll_offset.y, max(1, self.size.height))
            if self._write(built.kitty.tiles[tiles[0] if tiles else 0]):
                self._kitty = built.kitty
                self._sent = {tiles[0] if tiles else 0}
        if built is not None:
            self.renders += 1
        cells = None if built is None else built.cells
        self._set_virtual_size(Size(cells.width, cells.height) if cells else Size(0, 0))
        if cells is None:
            self.scroll_to(0, 0, animate=False)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The picture's size, told to the scrollbar directly: with the scrollbar
        always shown, nothing else on screen moves."""
        if size == self.virtual_size:
            return
        self.set_reactive(ScrollView.virtual_size, size)
        bar = self.vertical_scrollbar
        bar.window_virtual_size = size.height
        bar.window_size = self.scrollable_content_region.height
        bar.refresh()

    def _write(self, data: str) -> bool:
        terminal = getattr(self.app, "terminal", None)
        return bool(terminal is not None and terminal.write(data))

    def _forget_kitty(self) -> None:
        if self._kitty is not None:
            self._write(self._kitty.delete())
            self._kitty = None
            self._sent = set()

    def render_line(self, y: int) -> Strip:
        width = self._columns()
        picture = self.picture
        row = y + self.scroll_offset.y
        if picture is None or row >= picture.height:
            return Strip.blank(width, self.rich_style)
        kitty = self._kitty
        if kitty is not None:
            tile = row // kitty.tile_rows
            if tile not in self._sent:  # first on screen: before the frame that shows it
                self._sent.add(tile)
                self._write(kitty.tiles[tile])
            strip = Strip(kitty.line(row), kitty.columns)
        else:
            strip = Strip(picture.line(row), picture.width)
        if strip.cell_length < width:
            pad = Segment(" " * (width - strip.cell_length), self.rich_style)
            strip = Strip([*strip, pad], width)
        strip = strip.crop(0, width)
        sixel = self.sixel
        return strip if sixel is None else self._with_sixel(strip, sixel, y)

    # -- sixel -----------------------------------------------------------------

    def _visible_rows(self) -> int:
        region = self.scrollable_content_region
        rows = region.height
        if region.bottom >= self.screen.size.height:
            rows -= 1  # a picture down to the last line could make the terminal scroll
        return max(0, rows)

    def _with_sixel(self, strip: Strip, sixel: SixelPicture, y: int) -> Strip:
        top = self.scroll_offset.y
        count = min(self._visible_rows(), sixel.rows - top)
        if count < 1:
            return strip
        window = (top, count)
        data = self._windows.get(window)
        if data is None:
            self._want_window(sixel, window)
            return strip
        if y != count - 1 or not data:
            return strip
        # Drawn after the rest of the window's lines, so their cells are under it. Up
        # from this line rather than to a fixed row: Textual keeps rendered lines, and
        # the pane may have moved since without being redrawn. The cursor is saved
        # and restored around the picture.
        up = f"\x1b[{y}A" if y else ""
        column = f"\x1b[{self.scrollable_content_region.x + 1}G"
        text = f"\x1b7{up}{column}{data}\x1b8"
        return Strip([*strip, Segment(text, None, _ZERO_WIDTH)], strip.cell_length)

    def _want_window(self, sixel: SixelPicture, window: tuple[int, int]) -> None:
        if self._wanted == window:
            return
        self._wanted = window

        def done(result: Any, error: BaseException | None) -> None:
            if self.sixel is not sixel:
                return
            if self._wanted == window:
                self._wanted = None
            if error is None:
                while len(self._windows) >= _KEPT_WINDOWS:
                    self._windows.pop(next(iter(self._windows)))
                self._windows[window] = result
                self.refresh()

        self._worker.submit("sixel", lambda: sixel.window(*window), done)

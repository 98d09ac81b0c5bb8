"""The picture of a screenshot, as half-block cells, scaled to the pane.

Decoding and scaling happen in worker threads (a 1280 x 10,000 full-page
screenshot takes a tenth of a second or more), so keys never wait for them. The
widget keeps the decoded, already reduced image and re-scales it when the pane's
width changes. Only the visible lines are drawn (the line API of ``ScrollView``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from spidra_tui.images import CellPicture, half_block_lines

if TYPE_CHECKING:
    from PIL.Image import Image


class ScreenshotPreview(ScrollView, can_focus=True):
    """Shows one image, as wide as the pane allows, scrolled vertically when tall."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._image: Image | None = None
        self._picture: CellPicture | None = None
        self._wanted_width = 0
        self.renders = 0
        """How many times a picture was made (tests and the benchmark read it)."""

    @property
    def picture(self) -> CellPicture | None:
        """The cells on show, if any."""
        return self._picture

    def show_image(self, image: Image | None) -> None:
        """Show ``image`` (RGB, already reduced), or nothing."""
        self._image = image
        self._picture = None
        self._wanted_width = 0
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        self._request()

    def on_resize(self, event: Resize) -> None:
        self._request()

    def _request(self) -> None:
        width = self.scrollable_content_region.width
        if self._image is None or width < 1 or width == self._wanted_width:
            return
        self._wanted_width = width
        self._make(self._image, width)

    @work(thread=True, exclusive=True, group="screenshot-cells")
    def _make(self, image: Image, width: int) -> None:
        picture = half_block_lines(image, width)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._made, image, picture)

    def _made(self, image: Image, picture: CellPicture) -> None:
        if image is not self._image:
            return  # another image was chosen meanwhile
        self._picture = picture
        self.renders += 1
        self.virtual_size = Size(picture.width, picture.height)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        picture = self._picture
        row = y + self.scroll_offset.y
        if picture is None or row >= picture.height:
            return Strip.blank(width, self.rich_style)
        strip = Strip(picture.lines[row], picture.width)
        if picture.width < width:
            pad = Segment(" " * (width - picture.width), Style.from_color(bgcolor=None))
            strip = Strip([*strip, pad], width)
        return strip.crop(0, width)

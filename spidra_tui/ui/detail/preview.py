"""The picture of a screenshot, as half-block cells, scaled to the pane.

Decoding and scaling (C work in Pillow, which lets go of the interpreter lock) run on
a background thread of lower priority (see ``spidra_tui.images.worker``): a 1280 x
10,000 full-page screenshot takes a tenth of a second or more, and keys must not wait
for it. The rows of cells, Python work, are built only as they come on screen (the
line API of ``ScrollView``). The widget keeps the decoded, already reduced image and
re-scales it when the pane's width changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from spidra_tui.images import CellPicture, PictureError, decode_preview, half_block_lines
from spidra_tui.images.worker import PictureWorker

if TYPE_CHECKING:
    from PIL.Image import Image

Shown = Callable[[str | None], None]
"""Told when a picture is on screen (None) or could not be made (the reason)."""


class ScreenshotPreview(ScrollView, can_focus=True):
    """Shows one image, as wide as the pane allows, scrolled vertically when tall."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._worker = PictureWorker()
        self._image: Image | None = None
        self._picture: CellPicture | None = None
        self._source: Path | None = None
        self._width = 0
        self.renders = 0
        """How many pictures were put on screen (tests and the benchmark read it)."""

    @property
    def picture(self) -> CellPicture | None:
        """The cells on show, if any."""
        return self._picture

    def on_unmount(self) -> None:
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
        width = self._columns()

        def work() -> tuple[Image, CellPicture | None]:
            image = decode_preview(path)
            return image, half_block_lines(image, width) if width > 0 else None

        def done(result: Any, error: BaseException | None) -> None:
            if self._source != path:
                return  # another screenshot was chosen meanwhile
            if error is not None:
                message = str(error) if isinstance(error, PictureError | OSError) else ""
                shown(message or "Not shown: the image could not be decoded")
                return
            self._image, picture = result
            self._width = width
            self._set_picture(picture)
            self._rescale()  # the pane may have changed size meanwhile
            shown(None)

        self._worker.submit("picture", work, done)

    def on_resize(self, event: Resize) -> None:
        self._rescale()

    def _columns(self) -> int:
        return max(0, self.scrollable_content_region.width)

    def _rescale(self) -> None:
        image, width = self._image, self._columns()
        if image is None or width < 1 or width == self._width:
            return
        self._width = width

        def done(result: Any, error: BaseException | None) -> None:
            if error is None and image is self._image:
                self._set_picture(result)

        self._worker.submit("picture", lambda: half_block_lines(image, width), done)

    def _set_picture(self, picture: CellPicture | None) -> None:
        self._picture = picture
        if picture is not None:
            self.renders += 1
        self.virtual_size = Size(picture.width, picture.height) if picture else Size(0, 0)
        if picture is None:
            self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self._columns()
        picture = self._picture
        row = y + self.scroll_offset.y
        if picture is None or row >= picture.height:
            return Strip.blank(width, self.rich_style)
        strip = Strip(picture.line(row), picture.width)
        if picture.width < width:
            strip = Strip([*strip, Segment(" " * (width - picture.width), self.rich_style)], width)
        return strip.crop(0, width)

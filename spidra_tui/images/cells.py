"""An RGB image as terminal cells: each cell shows two pixels, one above the other.

``▀`` (upper half block) takes the top pixel as its foreground colour and the
bottom pixel as its background, which works in every terminal with 256 colours
or more, over SSH and inside tmux (Textual lowers truecolour to what the terminal
has). The output is plain Rich ``Segment`` lines, ready for a line-based widget, built
row by row as they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["UPPER_HALF", "CellPicture", "cells_in_box", "half_block_lines", "picture_size"]

UPPER_HALF = "\u2580"


@dataclass(frozen=True)
class CellPicture:
    """An image scaled to ``width`` x ``height`` cells (two pixel rows a cell).

    ``pixels`` holds the scaled RGB bytes (``width`` x ``2 * height`` pixels); a row
    of cells is built when first asked for (:meth:`line`) and kept. Scaling is C work
    that runs well on a background thread; building segments is Python work, done
    only for the rows on screen.
    """

    pixels: bytes
    width: int
    height: int
    source_size: tuple[int, int]
    """Pixel size of the image it was made from."""
    _rows: dict[int, tuple[Segment, ...]] = field(default_factory=dict, compare=False, repr=False)
    _styles: dict[bytes, Style] = field(default_factory=dict, compare=False, repr=False)

    def line(self, row: int) -> tuple[Segment, ...]:
        """Row ``row`` of cells (0-based) as segments; neighbouring cells of the same
        colours share one segment."""
        made = self._rows.get(row)
        if made is None:
            made = _row_segments(self.pixels, self.width, row, self._styles)
            self._rows[row] = made
        return made

    @property
    def lines(self) -> tuple[tuple[Segment, ...], ...]:
        """Every row (builds them all)."""
        return tuple(self.line(row) for row in range(self.height))


def picture_size(image_size: tuple[int, int], columns: int, rows: int | None) -> tuple[int, int]:
    """Cells (width, height) for an image of ``image_size`` pixels: as wide as
    ``columns`` allow (never enlarged), aspect kept with two pixels a cell's height;
    with ``rows``, also no taller than that."""
    width, height = image_size
    if width < 1 or height < 1 or columns < 1:
        return (0, 0)
    cells_w = min(columns, width)
    # A cell is about twice as tall as wide, and holds two pixel rows: square pixels.
    pixels_h = height * cells_w / width
    cells_h = max(1, round(pixels_h / 2))
    if rows is not None and cells_h > rows >= 1:
        cells_h = rows
        cells_w = max(1, min(columns, round(width * rows * 2 / height)))
    return (cells_w, cells_h)


def half_block_lines(image: Image, columns: int, rows: int | None = None) -> CellPicture:
    """``image`` (RGB) scaled to fit ``columns`` (and ``rows`` when given) as
    half-block cells."""
    return cells_in_box(image, *picture_size(image.size, columns, rows))


def cells_in_box(image: Image, columns: int, rows: int) -> CellPicture:
    """``image`` (RGB) stretched to exactly ``columns`` x ``rows`` half-block cells:
    what a graphics picture of that box shows before (or instead of) its pixels."""
    from PIL import Image as PILImage

    if columns < 1 or rows < 1:
        return CellPicture(b"", 0, 0, image.size)
    if image.mode != "RGB":
        image = image.convert("RGB")
    scaled = image.resize((columns, rows * 2), PILImage.Resampling.BOX)
    return CellPicture(scaled.tobytes(), columns, rows, image.size)


def _row_segments(
    data: bytes, width: int, row: int, styles: dict[bytes, Style]
) -> tuple[Segment, ...]:
    stride = width * 3
    top = data[2 * row * stride : (2 * row + 1) * stride]
    bottom = data[(2 * row + 1) * stride : (2 * row + 2) * stride]
    segments: list[Segment] = []
    run_key = b""
    run = 0
    for x in range(0, stride, 3):
        key = top[x : x + 3] + bottom[x : x + 3]
        if key == run_key:
            run += 1
            continue
        if run:
            segments.append(Segment(UPPER_HALF * run, _style(styles, run_key)))
        run_key, run = key, 1
    if run:
        segments.append(Segment(UPPER_HALF * run, _style(styles, run_key)))
    return tuple(segments)


def _style(styles: dict[bytes, Style], key: bytes) -> Style:
    style = styles.get(key)
    if style is None:
        style = Style(
            color=Color.from_rgb(key[0], key[1], key[2]),
            bgcolor=Color.from_rgb(key[3], key[4], key[5]),
        )
        styles[key] = style
    return style

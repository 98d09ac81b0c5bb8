"""A picture as sixel graphics, encoded here from its pixels.

The image is scaled once to the pixels of the cells it covers; each time the visible
window changes, that window is cut out, reduced to at most 255 colours
(``Image.quantize``) and written as sixel bands. Encoding is C work in Pillow plus a
little Python a band and a colour, so it runs off the event loop. Only numbers and
sixel characters (``?`` to ``~``, ``!``, ``#``, ``$``, ``-``) go between ``ESC P q``
and ``ESC \\``: nothing from the API does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spidra_tui.images.kitty import box_size

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["COLOURS", "SixelPicture", "sixel_encode", "sixel_picture"]

COLOURS = 255
_RUN = re.compile(rb"([?-~])\1{3,}")


@dataclass(frozen=True)
class SixelPicture:
    """``image`` scaled to ``columns`` x ``rows`` cells of ``cell`` pixels."""

    image: Image
    columns: int
    rows: int
    cell: tuple[int, int]

    def window(self, top: int, count: int) -> str:
        """Sixel data for rows ``top`` to ``top + count`` (cells): no taller than
        those rows, in whole bands of six pixels. Run it off the event loop."""
        top = max(0, min(top, self.rows))
        count = max(0, min(count, self.rows - top))
        height = (count * self.cell[1]) // 6 * 6
        if height < 6 or self.columns < 1:
            return ""
        y0 = top * self.cell[1]
        return sixel_encode(self.image.crop((0, y0, self.image.size[0], y0 + height)))


def sixel_picture(image: Image, columns: int, cell: tuple[int, int]) -> SixelPicture:
    """``image`` scaled to fill ``columns`` cells of ``cell`` pixels (aspect kept)."""
    from PIL import Image as PILImage

    columns, rows = box_size(image.size, columns, cell)
    if columns == 0:
        return SixelPicture(image, 0, 0, cell)
    size = (columns * cell[0], rows * cell[1])
    if image.mode != "RGB":
        image = image.convert("RGB")
    scaled = image.resize(size, PILImage.Resampling.BILINEAR)
    return SixelPicture(scaled, columns, rows, cell)


def sixel_encode(image: Image, colours: int = COLOURS) -> str:
    """``image`` (RGB) as one sixel sequence (``ESC P 0;1;0 q`` ... ``ESC \\``)."""
    from PIL import Image as PILImage

    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    quantized = image.quantize(colors=max(2, min(colours, 256)), dither=PILImage.Dither.NONE)
    palette = quantized.getpalette() or []
    pixels = quantized.tobytes()
    used = sorted(set(pixels))
    out = [f'\x1bP0;1;0q"1;1;{width};{height}'.encode("ascii")]
    for index in used:
        r, g, b = palette[3 * index : 3 * index + 3]
        out.append(b"#%d;2;%d;%d;%d" % (index, *(round(v * 100 / 255) for v in (r, g, b))))
    offset = int.from_bytes(b"?" * width, "big")
    blank = bytearray(256)
    lines = []
    for y0 in range(0, height, 6):
        rows = [pixels[(y0 + i) * width : (y0 + i + 1) * width] for i in range(min(6, height - y0))]
        bands = []
        for index in sorted(set(pixels[y0 * width : (y0 + len(rows)) * width])):
            bits = 0
            for i, row in enumerate(rows):
                table = bytearray(blank)
                table[index] = 1 << i
                bits |= int.from_bytes(row.translate(table), "big")
            if not bits:
                continue
            data = (bits + offset).to_bytes(width, "big").rstrip(b"?")
            data = _RUN.sub(lambda m: b"!%d%c" % (len(m.group()), m.group(1)[0]), data)
            bands.append(b"#%d%s" % (index, data))
        lines.append(b"$".join(bands))
    out.append(b"-".join(lines))  # no "-" after the last band: nothing below it
    return (b"".join(out) + b"\x1b\\").decode("ascii")

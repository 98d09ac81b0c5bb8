"""A picture for the kitty graphics protocol, shown through Unicode placeholders.

The image is sent to the terminal once (PNG, base64, in chunks) with a virtual
placement (``a=p,U=1``); the widget then draws ordinary text cells, U+10EEEE with a
diacritic for the row and one for the column, in a foreground colour that is the
image's id. The terminal puts the picture's pieces where those cells are, so scrolling,
overlays and tab switches are the text's. A tall page is cut into tiles of at most
:data:`TILE_ROWS` rows, each an image of its own (the diacritics count 297 rows), so
a tile is sent only when it first comes on screen.

Only pixels encoded here (base64 of a PNG made from them) and numbers go into the
escape sequences: nothing from the API does.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "CHUNK",
    "DIACRITICS",
    "PLACEHOLDER",
    "TILE_ROWS",
    "KittyPicture",
    "box_size",
    "delete_images",
    "kitty_picture",
    "transmit",
]

PLACEHOLDER = "\U0010eeee"
CHUNK = 4096
"""Largest base64 payload of one escape sequence."""
TILE_ROWS = 120
_DIACRITIC_CODES = """
    0305 030D 030E 0310 0312 033D 033E 033F 0346 034A 034B 034C 0350 0351 0352 0357 035B
    0363 0364 0365 0366 0367 0368 0369 036A 036B 036C 036D 036E 036F 0483 0484 0485 0486
    0487 0592 0593 0594 0595 0597 0598 0599 059C 059D 059E 059F 05A0 05A1 05A8 05A9 05AB
    05AC 05AF 05C4 0610 0611 0612 0613 0614 0615 0616 0617 0657 0658 0659 065A 065B 065D
    065E 06D6 06D7 06D8 06D9 06DA 06DB 06DC 06DF 06E0 06E1 06E2 06E4 06E7 06E8 06EB 06EC
    0730 0732 0733 0735 0736 073A 073D 073F 0740 0741 0743 0745 0747 0749 074A 07EB 07EC
    07ED 07EE 07EF 07F0 07F1 07F3 0816 0817 0818 0819 081B 081C 081D 081E 081F 0820 0821
    0822 0823 0825 0826 0827 0829 082A 082B 082C 082D 0951 0953 0954 0F82 0F83 0F86 0F87
    135D 135E 135F 17DD 193A 1A17 1A75 1A76 1A77 1A78 1A79 1A7A 1A7B 1A7C 1B6B 1B6D 1B6E
    1B6F 1B70 1B71 1B72 1B73 1CD0 1CD1 1CD2 1CDA 1CDB 1CE0 1DC0 1DC1 1DC3 1DC4 1DC5 1DC6
    1DC7 1DC8 1DC9 1DCB 1DCC 1DD1 1DD2 1DD3 1DD4 1DD5 1DD6 1DD7 1DD8 1DD9 1DDA 1DDB 1DDC
    1DDD 1DDE 1DDF 1DE0 1DE1 1DE2 1DE3 1DE4 1DE5 1DE6 1DFE 20D0 20D1 20D4 20D5 20D6 20D7
    20DB 20DC 20E1 20E7 20E9 20F0 2CEF 2CF0 2CF1 2DE0 2DE1 2DE2 2DE3 2DE4 2DE5 2DE6 2DE7
    2DE8 2DE9 2DEA 2DEB 2DEC 2DED 2DEE 2DEF 2DF0 2DF1 2DF2 2DF3 2DF4 2DF5 2DF6 2DF7 2DF8
    2DF9 2DFA 2DFB 2DFC 2DFD 2DFE 2DFF A66F A67C A67D A6F0 A6F1 A8E0 A8E1 A8E2 A8E3 A8E4
    A8E5 A8E6 A8E7 A8E8 A8E9 A8EA A8EB A8EC A8ED A8EE A8EF A8F0 A8F1 AAB0 AAB2 AAB3 AAB7
    AAB8 AABE AABF AAC1 FE20 FE21 FE22 FE23 FE24 FE25 FE26 10A0F 10A38 1D185 1D186 1D187
    1D188 1D189 1D1AA 1D1AB 1D1AC 1D1AD 1D242 1D243 1D244
"""
DIACRITICS = tuple(chr(int(code, 16)) for code in _DIACRITIC_CODES.split())
"""Row and column numbers, as the protocol's table of combining marks spells them."""

# Image ids are shared by every program in the terminal window: start somewhere of
# this process's own, below 2**24 (the foreground colour carries 24 bits).
_ids = itertools.count(0x100000 + (os.getpid() % 0x7000) * 0x100)
_ID_LIMIT = 0xFFFFFF


def _new_id() -> int:
    image_id = next(_ids) % _ID_LIMIT
    return image_id or next(_ids) % _ID_LIMIT


def box_size(image_size: tuple[int, int], columns: int, cell: tuple[int, int]) -> tuple[int, int]:
    """Cells (columns, rows) a picture of ``image_size`` pixels fills when as wide as
    ``columns``, with cells of ``cell`` pixels: the aspect is kept."""
    width, height = image_size
    if width < 1 or height < 1 or columns < 1:
        return (0, 0)
    rows = max(1, round(height * columns * cell[0] / width / cell[1]))
    return (columns, rows)


@dataclass(frozen=True)
class KittyPicture:
    """A picture sent as images ``ids`` (one a tile of ``tile_rows`` rows), placed
    over ``columns`` x ``rows`` cells; ``tiles[n]`` transmits and places tile ``n``."""

    ids: tuple[int, ...]
    columns: int
    rows: int
    tile_rows: int
    tiles: tuple[str, ...]
    _styles: dict[int, Style] = field(default_factory=dict, compare=False, repr=False)

    def line(self, row: int) -> tuple[Segment, ...]:
        """Row ``row`` of placeholder cells."""
        tile, local = divmod(row, self.tile_rows)
        image_id = self.ids[tile]
        style = self._styles.get(image_id)
        if style is None:
            rgb = ((image_id >> 16) & 0xFF, (image_id >> 8) & 0xFF, image_id & 0xFF)
            style = self._styles[image_id] = Style(color=Color.from_rgb(*rgb))
        mark = PLACEHOLDER + DIACRITICS[local]
        text = "".join(mark + DIACRITICS[column] for column in range(self.columns))
        return (Segment(text, style),)

    @property
    def commands(self) -> str:
        """Every tile's commands."""
        return "".join(self.tiles)

    def tiles_for(self, top: int, count: int) -> range:
        """Numbers of the tiles that rows ``top`` to ``top + count`` show."""
        if count < 1 or top >= self.rows:
            return range(0)
        last = min(self.rows, top + count) - 1
        return range(max(0, top) // self.tile_rows, last // self.tile_rows + 1)

    def delete(self) -> str:
        """Commands that free the picture's images in the terminal."""
        return delete_images(self.ids)


def transmit(image_id: int, png: bytes, columns: int, rows: int) -> str:
    """Escape sequences that send ``png`` as image ``image_id`` (quietly: ``q=2``)
    and place it virtually over ``columns`` x ``rows`` placeholder cells."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[start : start + CHUNK] for start in range(0, len(data), CHUNK)] or [""]
    out = []
    for index, chunk in enumerate(chunks):
        more = 0 if index == len(chunks) - 1 else 1
        keys = f"a=t,f=100,t=d,i={image_id},q=2,m={more}" if index == 0 else f"q=2,m={more}"
        out.append(f"\x1b_G{keys};{chunk}\x1b\\")
    out.append(f"\x1b_Ga=p,U=1,i={image_id},c={columns},r={rows},q=2\x1b\\")
    return "".join(out)


def delete_images(ids: tuple[int, ...]) -> str:
    """Commands that delete images ``ids`` and free their data."""
    return "".join(f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\" for image_id in ids)


def kitty_picture(
    image: Image, columns: int, cell: tuple[int, int], tile_rows: int = TILE_ROWS
) -> KittyPicture:
    """``image`` as wide as ``columns`` cells of ``cell`` pixels, ready to send.
    Encodes PNGs: run it off the event loop."""
    from PIL import Image as PILImage

    columns, rows = box_size(image.size, min(columns, len(DIACRITICS)), cell)
    if columns == 0:
        return KittyPicture((), 0, 0, tile_rows, ())
    tile_rows = max(1, min(tile_rows, len(DIACRITICS)))
    # Never more pixels than the cells show; the terminal scales the rest up.
    width = min(image.size[0], columns * cell[0])
    height = max(1, round(image.size[1] * width / image.size[0]))
    if (width, height) != image.size:
        image = image.resize((width, height), PILImage.Resampling.BOX)
    ids, commands = [], []
    for top in range(0, rows, tile_rows):
        count = min(tile_rows, rows - top)
        y0, y1 = round(top * height / rows), round((top + count) * height / rows)
        tile = image.crop((0, y0, width, max(y1, y0 + 1)))
        buffer = io.BytesIO()
        tile.save(buffer, format="PNG", compress_level=1)
        image_id = _new_id()
        ids.append(image_id)
        commands.append(transmit(image_id, buffer.getvalue(), columns, count))
    return KittyPicture(tuple(ids), columns, rows, tile_rows, tuple(commands))

"""Images for the terminal: decode a screenshot safely, turn it into cells.

Pure Python over Pillow and Rich, no Textual: the app calls these from a worker
thread, so a tall full-page screenshot never holds the event loop.
"""

from __future__ import annotations

from spidra_tui.images.cells import CellPicture, half_block_lines, picture_size
from spidra_tui.images.decode import MAX_PIXELS, PictureError, decode_preview

__all__ = [
    "MAX_PIXELS",
    "CellPicture",
    "PictureError",
    "decode_preview",
    "half_block_lines",
    "picture_size",
]

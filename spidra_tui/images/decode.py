"""Decode a downloaded screenshot into a small RGB image for the preview.

The file is untrusted: only PNG, JPEG and WebP decoders are allowed, its declared
size is checked before any pixel is decoded (a decompression bomb is a few KB that
claims billions of pixels), and every failure becomes a :class:`PictureError` whose
text says in plain words what is wrong with the image.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["MAX_PIXELS", "PREVIEW_WIDTH", "PictureError", "decode_preview"]

MAX_PIXELS = 60_000_000
"""Larger images are refused before decoding (a 1280 x 40,000 page is 51 million)."""
MAX_SIDE = 65_000
PREVIEW_WIDTH = 640
"""Decoded images are reduced to at most this width: eight times a wide pane's
half-block pixels, so a resize rescales a small image, not the original."""
_FORMATS = ("PNG", "JPEG", "WEBP")


class PictureError(Exception):
    """An image that cannot be shown; ``str()`` says why, ``kind`` names the case
    (``not_image``, ``too_large``, ``truncated``, ``broken``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def decode_preview(path: Path, max_width: int = PREVIEW_WIDTH) -> Image:
    """The image in ``path`` as RGB, reduced to at most ``max_width`` pixels wide
    (the height follows). Raises :class:`PictureError`; never anything else for a
    bad file."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(path, formats=_FORMATS) as image:
                width, height = image.size
                if width < 1 or height < 1:
                    raise PictureError("broken", "The image has no pixels") from None
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise PictureError(
                        "too_large",
                        f"Not shown: the image claims {width} x {height} pixels, "
                        "more than a screenshot should (a decompression bomb?)",
                    )
                if image.format == "JPEG":
                    image.draft("RGB", (max_width, max(1, height * max_width // width)))
                image.load()
                return _reduced(image, max_width)
    except PictureError:
        raise
    except UnidentifiedImageError:
        raise PictureError(
            "not_image", "Not shown: the file is not a PNG, JPEG or WebP image"
        ) from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise PictureError(
            "too_large", "Not shown: the image is too large to decode safely"
        ) from None
    except OSError as exc:
        if "truncated" in str(exc).lower():
            raise PictureError(
                "truncated", "Not shown: the image is cut short (truncated)"
            ) from None
        raise PictureError(
            "broken", "Not shown: the image is damaged and cannot be decoded"
        ) from None
    except (ValueError, SyntaxError, MemoryError, EOFError, IndexError, struct.error):
        raise PictureError(
            "broken", "Not shown: the image is damaged and cannot be decoded"
        ) from None


def _reduced(image: Image, max_width: int) -> Image:
    from PIL import Image as PILImage

    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA"):
        # Transparency over white, as a browser shows a page without a background.
        backdrop = PILImage.new("RGB", image.size, (255, 255, 255))
        backdrop.paste(image, mask=image.getchannel("A"))
        image = backdrop
    elif image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    factor = width // max_width
    if factor >= 2:
        image = image.reduce(factor)  # box filter by an integer: fast on tall pages
    if image.size[0] > max_width:
        new_height = max(1, round(image.size[1] * max_width / image.size[0]))
        image = image.resize((max_width, new_height), PILImage.Resampling.BOX)
    return image.copy() if image.size == (width, height) else image

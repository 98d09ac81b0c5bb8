"""Screenshots that attack the client: served by the storage origin, listed by one job.

A decompression bomb, a truncated PNG, an HTML page served as ``image/png``, a
redirect to another scheme, a redirect chain too long, an image over the size cap;
and, for contrast, a JPEG and a WebP that are fine. ``demo-server --hostile`` plants
them, so the app can be tried against each.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .pictures import page_picture
from .storage import StoredObject

if TYPE_CHECKING:
    from .emulator import Emulator

JOB_ID = "hostile-screenshots"
OVER_CAP_BYTES = 26 * 1024 * 1024


@dataclass(frozen=True)
class HostileImage:
    """One planted screenshot and what the app should show for it."""

    path: str
    description: str
    expect: str


def bomb_png(width: int, height: int) -> bytes:
    """A few KB of PNG that claim ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(min(height, 2000))) + packer.flush()
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _other_format(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 500), (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def plant_hostile_images(emulator: Emulator, key: str | None = None) -> list[HostileImage]:
    """Plant the objects and a finished job ``hostile-screenshots`` listing them."""
    storage = emulator.storage
    images: list[tuple[HostileImage, StoredObject]] = [
        (
            HostileImage("/hostile/bomb.png", "PNG claiming 100,000 x 100,000 pixels", "refused"),
            StoredObject(bomb_png(100_000, 100_000)),
        ),
        (
            HostileImage("/hostile/truncated.png", "a PNG cut short", "truncated"),
            StoredObject(page_picture(11, 1280, 800)[:-400]),
        ),
        (
            HostileImage("/hostile/login.png", "HTML served as image/png", "not an image"),
            StoredObject(b"<!doctype html><title>Sign in</title><form>...</form>", "image/png"),
        ),
        (
            HostileImage("/hostile/ftp.png", "a redirect to ftp://", "refused"),
            StoredObject(b"", status=302, headers=(("Location", "ftp://example.com/x.png"),)),
        ),
        (
            HostileImage("/hostile/huge.png", "26 MB (over the 25 MB cap)", "too large"),
            StoredObject(b"\x89PNG\r\n\x1a\n" + bytes(OVER_CAP_BYTES)),
        ),
        (
            HostileImage("/hostile/photo.jpg", "a JPEG", "shown"),
            StoredObject(_other_format("JPEG"), "image/jpeg"),
        ),
        (
            HostileImage("/hostile/photo.webp", "a WebP", "shown"),
            StoredObject(_other_format("WEBP"), "image/webp"),
        ),
    ]
    links = [storage.plant(image.path, obj) for image, obj in images]
    # Five redirects, one more than the client follows.
    target = storage.plant("/hostile/loop-5.png", StoredObject(page_picture(12, 640, 400)))
    for hop in range(4, -1, -1):
        target = storage.plant(
            f"/hostile/loop-{hop}.png",
            StoredObject(b"", status=302, headers=(("Location", target),)),
        )
    links.append(target)
    loop = HostileImage("/hostile/loop-0.png", "five redirects in a row", "too many redirects")
    emulator.create_job(
        key,
        job_id=JOB_ID,
        result={
            "content": "Screenshots that attack the client.",
            "data": [],
            "screenshots": links,
        },
    )
    return [image for image, _obj in images] + [loop]

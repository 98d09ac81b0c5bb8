"""Decoding screenshots safely and turning them into half-block cells."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from rich.segment import Segments

from spidra_tui.emulator.pictures import page_picture
from spidra_tui.images import PictureError, decode_preview, half_block_lines, picture_size
from spidra_tui.images.cells import UPPER_HALF


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(width: int, height: int) -> bytes:
    """A few hundred bytes that claim ``width`` x ``height`` pixels of black."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    row = b"\x00" + bytes((width + 7) // 8)
    packed = zlib.compressobj(9)
    data = b"".join(packed.compress(row) for _ in range(min(height, 2000))) + packed.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_full_page_screenshot_is_reduced_for_the_preview(tmp_path: Path) -> None:
    path = write(tmp_path, "tall.png", page_picture(1, 1280, 10_000, "Tall"))
    image = decode_preview(path)
    assert image.mode == "RGB" and image.size == (640, 5000)
    picture = half_block_lines(image, 80)
    assert picture.width == 80 and picture.height == round(5000 * 80 / 640 / 2)
    fitted = half_block_lines(image, 80, 30)
    assert fitted.height == 30 and fitted.width == round(640 * 60 / 5000)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (bomb_png(200_000, 200_000), "too_large"),
        (bomb_png(70_000, 10), "too_large"),
        (bomb_png(8_000, 8_000), "too_large"),  # over our cap, under Pillow's own
        (page_picture(2, 400, 300)[:-300], "truncated"),
        (b"<html><body>not a picture</body></html>", "not_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_image"),
        (b"GIF89a" + bytes(100), "not_image"),  # a real format, but not one we decode
        (b"", "not_image"),
    ],
    ids=[
        "bomb",
        "one-side-too-long",
        "64-megapixels",
        "truncated",
        "html",
        "png-head-only",
        "gif",
        "empty",
    ],
)
def test_hostile_files_become_a_clear_error(tmp_path: Path, data: bytes, kind: str) -> None:
    with pytest.raises(PictureError) as refused:
        decode_preview(write(tmp_path, "x.png", data))
    assert refused.value.kind == kind
    assert str(refused.value).startswith("Not shown")


def test_jpeg_webp_and_transparency(tmp_path: Path) -> None:
    for fmt in ("JPEG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (1000, 500), (10, 200, 30)).save(out, format=fmt)
        image = decode_preview(write(tmp_path, f"x.{fmt}", out.getvalue()))
        assert image.size == (640, 320) and image.mode == "RGB"
        r, g, b = image.getpixel((5, 5))
        assert abs(r - 10) < 12 and abs(g - 200) < 12 and abs(b - 30) < 12
    out = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 0, 0, 0)).save(out, format="PNG")
    clear = decode_preview(write(tmp_path, "clear.png", out.getvalue()))
    assert clear.getpixel((0, 0)) == (255, 255, 255)


def test_each_cell_shows_its_top_and_bottom_pixel() -> None:
    image = Image.new("RGB", (3, 2))
    image.putdata([(255, 0, 0), (255, 0, 0), (0, 0, 255), (0, 255, 0), (0, 255, 0), (9, 9, 9)])
    picture = half_block_lines(image, 10)
    assert picture.width == 3 and picture.height == 1
    first, second = picture.lines[0]
    assert first.text == UPPER_HALF * 2  # two equal cells share one segment
    assert first.style.color.triplet == (255, 0, 0)
    assert first.style.bgcolor.triplet == (0, 255, 0)
    assert second.text == UPPER_HALF
    assert second.style.color.triplet == (0, 0, 255) and second.style.bgcolor.triplet == (9, 9, 9)
    console = Console(color_system="256", width=20, file=io.StringIO(), force_terminal=True)
    console.print(Segments(picture.lines[0]), end="")
    out = console.file.getvalue()
    assert out.startswith("\x1b[38;5;196;48;5;46m▀▀")  # lowered to 256 colours


def test_sizes() -> None:
    assert picture_size((1280, 800), 80, None) == (80, 25)
    assert picture_size((1280, 800), 80, 10) == (32, 10)
    assert picture_size((20, 20), 80, None) == (20, 10)  # never enlarged
    assert picture_size((0, 10), 80, None) == (0, 0)
    assert picture_size((1280, 10_000), 100, None) == (100, 391)


async def test_the_picture_worker_runs_one_at_a_time_and_only_the_newest_waiting() -> None:
    import asyncio
    import os
    import threading

    from spidra_tui.images.worker import NICENESS, PictureWorker

    worker = PictureWorker()
    started, release = threading.Event(), threading.Event()
    results: list[object] = []
    niceness: list[int] = []

    def first() -> str:
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        started.set()
        release.wait(5)
        return "first"

    loop = asyncio.get_running_loop()
    finished = loop.create_future()

    def done(result: object, error: BaseException | None) -> None:
        results.append(result if error is None else repr(error))
        if len(results) == 2:
            finished.set_result(None)

    worker.submit("picture", first, done)
    await asyncio.to_thread(started.wait, 5)
    worker.submit("picture", lambda: "second", done)  # replaced before its turn
    worker.submit("picture", lambda: 1 / 0, done)
    release.set()
    await asyncio.wait_for(finished, 5)
    worker.close()
    assert results == ["first", "ZeroDivisionError('division by zero')"]
    assert worker.ran == 2
    assert niceness == [os.getpriority(os.PRIO_PROCESS, 0) + NICENESS] or niceness == [19]

"""Choosing how pictures are drawn, and the kitty and sixel data made for them."""

from __future__ import annotations

import base64
import io
import os
import re
import time
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from spidra_tui.emulator.pictures import page_picture
from spidra_tui.images.kitty import CHUNK, DIACRITICS, PLACEHOLDER, kitty_picture
from spidra_tui.images.protocol import FALLBACK_CELL, cell_pixels, image_mode
from spidra_tui.images.sixel import sixel_encode, sixel_picture

KITTY = {"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}
TMUX = {"TMUX": "/tmp/tmux-1000/default,123,0"}


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),
        ({"TERM": "xterm-ghostty"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "foot-extra"}, "sixel"),
        ({"TERM": "mlterm"}, "sixel"),
        ({"TERM": "contour"}, "sixel"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "sixel"),
        ({"TERM": "xterm-256color"}, "cells"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, "cells"),
        ({}, "cells"),
        # Inside a multiplexer: never graphics, whatever the outer terminal says.
        ({**KITTY, **TMUX}, "cells"),
        ({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, "cells"),
        ({"TERM": "screen-256color", "TERM_PROGRAM": "WezTerm"}, "cells"),
        ({"TERM": "xterm-kitty", "STY": "1234.pts-0.host"}, "cells"),
        ({"TERM": "foot", **TMUX}, "cells"),
    ],
)
def test_auto_picks_what_the_terminal_shows_safely(env: dict[str, str], mode: str) -> None:
    assert image_mode("auto", env) == mode


def test_the_option_and_the_variable_force_a_mode() -> None:
    assert image_mode("sixel", KITTY) == "sixel"
    assert image_mode("cells", KITTY) == "cells"
    assert image_mode("auto", {**KITTY, "SPIDRA_TUI_IMAGES": "cells"}) == "cells"
    assert image_mode("auto", {"SPIDRA_TUI_IMAGES": "Sixel"}) == "sixel"
    # The option wins over the variable; an unknown value means auto.
    assert image_mode("kitty", {"SPIDRA_TUI_IMAGES": "sixel"}) == "kitty"
    assert image_mode("auto", {**KITTY, "SPIDRA_TUI_IMAGES": "bogus"}) == "kitty"
    assert image_mode("auto", {**KITTY, "SPIDRA_TUI_IMAGES": "auto"}) == "kitty"


def test_cell_pixels_fall_back_when_the_terminal_does_not_say() -> None:
    read, write = os.pipe()
    try:
        assert cell_pixels((80, 24), fds=(read, write)) == FALLBACK_CELL
    finally:
        os.close(read)
        os.close(write)
    assert cell_pixels((80, 24), fds=(987654,)) == FALLBACK_CELL


def test_the_diacritics_are_the_protocols_table() -> None:
    assert len(DIACRITICS) == 297
    assert DIACRITICS[:3] == ("\u0305", "\u030d", "\u030e")
    assert DIACRITICS[-1] == "\U0001d244"
    assert list(DIACRITICS) == sorted(DIACRITICS)
    assert all(unicodedata.combining(mark) == 230 for mark in DIACRITICS)


_APC = re.compile(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\")


def _commands(data: str) -> list[tuple[dict[str, str], str]]:
    found = [(m.group(1), m.group(2) or "", m.span()) for m in _APC.finditer(data)]
    # Nothing but the commands themselves.
    assert "".join(data[a:b] for _, _, (a, b) in found) == data
    return [
        (dict(kv.split("=", 1) for kv in keys.split(",")), payload) for keys, payload, _ in found
    ]


def test_kitty_chunks_decode_back_to_the_picture() -> None:
    image = Image.open(io.BytesIO(page_picture(3, 640, 3000, "Shop"))).convert("RGB")
    picture = kitty_picture(image, 80, (10, 20), tile_rows=50)
    assert picture.columns == 80
    assert picture.rows == round(3000 * 800 / 640 / 20)
    assert len(picture.ids) == -(-picture.rows // 50)
    assert all(0 < i < 2**24 for i in picture.ids) and len(set(picture.ids)) == len(picture.ids)
    commands = _commands(picture.commands)
    heights, placed = [], []
    payload: list[str] = []
    current: str | None = None
    for keys, data in commands:
        assert keys.get("q") == "2"  # the terminal sends no replies
        assert len(data) <= CHUNK
        assert re.fullmatch(r"[A-Za-z0-9+/=]*", data)
        if keys.get("a") == "t":
            assert current is None and keys["f"] == "100"
            current = keys["i"]
        if keys.get("a") == "p":
            assert keys["U"] == "1" and current is None
            placed.append((int(keys["i"]), int(keys["c"]), int(keys["r"])))
            continue
        assert "m" in keys
        payload.append(data)
        if keys["m"] == "0":
            png = Image.open(io.BytesIO(base64.b64decode("".join(payload))))
            assert png.format == "PNG" and png.size[0] == 640
            heights.append(png.size[1])
            payload, current = [], None
    assert current is None and not payload
    assert [i for i, _, _ in placed] == list(picture.ids)
    assert all(c == 80 for _, c, _ in placed)
    assert sum(r for _, _, r in placed) == picture.rows
    assert abs(sum(heights) - 3000) <= len(heights)
    assert picture.delete() == "".join(f"\x1b_Ga=d,d=I,i={i},q=2\x1b\\" for i in picture.ids)


def test_placeholder_rows_carry_row_column_and_image_id() -> None:
    image = Image.new("RGB", (120, 400), (200, 10, 10))
    picture = kitty_picture(image, 12, (10, 20), tile_rows=5)
    assert picture.rows == 20 and len(picture.ids) == 4
    for row in (0, 3, 5, 19):
        (segment,) = picture.line(row)
        text = segment.text
        assert len(text) == 3 * 12
        assert text[0::3] == PLACEHOLDER * 12
        assert set(text[1::3]) == {DIACRITICS[row % 5]}
        assert text[2::3] == "".join(DIACRITICS[:12])
        image_id = picture.ids[row // 5]
        assert segment.style is not None and segment.style.color is not None
        triplet = segment.style.color.get_truecolor()
        assert (triplet.red << 16) | (triplet.green << 8) | triplet.blue == image_id


_SIXEL = re.compile(r'\x1bP0;1;0q"1;1;(\d+);(\d+)((?:#\d+;2;\d+;\d+;\d+)*)([#!$?-~0-9-]*)\x1b\\')


def decode_sixel(data: str) -> Image.Image:
    """A small sixel reader, enough to check what the encoder wrote."""
    match = _SIXEL.fullmatch(data)
    assert match, repr(data[:80])
    width, height = int(match.group(1)), int(match.group(2))
    colours = {
        int(n): tuple(round(int(v) * 255 / 100) for v in rgb)
        for n, *rgb in re.findall(r"#(\d+);2;(\d+);(\d+);(\d+)", match.group(3))
    }
    out = Image.new("RGB", (width, height), (1, 2, 3))
    pixels = out.load()
    x = band = 0
    colour = (0, 0, 0)
    for token in re.findall(r"#\d+|!\d+[?-~]|\$|-|[?-~]", match.group(4)):
        if token[0] == "#":
            colour = colours[int(token[1:])]
            continue
        if token == "$":
            x = 0
            continue
        if token == "-":
            x, band = 0, band + 1
            continue
        count, char = (int(token[1:-1]), token[-1]) if token[0] == "!" else (1, token)
        bits = ord(char) - 63
        for _ in range(count):
            for bit in range(6):
                if bits >> bit & 1:
                    assert x < width and band * 6 + bit < height
                    pixels[x, band * 6 + bit] = colour
            x += 1
    assert band == (height - 1) // 6
    return out


def test_sixel_is_well_formed_and_shows_the_pixels() -> None:
    image = Image.open(io.BytesIO(page_picture(3, 300, 200, "Shop"))).convert("RGB")
    image = image.crop((0, 0, 297, 198))  # not a multiple of anything
    data = sixel_encode(image)
    assert data.startswith("\x1bP") and data.endswith("\x1b\\")
    assert data.count("\x1b") == 2
    decoded = decode_sixel(data)
    assert decoded.size == image.size
    expected = image.quantize(colors=255, dither=Image.Dither.NONE).convert("RGB")
    pairs = zip(decoded.tobytes(), expected.tobytes(), strict=True)
    worst = max(abs(a - b) for a, b in pairs)
    assert worst <= 3  # percentages in the palette round a little


def test_a_sixel_window_fits_its_rows_and_is_quick() -> None:
    image = Image.open(io.BytesIO(page_picture(3, 1280, 6000, "Shop"))).convert("RGB")
    image = image.reduce(2)
    picture = sixel_picture(image, 100, (9, 19))
    assert picture.columns == 100 and picture.image.size == (900, picture.rows * 19)
    started = time.perf_counter()
    data = picture.window(40, 37)
    took = time.perf_counter() - started
    width, height = (int(v) for v in _SIXEL.fullmatch(data).groups()[:2])  # type: ignore[union-attr]
    assert width == 900 and height <= 37 * 19 and height % 6 == 0 and height > 37 * 19 - 6
    assert decode_sixel(data).size == (width, height)
    assert took < 1.0, took  # about 0.04 s on a laptop core
    # The last rows: the window is cut to what is left.
    tail = picture.window(picture.rows - 3, 37)
    assert int(_SIXEL.fullmatch(tail).group(2)) <= 3 * 19  # type: ignore[union-attr]
    assert picture.window(picture.rows, 10) == ""


@pytest.mark.parametrize(
    ("argv", "mode"),
    [([], "auto"), (["--images", "kitty"], "kitty"), (["job-1", "--images", "cells"], "cells")],
)
def test_the_images_option(argv: list[str], mode: str) -> None:
    from spidra_tui.cli import parse

    command, args = parse(argv)
    assert command is None and args.images == mode


def test_a_bad_images_mode_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from spidra_tui.cli import main

    assert main(["--images", "ascii"]) == 2
    assert "--images" in capsys.readouterr().err


def test_the_app_resolves_its_mode_from_its_environment(tmp_path: Path) -> None:
    from ui_support import UiRig

    assert UiRig(tmp_path).app.image_mode == "cells"
    wezterm = {"TERM_PROGRAM": "WezTerm"}
    assert UiRig(tmp_path, images="auto", env=wezterm).app.image_mode == "sixel"
    tmux = {**wezterm, "TMUX": "/tmp/tmux-1/default,1,0"}
    assert UiRig(tmp_path, images="auto", env=tmux).app.image_mode == "cells"
    assert UiRig(tmp_path, images="kitty", env=tmux).app.image_mode == "kitty"

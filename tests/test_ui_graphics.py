"""The Screenshots tab in each drawing mode: kitty placeholders, sixel, and cells
inside tmux; hostile images stay a clear state in every mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.text import Text
from test_images import bomb_png
from test_ui_screenshots import _picture, open_tab, rig_with, until
from ui_support import UiRig

from spidra_tui.emulator import Emulator
from spidra_tui.emulator.storage import StoredObject
from spidra_tui.images.cells import UPPER_HALF
from spidra_tui.images.kitty import PLACEHOLDER
from spidra_tui.ui.detail import preview as preview_module
from spidra_tui.ui.detail.preview import ScreenshotPreview
from spidra_tui.ui.dialogs.confirm import ConfirmDialog

CELL = (10, 20)


@pytest.fixture(autouse=True)
def known_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cell size the terminal would report (tests may run in a real terminal)."""
    monkeypatch.setattr(preview_module, "cell_pixels", lambda size: CELL)


def _plant(emulator: Emulator, *sizes: tuple[int, int]) -> list[str]:
    return [
        emulator.storage.plant(f"/screenshots/{n}.png", StoredObject(_picture(w, h)))
        for n, (w, h) in enumerate(sizes, 1)
    ]


def _screen_output(rig: UiRig) -> str:
    """What a full repaint of the screen writes to the terminal."""
    update = rig.app.screen._compositor.render_full_update()
    return update.render_segments(rig.app.console)


async def test_kitty_sends_the_picture_once_and_draws_placeholders(
    emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "here").mkdir()
    shots = _plant(emulator, (1280, 800), (1280, 6000))
    rig = rig_with(tmp_path, emulator, shots, images="kitty")
    written: list[str] = []
    async with rig.app.run_test(size=(140, 40)) as pilot:
        rig.app.terminal.attach(written.append)
        tab = await open_tab(rig, pilot)
        preview = tab.query_one(ScreenshotPreview)
        assert preview.mode == "kitty"
        await until(pilot, lambda: preview.kitty is not None)
        first = preview.kitty
        assert first is not None and first.columns == preview.scrollable_content_region.width
        sent = "".join(written)
        assert sent.count("a=t,f=100") == len(first.ids) == 1
        assert f"a=p,U=1,i={first.ids[0]}," in sent
        strip = preview.render_line(0)
        assert strip.text.startswith(PLACEHOLDER) and UPPER_HALF not in strip.text
        await pilot.pause(0.1)
        assert "".join(written).count("a=t,") == 1  # repaints send nothing again
        # Another screenshot: the old image is deleted, the new one sent.
        await pilot.press("]")
        await until(pilot, lambda: preview.kitty is not None and preview.kitty is not first)
        second = preview.kitty
        assert second is not None
        assert f"a=d,d=I,i={first.ids[0]},q=2" in "".join(written)
        assert len(second.ids) > 1  # a tall page comes in tiles, each sent when first seen
        await pilot.pause(0.05)
        assert f"a=t,f=100,t=d,i={second.ids[0]}," in "".join(written)
        assert f"i={second.ids[1]}," not in "".join(written)
        preview.scroll_end(animate=False)
        await until(pilot, lambda: f"a=t,f=100,t=d,i={second.ids[1]}," in "".join(written))
        assert "".join(written).count(f"a=p,U=1,i={second.ids[1]},") == 1
    # Leaving the app deletes what it sent.
    assert all(f"a=d,d=I,i={i},q=2" in "".join(written) for i in second.ids)


async def test_kitty_without_a_terminal_shows_cells(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    rig = rig_with(tmp_path, emulator, _plant(emulator, (1280, 800)), images="kitty")
    async with rig.app.run_test(size=(140, 40)) as pilot:
        tab = await open_tab(rig, pilot)
        preview = tab.query_one(ScreenshotPreview)
        await until(pilot, lambda: preview.picture is not None)
        assert tab.preview_state == "shown"
        assert preview.kitty is None
        assert UPPER_HALF in preview.render_line(0).text


_DCS = re.compile(r'\x1bP0;1;0q"1;1;(\d+);(\d+)[#;0-9!$?-~-]*\x1b\\')


async def test_sixel_is_drawn_over_the_last_line_and_fits_the_pane(
    emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "here").mkdir()
    shots = _plant(emulator, (1280, 5000))
    rig = rig_with(tmp_path, emulator, shots, images="sixel")
    async with rig.app.run_test(size=(140, 40)) as pilot:
        tab = await open_tab(rig, pilot)
        preview = tab.query_one(ScreenshotPreview)
        assert preview.mode == "sixel"
        await until(pilot, lambda: tab.preview_state == "shown" and bool(preview._windows))
        await pilot.pause(0.05)
        region = preview.scrollable_content_region
        out = _screen_output(rig)
        found = _DCS.findall(out)
        assert len(found) == 1, out.count("\x1bP")
        width, height = (int(v) for v in found[0])
        assert width == region.width * CELL[0]
        assert region.height * CELL[1] - 6 < height <= region.height * CELL[1]
        # Drawn from the pane's top-left corner, after the lines under it.
        start = out.index("\x1bP0;1;0q")
        last = region.height - 1
        assert out[:start].endswith(f"\x1b7\x1b[{last}A\x1b[{region.x + 1}G")
        assert out.index("\x1b\\", start) < out.index("\x1b8", start)  # restored after it
        # On the screen line of the pane's last row.
        moves = re.findall(r"\x1b\[(\d+);(\d+)H", out[:start])
        assert int(moves[-1][0]) == region.y + last + 1
        # Paging down draws the next window of the page.
        await pilot.press("space")
        await until(pilot, lambda: preview.scroll_offset.y > 0)
        top = preview.scroll_offset.y
        await until(pilot, lambda: any(w[0] == top for w in preview._windows))
        await pilot.pause(0.05)
        assert len(_DCS.findall(_screen_output(rig))) == 1
        # Under a dialog the page is repainted as (tinted) cells, with no sixel over it.
        rig.app.push_screen(ConfirmDialog("Replace?", Text("job-a-1.png exists")))
        await until(pilot, lambda: isinstance(rig.app.screen, ConfirmDialog))
        await pilot.pause(0.05)
        assert "\x1bP" not in _screen_output(rig)
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(rig.app.screen, ConfirmDialog))
        await pilot.pause(0.05)
        assert len(_DCS.findall(_screen_output(rig))) == 1


async def test_auto_inside_tmux_draws_cells(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    env = {"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1", "TMUX": "/tmp/tmux-1/default,1,0"}
    rig = rig_with(tmp_path, emulator, _plant(emulator, (1280, 800)), images="auto", env=env)
    written: list[str] = []
    async with rig.app.run_test(size=(140, 40)) as pilot:
        rig.app.terminal.attach(written.append)
        tab = await open_tab(rig, pilot)
        preview = tab.query_one(ScreenshotPreview)
        assert rig.app.image_mode == "cells" and preview.mode == "cells"
        await until(pilot, lambda: preview.picture is not None)
        assert UPPER_HALF in preview.render_line(0).text
        assert "\x1b_G" not in "".join(written) and "\x1bP" not in _screen_output(rig)


@pytest.mark.parametrize("mode", ["kitty", "sixel", "cells"])
async def test_hostile_images_are_a_clear_state_in_every_mode(
    emulator: Emulator, tmp_path: Path, mode: str
) -> None:
    storage = emulator.storage
    shots = [
        storage.plant("/a.png", StoredObject(b"<html>Sign in</html>", "image/png")),
        storage.plant("/b.png", StoredObject(bomb_png(200_000, 200_000))),
        storage.plant("/c.png", StoredObject(_picture(400, 300)[:-200])),
    ]
    rig = rig_with(tmp_path, emulator, shots, images=mode)
    written: list[str] = []
    async with rig.app.run_test(size=(140, 40)) as pilot:
        rig.app.terminal.attach(written.append)
        tab = await open_tab(rig, pilot)
        state = tab.query_one("#shot-state")
        preview = tab.query_one(ScreenshotPreview)
        for index, words in enumerate(["Not an image", "too large", "cut short"]):
            if index:
                await pilot.press("]")
            await until(pilot, lambda: words in str(state.render()))  # noqa: B023
            assert tab.preview_state == "failed"
            assert preview.picture is None and preview.kitty is None and preview.sixel is None
        assert "\x1b_Ga=t" not in "".join(written)
        assert "\x1bP" not in _screen_output(rig)

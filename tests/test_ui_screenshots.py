"""The Screenshots tab as a user meets it: the picture on screen, ``s`` to keep it,
hostile images as a clear state; and notifications that leave the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from test_images import bomb_png
from ui_support import UiRig, completed_body

from spidra_tui.deliver.image_cache import ImageCache
from spidra_tui.deliver.screenshots import ScreenshotFetcher
from spidra_tui.emulator import Emulator
from spidra_tui.emulator.storage import StoredObject
from spidra_tui.images.cells import UPPER_HALF
from spidra_tui.ui.detail.preview import ScreenshotPreview
from spidra_tui.ui.detail.screenshots import ScreenshotsTab
from spidra_tui.ui.dialogs.confirm import ConfirmDialog


async def until(  # type: ignore[no-untyped-def]
    pilot, condition: Callable[[], bool], seconds: float = 10.0, message=lambda: ""
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, f"condition not met in time: {message()}"
        await pilot.pause(0.02)


def rig_with(tmp_path: Path, emulator: Emulator, shots: list[str], **options) -> UiRig:  # type: ignore[no-untyped-def]
    fetcher = ScreenshotFetcher(ImageCache(tmp_path / "cache"))
    rig = UiRig(tmp_path / "here", ["job-a"], screenshots=fetcher, **options)
    rig.shots = shots  # type: ignore[attr-defined]
    return rig


async def open_tab(rig: UiRig, pilot) -> ScreenshotsTab:  # type: ignore[no-untyped-def]
    await pilot.pause()
    rig.w.answer("job-a", completed_body("# x", screenshots=rig.shots))  # type: ignore[attr-defined]
    await pilot.pause(0.3)
    await pilot.press("enter", "3")
    return rig.app.query_one("#screenshots-tab", ScreenshotsTab)


async def test_the_selected_screenshot_shows_as_cells_and_s_keeps_it(
    emulator: Emulator, tmp_path: Path, http
) -> None:
    (tmp_path / "here").mkdir()
    shots = [
        emulator.storage.plant(f"/screenshots/{n}.png", StoredObject(body))
        for n, body in ((1, _picture(1280, 800)), (2, _picture(1280, 6000)))
    ]
    rig = rig_with(tmp_path, emulator, shots)
    async with rig.app.run_test(size=(140, 40)) as pilot:
        tab = await open_tab(rig, pilot)
        preview = rig.app.query_one("#screenshots-tab").query_one(ScreenshotPreview)
        await until(pilot, lambda: preview.picture is not None)
        assert tab.preview_state == "shown"
        picture = preview.picture
        assert picture is not None and picture.width == preview.scrollable_content_region.width
        # The cells on screen are half blocks in the picture's colours.
        strip = preview.render_line(0)
        assert UPPER_HALF in strip.text
        assert any(s.style is not None and s.style.bgcolor is not None for s in strip)
        # s saves the selected screenshot into the folder the app started in.
        await pilot.press("s")
        target = tmp_path / "here" / "job-a-1.png"
        await until(pilot, target.exists)
        assert target.read_bytes() == http.get(shots[0]).content
        # Again: asks before replacing; "n" leaves the file as it is.
        target.write_bytes(b"mine")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(rig.app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause(0.1)
        assert target.read_bytes() == b"mine"
        await pilot.press("s")
        await until(pilot, lambda: isinstance(rig.app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: target.read_bytes()[:4] == b"\x89PNG")
        assert "Screenshot saved" in rig.toasts()
        # The tall one: scaled to the pane's width, redrawn when the pane changes size.
        await pilot.press("]")
        await until(pilot, lambda: preview.picture is not None and preview.picture.height > 100)
        await pilot.press("space")  # pages the tall picture
        await until(pilot, lambda: preview.scroll_offset.y > 0)
        await pilot.press("b")
        await until(pilot, lambda: preview.scroll_offset.y == 0)
        renders, before = preview.renders, preview.picture.width
        await pilot.resize_terminal(100, 40)
        await until(
            pilot,
            lambda: (
                preview.renders > renders
                and preview.picture is not None
                and preview.picture.width == preview.scrollable_content_region.width
            ),
        )
        assert preview.picture.width != before
    requests = emulator.storage.requests
    assert requests and all("spd_" not in r.target + repr(r.headers) for r in requests)


def _picture(width: int, height: int) -> bytes:
    from spidra_tui.emulator.pictures import page_picture

    return page_picture(3, width, height, "Shop")


async def test_hostile_images_show_a_clear_state(emulator: Emulator, tmp_path: Path) -> None:
    storage = emulator.storage
    shots = [
        storage.plant("/a.png", StoredObject(b"<html>Sign in</html>", "image/png")),
        storage.plant("/b.png", StoredObject(bomb_png(200_000, 200_000))),
        storage.plant("/c.png", StoredObject(_picture(400, 300)[:-200])),
        storage.plant(
            "/d.png", StoredObject(b"", status=302, headers=(("Location", "ftp://x/y.png"),))
        ),
        "file:///etc/passwd",
    ]
    rig = rig_with(tmp_path, emulator, shots)
    expected = [
        "Not an image",
        "too large",
        "cut short",
        "only http and https links are fetched",
        "only http and https links are",
    ]
    async with rig.app.run_test(size=(140, 40)) as pilot:
        tab = await open_tab(rig, pilot)
        state = tab.query_one("#shot-state")
        for index, words in enumerate(expected):
            if index:
                await pilot.press("]")
            await until(
                pilot,
                lambda: words in str(state.render()),  # noqa: B023
                message=lambda: f"{index}: {state.render()}",  # noqa: B023
            )
            assert tab.preview_state in ("failed", "refused")
            assert (
                rig.app.query_one("#screenshots-tab").query_one(ScreenshotPreview).picture is None
            )
            await pilot.pause(0.05)


async def test_endings_notify_through_the_terminal_once_per_burst(tmp_path: Path) -> None:
    env = {"TERM_PROGRAM": "WezTerm", "TMUX": "/tmp/tmux-0/default,1,0"}
    rig = UiRig(tmp_path, ["job-a", "job-b", "job-c"], env=env, notify_mode="auto")
    async with rig.app.run_test(size=(140, 35)) as pilot:
        written: list[str] = []
        rig.app.terminal.attach(written.append)
        await pilot.pause()
        body = completed_body("# x", title="Shop \x1b]0;owned\x07 ; page")
        rig.w.answer("job-a", body)
        rig.w.answer("job-b", body)
        await until(pilot, lambda: bool(written), seconds=5)
        await pilot.pause(0.2)
        notes = [w for w in written if "777" in w]
        assert notes == [
            "\x1bPtmux;\x1b\x1b]777;notify;spidra-tui;2 jobs ended: 2 completed\x07\x1b\\"
        ]
        await pilot.press("N")  # off: no toast, no notification
        await pilot.pause()
        assert rig.app.notify_jobs is False
        rig.w.answer("job-c", body)
        await until(pilot, lambda: rig.app.main.job_list.summary("job-c").terminal)
        await pilot.pause()
        assert rig.app.notices.pending == 0  # nothing gathered: nothing will be sent
        assert [w for w in written if "777" in w] == notes


async def test_a_batch_items_screenshot_shows_with_3_and_s_keeps_it(
    emulator: Emulator, tmp_path: Path, http
) -> None:
    from test_ui_kinds import report

    from spidra_tui.api.batch import parse_batch

    (tmp_path / "here").mkdir()
    shot = emulator.storage.plant("/items/2.png", StoredObject(_picture(800, 600)))
    fetcher = ScreenshotFetcher(ImageCache(tmp_path / "cache"))
    key = "batch:b-7"
    rig = UiRig(tmp_path / "here", [key], screenshots=fetcher)
    body = {
        "status": "completed",
        "totalUrls": 2,
        "completedCount": 2,
        "failedCount": 0,
        "items": [
            {"uuid": "1", "url": "https://a.test/", "status": "completed", "result": "# A"},
            {
                "uuid": "2",
                "url": "https://b.test/",
                "status": "completed",
                "result": "# B",
                "screenshotUrl": shot,
            },
        ],
    }
    async with rig.app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        report(rig, key, parse_batch(body))
        detail = rig.app.main.detail
        view = detail.parts_view
        await until(pilot, lambda: detail.shows_parts and view.selected is not None)
        await pilot.press("tab", "right_square_bracket")
        await until(pilot, lambda: view.selected_index == 1)
        assert "3 screenshot" in str(view.query_one("#part-info").render())
        await pilot.press("3")
        preview = view.shots.query_one(ScreenshotPreview)
        await until(pilot, lambda: preview.picture is not None)
        assert view.shots.preview_state == "shown"
        assert UPPER_HALF in preview.render_line(0).text
        assert detail.screenshot_url() == shot
        await pilot.press("s")
        target = tmp_path / "here" / "batch-b-7-2.png"
        await until(pilot, target.exists, message=lambda: str(rig.toasts()))
        assert target.read_bytes() == http.get(shot).content
        # The first item has no screenshot: stepping back says so, 1 shows content.
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: view.shots.preview_state == "none")
        info = view.shots.query_one("#shot-info")
        await until(pilot, lambda: "This item has no screenshot." in str(info.render()))
        await pilot.press("1")
        await until(pilot, lambda: view.query_one("#part-doc").display)
        assert detail.copy_target().text == "# A"

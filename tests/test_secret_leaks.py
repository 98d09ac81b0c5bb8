"""A planted API key is found nowhere: not on any screen, in any file the app writes, in
any error, nor in the traceback Textual's crash screen prints with every frame's locals.

The key is grepped for whole, by its middle part and in base64 (as an OSC 52 copy
would carry it). The real-process side (the debug log, the database as a killed
process leaves it, child processes' argv and environment) is in test_secret_process.py.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from rich.traceback import Traceback
from textual.widgets import TextArea
from textual.worker import WorkerFailed
from waiting import pilot_wait_for

from spidra_tui.api.client import ScrapeRequest, SpidraClient
from spidra_tui.api.errors import AuthError, SpidraError, TransportError
from spidra_tui.commands.tui import make_app
from spidra_tui.config import PollSettings
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults
from spidra_tui.secret import Secret, load_key
from spidra_tui.ui.app import SpidraApp
from spidra_tui.ui.detail.pane import JobDetail
from spidra_tui.ui.dialogs.new_scrape import NewScrapeDialog
from spidra_tui.watch.store import JobStore

KEY = "spd_PLANTED_7f3a9c1e5b"
MASKED = "spd_...1e5b"
FRAGMENTS = (KEY, "PLANTED_7f3a", "7f3a9c1e", base64.b64encode(KEY.encode()).decode()[:16])


def leaks(text: str | bytes) -> list[str]:
    """The fragments of the key found in ``text``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [fragment for fragment in FRAGMENTS if fragment in text]


def segments_text(renderable: Any) -> str:
    """The text of a pre-rendered ``rich.segment.Segments`` (Textual's crash output)."""
    return "".join(segment.text for segment in renderable.segments)


@pytest.fixture
def server(make_emulator: Callable[..., Emulator]) -> Emulator:
    emulator = make_emulator(EmulatorConfig(catalogue=False))
    emulator.create_job(
        KEY,
        result={
            "content": "# Result\n\nSome text.",
            "data": [{"url": "https://example.com/", "title": "Example", "success": True}],
            "screenshots": ["https://shots.example/1.png"],
        },
    )
    emulator.create_job(KEY, error="Failed to scrape https://example.com/")
    return emulator


@pytest.fixture
def state(tmp_path: Path) -> Iterator[JobStore]:
    store = JobStore.open(tmp_path / "state")
    yield store
    store.close()


_CLIENTS: dict[int, SpidraClient] = {}


async def _close_client(app: SpidraApp) -> None:
    client = _CLIENTS.pop(id(app), None)
    if client is not None:
        await client.aclose()


def _app(emulator: Emulator, store: JobStore, folder: Path, **options: Any) -> SpidraApp:
    client = SpidraClient(emulator.base_url or "", Secret(KEY), get_retries=0, post_retries=0)
    store.add_many(emulator.job_ids())
    app = make_app(
        store=store,
        client=client,
        poll=PollSettings(interval=1, max_rate=100),
        env={"DISPLAY": ":0"},
        folder=folder,
        notify_jobs=True,
        **options,
    )
    app.animation_level = "none"
    _CLIENTS[id(app)] = client
    return app


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_no_screen_dialog_file_or_screenshot_holds_the_key(
    server: Emulator, state: JobStore, tmp_path: Path
) -> None:
    copied: list[str] = []
    app = _app(server, state, tmp_path, pyperclip_copy=copied.append)
    shown: dict[str, str] = {}
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot_wait_for(
                pilot, lambda: all(s.terminal for s in state.list()), what="both jobs to end"
            )
            await _settle(pilot)
            shown["main"] = app.export_screenshot()
            shown["header"] = app.main.status_bar.polling_text
            for key, name in (("question_mark", "help"), ("a", "add"), ("n", "new scrape")):
                await pilot.press(key)
                await _settle(pilot)
                shown[name] = app.export_screenshot()
                await pilot.press("escape")
                await _settle(pilot)
            await pilot.press("ctrl+p")
            await _settle(pilot)
            shown["palette"] = app.export_screenshot()
            await pilot.press("escape")
            await pilot.press("x")
            await _settle(pilot)
            shown["remove"] = app.export_screenshot()
            await pilot.press("escape")
            for key in ("1", "c", "i", "s", "enter", "S", "enter", "5", "c", "4", "s", "enter"):
                await pilot.press(key)
                await _settle(pilot)
            shown["saved"] = app.export_screenshot()
            app.save_screenshot("shot.svg", str(tmp_path))
            # The database as it is while the app runs: main file and write-ahead log.
            for name in ("jobs.db", "jobs.db-wal"):
                path = tmp_path / "state" / name
                if path.exists():
                    shown[name] = path.read_bytes().decode("latin-1")

            # The server now refuses the key: the header says so, without the key.
            server.revoke_key(KEY)
            server.create_job(KEY)
            app.watcher.add([server.job_ids()[-1]])
            await pilot_wait_for(
                pilot,
                lambda: "refused" in app.main.status_bar.polling_text,
                what="the header to say the key was refused",
            )
            shown["refused"] = app.main.status_bar.polling_text
            assert "API key refused" in shown["refused"]
            shown["refused screen"] = app.export_screenshot()
    finally:
        await app.stop_watching()
        await _close_client(app)
    saved = sorted(path.name for path in tmp_path.iterdir() if path.is_file())
    assert len([name for name in saved if name != "shot.svg"]) >= 3, saved
    for name in saved:
        shown[f"file {name}"] = (tmp_path / name).read_text(encoding="utf-8")
    shown["copies"] = "\n".join(copied) + "\n".join(str(app.clipboard))
    assert copied
    assert {name: leaks(text) for name, text in shown.items() if leaks(text)} == {}


async def test_every_client_error_and_its_traceback_with_locals_keep_the_key(
    server: Emulator,
) -> None:
    texts: list[str] = []
    console = Console(file=io.StringIO(), width=200, record=True)

    def record(error: BaseException) -> None:
        texts.extend([str(error), repr(error), repr(error.__cause__), repr(error.__context__)])
        console.print(
            Traceback.from_exception(type(error), error, error.__traceback__, show_locals=True)
        )

    async with SpidraClient(server.base_url or "", Secret(KEY), get_retries=0) as client:
        texts.append(repr(client))
        server.revoke_key(KEY)
        with pytest.raises(AuthError) as refused:
            await client.get_job(server.job_ids()[0])
        record(refused.value)
        with pytest.raises(AuthError) as refused_post:
            await client.submit_scrape(ScrapeRequest(urls=("https://example.com/",)))
        record(refused_post.value)
        server.faults = Faults(non_json=1.0, non_json_kinds=("html-200",))
        with pytest.raises(SpidraError) as garbled:
            await client.get_job("x")
        record(garbled.value)
    async with SpidraClient("http://127.0.0.1:9/api", Secret(KEY), get_retries=0) as closed:
        with pytest.raises(TransportError) as unreachable:
            await closed.get_job("x")
        record(unreachable.value)
    texts.append(console.export_text())
    assert "spidra_tui/api/client.py" in texts[-1]  # the tracebacks did render
    assert [leaks(text) for text in texts if leaks(text)] == []


class _Exploding(httpx.AsyncBaseTransport):
    """A transport that fails the way a bug deep in the HTTP stack would."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("the HTTP stack broke")


def _capture_crash(app: SpidraApp) -> list[str]:
    """Keep the text of every traceback Textual's crash screen renders."""
    crashes: list[str] = []
    original = app._fatal_error

    def fatal_error() -> None:
        original()
        crashes.append(segments_text(app._exit_renderables[-1]))

    app._fatal_error = fatal_error  # type: ignore[method-assign]
    return crashes


async def test_the_crash_screen_shows_no_key_when_a_key_action_fails(
    server: Emulator, state: JobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: JobDetail) -> None:
        raise ValueError("a bug in the detail pane")

    monkeypatch.setattr(JobDetail, "copy_target", broken)
    app = _app(server, state, tmp_path)
    crashes = _capture_crash(app)
    with pytest.raises(ValueError, match="a bug in the detail pane"):
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot_wait_for(pilot, lambda: app.main.detail.job_id, what="a job in the detail")
            await pilot.press("c")
            await pilot.pause()
    await app.stop_watching()
    await _close_client(app)
    assert len(crashes) == 1
    assert "copy_target" in crashes[0] and "locals" in crashes[0]  # frames, with locals
    assert leaks(crashes[0]) == []


async def test_the_crash_screen_shows_no_key_when_a_request_breaks_mid_flight(
    state: JobStore, tmp_path: Path
) -> None:
    """The key is in the request while httpx sends it: no frame may hold it as text."""
    client = SpidraClient(
        "http://127.0.0.1:9/api", Secret(KEY), post_retries=0, transport=_Exploding()
    )
    app = make_app(store=state, client=client, poll=PollSettings(interval=60), env={})
    app.animation_level = "none"
    crashes = _capture_crash(app)
    with pytest.raises(WorkerFailed, match="the HTTP stack broke"):
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, NewScrapeDialog)
            dialog.query_one("#new-urls", TextArea).load_text("https://example.com/\n")
            await pilot.press("ctrl+s")
            await pilot_wait_for(pilot, lambda: crashes, what="the crash screen")
    await client.aclose()
    assert len(crashes) == 1
    crash = crashes[0]
    assert "handle_async_request" in crash and "submit_scrape" in crash
    assert leaks(crash) == []


def test_a_key_file_others_can_read_is_warned_about_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    path.chmod(0o644)
    key, warnings = load_key({}, path)
    assert key is not None and key.reveal() == KEY
    assert len(warnings) == 1 and "chmod 600" in warnings[0]
    assert leaks(" ".join(warnings)) == []
    # Wherever the key has to be named, it is named masked.
    assert (str(key), repr(key), f"{key}", key.masked) == (
        MASKED,
        f"Secret({MASKED!r})",
        MASKED,
        MASKED,
    )
    path.chmod(0o600)
    assert load_key({}, path)[1] == []

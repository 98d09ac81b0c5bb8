"""``watch`` and ``get`` with the screenshot and notification options."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from poller_support import client_for

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.commands.watch import watch
from spidra_tui.emulator import Emulator, Script
from spidra_tui.emulator.storage import StoredObject
from spidra_tui.notify.route import Notifier
from spidra_tui.notify.sender import BurstSender
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock

KEY = "spd_test_key_0001"


@pytest.fixture
async def vclock(fake_clock: FakeClock) -> AsyncIterator[VirtualClock]:
    clock = VirtualClock(fake_clock)
    yield clock
    await clock.aclose()


@pytest.fixture
async def client(emulator: Emulator, vclock: VirtualClock) -> AsyncIterator[SpidraClient]:
    async with client_for(emulator, KEY, vclock) as c:
        yield c


@pytest.fixture
def store(tmp_path: Path, vclock: VirtualClock) -> Iterator[JobStore]:
    with JobStore.open(tmp_path / "state", clock=vclock) as s:
        yield s


async def test_jobs_ending_together_make_one_terminal_notification(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    hostile = emulator.create_job(
        KEY, script=Script(waiting=0, active=3, outcome="failed"), error="x\x1b]0;owned\x07;y"
    )
    ids = [hostile] + [emulator.create_job(KEY, script=Script(waiting=1, active=4))]
    written: list[str] = []
    notices = BurstSender(
        Notifier("auto", {"TERM_PROGRAM": "iTerm.app", "TMUX": "t"}, written.append)
    )
    code = await watch(
        ids,
        client=client,
        store=store,
        out=io.StringIO(),
        err=io.StringIO(),
        clock=vclock,
        notices=notices,
    )
    assert code == 1
    assert notices.sent == ["osc9"]
    assert written == [
        "\x1bPtmux;\x1b\x1b]9;spidra-tui: 2 jobs ended: 1 completed, 1 failed or gone\x07\x1b\\"
    ]


async def test_one_ending_names_the_job_and_off_sends_nothing(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    job = emulator.create_job(
        KEY, script=Script(waiting=0, active=2, outcome="failed"), error="bad\x07; page"
    )
    written: list[str] = []
    notices = BurstSender(Notifier("terminal", {"TERM": "foot"}, written.append))
    await watch(
        [job],
        client=client,
        store=store,
        out=io.StringIO(),
        err=io.StringIO(),
        clock=vclock,
        notices=notices,
    )
    assert written == [f"\x1b]777;notify;spidra-tui;Job {job[:8]} failed (bad, page)\x07"]
    silent: list[str] = []
    again = emulator.create_job(KEY, script=Script(waiting=0, active=2))
    await watch(
        [again],
        client=client,
        store=store,
        out=io.StringIO(),
        err=io.StringIO(),
        clock=vclock,
        notices=BurstSender(Notifier("off", {}, silent.append)),
    )
    assert silent == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPIDRA")}
    env["SPIDRA_API_KEY"] = KEY
    return subprocess.run(
        [sys.executable, "-m", "spidra_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_get_saves_every_screenshot_byte_for_byte(
    emulator: Emulator, fake_clock: FakeClock, tmp_path: Path, http
) -> None:
    job = emulator.submit(
        KEY,
        {
            "urls": [{"url": "https://a.example/"}, {"url": "https://b.example/"}],
            "screenshot": True,
            "fullPageScreenshot": True,
        },
    )
    fake_clock.advance(emulator.finish_time(job) - fake_clock.monotonic() + 1)
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    base = ("get", job, "--base-url", emulator.base_url, "--state-dir", str(state))
    done = run_cli(*base, "--screenshots", str(out))
    shots = emulator.answer(job)["result"]["screenshots"]
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(out)) == [f"{job}-{n}.png" for n in (1, 2, 3, 4)]
    for number, url in enumerate(shots, 1):
        assert (out / f"{job}-{number}.png").read_bytes() == http.get(url).content
    assert done.stderr.count("Saved ") == 4
    # Storage never saw the key; the second run takes the images from the cache and
    # replaces nothing unasked.
    requests = emulator.storage.requests
    assert all(KEY not in r.target + repr(r.headers) for r in requests)
    (out / f"{job}-1.png").write_bytes(b"mine")
    again = run_cli(*base, "--screenshots", str(out))
    assert again.returncode == 1 and "exists; not replaced (use --overwrite)" in again.stderr
    assert (out / f"{job}-1.png").read_bytes() == b"mine"
    assert len(emulator.storage.requests) == len(requests)
    forced = run_cli(*base, "--screenshots", str(out), "--overwrite")
    assert forced.returncode == 0 and (out / f"{job}-1.png").read_bytes()[:4] == b"\x89PNG"


def test_get_reports_a_screenshot_that_is_not_an_image(emulator: Emulator, tmp_path: Path) -> None:
    page = emulator.storage.plant("/fake.png", StoredObject(b"<html>login</html>", "image/png"))
    job = emulator.create_job(
        KEY, result={"content": "x", "data": [], "screenshots": [page, "file:///etc/passwd"]}
    )
    done = run_cli(
        "get",
        job,
        "--base-url",
        emulator.base_url,
        "--state-dir",
        str(tmp_path / "s"),
        "--screenshots",
        str(tmp_path),
    )
    assert done.returncode == 1
    assert "Screenshot 1: Not an image" in done.stderr
    assert "Screenshot 2: Not downloaded: only http and https" in done.stderr
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".png")]


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        (["watch", "--notify", "bell"], "bell"),
        (["watch"], "auto"),
        (["--notify", "off"], "off"),
        (["--bell"], "bell"),
        (["--bell", "--notify", "terminal"], "terminal"),
        ([], "auto"),
    ],
)
def test_notify_option(argv: list[str], mode: str) -> None:
    from spidra_tui.cli import notify_mode, parse

    _command, args = parse(argv)
    assert notify_mode(args) == mode


def test_a_bad_notify_mode_is_a_usage_error() -> None:
    assert run_cli("watch", "--notify", "loud").returncode == 2

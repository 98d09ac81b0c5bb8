"""``watch``, ``list`` and ``forget``: in-process on virtual time, and as a real command."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from poller_support import client_for, submit

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import SystemClock
from spidra_tui.commands.watch import forget, list_jobs, watch
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.secret import Secret
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock

pytestmark = pytest.mark.filterwarnings("error")

KEY = "spd_test_key_0001"
LINE = re.compile(r"^\d\d:\d\d:\d\d  (\S+)  (\S+)  ( *\d+|  -)%(?:  (.*))?$")
ROOT = Path(__file__).resolve().parent.parent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def store(tmp_path: Path, vclock: VirtualClock) -> Iterator[JobStore]:
    with JobStore.open(tmp_path / "state", clock=vclock) as s:
        yield s


async def run_watch(
    ids: list[str], client: SpidraClient, store: JobStore, clock: VirtualClock, out: io.StringIO
) -> tuple[int, str, str]:
    err = io.StringIO()
    code = await watch(
        ids, client=client, store=store, interval=3.0, max_rate=5.0, out=out, err=err, clock=clock
    )
    return code, out.getvalue(), err.getvalue()


def parsed(text: str) -> list[tuple[str, str, str, str]]:
    lines = text.splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m]
    return [(m[1], m[2], m[3].strip(), m[4] or "") for m in matches if m]


async def test_one_line_per_change_and_exit_0_when_all_completed(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    ids = [emulator.create_job(KEY, script=Script(waiting=1, active=8)) for _ in range(3)]
    code, out, err = await run_watch(ids, client, store, vclock, io.StringIO())
    assert (code, err) == (0, "")
    rows = parsed(out)
    for job_id in ids:
        mine = [row for row in rows if row[0] == job_id]
        assert mine[0][1] == "waiting" and mine[-1][1:] == (
            "completed",
            "100",
            "Scrape completed successfully",
        )
        assert len(mine) == emulator.stats.gets_for(job_id)  # every poll here showed a change
    assert store.active_ids() == set()


async def test_remembered_running_jobs_are_watched_too_and_a_failure_exits_1(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    remembered = emulator.create_job(KEY, script=Script(waiting=0, active=4, outcome="failed"))
    store.add(remembered)
    done = emulator.create_job(KEY)
    code, out, _ = await run_watch([done], client, store, vclock, io.StringIO())
    assert code == 1
    rows = parsed(out)
    assert (rows[-1][0], rows[-1][1]) == (remembered, "failed")
    assert rows[-1][3].startswith("Failed to scrape https://example.com/")
    # A job given again after it ended is shown from the store, with no request.
    emulator.reset_stats()
    code, out, _ = await run_watch([done], client, store, vclock, io.StringIO())
    assert code == 0 and parsed(out)[0][:2] == (done, "completed")
    assert emulator.stats.total_requests == 0


async def test_not_found_exits_3_and_api_text_is_made_safe(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    hostile = emulator.create_job(KEY, error="boom \x1b]0;owned\x07\x1b[2J\u009b31m done\r\nhere")
    missing = "11111111-1111-4111-8111-111111111111"
    code, out, _ = await run_watch([missing], client, store, vclock, io.StringIO())
    assert code == 3
    assert parsed(out) == [(missing, "not_found", "-", "Scrape not found")]
    code, out, _ = await run_watch([hostile], client, store, vclock, io.StringIO())
    assert code == 1  # a failure outweighs the remembered not-found job
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
    assert "boom" in out and "done here" in out


async def test_a_refused_key_exits_4_after_one_request(
    emulator: Emulator, store: JobStore, vclock: VirtualClock
) -> None:
    job_id = emulator.create_job(KEY, script=Script(waiting=0, active=100))
    emulator.revoke_key(KEY)
    async with client_for(emulator, KEY, vclock) as client:
        code, out, err = await run_watch([job_id], client, store, vclock, io.StringIO())
    assert (code, out) == (4, "")
    assert err == (
        "Authentication failed: API key has been revoked. Check SPIDRA_API_KEY or --api-key-file.\n"
    )
    assert emulator.stats.total_requests == 1


async def test_an_unreachable_api_exits_5(store: JobStore, vclock: VirtualClock) -> None:
    async with SpidraClient("http://127.0.0.1:9/api", Secret(KEY), clock=vclock) as client:
        code, out, err = await run_watch(["some-job"], client, store, vclock, io.StringIO())
    assert code == 5
    assert len(parsed(out)) == 5 and "retrying in" in out
    assert err.startswith("the API could not be reached: network error")


async def test_a_terminal_gets_a_table_redrawn_in_place(
    emulator: Emulator, client: SpidraClient, store: JobStore, vclock: VirtualClock
) -> None:
    ids = [emulator.create_job(KEY, script=Script(waiting=0, active=5)) for _ in range(2)]
    code, out, _ = await run_watch(ids, client, store, vclock, Terminal())
    assert code == 0
    assert out.startswith("\x1b[?25l") and out.endswith("\x1b[?25h")
    assert "\x1b[3F\x1b[J" in out  # back up over the header and two rows
    final = out.rsplit("\x1b[J", 1)[1]
    assert final.splitlines()[0].startswith("2 jobs, 2 ended")
    assert all(re.search(r"completed +100%", line) for line in final.splitlines()[1:3])


def test_list_shows_a_table_and_json(store: JobStore, vclock: VirtualClock) -> None:
    store.add("job-one", label="weekly \x1b[31mprices")
    vclock.advance(7200)
    store.add("job-two")
    vclock.advance(90)
    out = io.StringIO()
    assert list_jobs(store, out=out, clock=vclock) == 0
    lines = [line.split() for line in out.getvalue().splitlines()]
    assert lines == [
        ["ID", "STATUS", "PCT", "AGE", "LABEL", "/", "TITLE"],
        ["job-two", "unknown", "-%", "1m"],
        ["job-one", "unknown", "-%", "2h", "weekly", "prices"],
    ]
    assert "\x1b" not in out.getvalue()
    out = io.StringIO()
    assert list_jobs(store, as_json=True, out=out) == 0
    listed = json.loads(out.getvalue())
    assert [item["job_id"] for item in listed] == ["job-two", "job-one"]
    assert listed[1]["label"] == "weekly prices" and "\x1b" not in out.getvalue()


def test_forget_exits_1_when_an_id_is_unknown(store: JobStore) -> None:
    store.add("job-one")
    store.add("job-two")
    out, err = io.StringIO(), io.StringIO()
    assert forget(store, ["job-one"], out, err) == 0
    assert out.getvalue() == "Forgot 1 job.\n"
    assert forget(store, ["job-two", "nope"], io.StringIO(), err) == 1
    assert "Not in the watchlist: nope" in err.getvalue()
    assert store.ids() == set()


# -- the real command -------------------------------------------------------------------


@pytest.fixture
def live_emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """Real time, ten job seconds a second: a lifecycle lasts a fraction of a second."""
    return make_emulator(
        EmulatorConfig(time_scale=10.0, keys=frozenset({KEY})), clock=SystemClock()
    )


def command(
    emulator: Emulator, state: Path, *args: str, key: str = KEY, code: str | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "SPIDRA_API_KEY": key, "PYTHONPATH": str(ROOT)}
    options = ["--base-url", str(emulator.base_url), "--state-dir", str(state)]
    options += ["--interval", "1", "--max-rate", "20"]
    argv = ["-m", "spidra_tui", *args, *options] if code is None else ["-c", code]
    return subprocess.Popen(
        [sys.executable, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_the_command_follows_jobs_to_the_end(live_emulator: Emulator, tmp_path: Path) -> None:
    ids = submit(live_emulator, KEY, 6)
    run = command(live_emulator, tmp_path, "watch", *ids)
    out, err = run.communicate(timeout=60)
    finals = {live_emulator.final_status(job_id) for job_id in ids}
    assert run.returncode == (1 if "failed" in finals else 0), err
    rows = parsed(out)
    last = {row[0]: row[1] for row in rows}
    assert last == {job_id: live_emulator.final_status(job_id) for job_id in ids}
    assert live_emulator.stats.gets_after_terminal() == 0

    listing = command(live_emulator, tmp_path, "list", "--json")
    out, _ = listing.communicate(timeout=30)
    assert {item["job_id"] for item in json.loads(out)} == set(ids)


def test_the_command_exit_codes(live_emulator: Emulator, tmp_path: Path) -> None:
    missing = "22222222-2222-4222-8222-222222222222"
    run = command(live_emulator, tmp_path / "a", "watch", missing)
    out, _ = run.communicate(timeout=30)
    assert run.returncode == 3 and parsed(out)[0][1] == "not_found"

    job_id = submit(live_emulator, KEY, 1)[0]
    run = command(live_emulator, tmp_path / "b", "watch", job_id, key="spd_unknown_key_1")
    _, err = run.communicate(timeout=30)
    assert run.returncode == 4 and "Authentication failed" in err


def test_ctrl_c_exits_130_cleanly_without_loading_the_tui(
    live_emulator: Emulator, tmp_path: Path
) -> None:
    job_id = live_emulator.create_job(KEY, script=Script(waiting=0, active=10_000))
    code = (
        "import sys\n"
        "from spidra_tui.cli import main\n"
        "try:\n"
        f"    rc = main(['watch', {job_id!r}] + sys.argv[1:])\n"
        "finally:\n"
        "    sys.stderr.write('textual loaded\\n' if 'textual' in sys.modules else '')\n"
        "raise SystemExit(rc)\n"
    )
    env_args = ["--base-url", str(live_emulator.base_url), "--state-dir", str(tmp_path)]
    run = subprocess.Popen(
        [sys.executable, "-c", code, *env_args],
        env={**os.environ, "SPIDRA_API_KEY": KEY, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None
    first = run.stdout.readline()  # the first poll's line: the loop is running
    assert job_id in first
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130
    assert "Traceback" not in err and "textual loaded" not in err
    assert live_emulator.stats.in_flight == 0

"""The planted key, in a real ``spidra-tui`` process: not on the terminal, not in the
debug log (even with bodies), not in the database or its write-ahead log as a killed
process leaves them, and not in the argv, environment or input of the clipboard tool
and browser it starts.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_secret_leaks import KEY, leaks
from tui_process import TuiProcess, base_env
from waiting import block_until

from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

SHOT = "https://shots.example/planted-1.png"

# A stand-in for xclip and a browser: records its argv, its environment and (for the
# clipboard tool) its input, one file each, in DUMPS; then an empty ".done" file says
# all of them are complete.
_RECORDER = """#!/bin/sh
stamp="$$"
printf '%s\\n' "$0" "$@" > "{dumps}/$(basename "$0").argv.$stamp"
cat /proc/$$/environ > "{dumps}/$(basename "$0").env.$stamp"
{read_input}
: > "{dumps}/$(basename "$0").done.$stamp"
"""


def _install(bin_dir: Path, name: str, dumps: Path, read_input: bool) -> None:
    script = bin_dir / name
    copy_input = f'cat > "{dumps}/{name}.input.$stamp"' if read_input else ""
    script.write_text(_RECORDER.format(dumps=dumps, read_input=copy_input))
    script.chmod(0o755)


@pytest.fixture
def server() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorConfig(catalogue=False), clock=SystemClock())
    emulator.start()
    yield emulator
    emulator.stop()


def test_the_key_is_in_no_output_log_database_or_child_process(
    server: Emulator, tmp_path: Path
) -> None:
    job_id = server.create_job(
        KEY,
        result={
            "content": "# Planted result\n\nBody text marker-7731.",
            "data": [{"url": "https://example.com/", "title": "Example", "success": True}],
            "screenshots": [SHOT],
        },
    )
    dumps, bin_dir, state = tmp_path / "dumps", tmp_path / "bin", tmp_path / "state"
    for folder in (dumps, bin_dir):
        folder.mkdir()
    _install(bin_dir, "xclip", dumps, read_input=True)
    _install(bin_dir, "firefox", dumps, read_input=False)
    log = tmp_path / "debug.log"
    env = base_env(
        SPIDRA_API_KEY=KEY,
        DISPLAY=":99",
        BROWSER=str(bin_dir / "firefox"),
        PATH=f"{bin_dir}:{base_env()['PATH']}",
    )
    args = ["--base-url", server.base_url or "", "--state-dir", str(state)]
    args += ["--log", str(log), "--log-bodies", "--no-notify", job_id]
    tui = TuiProcess(args, env, cwd=tmp_path)
    try:
        tui.wait_for(b"marker-7731", timeout=20)  # the answer is on screen
        tui.type("c")  # copy: pyperclip starts xclip
        tui.type("o")  # open the only screenshot in the browser
        block_until(
            lambda: (
                {path.name.split(".")[0] for path in dumps.glob("*.done.*")} == {"xclip", "firefox"}
            ),
            timeout=15,
            what="the clipboard tool and the browser to finish",
        )
    finally:
        tui.kill()  # as a crash would: the write-ahead log stays behind

    children = {path.name.split(".")[0] for path in dumps.iterdir()}
    assert children == {"xclip", "firefox"}, sorted(p.name for p in dumps.iterdir())
    texts = {path.name: path.read_bytes() for path in dumps.iterdir()}
    firefox_argv = next(text for name, text in texts.items() if name.startswith("firefox.argv"))
    assert SHOT.encode() in firefox_argv
    clipboard = next(text for name, text in texts.items() if name.startswith("xclip.input"))
    assert b"marker-7731" in clipboard
    for name, text in texts.items():
        assert b"SPIDRA_API_KEY" not in text, name
    texts["terminal"] = tui.output
    texts["log"] = log.read_bytes()
    for name in ("jobs.db", "jobs.db-wal"):
        texts[name] = (state / name).read_bytes()
    assert {name: leaks(text) for name, text in texts.items() if leaks(text)} == {}

    # The log and the state were written privately; the log has the request and (asked
    # for) the body.
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for path in (log, state / "jobs.db", state / "jobs.db-wal"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert f"GET /scrape/{job_id}".encode() in texts["log"]
    assert b"marker-7731" in texts["log"]

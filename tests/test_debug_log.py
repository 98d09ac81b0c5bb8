"""``--log FILE``: a private debug log of the requests, bodies only with ``--log-bodies``,
never the key, and never an escape sequence from a body written raw."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from tui_process import base_env

from spidra_tui.emulator import Emulator
from spidra_tui.emulator.hostile import ESCAPE_SOUP

KEY = "spd_PLANTED_7f3a9c1e5b"
MARKER = "body-marker-5521"
# Raw bytes a terminal acts on, as they would be in a UTF-8 file (C1 as two bytes).
RAW_CONTROLS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _get(emulator: Emulator, job_id: str, log: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spidra_tui", "get", job_id, "--base-url", emulator.base_url or ""]
        + ["--log", str(log), *extra],
        env=base_env(SPIDRA_API_KEY=KEY),
        capture_output=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0),  # the log is private whatever the umask
    )


def test_the_log_has_requests_no_key_and_bodies_only_when_asked(
    emulator: Emulator, tmp_path: Path
) -> None:
    job_id = emulator.create_job(
        KEY, result={"content": f"{MARKER} {ESCAPE_SOUP}", "data": [], "screenshots": []}
    )
    plain, with_bodies = tmp_path / "plain.log", tmp_path / "bodies.log"
    assert _get(emulator, job_id, plain).returncode == 0
    assert _get(emulator, job_id, with_bodies, "--log-bodies").returncode == 0

    for log in (plain, with_bodies):
        data = log.read_bytes()
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log.name
        assert f"GET /scrape/{job_id} -> 200".encode() in data, log.name
        assert KEY.encode() not in data and b"PLANTED" not in data, log.name
        found = [data[max(0, m.start() - 20) : m.end() + 20] for m in RAW_CONTROLS.finditer(data)]
        assert found == [], log.name  # at most JSON's own "\\u001b" escapes, as text
    assert MARKER.encode() not in plain.read_bytes()
    assert MARKER.encode() in with_bodies.read_bytes()
    assert b"link text" in with_bodies.read_bytes()  # the text around them stays


def test_a_refused_key_is_logged_without_the_key(emulator: Emulator, tmp_path: Path) -> None:
    emulator.revoke_key(KEY)
    log = tmp_path / "refused.log"
    done = _get(emulator, "some-job", log, "--log-bodies")
    assert done.returncode == 4
    data = log.read_bytes()
    assert b"-> 401" in data and b"revoked" in data
    assert KEY.encode() not in data and b"PLANTED" not in data
    assert KEY.encode() not in done.stderr + done.stdout


def test_a_line_that_would_hold_the_key_is_masked(tmp_path: Path) -> None:
    """The second line of defence: the loaded key is registered with the log's filter, so
    even a (buggy) log line holding it writes ``***`` instead."""
    log = tmp_path / "masked.log"
    code = (
        "import logging, sys\n"
        "from spidra_tui import cli\n"
        "async def leaky(command, args, base_url, key, state_dir, poll):\n"
        "    logging.getLogger('spidra_tui.leaky').warning('the key is %s', key.reveal())\n"
        "    return 0\n"
        "cli._run_api_command = leaky\n"
        "raise SystemExit(cli.main(sys.argv[1:]))\n"
    )
    args = ["get", "some-job", "--base-url", "http://127.0.0.1:9/api", "--log", str(log)]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=base_env(SPIDRA_API_KEY=KEY),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    data = log.read_bytes()
    assert b"the key is ***" in data
    assert KEY.encode() not in data and b"PLANTED" not in data

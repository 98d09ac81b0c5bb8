"""The command line through a real subprocess, against the emulator on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spidra_tui import __version__
from spidra_tui.clock import SystemClock
from spidra_tui.emulator import EmulatorConfig, Script

KEY = "spd_test_key_0001"


def run(*args: str, key: str | None = KEY, env: dict | None = None, timeout: float = 60):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPIDRA")}
    if key is not None:
        environment["SPIDRA_API_KEY"] = key
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "spidra_tui", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


@pytest.fixture
def live(make_emulator):
    """An emulator on the real clock, fast enough for a subprocess to wait on."""
    return make_emulator(EmulatorConfig(time_scale=20.0), clock=SystemClock())


def test_version_and_help() -> None:
    result = run("--version", key=None)
    assert result.returncode == 0 and result.stdout.strip() == f"spidra-tui {__version__}"
    result = run("get", "--help", key=None)
    assert result.returncode == 0 and "--format" in result.stdout


def test_usage_error_exits_2() -> None:
    result = run("get", key=None)
    assert result.returncode == 2
    result = run("--interval", "0", key=None)
    assert result.returncode == 2 and "between 1 and 60" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("get", "bad/id"),
        ("watch", "good-id", "bad/id"),
        ("forget", "bad/id"),
        ("good-id", "bad/id"),  # the TUI
    ],
)
def test_every_command_refuses_a_bad_job_id_with_the_reason(
    args: tuple[str, ...], tmp_path
) -> None:
    result = run(*args, "--state-dir", str(tmp_path), key=None)
    assert result.returncode == 2
    assert "'bad/id' is not a job ID" in result.stderr and "only letters" in result.stderr


def test_a_hostile_job_id_is_refused_without_its_escape_sequences(tmp_path) -> None:
    result = run("get", "\x1b]2;pwned\x07abc", key=None)
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_no_key_says_where_to_put_one_and_mentions_demo(tmp_path: Path) -> None:
    result = run("get", "abc", "--state-dir", str(tmp_path), key=None)
    assert result.returncode == 2
    assert "SPIDRA_API_KEY" in result.stderr and "--api-key-file" in result.stderr
    assert "--demo" in result.stderr


def test_bad_base_url_is_explained() -> None:
    result = run("get", "abc", "--base-url", "ftp://nowhere")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
    result = run("get", "abc", "--base-url", "http://127.0.0.1:9/api")
    assert result.returncode == 5 and "could not reach" in result.stderr


def test_key_file_is_read_and_a_loose_one_warned(emulator, tmp_path: Path) -> None:
    job_id = emulator.create_job(KEY)
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o644)
    result = run(
        "get", job_id, "--base-url", emulator.base_url, "--api-key-file", str(key_file), key=None
    )
    assert result.returncode == 0, result.stderr
    assert "read by other users" in result.stderr and KEY not in result.stderr + result.stdout


def test_get_formats(emulator) -> None:
    job_id = emulator.create_job(
        KEY,
        urls=("https://a.example/", "https://b.example/"),
        result={
            "content": {"answer": 42},
            "data": [
                {
                    "url": "https://a.example/",
                    "title": "A",
                    "markdownContent": "# A page",
                    "success": True,
                },
                {
                    "url": "https://b.example/",
                    "title": "B",
                    "markdownContent": "# B page",
                    "success": False,
                },
            ],
            "screenshots": [],
        },
    )
    base = ["--base-url", emulator.base_url]
    content = run("get", job_id, *base)
    assert content.returncode == 0 and json.loads(content.stdout) == {"answer": 42}
    markdown = run("get", job_id, "--format", "markdown", *base)
    assert "# https://a.example/" in markdown.stdout and "# B page" in markdown.stdout
    result = json.loads(run("get", job_id, "--format", "json", *base).stdout)
    assert result["data"][1]["success"] is False
    raw = json.loads(run("get", job_id, "--format", "raw", *base).stdout)
    assert raw["status"] == "completed" and raw["result"]["content"] == {"answer": 42}


def test_get_exit_codes(emulator, other_key) -> None:
    base = ["--base-url", emulator.base_url]
    failed = emulator.create_job(
        KEY, error="Failed to scrape https://x — net::ERR_NAME_NOT_RESOLVED"
    )
    result = run("get", failed, *base)
    assert result.returncode == 1 and "ERR_NAME_NOT_RESOLVED" in result.stderr
    assert run("get", "missing", *base).returncode == 3
    assert run("get", emulator.create_job(other_key), *base).returncode == 3
    emulator.revoke_key("spd_revoked_key_1")
    result = run("get", failed, *base, key="spd_revoked_key_1")
    assert result.returncode == 4 and "API key was refused" in result.stderr


def test_output_is_stripped_of_terminal_sequences(emulator) -> None:
    job_id = emulator.create_job(
        KEY, result={"content": "title\x1b]0;pwned\x07 ok \x1b[31mred\x9b2J", "data": []}
    )
    out = run("get", job_id, "--base-url", emulator.base_url).stdout
    assert "\x1b" not in out and "\x9b" not in out and "title ok red" in out
    raw = run("get", job_id, "--format", "raw", "--base-url", emulator.base_url).stdout
    assert "\x1b" not in raw and "\x9b" not in raw
    assert json.loads(raw)["result"]["content"] == "title ok red"  # sanitized, still JSON


def test_submit_then_wait_prints_the_result(live, tmp_path: Path) -> None:
    base = ["--base-url", live.base_url, "--state-dir", str(tmp_path), "--interval", "1"]
    result = run("submit", "https://example.com/", *base)
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.strip()
    assert job_id in live.job_ids()
    listed = json.loads(run("list", "--json", "--state-dir", str(tmp_path)).stdout)
    assert [job["job_id"] for job in listed] == [job_id]
    waited = run("get", job_id, "--wait", *base)
    expected = 0 if live.final_status(job_id) == "completed" else 1
    assert waited.returncode == expected


def test_submit_validation_error_is_a_usage_error(emulator, tmp_path: Path) -> None:
    args = ["https://a/", "https://b/", "https://c/", "https://d/"]
    result = run("submit", *args, "--base-url", emulator.base_url, "--state-dir", str(tmp_path))
    assert result.returncode == 2 and "refused" in result.stderr


def test_submit_wait_reports_a_failed_job(make_emulator, tmp_path: Path) -> None:
    emulator = make_emulator(EmulatorConfig(time_scale=50.0), clock=SystemClock())
    job_id = emulator.create_job(KEY, script=Script(waiting=0.5, active=1.0, outcome="failed"))
    result = run("get", job_id, "--wait", "--interval", "1", "--base-url", emulator.base_url)
    assert result.returncode == 1 and "failed" in result.stderr


def test_demo_server_prints_its_url_and_catalogue(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "spidra_tui", "demo-server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(10)
    assert lines[0].startswith("Spidra demo server at http://127.0.0.1:")
    assert lines[1].startswith("Demo key: spd_")

"""``spidra-tui logs | account | usage | batches | crawls`` against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from spidra_tui import sanitize
from spidra_tui.bars import bar
from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig

KEY = "spd_test_key_0001"
HOSTILE = "https://evil.test/\x1b]0;pwned\x07\x1b[31mred\u202e[/x]"


def run(emulator: Emulator, *args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPIDRA")}
    environment.update(
        SPIDRA_API_KEY=KEY, SPIDRA_BASE_URL=emulator.base_url or "", COLUMNS=str(columns)
    )
    return subprocess.run(
        [sys.executable, "-m", "spidra_tui", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def live(make_emulator) -> Emulator:
    emulator = make_emulator(EmulatorConfig(), clock=SystemClock())
    return emulator


def test_logs_json_matches_the_server_and_the_table_fits(live: Emulator) -> None:
    jobs = [live.create_job(KEY, urls=(f"https://site.test/{n}",)) for n in range(3)]
    failed = live.create_job(KEY, urls=(HOSTILE,), error="boom \x1b[2J")
    result = run(live, "logs", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {r["uuid"] for r in records} == {live.log_uuid(j) for j in [*jobs, failed]}
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    bad = next(r for r in records if r["uuid"] == live.log_uuid(failed))
    assert bad["urls"] == [{"url": sanitize.clean(HOSTILE)}]  # what a terminal acts on, gone
    assert bad["status"] == "error" and bad["credits_used"] == 0

    table = run(live, "logs", "--status", "success", columns=60)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].startswith("STARTED") and len(lines) == 4
    assert all(len(line) <= 60 for line in lines)
    assert "3 of 3 logs" in table.stderr
    hostile = run(live, "logs", "--search", "evil.test", columns=200)
    assert (
        "\x1b" not in hostile.stdout
        and "\u202e" not in hostile.stdout
        and "evil.test" in hostile.stdout
    )


def test_one_log_in_each_format(live: Emulator) -> None:
    job = live.create_job(KEY, result={"content": {"title": "T\x1b[31m"}, "data": []})
    uuid = live.log_uuid(job)
    content = run(live, "logs", uuid)
    assert json.loads(content.stdout) == {"title": "T"} and "\x1b" not in content.stdout
    parsed = json.loads(run(live, "logs", uuid, "--format", "json").stdout)
    assert parsed["uuid"] == uuid and parsed["result_data"] == {"title": "T"}
    live.account_shape = "bare"
    raw = json.loads(run(live, "logs", uuid, "--format", "raw").stdout)
    assert raw["resultData"] == {"title": "T"}
    missing = run(live, "logs", "no-such-log")
    assert missing.returncode == 3 and "Not found" in missing.stderr


def test_logs_pages_through_a_long_history(live: Emulator) -> None:
    for n in range(230):
        live.create_job(KEY, urls=(f"https://p.test/{n}",))
    result = run(live, "logs", "--limit", "250", "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 230
    pages = [r for r in live.stats.requests() if r.path == "/api/scrape-logs"]
    assert len(pages) == 3  # 100 + 100 + 30


def test_account_usage_batches_crawls(live: Emulator) -> None:
    live.set_credits(KEY, limit=20, plan="Hobby \x1b[5m")
    for _ in range(9):
        live.create_job(KEY, urls=("https://a.test/", "https://b.test/"))
    account = run(live, "account")
    assert "Credits left:  2 of 20 (10%)" in account.stdout and "\x1b" not in account.stdout
    live.create_job(KEY)
    low = run(live, "account")
    assert "1 of 20 (5%)" in low.stdout and "less than 10%" in low.stdout
    as_json = json.loads(run(live, "account", "--json").stdout)
    assert as_json["credits"] == {
        "limit": 20,
        "used": 19,
        "remaining": 1,
        "billingCycleStart": as_json["credits"]["billingCycleStart"],
    }

    usage = run(live, "usage", "--range", "7d", columns=80)
    lines = usage.stdout.splitlines()
    assert len(lines) == 1 + 7 + 1 and lines[-1].split()[:3] == ["Total", "10", "19"]
    assert bar(10, 10, 4) in lines[-2] and all(len(line) <= 80 for line in lines)
    month = json.loads(run(live, "usage", "--range", "30d", "--json").stdout)
    assert len(month) == 30 and sum(row["requests"] for row in month) == 10

    batch = live.plant_batch(KEY, totalUrls="4", completedCount=2, status="running")
    crawl = live.plant_crawl(KEY, credits_used="2.00", base_url="https://c.test/\x1b[1m")
    batches = json.loads(run(live, "batches", "--json").stdout)
    assert batches[0]["uuid"] == batch and batches[0]["totalUrls"] == 4
    crawls = run(live, "crawls")
    assert (
        crawl in crawls.stdout
        and "https://c.test/" in crawls.stdout
        and "\x1b" not in crawls.stdout
    )
    assert json.loads(run(live, "crawls", "--json").stdout)[0]["credits_used"] == 2.0

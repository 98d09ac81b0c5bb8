"""Batches and crawls on the command line, through a real subprocess against the emulator."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from test_cli import KEY, run

from spidra_tui.clock import FakeClock, SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig

URLS = [f"https://shop.test/p/{n}" for n in range(8)]


def api(emulator: Emulator, *args: str) -> list[str]:
    return [*args, "--base-url", emulator.base_url]


@pytest.fixture
def live(make_emulator):
    """An emulator on the real clock, fast enough for a subprocess to wait on."""
    return make_emulator(EmulatorConfig(time_scale=40.0), clock=SystemClock())


def finish(emulator: Emulator, clock: FakeClock, at: float) -> None:
    clock.advance(max(0.0, at - clock.monotonic()))


def test_get_batch_as_json_lines_matches_the_server(emulator, fake_clock) -> None:
    batch_id = emulator.create_batch(KEY, [*URLS, "https://shop.test/fail"])
    finish(emulator, fake_clock, emulator.batch_finish_time(batch_id))
    result = run(*api(emulator, "get", f"batch:{batch_id}", "--format", "jsonl"))
    items = emulator.batch_answer(batch_id)["items"]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["url"], x["status"], x["content"], x["error"]) for x in lines] == [
        (i["url"], i["status"], i["result"], i["error"]) for i in items
    ]
    assert result.returncode == 1  # the last item failed
    assert "1 failed" in result.stderr or "failed" in result.stderr
    table = list(
        csv.DictReader(
            io.StringIO(run(*api(emulator, "get", f"batch:{batch_id}", "--format", "csv")).stdout)
        )
    )
    assert [row["url"] for row in table] == [i["url"] for i in items]
    assert table[0]["content"] == items[0]["result"] or items[0]["result"] is None


def test_a_batch_with_no_failure_exits_0_and_one_still_running_says_so(
    emulator, fake_clock
) -> None:
    batch_id = emulator.create_batch(KEY, URLS[:3])
    running = run(*api(emulator, "get", f"batch:{batch_id}", "--format", "jsonl"))
    assert running.returncode == 0 and "--wait" in running.stderr
    finish(emulator, fake_clock, emulator.batch_finish_time(batch_id))
    done = run(*api(emulator, "get", f"batch:{batch_id}", "--format", "jsonl"))
    failed = emulator.batch_answer(batch_id)["failedCount"]
    assert done.returncode == (1 if failed else 0)


def test_get_crawl_reads_every_page(emulator, fake_clock) -> None:
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=130)
    finish(emulator, fake_clock, emulator.crawl_finish_time(crawl_id))
    whole = json.loads(run(*api(emulator, "get", f"crawl:{crawl_id}", "--format", "json")).stdout)
    assert emulator.crawl_answer(crawl_id)["resultTruncated"] is True  # 100 inline ...
    assert len(whole["result"]) == 130 and whole["resultTruncated"] is False  # ... all here
    result = run(*api(emulator, "get", f"crawl:{crawl_id}", "--format", "jsonl"))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    server = emulator.crawl_pages(crawl_id)
    assert [(x["url"], x["data"]) for x in lines] == [(p["url"], p["data"]) for p in server]
    assert lines[5]["depth"] == 2 and lines[5]["parent_url"] == "https://docs.test/page-1"
    assert result.returncode == 1  # pages 23, 46, ... failed to load


def test_start_a_batch_and_a_crawl_then_cancel_and_retry(
    emulator, fake_clock, tmp_path: Path
) -> None:
    state = ["--state-dir", str(tmp_path)]
    started = run(*api(emulator, "submit", "--batch", *URLS[:2], "https://shop.test/fail", *state))
    assert started.returncode == 0 and started.stdout.startswith("batch:")
    batch_key = started.stdout.strip()
    crawl = run(*api(emulator, "crawl", "https://docs.test/", "--max-pages", "40", *state))
    crawl_key = crawl.stdout.strip()
    assert crawl.returncode == 0 and crawl_key.startswith("crawl:")
    listed = json.loads(run("list", "--json", *state).stdout)
    assert {(row["job_id"], row["kind"]) for row in listed} == {
        (batch_key, "batch"),
        (crawl_key, "crawl"),
    }
    fake_clock.advance(3.0)
    cancelled = run(*api(emulator, "cancel", crawl_key))
    assert cancelled.returncode == 0 and "Cancelled" in cancelled.stdout
    assert emulator.crawl(crawl_key.split(":")[1]).cancelled_at is not None
    finish(emulator, fake_clock, emulator.batch_finish_time(batch_key.split(":")[1]))
    retried = run(*api(emulator, "retry", batch_key, *state))
    assert retried.returncode == 0 and "Retrying 1 failed item" in retried.stdout
    rows = {row["job_id"]: row for row in json.loads(run("list", "--json", *state).stdout)}
    assert rows[batch_key]["status"] == "running" and not rows[batch_key]["terminal"]
    assert run(*api(emulator, "retry", crawl_key)).returncode == 2
    assert run(*api(emulator, "get", "batch:a/b")).returncode == 2


def test_crawl_wait_and_watch_exit_codes(live, tmp_path: Path) -> None:
    state = ["--state-dir", str(tmp_path)]
    result = run(
        *api(
            live,
            "crawl",
            "https://docs.test/",
            "--max-pages",
            "5",
            "--wait",
            "--format",
            "jsonl",
            *state,
        )
    )
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 5
    batch_id = live.create_batch(KEY, [URLS[0], "https://shop.test/fail"])
    watched = run(*api(live, "watch", f"batch:{batch_id}", *state, "--interval", "1"))
    assert watched.returncode == 1  # completed, but one item failed
    assert f"batch:{batch_id}" in watched.stdout and "1 failed" in watched.stdout


def test_get_batch_greps_items_and_saves_their_screenshots(
    emulator, fake_clock, tmp_path: Path, http
) -> None:
    batch_id = emulator.create_batch(KEY, URLS[:3], screenshot=True)
    finish(emulator, fake_clock, emulator.batch_finish_time(batch_id))
    items = emulator.batch_answer(batch_id)["items"]
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    ref = f"batch:{batch_id}"
    base = ("get", ref, "--state-dir", str(state))
    found = run(*api(emulator, *base, "--grep", "p/1", "--screenshots", str(out)))
    # Each matching line of an item's content, under the item's URL.
    assert found.stdout and all(
        line.startswith("https://shop.test/p/1\t") for line in found.stdout.splitlines()
    )
    assert found.returncode == 0, found.stderr
    shots = [(n, i["screenshotUrl"]) for n, i in enumerate(items, 1) if i.get("screenshotUrl")]
    assert shots, "the emulator gave no item a screenshot"
    assert sorted(p.name for p in out.iterdir()) == [f"batch-{batch_id}-{n}.png" for n, _ in shots]
    for number, url in shots:
        assert (out / f"batch-{batch_id}-{number}.png").read_bytes() == http.get(url).content
    assert all(KEY not in r.target + repr(r.headers) for r in emulator.storage.requests)
    nothing = run(*api(emulator, "get", ref, "--grep", "no such words anywhere"))
    assert nothing.returncode == 1 and nothing.stdout == ""
    bad = run(*api(emulator, "get", ref, "--grep", "(unclosed"))
    assert bad.returncode == 2 and "Not a valid regular expression" in bad.stderr


def test_get_crawl_greps_every_page(emulator, fake_clock) -> None:
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=130)
    finish(emulator, fake_clock, emulator.crawl_finish_time(crawl_id))
    found = run(*api(emulator, "get", f"crawl:{crawl_id}", "--grep", "."))
    urls = {line.split("\t")[0] for line in found.stdout.splitlines()}
    server = emulator.crawl_pages(crawl_id)
    # Past the 100 pages the answer holds inline: every page with content was searched.
    assert urls == {p["url"] for p in server if p.get("data")}
    assert len(urls) > 100

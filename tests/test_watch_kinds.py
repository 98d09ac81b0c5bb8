"""Watching batches and crawls: one request a poll for a batch, each crawl page read once,
kept in the store, and a restart that reads on from where it stopped."""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from poller_support import Recorder, client_for

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, Faults
from spidra_tui.watch import schema
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock
from spidra_tui.watch.watcher import Watcher

KEY = "spd_test_key_0001"
V2_FILE = Path(__file__).parent / "data" / "jobs-schema-v2.db"


@pytest.fixture
async def vclock(fake_clock: FakeClock) -> AsyncIterator[VirtualClock]:
    clock = VirtualClock(fake_clock)
    yield clock
    await clock.aclose()


@pytest.fixture
async def client(emulator: Emulator, vclock: VirtualClock) -> AsyncIterator[SpidraClient]:
    async with client_for(emulator, KEY, vclock) as c:
        yield c


def watcher_for(store: JobStore, client: SpidraClient, clock: VirtualClock, **kw) -> Watcher:
    return Watcher(store, client, clock=clock, rng=random.Random(3), **kw)


def requests(emulator: Emulator, path_part: str) -> list:
    return [r for r in emulator.stats.requests() if path_part in r.path]


# -- the store's migration, on a file the previous release wrote ----------------------


def test_a_schema_2_file_keeps_every_job_and_gains_kinds(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    shutil.copy(V2_FILE, db)
    with sqlite3.connect(V2_FILE) as raw:
        before = raw.execute(
            "SELECT job_id, label, status, content_kind, answer_size, urls FROM jobs"
            " ORDER BY job_id"
        ).fetchall()
        bodies = dict(raw.execute("SELECT job_id, length(body) FROM answers").fetchall())
    raw.close()
    assert len(before) == 5 and len(bodies) == 4
    with JobStore(db) as store:
        summaries = sorted(store.list(), key=lambda s: s.job_id)
        after = [
            (s.job_id, s.label, s.status, s.content_kind, s.answer_size, s.urls) for s in summaries
        ]
        assert after == before
        assert {s.kind for s in summaries} == {"scrape"}
        big = store.load_answer(before[0][0])
        assert big is not None and big["result"]["content"].startswith("# Books")
        # the migrated file takes the new kinds beside the old jobs
        assert store.add("batch:b-1") and store.get("batch:b-1").kind == "batch"
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 3
    raw.close()


# -- batches ----------------------------------------------------------------------------


async def test_a_50_item_batch_costs_one_request_a_poll(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    urls = [f"https://shop.test/p/{n}" for n in range(50)]
    batch_id = emulator.create_batch(KEY, urls)
    recorder = Recorder()
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(store, client, vclock, on_update=recorder.update, interval=3.0)
        watcher.add([f"batch:{batch_id}"])
        await watcher.start()
        await asyncio.wait_for(watcher.wait_until_done(), 60)
        await watcher.stop()
        summary = store.get(f"batch:{batch_id}")
        answer = store.load_answer(f"batch:{batch_id}")
    polls = requests(emulator, "/batch/scrape/")
    assert all(r.method == "GET" for r in polls) and len(emulator.stats.requests()) == len(polls)
    duration = emulator.batch_finish_time(batch_id)
    assert len(polls) <= duration / 3.0 + 3  # one request per poll, not fifty
    final = emulator.batch_answer(batch_id)
    assert answer == final
    assert summary is not None and summary.terminal and summary.kind == "batch"
    done, failed = final["completedCount"], final["failedCount"]
    assert (summary.parts_done, summary.parts_failed, summary.parts_total) == (done, failed, 50)
    assert summary.message == f"50/50 · {done} done · {failed} failed"


# -- crawls ----------------------------------------------------------------------------


async def test_crawl_pages_are_read_once_each_from_the_last_offset(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=2500, page_seconds=0.01)
    key = f"crawl:{crawl_id}"
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(store, client, vclock, interval=3.0, max_rate=2.0)
        watcher.add([key])
        await watcher.start()
        await asyncio.wait_for(watcher.wait_until_done(), 60)
        await watcher.stop()
        kept = store.load_pages(key)
        summary = store.get(key)
    expected = emulator.crawl_pages(crawl_id)
    assert [p["url"] for p in kept] == [p["url"] for p in expected]
    assert [p.get("data") for p in kept[:3]] == [p["data"] for p in expected[:3]]
    assert_each_page_read_once(emulator, crawl_id, start=0, total=2500)
    assert summary is not None and summary.parts_done == 2500 and summary.terminal
    assert summary.message == "2500 of 2500 pages"
    # pages were read only after an answer whose pagesCrawled had grown
    crawl_gets = [r for r in requests(emulator, "/crawl/") if "/pages" not in r.path]
    assert len(requests(emulator, "/pages")) <= len(crawl_gets) + 2500 // 1000
    times = sorted(r.clock_time for r in emulator.stats.requests())
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.5 - 1e-6  # R = 2/s


def assert_each_page_read_once(emulator: Emulator, crawl_id: str, *, start: int, total: int):
    """Each ``/pages`` read began where the one before ended, and together they read
    pages ``start`` to ``total`` exactly once."""
    crawl = emulator.crawl(crawl_id)
    offset = start
    for read in requests(emulator, "/pages"):
        assert int(parse_qs(read.query)["offset"][0]) == offset
        crawled = emulator.crawls.crawled(crawl, read.clock_time - crawl.created)
        offset += min(1000, crawled - offset)
    assert offset == total


async def test_a_restart_reads_on_from_the_pages_already_kept(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=300, page_seconds=0.2)
    key = f"crawl:{crawl_id}"
    with JobStore.open(tmp_path, clock=vclock) as store:
        first = watcher_for(store, client, vclock, interval=3.0)
        first.add([key])
        await first.start()
        await vclock.sleep(20.0)
        await first.stop()
        kept = store.page_count(key)
    assert 0 < kept < 300
    emulator.reset_stats()
    recorder = Recorder()
    with JobStore.open(tmp_path, clock=vclock) as store:
        second = watcher_for(store, client, vclock, interval=3.0, on_update=recorder.update)
        await second.start()
        await asyncio.wait_for(second.wait_until_done(), 60)
        await second.stop()
        pages = store.load_pages(key)
    assert [p["url"] for p in pages] == [p["url"] for p in emulator.crawl_pages(crawl_id)]
    assert_each_page_read_once(emulator, crawl_id, start=kept, total=300)
    assert recorder.final()[key].status == "completed"


async def test_a_failed_page_read_is_taken_up_at_the_next_poll(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/", maxPages=60, page_seconds=0.2)
    key = f"crawl:{crawl_id}"
    emulator.faults = Faults(server_error=0.3, non_json=0.1, seed=11)
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(store, client, vclock, interval=2.0)
        watcher.add([key])
        await watcher.start()
        await asyncio.wait_for(watcher.wait_until_done(), 60)
        await watcher.stop()
        pages = store.load_pages(key)
        summary = store.get(key)
    assert any(r.fault for r in requests(emulator, "/pages"))  # some reads did fail
    assert [p["url"] for p in pages] == [p["url"] for p in emulator.crawl_pages(crawl_id)]
    assert summary is not None and summary.status == "completed" and summary.parts_failed == 2


async def test_start_cancel_and_retry_go_through_the_watcher(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    from spidra_tui.api.batch_calls import BatchRequest
    from spidra_tui.api.crawl_calls import CrawlRequest
    from spidra_tui.watch.kinds import Unsupported

    recorder = Recorder()
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(
            store, client, vclock, on_update=recorder.update, submitter=client, max_rate=2.0
        )
        await watcher.start()
        batch_key = await watcher.start_batch(
            BatchRequest(("https://shop.test/a", "https://shop.test/fail")), label="two shops"
        )
        crawl_key = await watcher.start_crawl(CrawlRequest("https://docs.test/", max_pages=200))
        assert store.get(batch_key).label == "two shops" and store.get(crawl_key).kind == "crawl"
        await vclock.sleep(5.0)
        assert "kept" in await watcher.cancel(crawl_key)
        with pytest.raises(Unsupported):
            await watcher.retry(crawl_key)
        await asyncio.wait_for(watcher.wait_until_done(), 60)
        assert store.get(crawl_key).status == "cancelled"
        first = store.get(batch_key)
        assert first.status == "completed" and first.parts_failed == 1
        assert await watcher.retry(batch_key) == 1
        assert not store.get(batch_key).terminal  # polled again until it ends anew
        await asyncio.wait_for(watcher.wait_until_done(), 60)
        await watcher.stop()
        again = store.get(batch_key)
    assert again.status == "completed" and again.parts_failed == 0 and again.terminal
    assert recorder.final()[batch_key].status == "completed"
    times = sorted(r.clock_time for r in emulator.stats.requests())
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.5 - 1e-6


async def test_identify_asks_which_kind_an_id_is(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    batch_id = emulator.create_batch(KEY, ["https://shop.test/a"])
    crawl_id = emulator.create_crawl(KEY, "https://docs.test/")
    scrape_id = emulator.create_job(KEY)
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(store, client, vclock, submitter=client)
        assert await watcher.identify(scrape_id) == scrape_id
        assert await watcher.identify(batch_id) == f"batch:{batch_id}"
        assert await watcher.identify(crawl_id) == f"crawl:{crawl_id}"
        assert await watcher.identify("nobody-knows") == "nobody-knows"
    # one request for the scrape, two for the batch, three for each of the others
    assert len(emulator.stats.requests()) == 1 + 2 + 3 + 3

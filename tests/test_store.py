"""The job store: what it remembers, how it refuses bad files, and that it survives kills."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import answers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spidra_tui.api.models import Job
from spidra_tui.clock import FakeClock
from spidra_tui.watch import schema
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, JobUpdate
from spidra_tui.watch.store import URLS_KEPT, JobStore, StoreError

WRITER = Path(__file__).with_name("store_writer.py")
ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def store(tmp_path: Path, fake_clock: FakeClock):
    with JobStore.open(tmp_path / "state", clock=fake_clock) as opened:
        yield opened


def answer_update(job_id: str, body: dict, *, polled_at: float = 100.0) -> JobUpdate:
    return answers.answer_update(job_id, body, polled_at=polled_at)


def page_answer(content: str, url: str = "https://example.com/a") -> dict:
    page = {"url": url, "markdownContent": content, "success": True}
    return {"status": "completed", "result": {"content": content, "data": [page]}}


def traced(store: JobStore) -> list[str]:
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    return statements


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def writer(db: Path, tag: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db), tag, "300"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


# -- adding, listing, removing -------------------------------------------------


def test_add_lists_newest_first_and_keeps_existing_data(store: JobStore) -> None:
    assert store.add("b", added_at=10.0)
    assert store.add("a", added_at=10.0)
    assert store.add("c", added_at=20.0, label="third")
    assert not store.add("b", added_at=99.0, label="named later")
    assert not store.add("c", label="ignored: c has a label")
    assert [s.job_id for s in store.list()] == ["c", "a", "b"]  # equal times: by ID
    assert store.get("b").added_at == 10.0
    assert store.get("b").label == "named later"
    assert store.get("c").label == "third"
    assert store.get("missing") is None
    assert store.count() == 3
    assert store.ids() == {"a", "b", "c"}


def test_add_many_is_one_transaction_and_returns_only_new_ids(
    store: JobStore, fake_clock: FakeClock
) -> None:
    store.add("x2", label="kept")
    fake_clock.advance(1)
    pasted = [f"x{n}" for n in range(500)] + ["x7", "", "  "]
    statements = traced(store)
    added = store.add_many(pasted, labels={"x2": "other", "x3": "three"})
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    assert added == [f"x{n}" for n in range(500) if n != 2]
    listed = [s.job_id for s in store.list()]
    assert listed[:3] == ["x0", "x1", "x3"]  # the paste keeps its order at the top
    assert store.get("x2").label == "kept" and store.get("x3").label == "three"
    assert store.count() == 500


def test_list_shows_every_change_made_since_the_last_call(store: JobStore) -> None:
    store.add_many(["a", "b", "c"])
    before = store.list()
    store.record(JobUpdate("a", "active", fraction=0.3, message="page 1"))
    store.remove(["b"])
    with JobStore(store.path) as other:  # a second window writes too
        other.record(JobUpdate("c", "failed", error="blocked"))
        other.add("d", added_at=0.0)
    after = {s.job_id: s for s in store.list()}
    assert (after["a"].fraction, after["a"].message) == (0.3, "page 1")
    assert (after["c"].status, after["c"].error, after["c"].terminal) == ("failed", "blocked", True)
    assert set(after) == {"a", "c", "d"}
    assert before[0].fraction is None  # summaries handed out earlier do not change


def test_add_refuses_an_empty_id(store: JobStore) -> None:
    with pytest.raises(ValueError):
        store.add("")


def test_remove_forgets_jobs_and_their_answers(store: JobStore) -> None:
    store.add_many(["a", "b", "c"])
    store.record(answer_update("a", {"status": "completed", "result": {"content": "x"}}))
    assert store.remove(["a", "b", "nope"]) == 2
    assert store.remove("c") == 1  # a lone string is one ID
    assert store.count() == 0
    store.add("a")
    assert store.load_answer("a") is None
    assert store.get("a").status == UNKNOWN


# -- recording updates ---------------------------------------------------------


def test_record_follows_a_job_to_completion(store: JobStore, fake_clock: FakeClock) -> None:
    store.add("j")
    progress = {"message": "page 1", "progress": 0.4}
    store.record(answer_update("j", {"status": "active", "progress": progress}))
    active = store.get("j")
    assert (active.status, active.fraction, active.message) == ("active", 0.4, "page 1")
    assert not active.terminal and active.finished_at is None and store.active_ids() == {"j"}

    result = {"content": {"price": 3}, "data": [{"title": "Shop", "url": "https://e.com"}]}
    body = {"status": "completed", "result": result}
    store.record(answer_update("j", body, polled_at=200.0))
    done = store.get("j")
    assert (done.status, done.terminal, done.finished_at) == ("completed", True, 200.0)
    assert (done.title, done.content_kind, done.message) == ("Shop", "json", None)
    assert done.last_polled == 200.0
    assert done.answer_size == len(store.load_answer_text("j").encode())
    assert store.load_answer("j") == body
    assert store.active_ids() == set()

    store.record(answer_update("j", body, polled_at=300.0))
    assert store.get("j").finished_at == 200.0  # the first time it finished


def test_retry_update_keeps_the_last_answer_and_known_status(store: JobStore) -> None:
    store.add("j")
    body = {"status": "active", "progress": {"message": "crawling", "progress": 0.5}}
    store.record(answer_update("j", body, polled_at=50.0))
    store.record(JobUpdate("j", UNKNOWN, message="Server error, trying again", polled_at=60.0))
    after = store.get("j")
    assert (after.status, after.fraction) == ("active", 0.5)
    assert after.message == "Server error, trying again"
    assert after.last_polled == 60.0
    assert store.load_answer("j") == body
    assert store.active_ids() == {"j"}


def test_not_found_and_forbidden_end_polling_but_keep_the_answer(store: JobStore) -> None:
    store.add_many(["gone", "theirs"])
    store.record(answer_update("gone", {"status": "waiting"}))
    store.record(JobUpdate("gone", NOT_FOUND, error="No such job", polled_at=70.0, terminal=True))
    store.record(JobUpdate("theirs", FORBIDDEN, error="Not your job"))
    gone = store.get("gone")
    assert (gone.status, gone.terminal, gone.error) == (NOT_FOUND, True, "No such job")
    assert gone.finished_at == 70.0
    assert store.get("theirs").terminal
    assert store.active_ids() == set()
    assert store.load_answer("gone") == {"status": "waiting"}


def test_updates_for_removed_jobs_are_ignored(store: JobStore) -> None:
    store.record(answer_update("ghost", {"status": "completed", "result": {"content": "x"}}))
    store.record_many([JobUpdate("ghost", "active")])
    assert store.count() == 0
    assert store.load_answer_text("ghost") is None


def test_record_many_applies_a_burst_in_order_in_one_transaction(store: JobStore) -> None:
    store.add_many(["a", "b"])
    burst = [
        answer_update("a", {"status": "active", "progress": {"progress": 0.1}}),
        answer_update("b", {"status": "failed", "error": "blocked"}),
        answer_update("a", {"status": "active", "progress": {"progress": 0.9}}),
        JobUpdate("removed-meanwhile", "active"),
    ]
    statements = traced(store)
    store.record_many(burst)
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    assert store.get("a").fraction == 0.9
    assert (store.get("b").status, store.get("b").error) == ("failed", "blocked")
    assert store.load_answer("a")["progress"] == {"progress": 0.9}


# -- answers --------------------------------------------------------------------


def test_a_5_mb_answer_round_trips_compressed(store: JobStore) -> None:
    words = " ".join(f"item{n} costs {n % 97} euros" for n in range(200_000))
    body = {"status": "completed", "result": {"content": words[:5_000_000], "é": "✓"}}
    store.add("big")
    store.record(answer_update("big", body))
    assert store.load_answer("big") == body
    stored = store._conn.execute("SELECT length(body), compressed FROM answers").fetchone()
    assert stored[1] == 1 and stored[0] < 2_500_000
    assert store.get("big").answer_size > 5_000_000


def test_a_small_answer_is_stored_as_is(store: JobStore) -> None:
    store.add("s")
    store.record(answer_update("s", {"status": "waiting"}))
    assert store._conn.execute("SELECT compressed FROM answers").fetchone()[0] == 0
    assert store.load_answer_text("s") == '{"status":"waiting"}'


def test_lone_surrogates_are_stored_safely(store: JobStore) -> None:
    body = {"status": "completed", "result": {"content": "bad \ud800 half"}}
    store.add("s")
    store.record(JobUpdate("s", "completed", title="t\udfff", job=Job("completed", raw=body)))
    assert store.get("s").title == "t\ufffd"
    assert store.load_answer("s") == body  # the answer keeps it exactly


def test_a_damaged_answer_reads_as_none(store: JobStore) -> None:
    store.add_many(["zip", "json", "list"])
    store._conn.executemany(
        "INSERT INTO answers (job_id, body, compressed) VALUES (?, ?, ?)",
        [("zip", b"not zlib", 1), ("json", b"{half", 0), ("list", b"[1, 2]", 0)],
    )
    assert store.load_answer("zip") is None and store.load_answer_text("zip") is None
    assert store.load_answer("json") is None
    assert store.load_answer("list") is None


def test_listing_never_reads_answers(store: JobStore) -> None:
    store.add_many([f"j{n}" for n in range(50)])
    store.record(answer_update("j1", {"status": "completed", "result": {"content": "x" * 10**5}}))
    statements = traced(store)
    store.list(), store.get("j1"), store.ids(), store.active_ids(), store.count()
    assert len(statements) == 5
    assert not any("answers" in s for s in statements)


# -- the file -------------------------------------------------------------------


def test_jobs_and_answers_survive_reopening(tmp_path: Path) -> None:
    body = {"status": "completed", "result": {"content": "# Hi"}}
    with JobStore.open(tmp_path) as first:
        first.add("kept", label="mine")
        first.record(answer_update("kept", body))
    with JobStore.open(tmp_path) as again:
        assert again.get("kept").label == "mine"
        assert again.get("kept").content_kind == "markdown"
        assert again.load_answer("kept") == body


@posix_only
def test_new_folder_and_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    state = tmp_path / "deep" / "state"
    old = os.umask(0)
    try:
        with JobStore.open(state) as store:
            store.add("x")
            files = [state / "jobs.db", state / "jobs.db-wal", state / "jobs.db-shm"]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
            assert mode(state) == 0o700
            assert store.warnings == []
    finally:
        os.umask(old)


@posix_only
def test_a_users_open_folder_is_left_alone_but_reported(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with JobStore.open(tmp_path) as store:
        assert mode(tmp_path) == 0o755
        assert any("chmod 700" in w and str(tmp_path) in w for w in store.warnings)


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    JobStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 7")
    raw.close()
    with pytest.raises(StoreError) as caught:
        JobStore(db)
    assert str(caught.value) == (
        f"This job database was written by a newer spidra-tui (schema 7, this version knows "
        f"{schema.SCHEMA_VERSION}). Upgrade spidra-tui, or use --state-dir to choose another "
        "folder."
    )


def test_a_file_that_is_not_a_database_is_refused_in_plain_words(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    db.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError) as caught:
        JobStore.open(tmp_path)
    assert str(db) in str(caught.value) and "not a usable spidra-tui job database" in str(
        caught.value
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_another_programs_sqlite_file_is_not_touched(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE notes (text)")
    raw.close()
    with pytest.raises(StoreError, match="another program"):
        JobStore(db)
    with sqlite3.connect(db) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    assert tables == {"notes"}


def test_a_state_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        JobStore.open(tmp_path / "file")


def test_a_closed_store_says_so(store: JobStore) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list()


def test_the_next_schema_version_is_one_more_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "jobs.db"
    with JobStore(db) as old:
        old.add("a")
    current = schema.SCHEMA_VERSION

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE jobs ADD COLUMN pinned INTEGER")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    with pytest.raises(StoreError):
        JobStore(db)
    with sqlite3.connect(db) as raw:  # all or nothing: still the whole current version
        assert raw.execute("PRAGMA user_version").fetchone()[0] == current
        assert "pinned" not in {r[1] for r in raw.execute("PRAGMA table_info(jobs)")}
    raw.close()

    def next_version(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE jobs ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS[:current], next_version])
    with JobStore(db) as upgraded:
        assert upgraded.ids() == {"a"}
        assert upgraded._conn.execute("SELECT pinned FROM jobs").fetchone() == (0,)
        assert upgraded._conn.execute("PRAGMA user_version").fetchone()[0] == current + 1


def test_a_version_1_database_gains_page_urls_and_keeps_its_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "jobs.db"
    with monkeypatch.context() as m:  # written as the first release wrote it
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        m.setattr(schema, "SCHEMA_VERSION", 1)
        with JobStore(db) as old:
            old.add("a", label="example.com/a")
            old._conn.execute("UPDATE jobs SET status = 'active', fraction = 0.5")
        with sqlite3.connect(db) as raw:
            assert "urls" not in {r[1] for r in raw.execute("PRAGMA table_info(jobs)")}
        raw.close()
    with JobStore(db) as store:
        (summary,) = store.list()
        assert (summary.label, summary.status, summary.fraction) == ("example.com/a", "active", 0.5)
        assert summary.urls is None  # not known until the next answer
        store.record(answer_update("a", page_answer("# A again")))
        assert store.get("a").urls == "https://example.com/a"


def test_the_summary_keeps_a_bounded_list_of_page_urls(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.db") as store:
        store.add("many")
        pages = [{"url": f"https://example.com/item/{n}", "success": True} for n in range(500)]
        body = {"status": "completed", "result": {"content": "x", "data": pages}}
        store.record(answer_update("many", body))
        urls = store.get("many").urls.split("\n")
        assert urls[:2] == ["https://example.com/item/0", "https://example.com/item/1"]
        assert len(urls) == URLS_KEPT
        store.record(JobUpdate("many", UNKNOWN))  # a failed poll keeps them
        assert len(store.get("many").urls.split("\n")) == URLS_KEPT


# -- sharing and crashing ---------------------------------------------------------


def test_two_stores_on_one_file_work_side_by_side(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with JobStore(db) as mine:
                for n in range(150):
                    mine.add(f"{name}-{n}")
                    mine.record(answer_update(f"{name}-{n // 2}", {"status": "active"}))
                    mine.list()
        except BaseException as exc:  # reported below, with the thread's name
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("tui", "watch")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with JobStore(db) as check:
        assert check.count() == 300


def test_windows_opening_a_new_file_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    # Switching a new file to WAL fails at once, without waiting, if another
    # connection is opening it too; without a retry this failed in a few % of rounds.
    errors: list[BaseException] = []
    for round_ in range(40):
        db = tmp_path / f"{round_}.db"
        start = threading.Barrier(4)

        def open_and_add(db: Path = db, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with JobStore(db) as store:
                    store.add("x")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_and_add) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_a_second_process_writing_flat_out_does_not_lock_us_out(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    proc = writer(db, "busy")
    assert proc.stdout is not None
    commits = 0

    def drain() -> None:  # a full pipe would stall the writer and hide the contention
        nonlocal commits
        for line in proc.stdout:
            commits += line == "commit\n"

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    try:
        with JobStore(db) as mine:
            n = 0
            give_up = time.monotonic() + 10
            # Go on until the other process has committed plenty meanwhile.
            while (n < 100 or commits < 30) and time.monotonic() < give_up:
                mine.add(f"mine-{n}")
                mine.record(JobUpdate(f"mine-{n}", "active", fraction=0.5))
                assert mine.get(f"mine-{n}").fraction == 0.5
                mine.list()
                n += 1
    finally:
        proc.kill()
        proc.wait()
        drainer.join()
    assert commits >= 30


def kill_mid_write(proc: subprocess.Popen[str], rng: random.Random) -> str:
    """SIGKILL the writer just after a random ``begin``/``commit`` past a random delay.

    Returns everything it printed.
    """
    assert proc.stdout is not None
    target = rng.choice(["begin\n", "commit\n"])
    deadline = time.monotonic() + rng.uniform(0.02, 0.25)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        # Three commits begun means two finished: answers of this run are stored.
        if line == target and time.monotonic() >= deadline and lines.count("commit\n") >= 3:
            break
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    return "".join(lines) + rest


def test_sigkill_mid_write_leaves_every_committed_job_and_whole_answers(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    phase = Path(f"{db}.phase")
    rng = random.Random()
    expected = {f"job-{n:04d}" for n in range(300)}
    mid_write = 0
    for attempt in range(15):  # until five kills have landed inside a transaction
        tag = f"r{attempt}"
        out = kill_mid_write(writer(db, tag), rng)
        mid_write += phase.read_bytes() == b"w"
        expected |= {line.split()[1] for line in out.splitlines() if line.startswith("added ")}

        raw = sqlite3.connect(db)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        answered = [row[0] for row in raw.execute("SELECT job_id FROM answers")]
        raw.close()
        with JobStore(db) as store:
            assert expected <= store.ids()
            writers = set()
            for job_id in answered:
                body = store.load_answer(job_id)
                assert body is not None, job_id
                pad = body["result"]["content"]
                assert hashlib.sha256(pad.encode()).hexdigest() == body["digest"]
                writers.add(body["writer"])
            assert tag in writers  # this run got to write answers before it died
        if mid_write == 5:
            break
    assert mid_write == 5


# -- untrusted text -----------------------------------------------------------------


@pytest.mark.parametrize(
    "job_id",
    ["../x", "a/b?c", "x'; DROP TABLE jobs; --", "職務-🕷️", "%s%d\\0", "\x00nul", "z" * 2048],
)
def test_odd_job_ids_are_just_ids(store: JobStore, job_id: str) -> None:
    assert store.add(job_id, label="odd")
    store.record(answer_update(job_id, {"status": "completed", "result": {"content": job_id}}))
    assert store.ids() == {job_id}
    assert store.get(job_id).status == "completed"
    assert store.load_answer(job_id)["result"]["content"] == job_id
    assert store.remove([job_id]) == 1 and store.count() == 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    job_id=st.text(min_size=1, max_size=40),
    label=st.text(min_size=1),
    title=st.text(),
    message=st.text(),
    error=st.text(),
)
def test_any_text_round_trips(
    store: JobStore, job_id: str, label: str, title: str, message: str, error: str
) -> None:
    store.add(job_id, label=label)
    raw = {"status": "failed", "title": title, "message": message, "error": error}
    job = Job("failed", raw=raw)
    store.record(JobUpdate(job_id, "failed", message=message, error=error, title=title, job=job))
    got = store.get(job_id)
    assert (got.job_id, got.label, got.title) == (job_id, label, title)
    assert (got.message, got.error) == (message, error)
    assert store.load_answer(job_id) == raw
    store.remove([job_id])

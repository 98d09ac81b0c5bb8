"""The emulator's batch scrapes: items that start and end over time, cancel, retry.

What a batch reports is a function of the clock time since it was created, of
when it was cancelled (if it was) and of when its failed items were retried.
Items run a few at a time, as the service runs them.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..clock import Clock
from . import content
from .results import SCREENSHOT_HOST

MAX_BATCH_URLS = 50
PENDING_BATCHES = 50  # per key, as the service limits them
RUNNING_AT_ONCE = 5
FAIL_RATE = 0.1
ITEM_SECONDS = (1.5, 3.5)
RETRY_START = 0.5  # job seconds after a retry before a retried item starts again


class BatchRejected(ValueError):
    """A body the service answers with 422; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Life:
    """One attempt at an item: when it starts and ends (job seconds) and how."""

    start: float
    end: float
    outcome: str  # "completed" or "failed"
    added: float = 0.0  # job seconds at which this attempt was queued


@dataclass
class BatchItemRun:
    """One URL of a batch and its attempts."""

    uuid: str
    url: str
    job_id: str
    lives: list[Life]

    def at(self, elapsed: float, cancelled_at: float | None) -> tuple[str, Life | None]:
        """The item's status at ``elapsed`` and the attempt it is in."""
        life = None
        for candidate in self.lives:
            if candidate.added <= elapsed:
                life = candidate
        assert life is not None
        if cancelled_at is not None and life.added > cancelled_at:
            cancelled_at = None  # queued again by a retry after the cancel
        if elapsed >= life.end:
            if cancelled_at is not None and cancelled_at < life.end:
                return "cancelled", life
            return life.outcome, life
        if cancelled_at is not None and cancelled_at <= elapsed:
            return "cancelled", life
        return ("running" if elapsed >= life.start else "pending"), life


@dataclass
class BatchRun:
    """One batch: its items and what was done to it."""

    batch_id: str
    owner: str
    created: float  # clock time
    items: list[BatchItemRun]
    output: str = "markdown"
    prompt: str | None = None
    seed: int = 0
    cancelled_at: float | None = None  # job seconds
    created_wall: float = 0.0
    credits_each: float = 1.0
    finished_wall: dict[str, float] = field(default_factory=dict)
    screenshot: bool = False


def _item_lives(rng: random.Random, count: int, urls: list[str]) -> list[list[Life]]:
    lanes = [1.0] * RUNNING_AT_ONCE
    lives = []
    for index in range(count):
        lane = min(range(RUNNING_AT_ONCE), key=lambda n: lanes[n])
        start = lanes[lane]
        end = start + rng.uniform(*ITEM_SECONDS)
        lanes[lane] = end
        fails = "fail" in urls[index] or rng.random() < FAIL_RATE
        lives.append([Life(start, end, "failed" if fails else "completed")])
    return lives


def validate_batch(body: Any) -> list[str]:
    """Every problem with a ``POST /batch/scrape`` body (empty when valid)."""
    if not isinstance(body, dict):
        return ["Request body must be a JSON object"]
    urls = body.get("urls")
    if not isinstance(urls, list) or not urls:
        return ["urls must be a non-empty array of URLs"]
    errors = []
    if len(urls) > MAX_BATCH_URLS:
        errors.append(f"urls must contain at most {MAX_BATCH_URLS} URLs")
    for index, url in enumerate(urls):
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            errors.append(f"urls[{index}] must be an http(s) URL")
    return errors


class BatchBook:
    """Every batch of one emulator; thread-safe."""

    def __init__(self, clock: Clock, time_scale: float, seed: int) -> None:
        self._clock = clock
        self._scale = time_scale
        self._rng = random.Random(f"batches/{seed}")
        self._ids = random.Random(f"batch-ids/{seed}")
        self._batches: dict[str, BatchRun] = {}
        self._lock = threading.Lock()
        self.link: Callable[[str, int, str], str] | None = None
        """Signs a generated screenshot link for the storage origin (set when it
        starts): ``(url, seed, title)``. None leaves links as they are."""

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def elapsed(self, batch: BatchRun) -> float:
        return (self._clock.monotonic() - batch.created) * self._scale

    def create(self, owner: str, body: Any) -> BatchRun:
        """A batch as ``POST /batch/scrape`` makes it; raises :class:`BatchRejected`."""
        errors = validate_batch(body)
        if errors:
            raise BatchRejected(errors)
        urls = [str(url) for url in body["urls"]]
        with self._lock:
            batch_id = self._new_id()
            seed = self._rng.getrandbits(32)
            rng = random.Random(seed)
            lives = _item_lives(rng, len(urls), urls)
            items = [
                BatchItemRun(self._new_id(), url, self._new_id(), life)
                for url, life in zip(urls, lives, strict=True)
            ]
            batch = BatchRun(
                batch_id,
                owner,
                self._clock.monotonic(),
                items,
                output=str(body.get("output") or "markdown"),
                prompt=body.get("prompt") if isinstance(body.get("prompt"), str) else None,
                seed=seed,
                created_wall=self._clock.wall(),
                screenshot=body.get("screenshot") is True,
            )
            self._batches[batch_id] = batch
        return batch

    def get(self, batch_id: str) -> BatchRun | None:
        with self._lock:
            return self._batches.get(batch_id)

    def pending(self, owner: str) -> int:
        """Batches of ``owner`` that have not ended."""
        with self._lock:
            batches = [b for b in self._batches.values() if b.owner == owner]
        return sum(not self.terminal(b) for b in batches)

    def owned(self, owner: str) -> list[BatchRun]:
        """``owner``'s batches, newest first."""
        with self._lock:
            return [b for b in reversed(self._batches.values()) if b.owner == owner]

    # -- state ----------------------------------------------------------------------

    def statuses(self, batch: BatchRun) -> list[str]:
        elapsed = self.elapsed(batch)
        return [item.at(elapsed, batch.cancelled_at)[0] for item in batch.items]

    def status(self, batch: BatchRun, statuses: list[str] | None = None) -> str:
        statuses = statuses if statuses is not None else self.statuses(batch)
        if all(s in ("completed", "failed", "cancelled") for s in statuses):
            if batch.cancelled_at is not None and "cancelled" in statuses:
                return "cancelled"
            return "failed" if all(s == "failed" for s in statuses) else "completed"
        if all(s == "pending" for s in statuses):
            return "pending"
        return "running"

    def terminal(self, batch: BatchRun) -> bool:
        return self.status(batch) in ("completed", "failed", "cancelled")

    def cancel(self, batch: BatchRun) -> tuple[int, float]:
        """Cancel what has not ended; (items cancelled, credits refunded)."""
        with self._lock:
            if self.terminal(batch):
                return 0, 0.0
            elapsed = self.elapsed(batch)
            open_items = sum(
                item.at(elapsed, None)[0] in ("pending", "running") for item in batch.items
            )
            batch.cancelled_at = elapsed
        return open_items, open_items * batch.credits_each

    def retry(self, batch: BatchRun) -> int:
        """Queue the failed items again (this time they succeed); how many."""
        with self._lock:
            elapsed = self.elapsed(batch)
            count = 0
            for item in batch.items:
                if item.at(elapsed, batch.cancelled_at)[0] != "failed":
                    continue
                start = elapsed + RETRY_START + 0.3 * (count % RUNNING_AT_ONCE)
                item.lives.append(Life(start, start + 2.0, "completed", added=elapsed))
                count += 1
        return count

    # -- answers --------------------------------------------------------------------

    def body(self, batch: BatchRun) -> dict[str, Any]:
        """``GET /batch/scrape/{id}``."""
        elapsed = self.elapsed(batch)
        statuses = [item.at(elapsed, batch.cancelled_at) for item in batch.items]
        only = [status for status, _ in statuses]
        status = self.status(batch, only)
        items = [
            self._item(batch, index, item, state, life)
            for index, (item, (state, life)) in enumerate(zip(batch.items, statuses, strict=True))
        ]
        ended = status in ("completed", "failed", "cancelled")
        return {
            "status": status,
            "totalUrls": len(batch.items),
            "completedCount": only.count("completed"),
            "failedCount": only.count("failed"),
            "createdAt": _iso(batch.created_wall),
            "finishedAt": _iso(self._wall_of(batch, elapsed)) if ended else None,
            "items": items,
        }

    def list_row(self, batch: BatchRun) -> dict[str, Any]:
        """A row of ``GET /batch/scrape`` (no items)."""
        body = self.body(batch)
        return {
            "uuid": batch.batch_id,
            "status": body["status"],
            "totalUrls": body["totalUrls"],
            "completedCount": body["completedCount"],
            "failedCount": body["failedCount"],
            "outputFormat": batch.output,
            "scrapingChannel": "api",
            "createdAt": body["createdAt"],
            "finishedAt": body["finishedAt"],
        }

    def _wall_of(self, batch: BatchRun, elapsed: float) -> float:
        return batch.created_wall + elapsed / self._scale

    def _item(
        self, batch: BatchRun, index: int, item: BatchItemRun, state: str, life: Life | None
    ) -> dict[str, Any]:
        started = life is not None and state != "pending"
        ended = state in ("completed", "failed")
        result = None
        shot = None
        if state == "completed":
            rng = random.Random(f"{batch.seed}/{index}")
            title = content.page_title(item.url, rng)
            result = content.page_markdown(item.url, title, rng, sections=2)
            if batch.screenshot:
                shot = f"{SCREENSHOT_HOST}/{item.job_id}-1.png"
                if self.link is not None:
                    shot = self.link(shot, batch.seed + index, title)
        return {
            "uuid": item.uuid,
            "url": item.url,
            "jobId": item.job_id,
            "status": state,
            "result": result,
            "error": f"Failed to scrape {item.url}" if state == "failed" else None,
            "creditsUsed": batch.credits_each if ended else 0,
            "startedAt": _iso(self._wall_of(batch, life.start)) if started and life else None,
            "finishedAt": _iso(self._wall_of(batch, life.end)) if ended and life else None,
            "screenshotUrl": shot,
        }


def _iso(wall: float) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(wall, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

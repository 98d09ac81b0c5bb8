"""The emulator's jobs: who owns them, their scripts, and what a GET of them answers."""

from __future__ import annotations

import json
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from ..clock import Clock
from .accounting import ServerStats
from .lifecycle import Flavour, Moment, Script, draw_script
from .results import build_result
from .validation import Submission, parse_submission, schema_warnings


@dataclass(frozen=True)
class Job:
    """One job. ``result``, ``error`` and ``final_body`` are set when a test planted
    them; otherwise the result is generated from ``submission`` and ``seed``."""

    job_id: str
    owner: str
    created: float
    """Emulator clock time of creation."""
    script: Script
    submission: Submission
    flavour: Flavour
    seed: int
    result: dict[str, Any] | None = None
    error: str | None = None
    final_body: Any = None
    """The whole terminal answer, as a JSON value or raw bytes, replacing the usual one."""
    final_status: int = 200
    """The HTTP status of the terminal answer (a proxy's 502 page, say)."""
    final_content_type: str | None = None
    """The content type of the terminal answer; None: JSON."""
    answer_delay: float = 0.0
    """Real seconds every answer about this job is held back: a long one never comes."""


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


class JobBook:
    """All jobs of one emulator; thread-safe."""

    def __init__(self, clock: Clock, time_scale: float, seed: int, stats: ServerStats) -> None:
        self._clock = clock
        self._scale = time_scale
        self._stats = stats
        self._ids = random.Random(f"job-ids/{seed}")
        self._lives = random.Random(f"lifecycles/{seed}")
        self._jobs: dict[str, Job] = {}
        self._terminal: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # --- creating ---------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh UUID4, reproducible from the seed."""
        with self._lock:
            return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def add(self, job: Job) -> Job:
        with self._lock:
            if job.job_id in self._jobs:
                raise ValueError(f"job {job.job_id} already exists")
            self._jobs[job.job_id] = job
        self._stats.job_created(job.submission.urls, None)
        return job

    def submit(self, owner: str, body: Any) -> tuple[Job, list[str]]:
        """Create a job as ``POST /scrape`` does; returns it and its schema warnings.
        Raises ``SubmissionRejected`` for an invalid body."""
        submission = parse_submission(body)
        job_id = self.new_id()
        with self._lock:
            script, flavour = draw_script(
                self._lives,
                pages=len(submission.urls),
                prompt=submission.prompt is not None,
                actions=submission.actions,
                for_each=submission.for_each_items > 0,
            )
            seed = self._lives.getrandbits(32)
            job = Job(job_id, owner, self._clock.monotonic(), script, submission, flavour, seed)
            self._jobs[job_id] = job
        self._stats.job_created(submission.urls, body)
        return job, schema_warnings(body)

    # --- reading ----------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def require(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def ids(self) -> list[str]:
        """Every job ID, in creation order."""
        with self._lock:
            return list(self._jobs)

    def pending(self, owner: str, at: float | None = None) -> int:
        """How many of ``owner``'s jobs have not ended at clock time ``at`` (default: now)."""
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.owner == owner]
        return sum(1 for job in jobs if not self.moment(job, at).terminal)

    def elapsed(self, job: Job, at: float | None = None) -> float:
        """Job seconds since creation at clock time ``at`` (default: now)."""
        now = self._clock.monotonic() if at is None else at
        return (now - job.created) * self._scale

    def moment(self, job: Job, at: float | None = None) -> Moment:
        return job.script.at(self.elapsed(job, at))

    def finish_time(self, job: Job) -> float:
        """Emulator clock time at which the job turns terminal."""
        return job.created + job.script.total / self._scale

    def error_text(self, job: Job) -> str:
        if job.error is not None:
            return job.error
        return f"Failed to scrape {job.submission.urls[0]} — {job.flavour.error_reason}"

    def result(self, job: Job) -> dict[str, Any]:
        """The ``result`` of the job once completed."""
        if job.result is not None:
            return job.result
        return build_result(
            job.submission,
            job.flavour,
            seed=job.seed,
            job_id=job.job_id,
            duration_ms=int(job.script.active * 1000) + 137,
        )

    def answer(self, job: Job, at: float | None = None) -> tuple[bytes, Moment]:
        """The body of a ``GET /scrape/{id}`` answer and the moment it describes."""
        moment = self.moment(job, at)
        if moment.terminal:
            with self._lock:
                cached = self._terminal.get(job.job_id)
            if cached is None:
                cached = self._terminal_body(job, moment)
                with self._lock:
                    self._terminal[job.job_id] = cached
            return cached, moment
        return _json_bytes(self.body(job, moment)), moment

    def body(self, job: Job, moment: Moment) -> Any:
        """The answer for a moment as a JSON value (or bytes for a planted raw body)."""
        if moment.terminal and job.final_body is not None:
            return job.final_body
        completed = moment.status == "completed"
        return {
            "status": moment.status,
            "progress": {"message": moment.message, "progress": _number(moment.progress)},
            "result": self.result(job) if completed else None,
            "error": self.error_text(job) if moment.status == "failed" else None,
        }

    def _terminal_body(self, job: Job, moment: Moment) -> bytes:
        value = self.body(job, moment)
        return value if isinstance(value, bytes) else _json_bytes(value)

"""Job lifecycles: a script says what a job reports at every moment of its life.

The status at a moment is a pure function of the time elapsed since the job was
created (in job seconds), so a test can tell exactly what any poll should have seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["completed", "failed"]

WAITING_MESSAGE = "Waiting in queue"
DELAYED_MESSAGE = "Delayed, retrying shortly"
COMPLETED_MESSAGE = "Scrape completed successfully"
FAILED_MESSAGE = "Scrape failed"

DEFAULT_STAGES = ("Launching browser", "Loading page", "Extracting content")
START_FRACTION = 0.05
END_FRACTION = 0.95

FAILURE_REASONS = (
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_CONNECTION_REFUSED",
    "net::ERR_CERT_DATE_INVALID",
    "Navigation timeout of 30000 ms exceeded",
    "Target site answered HTTP 403 (blocked)",
)


@dataclass(frozen=True, slots=True)
class Moment:
    """What a job reports at one moment."""

    status: str
    message: str
    progress: float

    @property
    def terminal(self) -> bool:
        return self.status in ("completed", "failed")


@dataclass(frozen=True)
class Script:
    """A job's life: ``waiting`` seconds, then ``delayed`` seconds, then ``active``
    seconds working through ``stages``, then ``outcome``.

    While active, the progress fraction rises from 0.05 towards 0.95; a failing job
    stops rising at ``fail_at`` (a fraction of the way through its stages) and fails.
    """

    waiting: float = 1.0
    active: float = 3.0
    delayed: float = 0.0
    outcome: Outcome = "completed"
    stages: tuple[str, ...] = DEFAULT_STAGES
    fail_at: float = 0.4

    def __post_init__(self) -> None:
        if min(self.waiting, self.active, self.delayed) < 0:
            raise ValueError("Script durations must not be negative")
        if self.outcome not in ("completed", "failed"):
            raise ValueError(f"Script.outcome must be completed or failed, not {self.outcome!r}")
        if not self.stages:
            raise ValueError("Script.stages must not be empty")
        if not 0.0 <= self.fail_at <= 1.0:
            raise ValueError("Script.fail_at must be between 0 and 1")

    @property
    def total(self) -> float:
        """Job seconds from creation to the terminal status."""
        return self.waiting + self.delayed + self.active

    def at(self, elapsed: float) -> Moment:
        """The job's report ``elapsed`` job seconds after it was created."""
        if elapsed < self.waiting:
            return Moment("waiting", WAITING_MESSAGE, 0.0)
        if elapsed < self.waiting + self.delayed:
            return Moment("delayed", DELAYED_MESSAGE, 0.0)
        into = elapsed - self.waiting - self.delayed
        reach = 1.0 if self.outcome == "completed" else self.fail_at
        if into < self.active:
            share = reach * into / self.active
            return Moment("active", self._stage(share), _fraction(share))
        if self.outcome == "completed":
            return Moment("completed", COMPLETED_MESSAGE, 1.0)
        return Moment("failed", FAILED_MESSAGE, _fraction(reach))

    def _stage(self, share: float) -> str:
        index = min(int(share * len(self.stages)), len(self.stages) - 1)
        return self.stages[index]


def _fraction(share: float) -> float:
    return round(START_FRACTION + (END_FRACTION - START_FRACTION) * share, 3)


@dataclass(frozen=True)
class Flavour:
    """The shape of a completed result, drawn along with the script."""

    ai_extraction_failed: bool = False
    extraction_empty: bool = False
    failed_pages: frozenset[int] = frozenset()
    captchas: int = 0
    error_reason: str = FAILURE_REASONS[0]


def stages_for(*, prompt: bool, actions: bool, for_each: bool, captchas: int) -> tuple[str, ...]:
    """The progress messages a job with these traits goes through."""
    stages = ["Launching browser", "Loading page"]
    if captchas:
        stages.append("Solving CAPTCHA")
    if actions:
        stages.append("Running browser actions")
    if for_each:
        stages += ["Collecting items", "Collecting items (page 2)"]
    stages.append("Extracting content")
    if prompt:
        stages.append("Processing content with AI...")
    return tuple(stages)


def draw_script(
    rng: random.Random, *, pages: int, prompt: bool, actions: bool, for_each: bool
) -> tuple[Script, Flavour]:
    """A lifecycle for a submitted job: mostly 2-15 s, about 10% failed, about 10%
    with AI extraction failing when there is a prompt, a few delayed."""
    captchas = 1 if rng.random() < 0.08 else 0
    waiting = rng.uniform(0.3, 3.0)
    active = rng.uniform(1.5, 10.0) + (5.0 if for_each else 0.0)
    if rng.random() < 0.04:
        active += rng.uniform(10.0, 30.0)  # the occasional slow site
    delayed = rng.uniform(3.0, 8.0) if rng.random() < 0.05 else 0.0
    failed = rng.random() < 0.10
    ai_failed = prompt and rng.random() < 0.10
    empty = prompt and not ai_failed and rng.random() < 0.05
    failed_pages = frozenset(i for i in range(1, pages) if rng.random() < 0.05)
    script = Script(
        waiting=round(waiting, 3),
        active=round(active, 3),
        delayed=round(delayed, 3),
        outcome="failed" if failed else "completed",
        stages=stages_for(prompt=prompt, actions=actions, for_each=for_each, captchas=captchas),
        fail_at=round(rng.uniform(0.1, 0.7), 3),
    )
    flavour = Flavour(
        ai_extraction_failed=ai_failed,
        extraction_empty=empty,
        failed_pages=failed_pages,
        captchas=captchas,
        error_reason=rng.choice(FAILURE_REASONS),
    )
    return script, flavour

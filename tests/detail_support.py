"""Pieces shared by the detail pane tests: a tiny app, answers built by hand, screen text."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget

from spidra_tui.api.models import Job, parse_job
from spidra_tui.clock import FakeClock
from spidra_tui.ui.detail.pane import JobDetail
from spidra_tui.watch.state import JobSummary

SIZES = [(120, 40), (80, 24)]
JOB_ID = "3f2a9c1e-0b7d-4e55-9a61-1c2d3e4f5a6b"

# Characters that must never reach the terminal from API text.
FORBIDDEN_CHARS = ("\x1b", "\x07", "\x00", "\x9b", "\x9d", "\ud800")


class DetailApp(App[None]):
    """Just a JobDetail filling the screen, on a clock the test moves."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        # Animations (the tab underline) keep the app busy between key presses.
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield JobDetail(clock=self.clock, id="detail")

    @property
    def detail(self) -> JobDetail:
        return self.query_one(JobDetail)


def answer(
    content: Any = None,
    *,
    status: str = "completed",
    pages: list[dict[str, Any]] | None = None,
    screenshots: list[str] | None = None,
    stats: dict[str, Any] | None = None,
    error: str | None = None,
    progress: dict[str, Any] | None = None,
    with_result: bool = True,
    **result_extra: Any,
) -> Job:
    """A parsed answer, written as the API would send it."""
    body: dict[str, Any] = {"status": status, "error": error}
    if progress is not None:
        body["progress"] = progress
    if with_result:
        body["result"] = {
            "content": content,
            "data": pages or [],
            "screenshots": screenshots or [],
            "stats": stats,
            **result_extra,
        }
    else:
        body["result"] = None
    return parse_job(body)


def page(
    url: str,
    title: str | None = None,
    markdown: str | None = None,
    *,
    success: bool = True,
    screenshot: str | None = None,
) -> dict[str, Any]:
    """One entry of ``result.data[]``."""
    return {
        "url": url,
        "title": title,
        "markdownContent": markdown,
        "success": success,
        "screenshotUrl": screenshot,
    }


def summary(
    clock: FakeClock, status: str = "completed", *, job_id: str = JOB_ID, **fields: Any
) -> JobSummary:
    """A summary as the store would list it; added two minutes before ``clock``'s now."""
    fields.setdefault("added_at", clock.wall() - 120)
    terminal = status in ("completed", "failed", "cancelled", "not_found", "forbidden")
    fields.setdefault("terminal", terminal)
    if terminal:
        fields.setdefault("finished_at", clock.wall() - 10)
        fields.setdefault("last_polled", clock.wall() - 10)
    return JobSummary(job_id=job_id, status=status, **fields)


def foreach_markdown(items: int) -> str:
    """A forEach page: ``## Item 1`` ... ``## Item N``, each a few lines."""
    return "\n\n".join(
        f"## Item {n}\n\nName: product {n}\n\nPrice: {n * 3} EUR\n\nIn stock: yes"
        for n in range(1, items + 1)
    )


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every line on screen, as the terminal would get it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[Any]) -> str:
    return "\n".join(line.rstrip() for line in screen_lines(app))


def widget_text(widget: Widget) -> str:
    """What one widget shows right now."""
    width, height = widget.size
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, width, height))
    return "\n".join(strip.text.rstrip() for strip in strips)


async def settle(pilot: Pilot[Any], times: int = 3) -> None:
    """Let messages, refreshes and background loading finish."""
    for _ in range(times):
        await pilot.pause()
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()

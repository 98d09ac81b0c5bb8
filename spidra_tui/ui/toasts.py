"""The words and looks of the app's toasts.

Toasts are handed to ``App.notify`` as ``Content``, never as a markup string:
a job's title or error comes from the API, and ``notify`` would parse markup in
a ``str``. A link is styled as a terminal hyperlink only once it passed the
http(s) check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.content import Content
from textual.style import Style

from spidra_tui.deliver import CopyReport, OpenReport
from spidra_tui.sanitize import line, web_url

if TYPE_CHECKING:
    from textual.app import App

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Toast:
    """One toast: its text, an optional title, how loud it is."""

    message: Content
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None


def link(url: str) -> Content:
    """``url`` as a clickable terminal hyperlink when it is http(s), else as plain text."""
    safe = web_url(url)
    if safe is None:
        return Content(line(url, 300))
    return Content.assemble((safe, Style(link=safe, underline=True)))


def text(message: str) -> Content:
    """Plain words, shown literally (no markup)."""
    return Content(message)


def copied(report: CopyReport, what: str) -> Toast:
    """What a copy did, by which route; a copy too large for OSC 52 suggests saving."""
    summary = report.summary()
    if not report.ok:
        return Toast(text(summary), f"Not copied: {line(what, 60)}", "error", 8)
    if report.too_large_for_osc52:
        summary += " (over SSH it may not reach you: press s to save it instead)"
        return Toast(text(summary), f"Copied {line(what, 60)}", "warning", 8)
    return Toast(text(summary), f"Copied {line(what, 60)}")


def opened(report: OpenReport, copy: CopyReport | None = None) -> Toast:
    """What happened to an open request: opened, copied instead (with the link), refused."""
    if report.action == "opened":
        return Toast(Content.assemble("Opened ", link(report.url), " in the browser"))
    if report.action == "copy":
        routes = " + ".join(copy.copied_via) if copy is not None and copy.ok else ""
        copied_how = f"Link copied ({routes}): " if routes else "Link (not copied): "
        message = Content.assemble(copied_how, link(report.url), f"\nNot opened: {report.reason}")
        return Toast(message, "Link not opened", "information", 12)
    return Toast(
        Content.assemble(f"{line(report.reason, 120)}: ", Content(line(report.url, 200))),
        "Not opened",
        "warning",
    )


def demo_welcome(jobs: int) -> Toast:
    """The first thing a newcomer reads in ``--demo``."""
    words = (
        f"{jobs} example jobs on a built-in server: watch them run and finish within "
        "about 30 s. j/k moves, enter opens a job, c copies, s saves, ? lists every key."
    )
    return Toast(text(words), "Demo mode", "information", 15)


def show(app: App[object], toast: Toast) -> None:
    """Raise ``toast`` through ``app.notify``.

    ``notify`` takes a ``str`` by its signature, but its toast renders
    ``Content.from_markup(message)``, which returns a ``Content`` unchanged: so
    a ``Content`` goes through with ``markup=True`` and is never parsed, while
    ``markup=False`` would wrap it in ``Content(...)`` as if it were a string.
    """
    app.notify(
        toast.message,  # type: ignore[arg-type]
        title=toast.title,
        severity=toast.severity,
        timeout=toast.timeout,
        markup=True,
    )

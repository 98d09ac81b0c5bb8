"""What the TUI's start leaves for later: the HTTP stack, markdown and the dialogs.

Each of these is imported on first use (the first request, the first markdown shown,
the first dialog opened), so the first screen does not wait for them; a fresh
interpreter tells whether an import crept back into the start.
"""

from __future__ import annotations

import subprocess
import sys

DEFERRED = (
    "httpx",
    "httpcore",
    "markdown_it",
    "rich.markdown",
    "spidra_tui.ui.document.block_markdown",
    "spidra_tui.ui.dialogs.add_jobs",
    "spidra_tui.ui.dialogs.new_scrape",
)


def loaded_after(code: str) -> set[str]:
    """The deferred modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {DEFERRED!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_the_tui_starts_without_the_http_stack_markdown_or_dialogs() -> None:
    code = (
        "from spidra_tui.commands.tui import make_app\n"
        "from spidra_tui.api.client import SpidraClient\n"
        "from spidra_tui.watch.store import JobStore\n"
        "client = SpidraClient('https://api.spidra.io/api', None)\n"
        "make_app(store=JobStore(':memory:'), client=client)\n"
    )
    assert loaded_after(code) == set()


def test_the_probe_sees_a_module_that_is_loaded() -> None:
    # The check above is only worth something if loading one of them shows.
    assert loaded_after("import httpx\nimport markdown_it") == {"httpx", "markdown_it"}

"""Every key of the main screen, in one table.

The bindings, the footer, the help screen and the command palette are all
built from ``KEYS``, so a key cannot exist in one and be missing from another.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class KeyCommand:
    """One command: the keys that run it, its action, and how it is described.

    ``keys`` is in Textual's binding syntax (comma-separated); ``shown`` is how
    the help screen writes them. ``footer`` puts it in the footer. ``bound``
    False means the keys belong to a widget (the list's own j/k) and only the
    palette and the help screen need the entry.
    """

    keys: str
    action: str
    title: str
    help: str
    group: str
    shown: str
    footer: bool = False
    bound: bool = True
    footer_title: str = ""


MOVING = "Moving around"
JOBS = "Jobs"
RESULTS = "Results"
APP = "App"

KEYS: tuple[KeyCommand, ...] = (
    KeyCommand(
        "j,down", "next_job", "Next job", "Move the cursor down", MOVING, "j ↓", bound=False
    ),
    KeyCommand(
        "k,up", "previous_job", "Previous job", "Move the cursor up", MOVING, "k ↑", bound=False
    ),
    KeyCommand("g", "first_job", "First job", "Jump to the newest job", MOVING, "g", bound=False),
    KeyCommand("G", "last_job", "Last job", "Jump to the oldest job", MOVING, "G", bound=False),
    KeyCommand(
        "enter",
        "open_detail",
        "Open the job",
        "Go to the detail pane",
        MOVING,
        "enter",
        bound=False,
    ),
    KeyCommand(
        "tab", "switch_pane", "Switch pane", "Between the list and the detail", MOVING, "tab"
    ),
    KeyCommand("escape", "back", "Back", "Back to the list; clears the filter", MOVING, "esc"),
    KeyCommand(
        "slash",
        "filter",
        "Filter jobs",
        "By ID, URL, title or message",
        MOVING,
        "/",
        footer=True,
        footer_title="Filter",
    ),
    KeyCommand(
        "a",
        "add_jobs",
        "Add job IDs",
        "Paste one or many job IDs to watch",
        JOBS,
        "a",
        footer=True,
        footer_title="Add",
    ),
    KeyCommand(
        "n",
        "new_scrape",
        "New scrape",
        "Submit URLs and watch the new job",
        JOBS,
        "n",
        footer=True,
        footer_title="New",
    ),
    KeyCommand("r", "refresh", "Refresh the job", "Poll the selected job now", JOBS, "r"),
    KeyCommand("R", "refresh_all", "Refresh every job", "Poll every running job now", JOBS, "R"),
    KeyCommand(
        "p",
        "toggle_pause",
        "Pause or resume polling",
        "Stop and restart all requests",
        JOBS,
        "p",
        footer=True,
        footer_title="Pause",
    ),
    KeyCommand(
        "x,delete",
        "remove_job",
        "Remove the job",
        "Stop watching it and forget it (asks first)",
        JOBS,
        "x del",
    ),
    KeyCommand(
        "c",
        "copy_content",
        "Copy what the pane shows",
        "The content, the selected page's markdown, or the JSON",
        RESULTS,
        "c",
        footer=True,
        footer_title="Copy",
    ),
    KeyCommand("i", "copy_id", "Copy the job ID", "The full ID of the selected job", RESULTS, "i"),
    KeyCommand(
        "y",
        "copy_url",
        "Copy the selected URL",
        "The selected page or screenshot URL",
        RESULTS,
        "y",
    ),
    KeyCommand(
        "s",
        "save_content",
        "Save what the pane shows",
        "To a file in the current folder; asks before overwriting",
        RESULTS,
        "s",
        footer=True,
        footer_title="Save",
    ),
    KeyCommand(
        "S", "save_answer", "Save the whole answer", "The last answer as JSON", RESULTS, "S"
    ),
    KeyCommand(
        "o",
        "open_screenshot",
        "Open the screenshot",
        "In a browser; over SSH the link is copied instead",
        RESULTS,
        "o",
        footer=True,
        footer_title="Open",
    ),
    KeyCommand(
        "m",
        "toggle_markdown",
        "Markdown: rendered or source",
        "Switch how markdown is shown",
        RESULTS,
        "m",
    ),
    KeyCommand(
        "A",
        "account",
        "Account view",
        "Batches, crawls, scrape history, usage and credits",
        APP,
        "A",
    ),
    KeyCommand(
        "F",
        "toggle_follow",
        "Follow the account",
        "Look each minute for batches and crawls started elsewhere",
        APP,
        "F",
    ),
    KeyCommand(
        "N",
        "toggle_notify",
        "Notifications on or off",
        "A line at the foot of the screen (and bell with --bell) when jobs end",
        APP,
        "N",
    ),
    KeyCommand(
        "question_mark", "help", "Help", "Every key", APP, "?", footer=True, footer_title="Help"
    ),
    KeyCommand("q", "quit", "Quit", "Leave spidra-tui", APP, "q", footer=True, footer_title="Quit"),
)

# Keys handled by Textual or the detail pane, listed on the help screen only.
EXTRA_HELP: tuple[tuple[str, str, str, str], ...] = (
    (MOVING, "[ ]", "Previous or next item", "Page, forEach item or screenshot in the detail"),
    (MOVING, "pgup pgdn", "Scroll a page", ""),
    (RESULTS, "1-5", "Detail tabs", "Content, Pages, Screenshots, Stats, Raw"),
    (RESULTS, "t", "JSON tree", "Switch JSON content between text and a collapsible tree"),
    (APP, "ctrl+p", "Command palette", "Every command by name"),
)


def bindings() -> list[Binding]:
    """The main screen's bindings, in the footer's order."""
    result = []
    for command in KEYS:
        if not command.bound:
            continue
        result.append(
            Binding(
                command.keys,
                f"app.{command.action}",
                command.footer_title or command.title,
                show=command.footer,
                key_display=command.shown.split()[0] if command.footer else None,
            )
        )
    return result

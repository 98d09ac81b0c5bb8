"""Copy, save and open what jobs produced, with no Textual import.

Callers pass the Textual pieces they own (``App.copy_to_clipboard``, a raw
terminal writer) as callbacks, and get back plain reports to show.
"""

from __future__ import annotations

from spidra_tui.deliver.clipboard import (
    OSC52_MAX_BASE64,
    OSC52_MAX_BYTES,
    CopyReport,
    copy_text,
    osc52_sequence,
    tmux_passthrough,
)
from spidra_tui.deliver.files import default_name, save_text
from spidra_tui.deliver.links import OpenAction, OpenReport, gui_browser, open_url

__all__ = [
    "OSC52_MAX_BASE64",
    "OSC52_MAX_BYTES",
    "CopyReport",
    "OpenAction",
    "OpenReport",
    "copy_text",
    "default_name",
    "gui_browser",
    "open_url",
    "osc52_sequence",
    "save_text",
    "tmux_passthrough",
]

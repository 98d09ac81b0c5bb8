"""The command palette (ctrl+p): every key of the main screen, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from spidra_tui.ui import keymap


def _display(command: keymap.KeyCommand, title: Content | None = None) -> Content:
    """The command's title (highlighted where it matched) and its key, dimmed."""
    return Content.assemble(title or command.title, ("  " + command.shown, "dim"))


class SpidraCommands(Provider):
    """Offers each entry of ``keymap.KEYS`` with its key as a hint."""

    async def discover(self) -> Hits:
        for command in keymap.KEYS:
            yield DiscoveryHit(
                _display(command),
                partial(self.app.run_action, command.action),
                text=command.title,
                help=command.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in keymap.KEYS:
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    _display(command, matcher.highlight(command.title)),
                    partial(self.app.run_action, command.action),
                    text=command.title,
                    help=command.help,
                )

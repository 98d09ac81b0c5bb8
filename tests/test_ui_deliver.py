"""Copy, save and open from the running app: what lands where, and what is refused."""

from __future__ import annotations

import json
import types
import webbrowser
from pathlib import Path

import pytest
from textual.content import Content
from ui_support import UiRig, completed_body

from spidra_tui.sanitize import clean, clean_json
from spidra_tui.ui.dialogs.confirm import ConfirmDialog
from spidra_tui.ui.dialogs.save import SaveDialog

MARKDOWN = "# Hacker News\n\n1. A story\n2. Another *story*\n"
SHOT = "https://cdn.example.com/shots/job-a.png"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A graphical browser is "found"; the app's hook records instead of opening."""
    controller = types.SimpleNamespace(name="firefox", open=lambda url: True)
    monkeypatch.setattr(webbrowser, "get", lambda using=None: controller)


async def settle(rig: UiRig, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let copies, opens and file writes finish (not the save dialog awaiting an answer)."""
    await pilot.pause()
    busy = [worker for worker in rig.app.workers if worker.group != "save"]
    if busy:  # an empty list would mean "every worker"
        await rig.app.workers.wait_for_complete(busy)
    await pilot.pause(0.05)


async def start(rig: UiRig, pilot, body: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    rig.w.answer("job-a", body or completed_body(MARKDOWN, screenshots=[SHOT]))
    await pilot.pause(0.3)
    await settle(rig, pilot)


async def test_c_copies_the_content_to_the_app_and_the_system_clipboard(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("c")
        await settle(rig, pilot)
        assert rig.app.clipboard == MARKDOWN
        assert rig.copied == [MARKDOWN]
        assert "system clipboard + terminal OSC 52" in rig.toasts()


async def test_inside_tmux_the_wrapped_sequence_goes_to_the_terminal(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"], env={"TMUX": "/tmp/tmux-0/default,1,0"})
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        written: list[str] = []
        rig.app.terminal.attach(written.append)
        await pilot.press("i")
        await settle(rig, pilot)
        assert rig.app.clipboard == "job-a"
        assert any(data.startswith("\x1bPtmux;\x1b\x1b]52;c;") for data in written)
        assert "tmux passthrough" in rig.toasts()


async def test_without_a_clipboard_tool_the_toast_says_which_route_worked(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])

    def no_tool(text: str) -> None:
        raise RuntimeError("no clipboard")

    rig.app.deliveries.pyperclip_copy = no_tool
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("c")
        await settle(rig, pilot)
        assert rig.app.clipboard == MARKDOWN
        assert "Copied" in rig.toasts() and "(terminal OSC 52)" in rig.toasts()


async def test_a_copy_too_large_for_osc52_suggests_saving(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    big = "word " * 40_000
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot, completed_body(big))
        await pilot.press("c")
        await settle(rig, pilot)
        assert rig.copied == [big]
        assert rig.app.clipboard != big  # never sent as one huge OSC 52
        assert "too large for the terminal clipboard" in rig.toasts()
        assert "press s to save" in rig.toasts()


async def test_i_copies_the_id_and_y_the_selected_url(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("i")
        await settle(rig, pilot)
        assert rig.app.clipboard == "job-a"
        await pilot.press("2", "y")  # the Pages tab: the selected page's URL
        await settle(rig, pilot)
        assert rig.app.clipboard == "https://example.com/page"


async def test_s_saves_and_never_overwrites_without_asking(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    target = tmp_path / "job-a.md"
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(rig.app.screen, SaveDialog)
        assert rig.app.screen.query_one("#save-path").value == "./job-a.md"
        await pilot.press("enter")
        await settle(rig, pilot)
        assert target.read_text(encoding="utf-8") == MARKDOWN
        assert "Saved" in rig.toasts()

        target.write_text("my own notes", encoding="utf-8")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await settle(rig, pilot)
        assert isinstance(rig.app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(rig, pilot)
        assert target.read_text(encoding="utf-8") == "my own notes"
        assert isinstance(rig.app.screen, SaveDialog)  # still open, for another name
        assert "existing file is kept" in str(rig.app.screen.query_one("#save-error").render())

        await pilot.press("enter")
        await settle(rig, pilot)
        await pilot.press("y")
        await settle(rig, pilot)
        assert target.read_text(encoding="utf-8") == MARKDOWN
        assert not isinstance(rig.app.screen, SaveDialog)


async def test_save_into_a_missing_folder_says_so_in_the_dialog(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("s")
        await pilot.pause()
        rig.app.screen.query_one("#save-path").value = "no/such/folder/x.md"
        await pilot.press("enter")
        await settle(rig, pilot)
        assert "does not exist" in str(rig.app.screen.query_one("#save-error").render())


async def test_capital_s_saves_the_whole_answer_as_json(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    body = completed_body(MARKDOWN, screenshots=[SHOT])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot, body)
        await pilot.press("S")
        await settle(rig, pilot)
        assert rig.app.screen.query_one("#save-path").value == "./job-a-answer.json"
        await pilot.press("enter")
        await settle(rig, pilot)
        saved = json.loads((tmp_path / "job-a-answer.json").read_text(encoding="utf-8"))
        assert saved == body


async def test_capital_s_keeps_the_file_valid_json_around_8_bit_controls_next_to_quotes(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    hostile = {
        "\x9b31m": "\x9b",  # an 8-bit CSI right before a closing quote
        "title": 'a"\x9d0;x\x9c"b',  # an 8-bit OSC between escaped quotes
        "list": ["\x1b]52;c;AAAA\x07", "\ud800", "\u202eevil"],
    }
    body = completed_body({"data": hostile})
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot, body)
        await pilot.press("S")
        await settle(rig, pilot)
        await pilot.press("enter")
        await settle(rig, pilot)
        text = (tmp_path / "job-a-answer.json").read_text(encoding="utf-8")
    assert clean(text) == text  # nothing a terminal acts on, when the file is printed
    assert json.loads(text) == clean_json(body)  # parses, and is the answer sanitized
    assert json.loads(text)["result"]["content"]["data"]["title"] == 'a""b'


async def test_o_opens_the_only_screenshot(tmp_path: Path, browser: None) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("o")
        await settle(rig, pilot)
        assert rig.opened == [SHOT]
        assert "Opened" in rig.toasts()


async def test_over_ssh_o_copies_the_link_and_shows_it_as_a_hyperlink(
    tmp_path: Path, browser: None
) -> None:
    rig = UiRig(tmp_path, ["job-a"], env={"SSH_CONNECTION": "10.0.0.1 1 10.0.0.2 22"})
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot)
        await pilot.press("o")
        await settle(rig, pilot)
        assert rig.opened == []
        assert rig.copied == [SHOT] and rig.app.clipboard == SHOT
        (note,) = [n for n in rig.app._notifications if n.title == "Link not opened"]
        assert isinstance(note.message, Content)
        assert any(span.style.link == SHOT for span in note.message.spans)  # type: ignore[union-attr]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd"])
async def test_o_refuses_anything_but_http(tmp_path: Path, browser: None, url: str) -> None:
    rig = UiRig(tmp_path, ["job-a"])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await start(rig, pilot, completed_body(MARKDOWN, screenshots=[url]))
        await pilot.press("o")
        await settle(rig, pilot)
        assert rig.opened == []
        assert rig.copied == []
        assert "only http and https" in rig.toasts()

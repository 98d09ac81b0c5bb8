"""Tests for spidra_tui.deliver: copying, saving and opening what jobs produced."""

from __future__ import annotations

import base64
import errno
import os
import re
import stat
import webbrowser
from pathlib import Path

import pyperclip
import pytest

from spidra_tui import format as fmt
from spidra_tui.deliver import (
    OSC52_MAX_BASE64,
    OSC52_MAX_BYTES,
    OpenAction,
    copy_text,
    default_name,
    gui_browser,
    open_url,
    save_text,
)
from spidra_tui.deliver import files as files_module
from spidra_tui.deliver import links as links_module

ESC = "\x1b"
HOSTILE = f"before{ESC}]52;c;ZXZpbA=={ESC}\\{ESC}[2J\x9b31m\x07\r\nafter"
HOSTILE_CLEAN = "before\nafter"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Recorder:
    """A callback that remembers what it was given."""

    def __init__(self, result: object = None, error: BaseException | None = None) -> None:
        self.calls: list[str] = []
        self.result = result
        self.error = error

    def __call__(self, text: str) -> object:
        self.calls.append(text)
        if self.error is not None:
            raise self.error
        return self.result


def headless_pyperclip() -> Recorder:
    return Recorder(error=pyperclip.PyperclipException("could not find a copy/paste mechanism"))


# --- copy ------------------------------------------------------------------------------


def test_copy_falls_back_to_osc52_when_pyperclip_fails() -> None:
    app_copy = Recorder()
    report = copy_text(
        "hello", app_copy=app_copy, write_raw=None, env={}, pyperclip_copy=headless_pyperclip()
    )
    assert app_copy.calls == ["hello"]
    assert report.copied_via == ("terminal OSC 52",)
    assert report.failed[0][0] == "system clipboard"
    assert "no clipboard tool" in report.failed[0][1]
    assert report.ok and not report.too_large_for_osc52
    assert report.summary() == "Copied 5 B (terminal OSC 52)"


def test_copy_reports_both_routes_and_sizes() -> None:
    system, app_copy = Recorder(), Recorder()
    text = "é" * 6300  # 12,600 bytes
    report = copy_text(text, app_copy=app_copy, write_raw=None, env={}, pyperclip_copy=system)
    assert system.calls == [text] and app_copy.calls == [text]
    assert (report.chars, report.nbytes) == (6300, 12600)
    assert report.summary() == "Copied 12.3 KB (system clipboard + terminal OSC 52)"


def test_default_route_uses_pyperclip_and_survives_its_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pyperclip, "copy", headless_pyperclip())
    report = copy_text("x", app_copy=None, write_raw=None, env={})
    assert not report.ok
    assert report.failed[0][0] == "system clipboard"
    assert report.summary().startswith("Could not copy (system clipboard: no clipboard tool")


def test_control_characters_never_reach_any_route() -> None:
    system, app_copy, raw = Recorder(), Recorder(), Recorder()
    report = copy_text(
        HOSTILE, app_copy=app_copy, write_raw=raw, env={"TMUX": "/tmp/tmux"}, pyperclip_copy=system
    )
    assert system.calls == [HOSTILE_CLEAN]
    assert app_copy.calls == [HOSTILE_CLEAN]
    payload = raw.calls[0].split("]52;c;", 1)[1].split("\x07", 1)[0]
    assert base64.b64decode(payload).decode("utf-8") == HOSTILE_CLEAN
    assert report.chars == len(HOSTILE_CLEAN)


def test_tmux_gets_the_wrapped_sequence_with_doubled_escapes() -> None:
    raw = Recorder()
    report = copy_text(
        "hi there",
        app_copy=Recorder(),
        write_raw=raw,
        env={"TMUX": "/tmp/tmux-0/default,1,0"},
        pyperclip_copy=headless_pyperclip(),
    )
    b64 = base64.b64encode(b"hi there").decode()
    assert raw.calls == [f"{ESC}Ptmux;{ESC}{ESC}]52;c;{b64}\x07{ESC}\\"]
    inner = raw.calls[0][len(f"{ESC}Ptmux;") : -2]
    assert ESC not in inner.replace(ESC + ESC, "")
    assert report.copied_via == ("terminal OSC 52", "tmux passthrough")


def test_no_tmux_no_raw_write() -> None:
    raw = Recorder()
    copy_text("x", app_copy=Recorder(), write_raw=raw, env={}, pyperclip_copy=Recorder())
    assert raw.calls == []


def test_osc52_cap_is_exact() -> None:
    assert OSC52_MAX_BASE64 == 74_994
    fits = "a" * OSC52_MAX_BYTES
    assert len(base64.b64encode(fits.encode())) <= OSC52_MAX_BASE64
    app_copy = Recorder()
    report = copy_text(
        fits, app_copy=app_copy, write_raw=None, env={}, pyperclip_copy=headless_pyperclip()
    )
    assert app_copy.calls == [fits] and not report.too_large_for_osc52

    too_big = fits + "a"
    assert len(base64.b64encode(too_big.encode())) > OSC52_MAX_BASE64
    app_copy, raw = Recorder(), Recorder()
    report = copy_text(
        too_big,
        app_copy=app_copy,
        write_raw=raw,
        env={"TMUX": "1"},
        pyperclip_copy=headless_pyperclip(),
    )
    assert app_copy.calls == [] and raw.calls == []
    assert report.too_large_for_osc52 and not report.ok
    failed = dict(report.failed)
    assert failed["terminal OSC 52"].startswith("too large")
    assert failed["tmux passthrough"].startswith("too large")
    assert report.summary().startswith("Too large for the terminal clipboard (")
    assert report.summary().endswith("); press s to save it instead")


def test_cap_counts_utf8_bytes_not_characters() -> None:
    text = "中" * (OSC52_MAX_BYTES // 3 + 1)  # fewer characters than the cap, more bytes
    app_copy = Recorder()
    report = copy_text(text, app_copy=app_copy, write_raw=None, env={}, pyperclip_copy=Recorder())
    assert app_copy.calls == []
    assert report.too_large_for_osc52
    assert report.summary().endswith("(system clipboard); too large for the terminal clipboard")


def test_large_text_summary_names_both_sizes() -> None:
    report = copy_text(
        "x" * 240 * 1024,
        app_copy=Recorder(),
        write_raw=None,
        env={},
        pyperclip_copy=headless_pyperclip(),
    )
    assert report.summary() == (
        "Too large for the terminal clipboard (240 KB > 54.9 KB); press s to save it instead"
    )


def test_a_failing_app_copy_is_reported_not_raised() -> None:
    report = copy_text(
        "x",
        app_copy=Recorder(error=RuntimeError(f"driver gone{ESC}[2J")),
        write_raw=None,
        env={},
        pyperclip_copy=Recorder(),
    )
    assert report.copied_via == ("system clipboard",)
    assert report.failed == (("terminal OSC 52", "RuntimeError: driver gone"),)


def test_nothing_to_copy() -> None:
    system = Recorder()
    report = copy_text(
        f"{ESC}]2;only a title\x07", app_copy=None, write_raw=None, env={}, pyperclip_copy=system
    )
    assert system.calls == []
    assert report.summary() == "Nothing to copy"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (12_595, "12.3 KB"),
        (240 * 1024, "240 KB"),
        (1024 * 1024 - 1, "1.0 MB"),
        (int(1.5 * 1024**3), "1.5 GB"),
    ],
)
def test_sizes_in_delivery_messages(n: int, expected: str) -> None:
    assert fmt.size(n) == expected


# --- save ------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("job-123", "md"), "job-123.md"),
        (("job-123", "json"), "job-123.json"),
        (("job-123", "md", 3), "job-123-page-3.md"),
        (("job-123", "json", 0), "job-123-page-0.json"),
        (("job-123", "answer"), "job-123-answer.json"),
        (("../../etc/passwd", "md"), "etc-passwd.md"),
        (("", "md"), "job.md"),
        ((f"a{ESC}]2;t\x07b/c", "json"), "ab-c.json"),
        (("CON", "md"), "_CON.md"),
    ],
)
def test_default_name(args: tuple, expected: str) -> None:
    assert default_name(*args) == expected


def test_default_name_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        default_name("j", "exe")
    with pytest.raises(ValueError):
        default_name("j", "md", -1)
    with pytest.raises(ValueError):
        default_name("j", "answer", 2)


def test_save_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    text = "# Title\r\nLine 😀 中文\n"
    assert save_text(target, text) == target
    assert target.read_bytes() == text.encode("utf-8")  # written as given, CRLF kept
    assert leftovers(tmp_path) == []


def test_save_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("original")
    with pytest.raises(FileExistsError) as info:
        save_text(target, "new")
    assert info.value.filename == str(target)
    assert target.read_text() == "original"
    assert leftovers(tmp_path) == []


def test_save_never_clobbers_a_file_that_appears_while_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.md"
    target.write_text("written by someone else meanwhile")
    # Pretend the name was free when checked, as in a race.
    monkeypatch.setattr(files_module.os.path, "lexists", lambda _: False)
    with pytest.raises(FileExistsError):
        save_text(target, "mine")
    assert target.read_text() == "written by someone else meanwhile"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EXDEV])
def test_save_without_hard_links_still_never_clobbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    def no_link(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files_module.os, "link", no_link)
    fresh = tmp_path / "fresh.md"
    save_text(fresh, "content")
    assert fresh.read_text() == "content"

    taken = tmp_path / "taken.md"
    taken.write_text("original")
    monkeypatch.setattr(files_module.os.path, "lexists", lambda _: False)
    with pytest.raises(FileExistsError):
        save_text(taken, "mine")
    assert taken.read_text() == "original"
    assert leftovers(tmp_path) == []


def test_save_overwrite_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    before = target.stat().st_ino
    save_text(target, '{"new": true}', overwrite=True)
    assert target.read_text() == '{"new": true}'
    # A new inode: the old content was replaced by rename, never truncated in place.
    assert target.stat().st_ino != before
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_save_refuses_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        save_text(folder, "x")
    with pytest.raises(IsADirectoryError):
        save_text(folder, "x", overwrite=True)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_save_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        save_text(tmp_path / "missing" / "out.md", "x")
    assert info.value.filename == str(tmp_path / "missing")
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(NotADirectoryError):
        save_text(a_file / "out.md", "x")


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files_module.os, "fsync", broken_fsync)
    target = tmp_path / "out.md"
    with pytest.raises(OSError, match="No space"):
        save_text(target, "x" * 10_000)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []

    target.write_text("original")
    with pytest.raises(OSError, match="No space"):
        save_text(target, "new", overwrite=True)
    assert target.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_save_replaces_unencodable_characters(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    save_text(target, "a\ud800b")
    assert target.read_text(encoding="utf-8") == "a?b"


# --- open ------------------------------------------------------------------------------


@pytest.fixture
def gui(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Pretend a graphical browser is available; return its open function."""
    found = Recorder(result=True)
    monkeypatch.setattr(links_module, "gui_browser", lambda env: (found, ""))
    return found


@pytest.fixture
def no_gui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(links_module, "gui_browser", lambda env: (None, "no web browser found"))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "/relative",
        "http:///x",
        f"https://example.com/{ESC}]2;x\x07",
    ],
)
def test_open_refuses_non_web_links(url: str, gui: Recorder) -> None:
    browser = Recorder(result=True)
    report = open_url(url, env={}, browser_open=browser)
    assert report.action == OpenAction.REFUSED == "refused"
    assert report.reason == "refused: only http and https links are opened"
    assert UNSAFE.search(report.url) is None
    assert browser.calls == [] and gui.calls == []


@pytest.mark.parametrize("var", ["SSH_CONNECTION", "SSH_TTY"])
def test_open_over_ssh_asks_for_a_copy(var: str, gui: Recorder) -> None:
    browser = Recorder(result=True)
    report = open_url(" https://example.com/x ", env={var: "1"}, browser_open=browser)
    assert report.action == "copy"
    assert report.url == "https://example.com/x"
    assert "SSH" in report.reason
    assert browser.calls == []


def test_open_without_gui_asks_for_a_copy(no_gui: None) -> None:
    browser = Recorder(result=True)
    report = open_url("https://example.com", env={}, browser_open=browser)
    assert (report.action, report.reason) == ("copy", "no web browser found")
    assert browser.calls == []


def test_open_calls_the_browser(gui: Recorder) -> None:
    browser = Recorder(result=True)
    report = open_url("https://example.com/a?b=1", env={"DISPLAY": ":0"}, browser_open=browser)
    assert report.action == "opened"
    assert browser.calls == ["https://example.com/a?b=1"]
    assert gui.calls == []


def test_open_defaults_to_the_detected_browser(gui: Recorder) -> None:
    report = open_url("https://example.com", env={})
    assert report.action == "opened"
    assert gui.calls == ["https://example.com"]


def test_open_browser_failure_asks_for_a_copy(gui: Recorder) -> None:
    assert open_url("https://e.com", env={}, browser_open=Recorder(result=False)).action == "copy"
    report = open_url("https://e.com", env={}, browser_open=Recorder(error=OSError("boom")))
    assert report.action == "copy" and "boom" in report.reason


def test_gui_browser_needs_a_display_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_be_called() -> None:
        raise AssertionError("webbrowser.get() should not be consulted")

    monkeypatch.setattr(webbrowser, "get", must_not_be_called)
    opener, reason = gui_browser({}, platform="linux")
    assert opener is None and "display" in reason


@pytest.mark.parametrize(
    "controller",
    [
        webbrowser.GenericBrowser("lynx"),
        webbrowser.GenericBrowser(["/usr/bin/w3m", "%s"]),
        webbrowser.GenericBrowser("www-browser"),
        webbrowser.GenericBrowser("elinks -remote"),
    ],
)
def test_gui_browser_ignores_text_browsers(
    monkeypatch: pytest.MonkeyPatch, controller: webbrowser.BaseBrowser
) -> None:
    monkeypatch.setattr(webbrowser, "get", lambda: controller)
    opener, reason = gui_browser({"DISPLAY": ":0"}, platform="linux")
    assert opener is None and "text browser" in reason


def test_gui_browser_accepts_a_graphical_one(monkeypatch: pytest.MonkeyPatch) -> None:
    controller = webbrowser.BackgroundBrowser("firefox")
    monkeypatch.setattr(webbrowser, "get", lambda: controller)
    opener, _ = gui_browser({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux")
    assert opener == controller.open
    # macOS and Windows need no DISPLAY.
    opener, _ = gui_browser({}, platform="darwin")
    assert opener == controller.open


def test_gui_browser_when_none_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing() -> None:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", nothing)
    assert gui_browser({"DISPLAY": ":0"}, platform="linux") == (None, "no web browser found")

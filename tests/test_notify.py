"""Notifications through the terminal: the dialect chosen, the escaping of API text,
multiplexer wrapping, bursts, and where each ``--notify`` mode sends them."""

from __future__ import annotations

import base64
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waiting import block_until

from spidra_tui.notify import Ending, EndingBurst, Notification, Protocol, notification_for
from spidra_tui.notify.desktop import desktop_command
from spidra_tui.notify.route import PASSTHROUGH_OFF, Notifier
from spidra_tui.notify.sequences import choose_protocol, encode, plain, terminal_sequence, wrap
from spidra_tui.notify.tmux import TmuxView, TmuxWatch, ask_tmux, outer_env, parse

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"
NASTY = [
    "\x1b]0;owned\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "a\x07b",
    "st\x1b\\here",
    "c1 \x9c st \x9d osc \x9b31m",
    "semi;colons;here",
    "new\nline\r\u2028sep",
    "\x1bPtmux;\x1b\x1b]9;x\x07\x1b\\",
    "\ud800 lone",
    "9;4;1;50",
]


def osc_body(sequence: str, introducer: str, terminator: str) -> str:
    assert sequence.startswith(introducer) and sequence.endswith(terminator)
    return sequence[len(introducer) : -len(terminator)]


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize("protocol", [Protocol.OSC9, Protocol.OSC777])
def test_api_text_cannot_end_the_sequence_or_start_another(protocol: Protocol, text: str) -> None:
    sequence = encode(Notification(f"t {text}", f"b {text}"), protocol)
    intro = "\x1b]9;" if protocol is Protocol.OSC9 else "\x1b]777;notify;"
    body = osc_body(sequence, intro, BEL)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", body)
    if protocol is Protocol.OSC777:
        assert body.count(";") == 1  # exactly the title;body separator
    else:
        assert not body[:1].isdigit()  # never read as a ConEmu "OSC 9;4" progress report


@pytest.mark.parametrize("text", NASTY)
def test_kitty_payloads_are_base64_of_clean_text(text: str) -> None:
    sequence = encode(Notification(f"title {text}", f"body {text}"), Protocol.OSC99)
    parts = re.fullmatch(
        r"\x1b\]99;i=(\d+):d=0:e=1:p=title;([A-Za-z0-9+/=]*)\x1b\\"
        r"\x1b\]99;i=(\d+):d=1:e=1:p=body;([A-Za-z0-9+/=]*)\x1b\\",
        sequence,
    )
    assert parts is not None and parts[1] == parts[3]
    for payload in (parts[2], parts[4]):
        decoded = base64.b64decode(payload).decode("utf-8")
        assert not re.search("[\x00-\x1f\x7f-\x9f]", decoded)


@given(st.text(max_size=300), st.text(max_size=300), st.sampled_from(list(Protocol)))
def test_any_text_gives_one_well_formed_sequence(title: str, body: str, protocol: Protocol) -> None:
    sequence = encode(Notification(title, body), protocol)
    if protocol is Protocol.BELL:
        assert sequence == BEL
        return
    if protocol is Protocol.OSC99:
        assert sequence.count(ESC) == 4 and sequence.count(ST) == 2 and BEL not in sequence
    else:
        assert sequence.count(ESC) == 1 and sequence.count(BEL) == 1 and sequence[-1] == BEL
    assert not re.search("[\x80-\x9f]", sequence)
    wrapped = wrap(sequence, {"TMUX": "/tmp/tmux-0/default,1,0"})
    inner = osc_body(wrapped, "\x1bPtmux;", ST)
    # Every ESC inside is doubled, so tmux sees no early end of its DCS.
    assert inner.replace(ESC + ESC, "").count(ESC) == 0
    assert inner.replace(ESC + ESC, ESC) == sequence


def test_plain_text_is_cut_and_flattened() -> None:
    assert plain("a\n\nb\tc", 50) == "a b c"
    assert plain("x" * 100, 10) == "x" * 9 + "…"
    assert plain("a;b", 10, no_semicolons=True) == "a,b"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM_PROGRAM": "iTerm.app"}, Protocol.OSC9),
        ({"TERM_PROGRAM": "tmux", "LC_TERMINAL": "iTerm2"}, Protocol.OSC9),
        ({"TERM_PROGRAM": "WezTerm"}, Protocol.OSC777),
        ({"TERM_PROGRAM": "ghostty"}, Protocol.OSC777),
        ({"TERM": "xterm-kitty"}, Protocol.OSC99),
        ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-256color"}, Protocol.OSC99),
        ({"TERM": "rxvt-unicode-256color"}, Protocol.OSC777),
        ({"TERM": "foot"}, Protocol.OSC777),
        ({"VTE_VERSION": "7600", "TERM": "xterm-256color"}, Protocol.OSC777),
        ({"WT_SESSION": "abc"}, Protocol.OSC9),
        ({"TERM": "xterm-256color"}, Protocol.BELL),
        ({"TERM": "tmux-256color", "TERM_PROGRAM": "tmux", "TMUX": "x"}, Protocol.BELL),
        ({"TERM": "xterm-kitty", "SPIDRA_TUI_NOTIFY_PROTOCOL": "osc9"}, Protocol.OSC9),
        ({"TERM_PROGRAM": "iTerm.app", "SPIDRA_TUI_NOTIFY_PROTOCOL": "bell"}, Protocol.BELL),
        ({"SPIDRA_TUI_NOTIFY_PROTOCOL": "nonsense"}, Protocol.BELL),
    ],
)
def test_the_dialect_follows_the_terminal(env: dict[str, str], expected: Protocol) -> None:
    assert choose_protocol(env) is expected


def test_multiplexers_and_the_bell() -> None:
    note = Notification("spidra-tui", "Job x completed")
    in_tmux = terminal_sequence(note, {"TMUX": "s", "TERM_PROGRAM": "iTerm.app"})
    assert in_tmux == "\x1bPtmux;\x1b\x1b]9;spidra-tui: Job x completed\x07\x1b\\"
    assert terminal_sequence(note, {"TMUX": "s"}) == BEL  # tmux passes the bell on itself
    in_screen = terminal_sequence(note, {"STY": "1.pts", "TERM": "screen", "LC_TERMINAL": "iTerm2"})
    assert in_screen == "\x1bP\x1b]9;spidra-tui: Job x completed\x07\x1b\\"


def test_one_notification_says_what_ended() -> None:
    one = notification_for([Ending("0123456789abcdef", "failed", "Shop", "Timed\x1b]0;x\x07 out")])
    assert one is not None and one.body.startswith("Job 01234567 failed: Shop (Timed")
    assert "\x1b" not in one.body
    many = notification_for(
        [Ending("a", "completed"), Ending("b", "completed"), Ending("c", "failed")]
    )
    assert many is not None and many.body == "3 jobs ended: 2 completed, 1 failed or gone"
    assert notification_for([]) is None


def test_endings_in_a_burst_make_one_batch() -> None:
    burst: EndingBurst[str] = EndingBurst(quiet=1.5, longest=8.0)
    assert burst.add(["a"], 100.0) == 101.5
    assert burst.add(["b", "c"], 101.0) == 102.5  # still quiet-gathering
    assert burst.take(102.0) == []
    assert burst.take(102.5) == ["a", "b", "c"]
    assert burst.due() is None
    # A steady trickle still gives out a batch after `longest`.
    batches = []
    for step in range(9):
        burst.add([str(step)], 200.0 + step)
        batches.append(burst.take(200.0 + step))
    # Given out at 208, eight seconds after the first, though endings kept coming.
    assert batches == [[]] * 8 + [[str(step) for step in range(9)]]


class Terminal:
    def __init__(self) -> None:
        self.written: list[str] = []
        self.desktop: list[Notification] = []


@pytest.mark.parametrize(
    ("mode", "env", "desktop", "route", "written"),
    [
        ("auto", {"TERM_PROGRAM": "iTerm.app"}, True, "osc9", "\x1b]9;"),
        ("auto", {"TERM": "xterm"}, True, "desktop", None),
        ("auto", {"TERM": "xterm"}, False, "bell", BEL),
        ("terminal", {"TERM": "xterm"}, True, "osc9", "\x1b]9;"),
        ("terminal", {"TERM": "foot"}, True, "osc777", "\x1b]777;"),
        ("desktop", {"TERM_PROGRAM": "iTerm.app"}, True, "desktop", None),
        ("desktop", {}, False, "bell", BEL),
        ("bell", {"TERM_PROGRAM": "iTerm.app"}, True, "bell", BEL),
        ("off", {"TERM_PROGRAM": "iTerm.app"}, True, "off", None),
    ],
)
def test_each_mode_goes_its_way(
    mode: str, env: dict[str, str], desktop: bool, route: str, written: str | None
) -> None:
    terminal = Terminal()

    def show(note: Notification) -> bool:
        terminal.desktop.append(note)
        return True

    notifier = Notifier(mode, env, terminal.written.append, desktop=show, desktop_available=desktop)
    assert notifier.send(Notification("t", "b")) == route
    if written is None:
        assert terminal.written == []
    else:
        assert len(terminal.written) == 1 and terminal.written[0].startswith(written)
    assert len(terminal.desktop) == (1 if route == "desktop" else 0)


def test_a_desktop_that_fails_rings_the_bell() -> None:
    written: list[str] = []
    notifier = Notifier(
        "desktop", {}, written.append, desktop=lambda _n: False, desktop_available=True
    )
    assert notifier.send(Notification("t", "b")) == "bell" and written == [BEL]
    with pytest.raises(ValueError):
        Notifier("loud", {}, written.append)


def test_the_desktop_command_passes_text_as_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr("sys.platform", "linux")
    command = desktop_command(Notification("spidra-tui", "$(rm -rf ~) \x1b]0;x\x07 done"))
    assert command == [
        "/usr/bin/notify-send",
        "--app-name=spidra-tui",
        "--",
        "spidra-tui",
        "$(rm -rf ~) done",
    ]


@pytest.mark.parametrize(
    ("mode", "view", "route", "why"),
    [
        # tmux hides the terminal; what tmux says of its client picks the dialect
        ("auto", TmuxView(True, "xterm-kitty", "kitty(0.31.0)"), "osc99", ""),
        ("auto", TmuxView(True, "xterm-256color", "iTerm2 3.5.0"), "osc9", ""),
        ("auto", TmuxView(True, "xterm-256color", "WezTerm 20240203"), "osc777", ""),
        ("auto", TmuxView(True, "foot", ""), "osc777", ""),
        ("auto", TmuxView(True, "xterm-256color", "VTE(7600)"), "osc777", ""),
        ("auto", TmuxView(True, "xterm-256color", "XTerm(390)"), "bell", ""),
        ("auto", TmuxView(True, "", ""), "bell", ""),  # no client attached
        ("terminal", TmuxView(True, "", ""), "osc9", ""),
        # passthrough off: a wrapped sequence would be dropped, the bell gets out
        ("auto", TmuxView(False, "xterm-kitty", "kitty(0.31.0)"), "bell", PASSTHROUGH_OFF),
        ("terminal", TmuxView(False, "", ""), "bell", PASSTHROUGH_OFF),
    ],
)
def test_inside_tmux_the_terminal_outside_decides(
    mode: str, view: TmuxView, route: str, why: str
) -> None:
    written: list[str] = []
    env = {"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color", "TERM_PROGRAM": "tmux"}
    notifier = Notifier(
        mode, env, written.append, desktop_available=False, ask_tmux=lambda _env: view
    )
    assert notifier.send(Notification("spidra-tui", "Job x completed")) == route
    assert notifier.why == why
    if route == "bell":
        assert written == [BEL]
    else:
        assert written[0].startswith("\x1bPtmux;\x1b\x1b]") and written[0].endswith("\x1b\\")


def test_tmux_is_asked_once_in_a_while_and_a_forced_dialect_wins() -> None:
    asked: list[int] = []

    def ask(_env: Mapping[str, str]) -> TmuxView:
        asked.append(1)
        return TmuxView(True, "xterm-kitty", "")

    clock = [0.0]
    watch = TmuxWatch({"TMUX": "x"}, ask, now=lambda: clock[0])
    assert watch.view() == watch.view() and len(asked) == 1
    clock[0] += 31
    watch.view()
    assert len(asked) == 2
    assert TmuxWatch({}, ask).view() is None and len(asked) == 2
    env = {"TMUX": "x", "SPIDRA_TUI_NOTIFY_PROTOCOL": "osc777"}
    assert Notifier("auto", env, print, desktop_available=False, ask_tmux=ask).route == "osc777"


def test_tmux_is_asked_without_the_key() -> None:
    seen: dict[str, object] = {}

    def run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
        seen.update(options, command=command)
        return subprocess.CompletedProcess(command, 0, "1\tfoot\t\n", "")

    env = {"TMUX": "x", "TMUX_PANE": "%3", "SPIDRA_API_KEY": "sk-secret", "HOME": "/h"}
    assert ask_tmux(env, run) == TmuxView(True, "foot", "")
    assert seen["command"][:5] == ["tmux", "display-message", "-p", "-t", "%3"]  # type: ignore[index]
    assert seen["env"] == {"TMUX": "x", "TMUX_PANE": "%3", "HOME": "/h"}
    assert ask_tmux({"TERM": "xterm"}, run) is None


def test_what_tmux_prints_is_read_strictly() -> None:
    assert parse("1\txterm-kitty\tkitty(0.31.0)\n") == TmuxView(
        True, "xterm-kitty", "kitty(0.31.0)"
    )
    assert parse("0\t\t\n") == TmuxView(False)
    assert parse("garbage") is None
    assert outer_env(TmuxView(True, "xterm-256color", "iTerm2 3.5.0")) == {
        "TERM": "xterm-256color",
        "TERM_PROGRAM": "iTerm2",
    }


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_real_tmux_is_asked_about_passthrough(tmp_path: Path) -> None:
    """A pane of a private tmux server asks its own server, with passthrough off and
    then on."""
    socket = f"spidra-notify-{os.getpid()}"
    script = tmp_path / "probe.py"
    out = tmp_path / "out"
    script.write_text(
        "import os, sys\n"
        "from spidra_tui.notify.route import Notifier\n"
        "n = Notifier('terminal', os.environ, lambda s: None, desktop_available=False)\n"
        "open(sys.argv[1], 'a').write(f'{n.route}|{n.why}\\n')\n"
    )
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24", "sh"], check=True)
    try:
        subprocess.run([*tmux, "set", "-g", "allow-passthrough", "off"], check=True)
        subprocess.run(
            [*tmux, "send-keys", f"{sys.executable} {script} {out}", "Enter"], check=True
        )
        block_until(lambda: out.exists() and len(out.read_text().splitlines()) == 1)
        subprocess.run([*tmux, "set", "-g", "allow-passthrough", "on"], check=True)
        subprocess.run(
            [*tmux, "send-keys", f"{sys.executable} {script} {out}", "Enter"], check=True
        )
        block_until(lambda: len(out.read_text().splitlines()) == 2)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    assert out.read_text().splitlines() == [f"bell|{PASSTHROUGH_OFF}", "osc9|"]


def _outer_terminal(socket: str, raw: Path, stop: threading.Event) -> None:
    """A terminal attached to tmux that says it is kitty (to tmux's XTVERSION
    question) and records every byte tmux sends it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child becomes the tmux client
        os.environ["TERM"] = "xterm-256color"
        os.execvp("tmux", ["tmux", "-L", socket, "attach", "-t", "x"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with raw.open("wb") as out:
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            out.write(data)
            out.flush()
            if b"\x1b[>q" in data or b"\x1b[>0q" in data:
                os.write(fd, b"\x1bP>|kitty(0.31.0)\x1b\\")
    os.close(fd)
    os.waitpid(pid, 0)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_notification_crosses_tmux_to_the_terminal_outside(tmp_path: Path) -> None:
    """End to end: a kitty attached to tmux with passthrough on receives the kitty
    dialect, unwrapped by tmux, with hostile API text reduced to plain words."""
    socket = f"spidra-outer-{os.getpid()}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    raw, done = tmp_path / "outer.raw", tmp_path / "done"
    script = tmp_path / "send.py"
    script.write_text(
        "import os, sys\n"
        "from spidra_tui.notify.route import Notifier\n"
        "from spidra_tui.notify.sequences import Notification\n"
        "def write(text):\n"
        "    sys.stdout.write(text); sys.stdout.flush()\n"
        "n = Notifier('auto', os.environ, write, desktop_available=False)\n"
        "route = n.send(Notification('spidra-tui', 'Job x completed: \\x1b]0;owned\\x07 News'))\n"
        "open(sys.argv[1], 'w').write(route)\n"
    )
    subprocess.run([*tmux, "new-session", "-d", "-s", "x", "-x", "80", "-y", "24"], check=True)
    stop = threading.Event()
    client = threading.Thread(target=_outer_terminal, args=(socket, raw, stop), daemon=True)
    try:
        subprocess.run([*tmux, "set", "-g", "allow-passthrough", "on"], check=True)
        client.start()
        block_until(
            lambda: (
                "kitty"
                in subprocess.run(
                    [*tmux, "list-clients", "-F", "#{client_termtype}"],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
            ),
            what="the outer terminal attached and answered",
        )
        subprocess.run(
            [*tmux, "send-keys", f"{sys.executable} {script} {done}", "Enter"], check=True
        )
        block_until(lambda: done.exists() and b"\x1b]99;i=" in raw.read_bytes())
        block_until(lambda: raw.read_bytes().count(b"\x1b]99;i=") == 2)
    finally:
        stop.set()
        subprocess.run([*tmux, "kill-server"], check=False)
        client.join(5)
    assert done.read_text() == "osc99"
    sequences = re.findall(rb"\x1b\]99;([^\x1b]*)\x1b\\", raw.read_bytes())
    assert len(sequences) == 2
    body = base64.b64decode(sequences[1].split(b";", 1)[1]).decode()
    assert body == "Job x completed: News"
    assert b"owned" not in raw.read_bytes()

"""Tests for spidra_tui.sanitize: what reaches the terminal, clipboard and disk."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spidra_tui.sanitize import clean, line, safe_filename, web_url

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

# Anything a terminal could act on: C0 other than \n and \t, DEL, C1.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"a{ESC}]2;pwned title{BEL}b", "ab", id="osc2-title-bel"),
        pytest.param(f"a{ESC}]0;pwned title{ST}b", "ab", id="osc0-title-st"),
        pytest.param(f"a{ESC}]52;c;aGVsbG8={BEL}b", "ab", id="osc52-set"),
        pytest.param(f"a{ESC}]52;c;?{BEL}b", "ab", id="osc52-read"),
        pytest.param(f"{ESC}]8;;https://evil.example{ST}click{ESC}]8;;{ST}", "click", id="osc8"),
        pytest.param(f"a{ESC}]2;never ends", "a", id="osc-unterminated"),
        pytest.param(f"a{ESC}[cb", "ab", id="da-query"),
        pytest.param(f"a{ESC}[>0cb", "ab", id="secondary-da"),
        pytest.param(f"a{ESC}[6nb", "ab", id="cpr"),
        pytest.param(f"{ESC}[1;31mred{ESC}[0m", "red", id="sgr"),
        pytest.param(f"a{ESC}[2J{ESC}[Hb", "ab", id="clear-screen"),
        pytest.param(f"a{ESC}[?1049hb", "ab", id="alt-screen"),
        pytest.param(f"a{ESC}[8;100;200tb", "ab", id="window-resize"),
        pytest.param(f"a{ESC}P$qm{ST}b", "ab", id="decrqss"),
        pytest.param(f"a{ESC}P+q544e{ST}b", "ab", id="xtgettcap"),
        pytest.param(
            f"a{ESC}Ptmux;{ESC}{ESC}]52;c;aGVsbG8={BEL}{ST}b", "ab", id="dcs-tmux-passthrough"
        ),
        pytest.param(f"a{ESC}Ptmux;{ESC}{ESC}]2;title{ESC}{ESC}\\{ST}b", "ab", id="tmux-st-inside"),
        pytest.param(f"a{ESC}Xsos body{ST}b", "ab", id="sos"),
        pytest.param(f"a{ESC}^privacy message{ST}b", "ab", id="pm"),
        pytest.param(f"a{ESC}_Gf=100;AAAA{ST}b", "ab", id="apc-kitty-graphics"),
        pytest.param(f"a{ESC}cb", "ab", id="ris-reset"),
        pytest.param(f"a{ESC}(Bb", "ab", id="charset"),
        pytest.param(f"a{ESC}#8b", "ab", id="decaln"),
        pytest.param(f"a{ESC}7{ESC}8b", "ab", id="save-restore-cursor"),
        pytest.param(f"a{ESC}=b{ESC}>", "ab", id="keypad"),
        pytest.param("a\x9b31mb", "ab", id="c1-csi"),
        pytest.param("a\x9b6nb", "ab", id="c1-cpr"),
        pytest.param("a\x9d2;title\x07b", "ab", id="c1-osc-bel"),
        pytest.param("a\x9d52;c;?\x9cb", "ab", id="c1-osc-st"),
        pytest.param("a\x90$qm\x9cb", "ab", id="c1-dcs"),
        pytest.param("a\x98x\x9cb\x9ey\x9cc\x9fz\x9cd", "abcd", id="c1-sos-pm-apc"),
        pytest.param("a\x85\x84b", "ab", id="other-c1"),
        pytest.param(f"a{ESC}b{ESC}", "a", id="lone-esc"),
        pytest.param("a\x00b\x07c\x08d\x7fe", "abcde", id="c0-and-del"),
        pytest.param("one\r\ntwo\rthree", "one\ntwothree", id="carriage-return"),
        pytest.param("tab\there\nnew", "tab\there\nnew", id="tab-newline-kept"),
        pytest.param("a\ud800b\udfffc", "a\ufffdb\ufffdc", id="lone-surrogates"),
    ],
)
def test_clean_removes_sequences_whole(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_accepts_non_strings() -> None:
    assert clean(None) == ""
    assert clean(42) == "42"
    assert clean(b"x") == "b'x'"


ORDINARY = [
    "# Heading\n\nSome *bold* and _italic_ text, `code`, [a link](https://example.com).\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n",
    "Emoji 😀👍🏽👨‍👩‍👧 and flags 🇫🇷, CJK 中文字符 日本語 한국어, accents éàü, RTL مرحبا שלום",
    "Brackets [/x] [@click=app.quit]x[/] are markup, not controls.",
    "tabs\tand\nnewlines stay",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert clean(text) == text


@given(st.text())
def test_clean_output_is_always_safe_and_stable(text: str) -> None:
    out = clean(text)
    assert UNSAFE.search(out) is None
    assert ESC not in out
    assert not any("\ud800" <= ch <= "\udfff" for ch in out)
    assert clean(out) == out


# Text made mostly of the characters that start and end sequences, so the
# property test reaches the interesting combinations often.
_TRICKY = st.text(
    alphabet=st.sampled_from(
        ["\x1b", "[", "]", "P", "\\", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\r", "\n", "\t"]
        + ["0", ";", "m", "c", "a", "\x18", "_", "^", "X", "(", "B", " "]
    )
)


@given(_TRICKY)
def test_clean_is_safe_on_sequence_soup(text: str) -> None:
    out = clean(text)
    assert UNSAFE.search(out) is None
    assert clean(out) == out


@given(st.text(), st.one_of(st.none(), st.integers(min_value=0, max_value=50)))
def test_line_is_one_safe_line(text: str, max_len: int | None) -> None:
    out = line(text, max_len)
    assert UNSAFE.search(out) is None
    assert "\n" not in out and "\t" not in out
    assert "  " not in out and out == out.strip()
    if max_len is not None:
        assert len(out) <= max_len


def test_line_collapses_whitespace_and_removes_bidi() -> None:
    assert line("  Title\n\twith   gaps \r\n") == "Title with gaps"
    assert line("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert line("a\u2066b\u2069c\u200ed\u200fe\u061cf") == "abcdef"
    assert line(f"{ESC}]2;x{BEL}safe {ESC}[31mtitle") == "safe title"


def test_line_truncates_with_ellipsis() -> None:
    assert line("abcdefghij", 5) == "abcd…"
    assert line("abcde", 5) == "abcde"
    assert line("ab   cdef", 4) == "ab…"
    assert line("abc", 1) == "…"
    assert line("abc", 0) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.md", "report.md"),
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\windows\\system32", "windows-system32"),
        ("..", "download"),
        (".", "download"),
        ("", "download"),
        (None, "download"),
        (".bashrc", "bashrc"),
        ("-rf", "rf"),
        ("--help.md", "help.md"),
        ("name. . .", "name"),
        ('a<b>c:d"e|f?g*h', "a-b-c-d-e-f-g-h"),
        ("a\x00b\nc\td", "ab-c-d"),
        (f"{ESC}]2;x{BEL}page{ESC}[31m.md", "page.md"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Lpt1.md", "_Lpt1.md"),
        ("nul .json", "_nul .json"),
        ("console.md", "console.md"),
        ("a..b", "a.b"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("日本語のタイトル.md", "日本語のタイトル.md"),
    ],
)
def test_safe_filename(name: object, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_uses_default_and_bounds_length() -> None:
    assert safe_filename("///", default="job.md") == "job.md"
    assert safe_filename("...", default="") == "download"
    long = safe_filename("x" * 500 + ".md")
    assert len(long) == 100 and long.endswith(".md")
    wide = safe_filename("中" * 200 + ".json", max_len=200)
    assert wide.endswith(".json") and len(wide.encode("utf-8")) <= 255
    assert safe_filename("abcdef.superlongextensionnotreally", max_len=10) == "abcdef.sup"
    assert safe_filename("con", max_len=3) == "_co"


@given(st.text(), st.integers(min_value=1, max_value=120))
def test_safe_filename_is_always_one_safe_component(name: str, max_len: int) -> None:
    out = safe_filename(name, max_len=max_len)
    assert out and out not in {".", ".."}
    assert len(out) <= max_len and len(out.encode("utf-8")) <= 255
    assert not re.search('[/\\\\<>:"|?*\x00-\x1f\x7f-\x9f]', out)
    assert ".." not in out
    assert out[0] not in ".- " and out[-1] not in ". "
    assert out.split(".")[0].strip().upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/path?q=1#frag",
        "HTTPS://Example.COM/",
        "https://user:pw@example.com:8443/x",
        "http://[::1]:8080/",
        "https://例え.jp/パス",
    ],
)
def test_web_url_accepts_http_links(url: str) -> None:
    assert web_url(url) == url
    assert web_url(f"  {url}\n") == url


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/",
        "mailto:a@example.com",
        "/relative/path",
        "relative.html",
        "//example.com/no-scheme",
        "http:///x",
        "https://",
        "http://:80/",
        "http://exa mple.com/",
        "http://example.com/\x1b]2;x\x07",
        "http://example.com/\nSet-Cookie: x",
        "https://evil.example\\@good.example/",
        "https://example.com/\u202egpj.exe",
        "http://[::1/",
        "http://example.com:port/",
        "",
        None,
        42,
    ],
)
def test_web_url_refuses_everything_else(url: object) -> None:
    assert web_url(url) is None


def _markdown_of_size(n_bytes: int) -> str:
    block = (
        "## Section\n\nA paragraph with **bold**, `code`, [a link](https://example.com/x) "
        "and some 中文 and 😀.\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    )
    return block * (n_bytes // len(block.encode("utf-8")) + 1)


def test_clean_is_fast_on_large_markdown() -> None:
    text = _markdown_of_size(10_000_000)
    start = time.perf_counter()
    out = clean(text)
    elapsed = time.perf_counter() - start
    assert out == text
    # A generous bound: a per-character Python loop takes several seconds.
    assert elapsed < 1.0


def test_clean_with_many_sequences_scales_linearly() -> None:
    chunk = _markdown_of_size(2_000) + f"{ESC}[31mred{ESC}[0m\r\n{ESC}]0;t{BEL}"
    small, large = chunk * 50, chunk * 500

    def best_of_three(text: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            clean(text)
            times.append(time.perf_counter() - start)
        return min(times)

    # Ten times the text should cost roughly ten times as much, not a
    # hundred; the bound leaves room for a noisy machine.
    assert best_of_three(large) < 40 * best_of_three(small) + 0.05

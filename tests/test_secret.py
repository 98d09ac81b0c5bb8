"""Tests for spidra_tui.secret: the API key never shows up where it could leak."""

from __future__ import annotations

import copy
import io
import logging
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from rich.pretty import pretty_repr
from rich.traceback import Traceback

from spidra_tui.secret import KeyFileError, Secret, load_key, mask

KEY = "spd_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
MASKED = "spd_...b1a0"

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def test_mask() -> None:
    assert mask(KEY) == MASKED
    assert mask("short") == "***"
    assert mask("exactly15chars!") == "***"
    assert mask("") == "***"
    assert mask("spd_\x1b]2;x\x07aaaaaaaaaaaaa") == "***"


def test_every_text_form_shows_only_the_mask() -> None:
    secret = Secret(KEY)
    forms = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>30}",
        format(secret),
        "%s %r" % (secret, secret),  # noqa: UP031 - the old style must be safe too
        "{}".format(secret),  # noqa: UP032
        repr([secret]),
        repr({"key": secret}),
        pretty_repr(secret),
        pretty_repr({"headers": {"auth": secret}}),
    ]
    for form in forms:
        assert KEY not in form
        assert MASKED in form


def test_reveal_returns_the_value() -> None:
    assert Secret(KEY).reveal() == KEY


def test_no_dict_to_dump_and_immutable() -> None:
    secret = Secret(KEY)
    with pytest.raises(TypeError):
        vars(secret)
    assert not hasattr(secret, "__dict__")
    with pytest.raises(AttributeError):
        secret.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]


def test_dataclass_holding_a_secret_prints_the_mask() -> None:
    @dataclass
    class Settings:
        base_url: str
        api_key: Secret

    settings = Settings("https://api.example", Secret(KEY))
    for form in (repr(settings), pretty_repr(settings)):
        assert KEY not in form and MASKED in form


def test_equality_hash_copy_and_pickle() -> None:
    secret = Secret(KEY)
    assert secret == Secret(KEY)
    assert secret != Secret(KEY + "x")
    assert secret != KEY  # a plain string is not a key object
    assert hash(secret) == hash(Secret(KEY))
    assert {secret, Secret(KEY)} == {secret}
    assert copy.copy(secret) == secret
    assert copy.deepcopy(secret) == secret
    restored = pickle.loads(pickle.dumps(secret))
    assert restored == secret and restored.reveal() == KEY


def test_rejects_non_strings_and_empty() -> None:
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Secret("")


def _build_header_and_crash(api_key: Secret) -> None:
    timeout = 30  # noqa: F841 - a local for the traceback to show
    raise RuntimeError("request failed")


def test_traceback_with_locals_shows_only_the_mask() -> None:
    secret = Secret(KEY)
    try:
        _build_header_and_crash(secret)
    except RuntimeError:
        exc_type, exc_value, tb = sys.exc_info()
        assert exc_type is not None and exc_value is not None
        rendered = Traceback.from_exception(exc_type, exc_value, tb, show_locals=True)
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(rendered)
    text = out.getvalue()
    assert "api_key" in text  # the locals really were printed
    assert KEY not in text
    assert MASKED in text


def test_logging_shows_only_the_mask(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(KEY)
    logger = logging.getLogger("spidra_tui.test_secret")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.info("using key %s", secret)
        logger.debug("config %r", {"key": secret})
        logger.warning(secret)
    assert len(caplog.records) == 3
    assert KEY not in caplog.text
    assert MASKED in caplog.text


def test_load_key_from_env_wins() -> None:
    secret, warnings = load_key({"SPIDRA_API_KEY": f"  {KEY}\n"}, None)
    assert secret is not None and secret.reveal() == KEY
    assert warnings == []


def test_load_key_env_with_existing_key_file_warns(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("spd_other_key_value_000000000\n")
    key_file.chmod(0o600)
    secret, warnings = load_key({"SPIDRA_API_KEY": KEY}, key_file)
    assert secret is not None and secret.reveal() == KEY
    assert len(warnings) == 1 and "ignored" in warnings[0]


def test_load_key_nothing_configured() -> None:
    assert load_key({}, None) == (None, [])
    assert load_key({"SPIDRA_API_KEY": "   "}, None) == (None, [])


def test_load_key_from_file_first_non_empty_line(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"\n\n   {KEY}  \r\nsecond line\n", encoding="utf-8")
    key_file.chmod(0o600)
    secret, warnings = load_key({}, key_file)
    assert secret is not None and secret.reveal() == KEY
    assert warnings == []


def test_load_key_tolerates_a_bom(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"\xef\xbb\xbf" + KEY.encode() + b"\n")
    key_file.chmod(0o600)
    secret, _ = load_key({}, key_file)
    assert secret is not None and secret.reveal() == KEY


@posix_only
def test_load_key_warns_when_others_can_read(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    key_file.chmod(0o644)
    secret, warnings = load_key({}, key_file)
    assert secret is not None
    assert len(warnings) == 1
    assert "0644" in warnings[0] and "chmod 600" in warnings[0]
    assert KEY not in warnings[0]


def test_load_key_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        load_key({}, tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.write_text("\n  \n")
    empty.chmod(0o600)
    with pytest.raises(KeyFileError, match="empty"):
        load_key({}, empty)
    with pytest.raises(KeyFileError, match="directory"):
        load_key({}, tmp_path)


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_load_key_unreadable_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    key_file.chmod(0o000)
    try:
        with pytest.raises(KeyFileError, match="permission denied") as info:
            load_key({}, key_file)
    finally:
        key_file.chmod(0o600)
    assert KEY not in str(info.value)


@pytest.mark.parametrize("bad", [f"{KEY} trailing words", f"{KEY}\x1b[31m", f"{KEY}é"])
def test_load_key_refuses_values_that_cannot_be_keys(tmp_path: Path, bad: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(bad, encoding="utf-8")
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError) as info:
        load_key({}, key_file)
    assert KEY not in str(info.value)
    with pytest.raises(KeyFileError) as info:
        load_key({"SPIDRA_API_KEY": bad}, None)
    assert KEY not in str(info.value)


def test_key_file_error_traceback_does_not_hold_the_content(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY.encode() + b" \xff\xfe not utf-8")
    key_file.chmod(0o600)
    try:
        load_key({}, key_file)
    except KeyFileError:
        exc_type, exc_value, tb = sys.exc_info()
        assert exc_type is not None and exc_value is not None
        rendered = Traceback.from_exception(exc_type, exc_value, tb, show_locals=True)
    else:
        pytest.fail("a key file that is not UTF-8 must be refused")
    out = io.StringIO()
    Console(file=out, width=300, color_system=None).print(rendered)
    assert "not UTF-8" in out.getvalue()
    assert KEY not in out.getvalue()

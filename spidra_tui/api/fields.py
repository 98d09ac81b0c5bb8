"""Reading single fields of a decoded answer, forgivingly.

Shared by the models of every kind. Missing and null fields become ``None``;
numbers may come as decimal strings (``"2.00"``), booleans as 0/1 or
``"true"``; a field whose shape cannot be read (an object where a string was
expected) raises :class:`MalformedResponse` naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from spidra_tui.api.errors import MalformedResponse


def kind_of(value: Any) -> str:
    """A few words on a JSON value's type, for error messages."""
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    """A string field (a number is taken as its text)."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise MalformedResponse(
        f"{where}{key} should be a string, got {kind_of(value)}", field=where + key
    )


def opt_bool(obj: dict[str, Any], key: str) -> bool | None:
    """A boolean field; 0/1 and "true"/"false" count, anything else is None."""
    value = obj.get(key)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    return None


def opt_number(obj: dict[str, Any], key: str) -> float | None:
    """A finite number field; decimal strings count, anything else is None."""
    value = obj.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def opt_int(obj: dict[str, Any], key: str) -> int | None:
    """A whole-number field (decimals are cut), or None."""
    number = opt_number(obj, key)
    return None if number is None else int(number)


def opt_object(obj: dict[str, Any], key: str, where: str) -> dict[str, Any] | None:
    """An object field, or None; any other type raises."""
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise MalformedResponse(
        f"{where}{key} should be an object, got {kind_of(value)}", field=where + key
    )


def opt_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    """A list field (missing or null: empty); any other type raises."""
    value = obj.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise MalformedResponse(
        f"{where}{key} should be a list, got {kind_of(value)}", field=where + key
    )


def require_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` itself as an object; anything else raises naming ``where``."""
    if isinstance(value, dict):
        return value
    what = where or "the answer"
    raise MalformedResponse(
        f"{what} should be a JSON object, got {kind_of(value)}", field=where or None
    )


def require_status(obj: dict[str, Any], where: str = "") -> str:
    """The non-empty ``status`` string (kept as sent, stripped); else raises."""
    status = obj.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip()
    if status is None:
        problem = f"{where}status is missing"
    elif isinstance(status, str):
        problem = f"{where}status is empty"
    else:
        problem = f"{where}status should be a string, got {kind_of(status)}"
    raise MalformedResponse(problem, field=where + "status")


def error_text(value: Any) -> str | None:
    """An ``error`` field as text: a string, an object's ``message``, or its JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        return value["message"]
    return str(value)


def json_value(value: Any) -> Any:
    """``value``, or the JSON it holds when it is a string of a JSON object or list.

    Crawl pages keep extracted data as JSON text; plain text (a page's markdown)
    stays as it is.
    """
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                return value
    return value

"""What text and JSON a database can store, one rule for the API's parser and the file
importers: PostgreSQL refuses NUL, no encoding holds an unpaired surrogate, and no JSON
column holds ``NaN``, ``Infinity`` or a number past a float (``1e400``)."""

import json
import math
from typing import Any


class NotFinite(ValueError):
    """A JSON number that is not a finite float: ``NaN``, ``Infinity``, ``1e400``."""

    def __init__(self, written: str):
        super().__init__(f"numbers must be finite: {written[:40]} is not")


def _not_finite(written: str) -> None:
    raise NotFinite(written)


def _finite(written: str) -> float:
    number = float(written)
    if not math.isfinite(number):  # 1e400 and the like overflow to infinity
        raise NotFinite(written)
    return number


def json_loads(text: str) -> Any:
    """``json.loads`` that raises ``NotFinite`` for a number no JSON column can hold."""
    return json.loads(text, parse_constant=_not_finite, parse_float=_finite)


def text_problem(text: str) -> str | None:
    """Why this string cannot be stored (a NUL, an unpaired surrogate), or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            return (
                f"contains an unpaired surrogate (U+{ord(text[error.start]):04X}), "
                "which is not text"
            )
    return None


def value_problem(value: Any) -> str | None:
    """The first string anywhere in a parsed JSON value (keys too, at any depth) that
    cannot be stored, and why; None when all can."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None

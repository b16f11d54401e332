"""Canonical JSON: the one byte form of an audit entry that every hash is taken over.

Keys sorted, no whitespace, UTF-8 (not \\u escapes), no NaN or infinity. Only JSON's own types
are accepted: dict with string keys, list or tuple, str, int, float, bool, None. Anything else
(datetimes included: callers pass ISO strings) is refused with TypeError, so that a value never
reaches the log in a form that another implementation would write differently.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: {value!r} is not allowed in canonical JSON")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: key {key!r} is not a string")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for n, item in enumerate(value):
            _check(item, f"{path}[{n}]")
        return
    raise TypeError(
        f"{path}: {type(value).__name__} is not a JSON type (pass datetimes as ISO strings)"
    )


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 bytes of `obj` (see the module docstring)."""
    _check(obj, "$")
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")

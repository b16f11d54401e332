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


def _is_plain(value: Any) -> bool:
    """True if `value` is made only of JSON's exact types (no subclasses), string keys and
    finite floats: what `_check` accepts, checked without building a path for every value
    (every act is canonicalised twice: when it is recorded and when it is sealed). False sends
    the value to `_check`, which accepts the subclasses or names what is wrong."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(key) is str for key in value) and all(map(_is_plain, value.values()))
    if kind is list or kind is tuple:
        return all(map(_is_plain, value))
    return kind is float and math.isfinite(value)


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 bytes of `obj` (see the module docstring)."""
    if not _is_plain(obj):
        _check(obj, "$")
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")

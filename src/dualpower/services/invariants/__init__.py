"""Invariants of topics beyond the core, found by `services.check`: each module here defines
`check(uow) -> list[str]` (one sentence per violation), run inside the checker's unit of work."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any


@cache  # the modules of a package do not change while it runs: list them once
def checkers() -> tuple[Callable[[Any], list[str]], ...]:
    return tuple(
        importlib.import_module(f"{__name__}.{info.name}").check
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    )

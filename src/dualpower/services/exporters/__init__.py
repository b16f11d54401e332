"""Parts of the public export beyond the core, found by `services.export`: each module here
defines `export(uow) -> dict[str, list[dict]]` (file stem -> public rows). Never a secret
ballot's voter, never a password, token or e-mail address."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any


def exporters() -> list[Callable[[Any], dict[str, list[dict[str, Any]]]]]:
    return [
        importlib.import_module(f"{__name__}.{info.name}").export
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]

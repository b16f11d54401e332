"""Route modules, one a topic: each may define `api` (mounted under /api/v1) and `pages`."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from fastapi import APIRouter


def topics() -> list[ModuleType]:
    """Every module of this package, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]


def routers(tag: str) -> tuple[APIRouter, APIRouter]:
    """A topic's two routers: `api`, its operations under `tag` in the OpenAPI document, and
    `pages`, which that document leaves out."""
    return APIRouter(tags=[tag]), APIRouter(include_in_schema=False)

"""Route modules, one a topic: each may define `api` (its paths under API_PREFIX) and `pages`.

A router's routes are built once a process, when its module is imported, and every app adds
those same routes (web/app.py): FastAPI's `include_router` would wrap them anew in each app and
build each route's dependencies and models again on the first request the app serves
(150-500 ms, paid once a process by a server but once a test by the test suite)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from fastapi import APIRouter

API_PREFIX = "/api/v1"


def topics() -> list[ModuleType]:
    """Every module of this package, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]


def routers(tag: str) -> tuple[APIRouter, APIRouter]:
    """A topic's two routers: `api`, its operations under `tag` in the OpenAPI document, and
    `pages`, which that document leaves out."""
    return api_router(tag), APIRouter(include_in_schema=False)


def api_router(tag: str) -> APIRouter:
    """A router of API operations: its paths under API_PREFIX, under `tag` in the document."""
    return APIRouter(prefix=API_PREFIX, tags=[tag])

"""The app factory the ballot benchmark serves, as `dualpower serve` does: the system from
DUALPOWER_DATABASE_URL (already migrated), `create_app`, under uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from dualpower.bootstrap import build
from dualpower.web.app import create_app
from dualpower.web.warm import settle


def app() -> FastAPI:
    served = create_app(build(migrate=False))
    settle()  # as `dualpower serve` does before it serves (web/warm.py)
    return served

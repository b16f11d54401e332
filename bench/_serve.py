"""The app factory the ballot benchmark serves, as `dualpower serve` does: the system from
DUALPOWER_DATABASE_URL (already migrated), `create_app`, under uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from dualpower.bootstrap import build
from dualpower.web.app import create_app


def app() -> FastAPI:
    return create_app(build(migrate=False))

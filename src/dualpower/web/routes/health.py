"""A trivial route: the server answers (for load balancers and as a benchmark's floor)."""

from __future__ import annotations

from dualpower.web.routes import api_router

api = api_router("health")


@api.get("/health")
async def health() -> dict[str, str]:
    """`{"status": "ok"}` without touching the database."""
    return {"status": "ok"}

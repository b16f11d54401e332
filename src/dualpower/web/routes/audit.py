"""The public audit log (DESIGN.md 2.8): its tree head and its entries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from dualpower.domain.errors import InvalidRequest
from dualpower.services import audit
from dualpower.web.deps import SystemDep
from dualpower.web.schemas import AuditEntryPublic, AuditHeadPublic

api = APIRouter(tags=["audit"])
PAGE = 10_000


@api.get("/audit/head", response_model=AuditHeadPublic)
def api_head(system: SystemDep) -> dict[str, Any]:
    """The latest Merkle tree head over the log: its size and root (hex)."""
    head = audit.head(system.engine)
    return {"size": head.size, "root": head.root}


@api.get("/audit/entries", response_model=list[AuditEntryPublic])
def api_entries(
    system: SystemDep,
    start: Annotated[int, Query(ge=0, description="First seq (from 0).")] = 0,
    end: Annotated[
        int | None, Query(ge=0, description=f"Seq to stop before; at most {PAGE} entries.")
    ] = None,
) -> list[dict[str, Any]]:
    """Sealed entries with seq in [start, end), in chain order; at most 10,000 per request
    (a wider range is cut to its first 10,000: ask again from the last seq + 1)."""
    if end is not None and end < start:
        raise InvalidRequest("end must not be smaller than start")
    stop = start + PAGE if end is None else min(end, start + PAGE)
    return audit.entries(system.engine, start, stop)

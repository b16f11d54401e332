"""The public audit log (DESIGN.md 2.8): its tree head, its entries, the published heads
(checkpoints), and inclusion and consistency proofs (RFC 9162 section 2.1) that a member's client
checks against the heads it kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from dualpower.domain.errors import InvalidRequest
from dualpower.services import audit
from dualpower.web.deps import SystemDep
from dualpower.web.routes import api_router
from dualpower.web.schemas import AuditEntryPublic, AuditHeadPublic
from dualpower.web.schemas_audit import (
    AuditCheckpointPublic,
    ConsistencyProofPublic,
    InclusionProofPublic,
)

api = api_router("audit")
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


@api.get("/audit/heads", response_model=list[AuditCheckpointPublic])
def api_heads(
    system: SystemDep,
    start: Annotated[int, Query(ge=0, description="Smallest tree size.")] = 0,
    end: Annotated[
        int | None, Query(ge=0, description=f"Size to stop before; at most {PAGE} heads.")
    ] = None,
) -> list[dict[str, Any]]:
    """Every published tree head (checkpoint) with start <= size < end, smallest first; at
    most 10,000 per request (ask again from the last size + 1). Keep the ones you see: a later
    head must be consistent with them (`/audit/proof/consistency`)."""
    if end is not None and end < start:
        raise InvalidRequest("end must not be smaller than start")
    found = audit.heads(system.engine, start, end)
    return found[:PAGE]


@api.get("/audit/proof/inclusion", response_model=InclusionProofPublic)
def api_inclusion(
    system: SystemDep,
    seq: Annotated[int, Query(ge=0, description="The entry's seq.")],
    size: Annotated[
        int | None, Query(ge=1, description="Tree size (default: the latest head's).")
    ] = None,
) -> dict[str, Any]:
    """Entry `seq`, its leaf hash (SHA-256 of 0x00 and the entry's canonical JSON) and its
    audit path to the root of the tree of `size` entries (RFC 9162 2.1.3). Check it against a
    root you hold, not only the `root` given here."""
    return audit.inclusion(system.engine, seq, size)


@api.get("/audit/proof/consistency", response_model=ConsistencyProofPublic)
def api_consistency(
    system: SystemDep,
    first: Annotated[int, Query(ge=0, description="The size of the older head.")],
    second: Annotated[
        int | None, Query(ge=0, description="The size of the newer head (default: latest).")
    ] = None,
) -> dict[str, Any]:
    """The proof that the tree of `second` entries extends the tree of `first` entries, i.e.
    that the log only grew between the two heads (RFC 9162 2.1.4)."""
    return audit.consistency(system.engine, first, second)

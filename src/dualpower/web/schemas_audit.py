"""Schemas of the audit log's proofs and checkpoints (RFC 9162 section 2.1)."""

from __future__ import annotations

from pydantic import BaseModel

from dualpower.web.schemas import AuditEntryPublic


class AuditCheckpointPublic(BaseModel):
    size: int
    root: str
    recorded_at: str


class InclusionProofPublic(BaseModel):
    seq: int
    size: int
    root: str
    leaf_hash: str
    entry: AuditEntryPublic
    proof: list[str]


class ConsistencyProofPublic(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]

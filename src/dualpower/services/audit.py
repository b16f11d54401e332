"""Reading and verifying the audit log (DESIGN.md 2.8)."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from sqlalchemy import Engine

from dualpower.audit.merkle import TreeHead
from dualpower.audit.verify import VerifyReport, verify
from dualpower.store.sequencer import recorded_heads, sealed_entries, sequence


def verify_log(engine: Engine) -> VerifyReport:
    """Check every sealed entry against its hash, its predecessor and the published heads."""
    sequence(engine)
    with engine.connect() as conn:
        heads = recorded_heads(conn)
        with closing(sealed_entries(conn)) as entries:  # verify may stop at the first bad one
            return verify(entries, heads)


def head(engine: Engine) -> TreeHead:
    sequence(engine)
    with engine.connect() as conn:
        heads = recorded_heads(conn)
    return heads[-1] if heads else TreeHead(0, verify([]).root)


def entries(engine: Engine, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    sequence(engine)
    with engine.connect() as conn:
        return [e.to_dict() for e in sealed_entries(conn, start, end)]

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
        if conn.dialect.name == "postgresql":  # heads and entries from one snapshot
            conn.execution_options(isolation_level="REPEATABLE READ")
        heads = recorded_heads(conn)
        with closing(sealed_entries(conn)) as entries:  # verify may stop at the first bad one
            report = verify(entries, heads)
    covered = heads[-1].size if heads else 0
    if report.ok and report.size > covered:
        # The sequencer publishes a head in the transaction that seals a batch, so a sealed
        # entry beyond the last head was written behind its back.
        span = (
            f"entry {covered}"
            if report.size == covered + 1
            else (f"entries {covered}..{report.size - 1}")
        )
        return VerifyReport(
            False,
            report.size,
            report.root,
            covered,
            f"{span} inserted: no published tree head covers them (the last covers {covered})",
        )
    return report


def head(engine: Engine) -> TreeHead:
    sequence(engine)
    with engine.connect() as conn:
        heads = recorded_heads(conn)
    return heads[-1] if heads else TreeHead(0, verify([]).root)


def entries(engine: Engine, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    sequence(engine)
    with engine.connect() as conn:
        return [e.to_dict() for e in sealed_entries(conn, start, end)]

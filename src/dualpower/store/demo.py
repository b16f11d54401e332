"""The demo may only replace an earlier demo (DESIGN.md 4.1): what the database holds, read
before any unit of work can run on it (its schema may be absent or another's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select

from dualpower.domain.errors import Conflict
from dualpower.store import tables as t
from dualpower.store.migrate import schema_tables


def ensure_only_demo(engine: Engine) -> None:
    present = schema_tables(engine)
    if not present:
        return
    ours = set(t.metadata.tables) | {"alembic_version"}
    strangers = present - ours
    if strangers:
        names = ", ".join(sorted(strangers))
        raise Conflict(f"refusing to overwrite a database that holds other tables ({names})")
    if "federations" in present:
        with engine.connect() as conn:
            flags: list[bool] = list(conn.execute(select(t.federations.c.is_demo)).scalars())
        if any(not flag for flag in flags):
            raise Conflict("refusing to overwrite a database that holds a real federation")


def demo_time(engine: Engine) -> datetime | None:
    """When the database holds the demo: the moment of its last act (its world lives in 1917,
    and its clock runs on from there); None for a real federation or an empty database."""
    if "federations" not in schema_tables(engine):
        return None
    with engine.connect() as conn:
        flags: list[bool] = list(conn.execute(select(t.federations.c.is_demo)).scalars())
        if not flags or not all(flags):
            return None
        last = conn.execute(select(func.max(t.audit_log.c.recorded_at))).scalar()
    return datetime.fromisoformat(last) if last else None

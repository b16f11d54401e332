"""The demo may only replace an earlier demo (DESIGN.md 4.1)."""

from __future__ import annotations

from sqlalchemy import Engine, select

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

"""What the readiness checks read of the database (services/health.py): whether it answers a
read, when the oldest unsealed audit entry was recorded, and the connection pool's use. A
database that cannot be read is an answer here (`Unreadable`, with the driver's message), never
a failure of the check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from dualpower.store import tables as t
from dualpower.store.db import READ_ONLY

_OLDEST_UNSEALED = (
    select(t.audit_log.c.recorded_at)
    .where(t.audit_log.c.seq.is_(None))
    .order_by(t.audit_log.c.id)
    .limit(1)
)


class Unreadable(Exception):
    """The database could not be read; the message is the driver's."""


def _read(engine: Engine, statement: Any) -> Any:
    try:
        with engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return conn.execute(statement).scalar()
    except SQLAlchemyError as error:
        raise Unreadable(str(getattr(error, "orig", error))) from error


def answers(engine: Engine) -> None:
    """Return when the database answers a read (`SELECT 1`); `Unreadable` otherwise."""
    _read(engine, text("SELECT 1"))


def oldest_unsealed_at(engine: Engine) -> Any:
    """The `recorded_at` of the oldest audit entry the sequencer has not sealed, as stored (an
    ISO 8601 text), or None when every entry is sealed; `Unreadable` if it cannot be read."""
    return _read(engine, _OLDEST_UNSEALED)


def pool_use(engine: Engine) -> dict[str, int]:
    """Connections in use, idle and the pool's size (those the pool counts)."""
    pool: Any = engine.pool
    use: dict[str, int] = {}
    for state, method in (("in_use", "checkedout"), ("idle", "checkedin"), ("size", "size")):
        if hasattr(pool, method):
            use[state] = int(getattr(pool, method)())
    return use

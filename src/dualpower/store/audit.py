"""Reads of the audit log for its verification and its proofs (services/audit.py): the
published tree heads, the sealed entries and the oldest entry still unsealed, on one
connection, from one snapshot where the caller asks for one. Sealing is the sequencer's
(store/sequencer.py)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select

from dualpower.audit.chain import Entry
from dualpower.audit.merkle import TreeHead
from dualpower.store import tables as t
from dualpower.store.db import READ_ONLY
from dualpower.store.sequencer import recorded_heads, sealed_entries
from dualpower.store.typed import tuples

_OLDEST_UNSEALED = (
    select(t.audit_log.c.id, t.audit_log.c.act, t.audit_log.c.recorded_at)
    .where(t.audit_log.c.seq.is_(None))
    .order_by(t.audit_log.c.id)
    .limit(1)
)


class Unsealed(NamedTuple):
    """An entry the sequencer has not sealed: its row, act and time as stored."""

    id: int
    act: str
    recorded_at: Any


class PublishedHead(NamedTuple):
    """A published tree head (checkpoint, as `TreeHead`) with the time it was recorded."""

    size: int
    root: str
    recorded_at: str


class LogRead:
    """One read of the log, on one connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def heads(self) -> list[TreeHead]:
        """Every published head, smallest first."""
        return recorded_heads(self.conn)

    def published(self, start: int = 0, end: int | None = None) -> list[PublishedHead]:
        """Published heads with start <= size < end, smallest first, with their times."""
        h = t.audit_heads
        query = select(h.c.size, h.c.root, h.c.recorded_at).where(h.c.size >= start)
        if end is not None:
            query = query.where(h.c.size < end)
        rows = tuples(self.conn.execute(query.order_by(h.c.size)))
        return [PublishedHead(size, root, at) for size, root, at in rows]

    def latest_size(self) -> int:
        """The size of the latest published head (0 before any)."""
        h = t.audit_heads
        size = self.conn.execute(select(h.c.size).order_by(h.c.size.desc()).limit(1)).scalar()
        return int(size or 0)

    def entries(self, start: int = 0, stop: int | None = None) -> Generator[Entry, None, None]:
        """Sealed entries in chain order, seq `start` up to (not including) `stop`; close the
        generator when stopping early (it holds a cursor)."""
        return sealed_entries(self.conn, start, stop)

    def oldest_unsealed(self) -> Unsealed | None:
        row = self.conn.execute(_OLDEST_UNSEALED).first()
        return None if row is None else Unsealed(row.id, row.act, row.recorded_at)


@contextmanager
def reading(
    engine: Engine, *, snapshot: bool = False, read_only: bool = False
) -> Iterator[LogRead]:
    """A read of the log. `snapshot`: on PostgreSQL every statement of the read sees one
    snapshot (REPEATABLE READ; SQLite's read transaction has one already). `read_only`: a
    snapshot that writes nothing (on SQLite a plain BEGIN, no write lock)."""
    with engine.connect() as conn:
        postgresql = conn.dialect.name == "postgresql"
        if read_only and postgresql:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif read_only:
            conn.execution_options(**{READ_ONLY: True})
        elif snapshot and postgresql:
            conn.execution_options(isolation_level="REPEATABLE READ")
        yield LogRead(conn)

"""The outbox's cursors: how far each event handler has been delivered the sealed audit log.

The log is the outbox (services/outbox.py): a handler's cursor is the `seq` of the last entry
whose events it was given. It moves only after the handler returned, by compare-and-set, so a
crash between an act's commit and the delivery (or during it) delivers again from the cursor:
at least once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, Column, String, func, insert, select, update

from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection
from dualpower.store.tables import table

outbox_cursors = table(
    "outbox_cursors",
    Column("handler", String(80), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the last sealed entry delivered (0: none)
)


class OutboxRepo(OnConnection):
    def head(self) -> int:
        """The seq of the last sealed entry (0 for an empty log)."""
        return int(self.conn.execute(select(func.max(t.audit_log.c.seq))).scalar() or 0)

    def cursor(self, handler: str) -> int | None:
        oc = outbox_cursors
        found = self.conn.execute(select(oc.c.seq).where(oc.c.handler == handler)).scalar()
        return None if found is None else int(found)

    def start(self, handler: str, seq: int) -> None:
        """A new handler's cursor (it is given what is sealed after `seq`)."""
        self.conn.execute(insert(outbox_cursors).values(handler=handler, seq=seq))

    def advance(self, handler: str, seen: int, seq: int) -> bool:
        """Move the cursor from `seen` to `seq`; False when another deliverer moved it first."""
        oc = outbox_cursors
        moved = self.conn.execute(
            update(oc).where(oc.c.handler == handler, oc.c.seq == seen).values(seq=seq)
        )
        return bool(moved.rowcount == 1)

    def entries_after(
        self, seq: int, acts: Iterable[str], limit: int
    ) -> list[tuple[int, str, str]]:
        """Sealed entries after `seq` of these acts, in log order: (seq, act, payload JSON)."""
        log = t.audit_log
        rows = self.conn.execute(
            select(log.c.seq, log.c.act, log.c.payload)
            .where(log.c.seq > seq, log.c.act.in_(list(acts)))
            .order_by(log.c.seq)
            .limit(limit)
        )
        return [(int(r.seq), str(r.act), r.payload) for r in rows]


repositories.REPOSITORIES["outbox"] = OutboxRepo

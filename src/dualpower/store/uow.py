"""The unit of work: one transaction, the repositories on it, and the acts it appends.

An act's audit entry is written in the same transaction as the act (no act without its entry);
its place in the hash chain is assigned just after commit by the sequencer, in batches, so the
log is not one global lock every writer waits on (DESIGN.md 2.8).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Engine

from dualpower.audit.canonical import canonical_json
from dualpower.store import repositories as r
from dualpower.store.sequencer import sequence

ACT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        publish: Callable[[list[Any]], None] | None = None,
    ):
        self.engine = engine
        self.clock = clock
        self.publish = publish
        self.events: list[Any] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.conn = self.engine.connect()
        self.conn.begin()
        conn = self.conn
        self.federations = r.FederationRepo(conn)
        self.factions = r.FactionRepo(conn)
        self.councils = r.CouncilRepo(conn)
        self.units = r.UnitRepo(conn)
        self.members = r.MemberRepo(conn)
        self.memberships = r.MembershipRepo(conn)
        self.electorates = r.ElectorateRepo(conn)
        self.mandates = r.MandateRepo(conn)
        self.elections = r.ElectionRepo(conn)
        self.offices = r.OfficeRepo(conn)
        self.audit = r.AuditRepo(conn)
        self.tokens = r.TokenRepo(conn)
        self.recalls = r.RecallRepo(conn)
        self.notifications = r.NotificationRepo(conn)
        self.events = []
        self._committed = False
        self._pending_acts: list[dict[str, Any]] = []
        return self

    def now(self) -> datetime:
        return self.clock()

    def record(
        self,
        act: str,
        payload: dict[str, Any],
        *,
        actor: str | None = None,
        is_operator: bool = False,
    ) -> None:
        """Append an act to the audit log, in this transaction."""
        if not ACT_NAME.match(act):
            raise ValueError(f"act names are collection.verb, not {act!r}")
        self._pending_acts.append(
            {
                "act": act,
                "payload": canonical_json(payload).decode(),
                "actor": actor,
                "is_operator": is_operator,
                "recorded_at": self.now().isoformat(),
            }
        )

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def commit(self) -> None:
        self.audit.append_many(self._pending_acts)
        self._pending_acts = []
        self.conn.commit()
        self._committed = True

    def rollback(self) -> None:
        self._pending_acts = []
        self.conn.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.conn.rollback()
        self.conn.close()
        if self._committed:
            sequence(self.engine)
            if self.publish and self.events:
                self.publish(self.events)

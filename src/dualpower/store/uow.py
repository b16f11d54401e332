"""The unit of work: one transaction, the repositories on it, and the acts it appends.

An act's audit entry is written in the same transaction as the act (no act without its entry);
its place in the hash chain is assigned just after commit by the sequencer, in batches, so the
log is not one global lock every writer waits on (DESIGN.md 2.8): the commit wakes the
process's background sealer (store/sequencer.py) and returns without waiting for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from dualpower.audit.canonical import canonical_json
from dualpower.domain import errors
from dualpower.store import repositories as r
from dualpower.store import schema  # noqa: F401  (registers every topic's tables and repositories)
from dualpower.store.db import READ_ONLY
from dualpower.store.sequencer import wake

if TYPE_CHECKING:  # the topic modules register their repositories when `schema` imports them
    from dualpower.store.panels import PanelRepo
    from dualpower.store.repositories_sessions import (
        BreachRepo,
        InitiativeRepo,
        InstructionRepo,
        MotionRepo,
        SessionRepo,
        StandingOrdersRepo,
    )
    from dualpower.store.tables_alignment import AlignmentRepo
    from dualpower.store.tables_discussion import DiscussionRepo
    from dualpower.store.tables_limits import RateHitRepo, SessionActivityRepo
    from dualpower.store.tables_offices import (
        OfficeTermRepo,
        PayLockRepo,
        StipendMotionRepo,
        WageRepo,
    )
    from dualpower.store.tables_recall import RecallPathRepo
    from dualpower.store.tables_register import RegisterRepo
    from dualpower.store.tables_speakers import SpeechRepo, StewardPostRepo
    from dualpower.store.tables_standing import StandingMotionRepo
    from dualpower.store.tables_structure import FactionMemberRepo, StructureMotionRepo

log = logging.getLogger(__name__)
ACT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
# The digests of the token and session cookie a request came with (web/actor_marks.py sets them):
# an act of a member in a session opened with a password the operator set is logged with the
# actor marked "~operator-set" (DESIGN.md 2.10; store/tables_members.py).
REQUEST_TOKENS: ContextVar[tuple[str, ...]] = ContextVar("dualpower_request_tokens", default=())
OPERATOR_SET = "~operator-set"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    federations: r.FederationRepo
    factions: r.FactionRepo
    councils: r.CouncilRepo
    units: r.UnitRepo
    members: r.MemberRepo
    memberships: r.MembershipRepo
    electorates: r.ElectorateRepo
    mandates: r.MandateRepo
    elections: r.ElectionRepo
    offices: r.OfficeRepo
    audit: r.AuditRepo
    tokens: r.TokenRepo
    recalls: r.RecallRepo
    notifications: r.NotificationRepo
    standing_orders: StandingOrdersRepo
    sessions: SessionRepo
    motions: MotionRepo
    instructions: InstructionRepo
    breaches: BreachRepo
    initiatives: InitiativeRepo
    recall_paths: RecallPathRepo
    rate_hits: RateHitRepo
    session_activity: SessionActivityRepo
    office_terms: OfficeTermRepo
    stipend_motions: StipendMotionRepo
    standing_motions: StandingMotionRepo
    structure_motions: StructureMotionRepo
    faction_members: FactionMemberRepo
    pay_locks: PayLockRepo
    wages: WageRepo
    speeches: SpeechRepo
    steward_posts: StewardPostRepo
    discussion: DiscussionRepo
    panels: PanelRepo
    alignment: AlignmentRepo
    register: RegisterRepo

    def __getattr__(self, name: str) -> Any:
        # Repositories of topic modules are set in __enter__; this only makes a typo loud.
        raise AttributeError(f"the unit of work has no repository {name!r} (is it entered?)")

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        publish: Callable[[list[Any]], None] | None = None,
        read_only: bool = False,
        after_commit: Callable[[Connection], None] | None = None,
        before_commit: Callable[[Connection, list[Any]], None] | None = None,
    ):
        self.engine = engine
        self.read_only = read_only
        # Called on the connection just after its commit (store/replicas.py notes the WAL
        # position, for read-your-own-write); a failure there is logged, never raised.
        self.after_commit = after_commit
        # Called on the connection to commit, with the act's events, when it emitted any
        # (store/change_feed.py sends the notification other processes listen for with the
        # COMMIT); the commit that follows sends nothing if the transaction has ended.
        self.before_commit = before_commit
        self.clock = clock
        self.publish = publish
        self.events: list[Any] = []
        self._committed = False
        self._entered = False

    def __enter__(self) -> UnitOfWork:
        if self._entered:  # re-entry would swap the connection (on SQLite, block on itself)
            raise RuntimeError(
                "this unit of work is entered already: an act is one transaction "
                "(compose acts inside one with the *_in functions)"
            )
        self.conn = self.engine.connect()
        try:
            if self.read_only:
                # One snapshot for the whole read (issue 24): PostgreSQL's default, READ
                # COMMITTED, gives each statement its own. A read-only REPEATABLE READ
                # transaction never fails to serialise, and a hot standby runs it too. SQLite's
                # read transaction has one snapshot already.
                options: dict[str, Any] = {READ_ONLY: True}
                if self.engine.dialect.name == "postgresql":
                    options["isolation_level"] = "REPEATABLE READ"
                self.conn = self.conn.execution_options(**options)
            self.conn.begin()
        except BaseException:
            self.conn.close()
            raise
        self._entered = True
        for name, repository in r.REPOSITORIES.items():
            setattr(self, name, repository(self.conn))
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
        tokens = REQUEST_TOKENS.get()
        if tokens and actor is not None and actor.isdigit():
            if self.credentials.opened_by_operator(int(actor), tokens):
                actor += OPERATOR_SET
        self._pending_acts.append(
            {
                "act": act,
                "payload": canonical_json(payload).decode(),
                "actor": actor,
                "is_operator": is_operator,
                "recorded_at": self.now().isoformat(),
            }
        )

    def take_acts(self) -> list[dict[str, Any]]:
        """The audit entries recorded and not written yet, as rows of the log, for a caller
        that writes them itself in this transaction (store/ballot_batch.py: in one round trip
        with the batch's ballots); the commit writes only those recorded after."""
        acts, self._pending_acts = self._pending_acts, []
        return acts

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.audit.append_many(self._pending_acts)
        self._pending_acts = []
        if self.before_commit is not None and self.events:
            self.before_commit(self.conn, self.events)
        self.conn.commit()
        self._committed = True
        if self.after_commit is not None:
            try:
                self.after_commit(self.conn)
            except Exception:  # noqa: BLE001 - the act has happened
                log.exception("after the commit: noting its WAL position failed")

    def rollback(self) -> None:
        self._pending_acts = []
        self.conn.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint: what fails inside is undone alone and the act may go on. A constraint
        broken inside (a unique key taken, most often by a concurrent act) raises
        `errors.Duplicate`: services never see the driver's error."""
        with self.constrained(), self.conn.begin_nested():
            yield

    @contextmanager
    def unique_or(self, refusal: errors.DomainError) -> Iterator[None]:
        """A savepoint around a write that a unique key may refuse (most often a concurrent act
        won): the act's own refusal is raised instead of `errors.Duplicate`."""
        try:
            with self.savepoint():
                yield
        except errors.Duplicate:
            raise refusal from None

    @contextmanager
    def constrained(self) -> Iterator[None]:
        """Writes whose broken constraint raises `errors.Duplicate` (no savepoint: the act
        fails as a whole, the transaction being spoilt on PostgreSQL)."""
        try:
            yield
        except IntegrityError as error:
            raise errors.Duplicate() from error

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.conn.rollback()
        finally:
            self.conn.close()  # also when the rollback fails (a broken connection)
            self._entered = False
        if not self._committed:
            return
        # After commit nothing may fail the act: it happened. The background sealer is woken
        # (it seals off the request path), and a subscriber's failure is logged, not raised.
        try:
            wake(self.engine)
        except Exception:  # noqa: BLE001
            log.exception("waking the audit sealer after commit failed; the next act retries")
        if self.publish:  # also with no events: the outbox delivers what the log states
            try:
                self.publish(self.events)
            except Exception:  # noqa: BLE001
                log.exception("publishing events after commit failed")

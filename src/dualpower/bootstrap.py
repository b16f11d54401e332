"""The one place that knows concrete classes: engine, unit of work, clock, event publishing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine

from dualpower.services.outbox import Delivery, Handlers, deliver, start
from dualpower.store.change_feed import ChangeFeed, listen_url
from dualpower.store.db import DEFAULT_URL, DEMO_URL, database_url, make_engine
from dualpower.store.migrate import upgrade
from dualpower.store.replicas import ROUTE, ReadReplicas, Route, see_latest
from dualpower.store.uow import UnitOfWork, utcnow

Subscriber = Callable[[Any], None]
_delivering = threading.local()  # System.deliver running on this thread
E = TypeVar("E")
__all__ = [
    "ROUTE",
    "ReadReplicas",
    "Route",
    "System",
    "build",
    "build_for_demo",
    "open_existing",
    "see_latest",
    "with_replicas",
]


@dataclass
class System:
    engine: Engine
    clock: Callable[[], datetime] = utcnow
    subscribers: list[Subscriber] = field(default_factory=list)
    mailer: Any = None
    # Background tasks (the clock, ...) note here when they last ran: task name -> an aware
    # datetime or time.time(). /readyz and /metrics read it (services/health.py).
    background: dict[str, Any] = field(default_factory=dict)
    # Streaming standbys that serve a web request's reads (DUALPOWER_DATABASE_REPLICA_URLS;
    # store/replicas.py); None: every read is on `engine`.
    replicas: ReadReplicas | None = None
    # Handlers of events read back from the sealed log after commit, at least once
    # (services/outbox.py); `handle` registers one.
    handlers: Handlers = field(default_factory=Handlers)
    # Other processes' commits wake this one's live streams (store/change_feed.py; PostgreSQL
    # only: None on SQLite, served by one process).
    feed: ChangeFeed | None = None

    def uow(self) -> UnitOfWork:
        noted = self.replicas.note_commit if self.replicas else None
        announce = self.feed.announce if self.feed else None
        return UnitOfWork(
            self.engine,
            clock=self.clock,
            publish=self._publish,
            after_commit=noted,
            before_commit=announce,
        )

    def reader(self, *, fresh: bool = False) -> UnitOfWork:
        """A unit of work that only reads (on SQLite it takes no write lock): on a replica when
        the request allows it (store/replicas.py), on the primary when `fresh` (credentials)."""
        engine = self.engine
        if self.replicas is not None and not fresh:
            engine = self.replicas.engine_for_read()
        return UnitOfWork(engine, clock=self.clock, read_only=True)

    def note_primary(self) -> None:
        """Another process committed (its notification came): with replicas, the streams it
        wakes read on one that has replayed that commit (store/replicas.py)."""
        if self.replicas is not None:
            self.replicas.note_primary()

    def subscribe(self, subscriber: Subscriber) -> None:
        """In process, after commit, at most once: every event an act emitted."""
        self.subscribers.append(subscriber)

    def handle(
        self, name: str, event_type: type[E], handler: Callable[[Delivery[E]], None]
    ) -> None:
        """From the sealed log, after commit, at least once: the events of `event_type`
        (services/outbox.py). `name` keeps the handler's place in the log across restarts."""
        self.handlers.register(name, event_type, handler)
        start(self._outbox_uow, name)

    def deliver(self) -> int:
        """Give the handlers what the log holds for them (also what a crash left undelivered).
        Not again inside itself on this thread (a handler's own act): the running delivery
        goes on to what that act wrote."""
        if getattr(_delivering, "now", False):
            return 0
        _delivering.now = True
        try:
            return deliver(self._outbox_uow, self.handlers)
        finally:
            _delivering.now = False

    def _outbox_uow(self) -> UnitOfWork:
        """The outbox's own units of work: their commits (cursors) publish nothing."""
        return UnitOfWork(self.engine, clock=self.clock)

    def _publish(self, events: list[Any]) -> None:
        for event in events:
            for subscriber in list(self.subscribers):
                subscriber(event)
        if self.handlers:
            self.deliver()


def build(url: str | None = None, *, default: str = DEFAULT_URL, migrate: bool = True) -> System:
    engine = make_engine(url or database_url(default))
    if migrate:
        upgrade(engine)
    return _with_adapters(System(engine=engine))


def open_existing(
    url: str | None = None, *, default: str = DEFAULT_URL, create: bool = False
) -> System:
    """For the commands and the server: a database whose schema is this release's, refused
    otherwise with one line saying what to run (store/migrate.py `require_current`). With
    `create` (`dualpower init`) a database with no tables at all gets its schema; only
    `dualpower migrate` changes an existing one's. Tests and benchmarks use `build`."""
    from dualpower.store.migrate import require_current, schema_status

    engine = make_engine(url or database_url(default))
    try:
        if create and schema_status(engine).state == "empty":
            upgrade(engine)
        else:
            require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return _with_adapters(System(engine=engine), mail_notices=False)


def with_replicas(system: System, urls: list[str], **options: Any) -> System:
    """Reads of web requests on these standbys (store/replicas.py `connect`)."""
    from dualpower.store import replicas

    system.replicas = replicas.connect(system.engine, urls, make_engine, **options)
    return system


def _with_adapters(system: System, *, mail_notices: bool = True) -> System:
    """The adapters the environment configures. `mail_notices`: this process looks for notices
    to mail (build: tests, benchmarks, the demo); a command's process does not (open_existing:
    `serve` starts looking, mail.py `Mailer.watch`)."""
    from dualpower.mail import Mailer, SmtpSettings
    from dualpower.store import replicas

    system.replicas = replicas.from_env(system.engine, make_engine)
    if system.engine.dialect.name == "postgresql":
        primary = system.engine.url.render_as_string(hide_password=False)
        system.feed = ChangeFeed(listen_url(primary))
        system.feed.before_wake = system.note_primary

    settings = SmtpSettings.from_env()
    if settings is not None:
        system.mailer = Mailer(system._outbox_uow, settings, notices=mail_notices)
        system.subscribe(system.mailer)
    return system


def build_for_demo(url: str | None, clock: Callable[[], datetime]) -> System:
    """A fresh database for the demo: refuses one that holds anything but an earlier demo."""
    from dualpower.store.demo import ensure_only_demo
    from dualpower.store.migrate import wipe

    engine = make_engine(url or database_url(DEMO_URL))
    ensure_only_demo(engine)
    wipe(engine)
    upgrade(engine)
    return _with_adapters(System(engine=engine, clock=clock))

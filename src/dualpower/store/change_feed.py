"""The change feed across processes, on PostgreSQL: LISTEN/NOTIFY (issue 24).

Live streams are woken in process by the events an act publishes after commit (web/live.py).
Another serving process learns of the commit through this feed:

- an act's transaction sends one `pg_notify` on CHANNEL naming the topics its events concern
  (domain/live.py), deduplicated; PostgreSQL delivers it only if the transaction commits, and
  only after. A batch of ballots is one transaction, so one notification: one statement per
  transaction that woke something, never one per ballot, sent with the COMMIT in one round
  trip;
- each serving process holds ONE connection of its own doing LISTEN, on a thread, and turns
  each notification into wakes of its streams; a process skips its own (the payload carries
  the process's token): it woke its streams already in process.

The listening connection must reach the primary directly: NOTIFY is not delivered to a hot
standby's sessions, and LISTEN does not survive pgbouncer's transaction pooling. Hence
DUALPOWER_DATABASE_LISTEN_URL (default: DUALPOWER_DATABASE_URL). A notification sent while the
listener was away is lost, so after every (re)connection every stream of the process reads
again once."""

from __future__ import annotations

import logging
import os
import secrets
import select
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dualpower.domain.live import Wake, topics
from dualpower.store.db import POOLER_ENV

log = logging.getLogger(__name__)

CHANNEL = "dualpower_live"
LISTEN_URL_ENV = "DUALPOWER_DATABASE_LISTEN_URL"
# PostgreSQL refuses a payload of 8000 bytes or more; past this, each kind is woken whole.
PAYLOAD_LIMIT = 7900
EVERY = "*"
_NOTIFY = "SELECT pg_notify(%s, %s)"


class Woken(Protocol):
    """What the feed wakes: the process's live streams (web/live.py's Broadcaster)."""

    def wake_many(self, wakes: Sequence[Wake]) -> None: ...

    def wake_everything(self) -> None: ...


def encode(token: str, wakes: Iterable[Wake]) -> str:
    """'TOKEN kind:id kind:* ...': each topic once; past PAYLOAD_LIMIT, each kind once."""
    unique = sorted({(kind, EVERY if id_ is None else str(id_)) for kind, id_ in wakes})
    whole = {kind for kind, id_ in unique if id_ == EVERY}
    words = [f"{kind}:{id_}" for kind, id_ in unique if kind not in whole or id_ == EVERY]
    payload = " ".join([token, *words])
    if len(payload.encode()) > PAYLOAD_LIMIT:
        payload = " ".join([token, *sorted({f"{kind}:{EVERY}" for kind, _ in unique})])
    return payload


def decode(payload: str) -> tuple[str, list[Wake]]:
    """The sender's token and the topics (id None: every topic of the kind); a word that is
    not kind:id is skipped."""
    token, *words = payload.split(" ")
    wakes: list[Wake] = []
    for word in words:
        kind, _, id_ = word.rpartition(":")
        if kind and id_ == EVERY:
            wakes.append((kind, None))
        elif kind and id_.isdigit():
            wakes.append((kind, int(id_)))
    return token, wakes


class ChangeFeed:
    """One process's end of the feed: `announce` in an act's transaction, `listen` on a
    connection of its own."""

    def __init__(
        self,
        listen_url: str | None,
        *,
        token: str | None = None,
        backoff: tuple[float, float] = (0.2, 5.0),
    ):
        # None: announce only (no direct connection to listen on: see `listen_url`)
        self.conninfo = (
            make_url(listen_url).set(drivername="postgresql").render_as_string(False)
            if listen_url
            else None
        )
        self.token = token or secrets.token_hex(8)
        self.backoff = backoff  # first and longest wait between reconnections
        self.received = 0  # notifications of other processes turned into wakes
        self.own = 0  # notifications of this process, skipped
        self.connections = 0  # successful LISTENs (the first, then each reconnection)
        self.backend_pid: int | None = None  # the listening session's (for tests)
        self.connected = threading.Event()
        # Called on the listening thread before another process's notification wakes the
        # streams (with replicas: the primary's WAL position is noted, store/replicas.py).
        self.before_wake: Callable[[], None] | None = None
        self._targets: list[Woken] = []
        self._lock = threading.Lock()
        self._stop: _Stop | None = None  # the listening thread's, made with it
        self._thread: threading.Thread | None = None

    # ---- the sending end, in the act's transaction ----------------------------------------

    def announce(self, conn: Connection, events: Sequence[Any]) -> None:
        """At commit: notify the topics these events concern (nothing when none). The NOTIFY
        and the COMMIT go in one round trip (psycopg's pipeline mode), so the notification
        costs no round trip of its own; the unit of work's commit that follows finds the
        transaction ended and sends nothing."""
        wakes = [wake for event in events for wake in topics(event)]
        if not wakes:
            return
        from psycopg import Error

        driver = conn.connection.driver_connection
        assert driver is not None
        try:
            with driver.pipeline():
                driver.execute(_NOTIFY, (CHANNEL, encode(self.token, wakes))).close()
                driver.execute("COMMIT").close()
        except Error as error:  # as SQLAlchemy raises it (the group commit retries a deadlock)
            if driver.closed:
                conn.invalidate()
            raise DBAPIError.instance(_NOTIFY, None, error, Error, dialect=conn.dialect) from error

    # ---- the listening end, one thread per process -----------------------------------------

    def listen(self, target: Woken) -> None:
        """Wake `target` at each other process's notification, from now until `unlisten`."""
        if self.conninfo is None:
            log.warning(
                "change feed: not listening through pgbouncer's transaction pooling; set %s "
                "to a direct connection to the primary so that other processes' commits wake "
                "this one's live streams",
                LISTEN_URL_ENV,
            )
            return
        with self._lock:
            self._targets.append(target)
            if self._thread is None:
                self._stop = _Stop()  # the thread's own: a stopping one keeps its
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="change-feed", daemon=True
                )
                self._thread.start()

    def unlisten(self, target: Woken, timeout: float = 5.0) -> None:
        with self._lock:
            if target in self._targets:
                self._targets.remove(target)
            thread = self._thread if not self._targets else None
            if thread is not None and self._stop is not None:
                self._thread = None
                self._stop.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self, stop: _Stop) -> None:
        import psycopg  # the store's driver; only a serving process needs it here

        conninfo = self.conninfo or ""
        delay = self.backoff[0]
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, **_LISTENING) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connections += 1
                    self.connected.set()
                    delay = self.backoff[0]
                    # What was notified while no one listened is lost: read everything again.
                    self._deliver(lambda target: target.wake_everything())
                    while stop.wait_for(conn.fileno()):
                        for notice in conn.notifies(timeout=0.0):
                            self._received(notice.payload)
            except Exception as error:  # noqa: BLE001 - a dropped connection, a failover
                self.connected.clear()
                if stop.is_set():
                    break
                log.warning("change feed: %s; listening again in %.1f s", error, delay)
                stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
        self.connected.clear()
        stop.close()

    def _received(self, payload: str) -> None:
        token, wakes = decode(payload)
        if token == self.token:
            self.own += 1  # woken in process already, after the commit
            return
        self.received += 1
        if self.before_wake is not None:
            try:
                self.before_wake()
            except Exception:  # noqa: BLE001 - the streams are woken all the same
                log.exception("change feed: before waking the streams")
        self._deliver(lambda target: target.wake_many(wakes))

    def _deliver(self, call: Callable[[Woken], None]) -> None:
        with self._lock:
            targets = list(self._targets)
        for target in targets:
            try:
                call(target)
            except Exception:  # noqa: BLE001 - one stream's failure stops no other
                log.exception("change feed: waking live streams failed")


class _Stop:
    """The listening thread's stop: `set` wakes a thread waiting on its connection at once
    (a pair of sockets beside the connection's), so `unlisten` does not wait for a poll to end."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._wake, self._waker = socket.socketpair()

    def set(self) -> None:
        self._event.set()
        self._waker.send(b"x")

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)

    def wait_for(self, fileno: int) -> bool:
        """Wait until the connection has something to read (True) or the stop is set (False)."""
        while not self._event.is_set():
            readable, _, _ = select.select([fileno, self._wake], [], [])
            if fileno in readable:
                return True
        return False

    def close(self) -> None:
        self._wake.close()
        self._waker.close()


# Keepalives find a primary gone without a word (a failover, a cut cable) within ~25 s.
_LISTENING: dict[str, Any] = {
    "application_name": "dualpower-change-feed",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def listen_url(primary_url: str) -> str | None:
    """Where the feed listens: DUALPOWER_DATABASE_LISTEN_URL, else the primary's URL; None
    when that URL is a pgbouncer in transaction pooling (DUALPOWER_DATABASE_POOLER), where a
    LISTEN would hold no server connection."""
    explicit = os.environ.get(LISTEN_URL_ENV, "").strip()
    if explicit:
        return explicit
    if os.environ.get(POOLER_ENV, "").strip().lower() == "pgbouncer":
        return None
    return primary_url

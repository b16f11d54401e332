"""Read replicas: PostgreSQL streaming standbys that serve reads (issue 24).

`DUALPOWER_DATABASE_REPLICA_URLS` (comma-separated `postgresql+psycopg://` URLs) names the
standbys. Only reads made inside a web request that allows them (a GET, HEAD or OPTIONS: the
request's `Route`, set by web/read_routing.py) go to a replica; writes, the reads of a write
request, the clock, the audit sealer and the readers of the log (which seal first) use the
primary. Outside a request (commands, the clock, tests) every read is on the primary.

Read-your-own-write. After each commit on the primary this process asks for the WAL insert
position (`pg_current_wal_insert_lsn()`; after a commit it lies at or past the commit record,
whatever `synchronous_commit` says, where `pg_current_wal_lsn()` lies past it only once the
record is written out) and keeps the highest one (`written`). A write request that succeeded
records that position for the tokens it came with (in this process) and in a signed cookie (any
process holding the same DUALPOWER_SECRET_KEY); that member's reads then go only to a replica
whose replayed position (`pg_last_wal_replay_lsn()`) is at or past it, and to the primary while
none is. The record lasts the lag bound and a little more: by then a replica that has not
replayed it lags beyond the bound and is skipped anyway.

Lag. A monitor thread samples the primary's WAL position and each replica's replayed position
every DUALPOWER_REPLICA_POLL_SECONDS (default 0.1). A replica's lag is how long ago the primary
first held WAL the replica has not replayed (0 when it has replayed all the primary had at the
last sample), so an idle primary does not make a caught-up replica look late, and a replica cut
off from the primary does not look current. A replica that lags more than
DUALPOWER_REPLICA_MAX_LAG_SECONDS (default 5), does not answer, or is not in recovery (promoted)
is skipped until it is back within the bound.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from dualpower.store.db import pg_connect_args

log = logging.getLogger(__name__)

URLS_ENV = "DUALPOWER_DATABASE_REPLICA_URLS"
MAX_LAG_ENV = "DUALPOWER_REPLICA_MAX_LAG_SECONDS"
POLL_ENV = "DUALPOWER_REPLICA_POLL_SECONDS"
KEY_ENV = "DUALPOWER_SECRET_KEY"
DEFAULT_MAX_LAG = 5.0
DEFAULT_POLL = 0.1
RECORD_MARGIN = 1.0  # seconds a member's record outlives the lag bound
MAX_RECORDS = 100_000  # tokens remembered in one process (the oldest go first)


def parse_lsn(value: str | None) -> int:
    """'16/B374D848' -> an integer position (0 for None)."""
    if not value:
        return 0
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


@dataclass
class Route:
    """How one web request reads: on a replica or not, and how far the replica must have
    replayed (the member's last write). Mutable: the request's threads share it."""

    replica_ok: bool
    keys: tuple[str, ...] = ()  # digests of the request's bearer token and session cookie
    min_lsn: int = 0
    on_replica: int = 0  # reads this request made on a replica (for tests and metrics)
    on_primary: int = 0
    replicas: ReadReplicas | None = None


async def see_latest(timeout: float = 1.0) -> None:
    """For a live stream woken by a commit of this process: its next read sees that commit,
    on a replica that has replayed it (waited for up to `timeout` seconds, without a thread),
    else on the primary. Nothing without replicas or outside a request."""
    route = ROUTE.get()
    if route is None or route.replicas is None or not route.replica_ok:
        return
    lsn = route.replicas.written
    if not await route.replicas.caught_up(lsn, timeout):
        route.min_lsn = max(route.min_lsn, lsn)


ROUTE: ContextVar[Route | None] = ContextVar("dualpower_read_route", default=None)


@dataclass
class Replica:
    url: str
    engine: Engine
    probe: Engine
    replayed: int = 0
    lag: float = float("inf")
    up: bool = False
    error: str = ""

    @property
    def name(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


@dataclass
class Counts:
    replica: int = 0
    primary: int = 0
    primary_behind: int = 0  # reads sent to the primary because no replica had replayed enough
    waited: int = 0


@dataclass
class ReadReplicas:
    """The replicas of one primary, their lag, and where each read goes."""

    primary: Engine
    replicas: list[Replica]
    max_lag: float = DEFAULT_MAX_LAG
    poll: float = DEFAULT_POLL
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    written: int = 0  # the highest commit position this process has seen on the primary
    counts: Counts = field(default_factory=Counts)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, tuple[int, float]] = {}  # token digest -> (lsn, until)
        self._samples: deque[tuple[float, int]] = deque()  # (monotonic time, primary lsn)
        self._probe = _probe_engine(self.primary.url)
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._polled = threading.Condition()
        self.polls = 0
        self._thread = threading.Thread(
            target=self._monitor, name="dualpower-replicas", daemon=True
        )
        self._thread.start()

    # ---- where a read goes ------------------------------------------------------------

    def engine_for_read(self) -> Engine:
        route = ROUTE.get()
        if route is None or not route.replica_ok or not self.replicas:
            self.counts.primary += 1
            return self.primary
        need = max(route.min_lsn, self.recorded(route.keys))
        fit = [r for r in self.replicas if r.up and r.lag <= self.max_lag and r.replayed >= need]
        if not fit:
            self.counts.primary += 1
            self.counts.primary_behind += 1
            route.on_primary += 1
            return self.primary
        self.counts.replica += 1
        route.on_replica += 1
        return fit[next(self._turn) % len(fit)].engine

    def replayed(self) -> int:
        """The furthest position any usable replica has replayed (0 when none is usable)."""
        usable = [r.replayed for r in self.replicas if r.up and r.lag <= self.max_lag]
        return max(usable, default=0)

    async def caught_up(self, lsn: int, timeout: float) -> bool:
        """Wait (without a thread) until a usable replica has replayed `lsn`, up to `timeout`
        seconds; for a live stream woken by a commit of this process."""
        deadline = time.monotonic() + timeout
        while self.replayed() < lsn:
            if time.monotonic() >= deadline:
                return False
            self.counts.waited += 1
            await asyncio.sleep(min(self.poll / 2, 0.05))
        return True

    # ---- read-your-own-write -------------------------------------------------------------

    def note_commit(self, conn: Connection) -> None:
        """After a commit on the primary (the unit of work's hook): the WAL position at or past
        it, kept as `written`. One round trip, only when replicas are configured."""
        lsn = wal_insert_lsn(conn)
        with self._lock:
            if lsn > self.written:
                self.written = lsn

    def note_primary(self) -> None:
        """The primary's WAL position now, kept as `written`: when another process notified a
        commit (store/change_feed.py), so that the streams it wakes read on a replica that
        has replayed that commit too. One round trip on a pooled connection."""
        with self.primary.connect() as conn:
            self.note_commit(conn)

    def record(self, keys: Iterable[str], lsn: int) -> float:
        """The holders of these tokens read at or past `lsn` until the returned deadline
        (time.time())."""
        until = time.time() + self.max_lag + RECORD_MARGIN
        with self._lock:
            for key in keys:
                old = self._records.pop(key, (0, 0.0))
                self._records[key] = (max(lsn, old[0]), until)
            while len(self._records) > MAX_RECORDS:
                self._records.pop(next(iter(self._records)))
        return until

    def recorded(self, keys: Iterable[str]) -> int:
        now = time.time()
        need = 0
        with self._lock:
            for key in keys:
                found = self._records.get(key)
                if found is None:
                    continue
                if found[1] < now:
                    del self._records[key]
                else:
                    need = max(need, found[0])
        return need

    def cookie(self, lsn: int, until: float) -> str:
        body = f"{lsn:x}.{int(until)}"
        return f"{body}.{self._sign(body)}"

    def from_cookie(self, value: str) -> int:
        """The position a signed cookie asks for; 0 when it is forged, malformed or expired."""
        body, _, signature = value.rpartition(".")
        if not body or not hmac.compare_digest(self._sign(body), signature):
            return 0
        lsn, _, until = body.partition(".")
        try:
            return int(lsn, 16) if int(until) >= time.time() else 0
        except ValueError:
            return 0

    def _sign(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    # ---- the monitor -----------------------------------------------------------------------

    def wait_polled(self, timeout: float = 5.0) -> bool:
        """Wait for the next complete poll of every replica (tests)."""
        with self._polled:
            seen = self.polls
            return self._polled.wait_for(lambda: self.polls > seen + 1, timeout)

    def _monitor(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - the monitor outlives one bad poll
                log.exception("polling the replicas failed")
            self._stop.wait(self.poll)

    def poll_once(self) -> None:
        now = time.monotonic()
        try:
            with self._probe.connect() as conn:
                current = parse_lsn(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar())
            self._samples.append((now, current))
        except Exception as error:  # noqa: BLE001 - a primary being failed over
            log.warning("replicas: the primary does not answer: %s", error)
        keep = max(self.max_lag * 2, 10.0)
        while self._samples and self._samples[0][0] < now - keep:
            self._samples.popleft()
        for replica in self.replicas:
            self._poll_replica(replica, now)
        with self._polled:
            self.polls += 1
            self._polled.notify_all()

    def _poll_replica(self, replica: Replica, now: float) -> None:
        try:
            with replica.probe.connect() as conn:
                row = conn.execute(
                    text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                ).one()
        except Exception as error:  # noqa: BLE001
            if replica.up:
                log.warning("replica %s does not answer: %s", replica.name, error)
            replica.up, replica.error = False, str(error).splitlines()[0][:200]
            return
        in_recovery, replayed = row
        if not in_recovery:
            if replica.up:
                log.warning("replica %s is no longer a standby: skipped", replica.name)
            replica.up, replica.error = False, "not in recovery"
            return
        replica.replayed = parse_lsn(str(replayed) if replayed is not None else None)
        replica.lag = self._lag_of(replica.replayed, now)
        replica.up, replica.error = True, ""

    def _lag_of(self, replayed: int, now: float) -> float:
        """How long ago the primary first held WAL this replica has not replayed."""
        if not self._samples:
            return float("inf")
        if replayed >= self._samples[-1][1]:
            return 0.0
        for at, lsn in self._samples:  # oldest first
            if lsn > replayed:
                return now - at
        return 0.0  # pragma: no cover - covered by the check above

    def status(self) -> list[dict[str, Any]]:
        return [
            {
                "replica": r.name,
                "up": r.up,
                "lag_seconds": r.lag,
                "replayed": format_lsn(r.replayed),
                "error": r.error,
            }
            for r in self.replicas
        ]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._probe.dispose()
        for replica in self.replicas:
            replica.probe.dispose()
            replica.engine.dispose()


def wal_insert_lsn(conn: Connection) -> int:
    """The primary's WAL insert position, asked on `conn` outside any transaction (after its
    commit): one round trip, no BEGIN or ROLLBACK."""
    driver = conn.connection.driver_connection
    autocommit = driver.autocommit  # type: ignore[union-attr]
    driver.autocommit = True  # type: ignore[union-attr]
    try:
        row = driver.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()  # type: ignore[union-attr]
    finally:
        driver.autocommit = autocommit  # type: ignore[union-attr]
    return parse_lsn(row[0])


def _probe_engine(url: Any) -> Engine:
    return create_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 2, **pg_connect_args()},
        isolation_level="AUTOCOMMIT",
    )


def from_env(primary: Engine, make_engine: Any) -> ReadReplicas | None:
    """The replicas named by DUALPOWER_DATABASE_REPLICA_URLS, or None."""
    raw = os.environ.get(URLS_ENV, "").strip()
    if not raw:
        return None
    return connect(
        primary,
        [u.strip() for u in raw.split(",") if u.strip()],
        make_engine,
        max_lag=_seconds(MAX_LAG_ENV, DEFAULT_MAX_LAG),
        poll=_seconds(POLL_ENV, DEFAULT_POLL),
        key=os.environ.get(KEY_ENV) or None,
    )


def connect(
    primary: Engine,
    urls: list[str],
    make_engine: Any,
    *,
    max_lag: float = DEFAULT_MAX_LAG,
    poll: float = DEFAULT_POLL,
    key: str | None = None,
) -> ReadReplicas:
    if primary.dialect.name != "postgresql":
        raise ValueError(f"{URLS_ENV} needs a PostgreSQL primary (DUALPOWER_DATABASE_URL)")
    for url in urls:
        if not url.startswith("postgresql"):
            raise ValueError(f"a replica must be postgresql+psycopg://..., not {url!r}")
    replicas = [Replica(url, make_engine(url), _probe_engine(url)) for url in urls]
    found = ReadReplicas(primary, replicas, max_lag=max_lag, poll=poll)
    if key:
        found.key = hashlib.sha256(b"dualpower read routing\0" + key.encode()).digest()
    return found


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value

"""The sequencer: gives committed audit entries their place in the chain, in batches.

Acts write their entry (without seq or hashes) in their own transaction. Just after commit, the
sequencer takes every entry still without a place, in id order, chains them after the last
sealed one, and records a new tree head (with the Merkle frontier, so the next batch extends it
without reading the whole log). Only the sequencer serialises (an advisory lock on PostgreSQL,
the write lock on SQLite), and it does so once per batch, not once per act.

The sealing after commit runs off the request path on both databases: `wake(engine)` (called
by the unit of work after its commit) wakes one background thread per engine and process,
which seals everything pending in batches on a connection of its own. Readers that need sealed
entries call `sequence(engine)` first (it waits for a running sealer, then seals what is left),
so they never see an unsealed tail. On SQLite the thread also checkpoints the WAL, at most once
every CHECKPOINT_SECONDS, so no committing request pays for a checkpoint (store/db.py turns
SQLite's automatic checkpoint off); its runs take the same write turns as the ballot writers
(`write_turns`), which hand over at once instead of polling the write lock. The thread stops,
sealing what it was asked to, when the engine is disposed, collected, or the interpreter exits.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    create_engine,
    event,
    insert,
    select,
    text,
)

from dualpower.audit.chain import GENESIS, Draft, Entry, seal
from dualpower.audit.merkle import MerkleAccumulator, TreeHead, from_frontier, frontier
from dualpower.store import tables as t
from dualpower.store.bulk import update_by_id
from dualpower.store.db import checkpoint, is_sqlite, make_engine, pg_connect_args, write_turns
from dualpower.store.typed import tuples

LOCK_KEY = 0x6475616C  # "dual"
BATCH = 5000
LINGER = 0.02  # seconds the background sealer waits, once woken, for more commits to join its run
# ... and as long as more keep coming within LINGER of each other (under load), up to LINGER_MAX
# in all: fewer runs, each sealing more (bench/cast.py on PostgreSQL, a fixed 0.2 s against 0.02 s,
# two runs each: the server's CPU a ballot 1.25-1.46 ms against 1.69-1.73 ms). Readers seal the
# tail themselves.
LINGER_MAX = 0.2
CHECKPOINT_SECONDS = 1.0  # SQLite: the sealer checkpoints the WAL at most this often
STOP_TIMEOUT = 30.0  # seconds a disposing engine waits for its sealer to finish its batch
log = logging.getLogger(__name__)


def sequence(engine: Engine, *, wait: bool = True) -> int:
    """Seal every pending entry; returns how many were sealed.

    With wait=True (readers of the log: tree head, entries, proofs, verify, export; and the
    background sealer) it waits for a sealer holding the lock, so a reader always sees every
    committed act sealed. With wait=False it gives way to that sealer instead.
    """
    sealed = 0
    while True:
        with engine.connect() as conn:
            conn.begin()
            if conn.dialect.name == "postgresql":
                lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
                got = conn.execute(text(f"SELECT {lock}(:k)"), {"k": LOCK_KEY}).scalar()
                if not wait and not got:
                    conn.rollback()
                    return sealed
            done = seal_pending(conn)
            conn.commit()
        sealed += done
        if done < BATCH:
            return sealed


class Sealer:
    """The background sealer of one engine in this process.

    `wake` asks for a run and returns at once; runs that pile up while one is sealing become one
    batch. The thread keeps its own engine (to the same database: on SQLite with the same
    pragmas, on PostgreSQL of one connection), so it never holds a connection of the engine it
    serves, and a failure is logged, never raised: the entries stay pending for the next run or
    the next reader.
    """

    def __init__(self, engine: Engine):
        if is_sqlite(engine):
            self._engine = make_engine(engine.url.render_as_string(hide_password=False))
        else:
            self._engine = create_engine(
                engine.url,
                pool_size=1,
                max_overflow=0,
                pool_pre_ping=True,
                pool_recycle=3600,
                connect_args=pg_connect_args(),  # as the server's (pgbouncer: nothing prepared)
            )
        self._checkpointed_at = time.monotonic()
        self._changed = threading.Condition()
        self._asked = 0  # wakes so far
        self._done = 0  # wakes answered by a finished run
        self._settling = 0  # readers waiting in settle(): a run lingers no longer
        self._stopping = False
        self.runs = 0
        self._thread = threading.Thread(target=self._run, name="dualpower-sealer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        with self._changed:
            self._asked += 1
            self._changed.notify_all()

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until a run that started after every earlier wake has finished. A run lingering
        for more commits starts at once: lingering longer brings the waiting reader nothing."""
        with self._changed:
            asked = self._asked
            self._settling += 1
            self._changed.notify_all()
            try:
                return self._changed.wait_for(
                    lambda: self._done >= asked or not self._thread.is_alive(), timeout
                )
            finally:
                self._settling -= 1

    def stop(self) -> None:
        """Seal what was asked for, then end the thread (and close its connection)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(STOP_TIMEOUT)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            with write_turns(self._engine) as take_turn:
                self._serve(take_turn)
        finally:
            with self._changed:
                self._changed.notify_all()
            try:
                checkpoint(self._engine)
            except Exception:  # noqa: BLE001
                log.exception("checkpointing the database's WAL failed")
            self._engine.dispose()

    def _serve(self, take_turn: Callable[[], AbstractContextManager[None]]) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._asked > self._done or self._stopping)
                if self._asked == self._done:
                    return  # stopping, nothing asked
                # Acts committing in the next moment join this run: one run (its reads,
                # its tree head and its commit) for several commits under load.
                self._linger()
                asked = self._asked
            try:
                with take_turn():
                    sequence(self._engine)
            except Exception:  # noqa: BLE001
                log.exception("sealing the audit log failed; the next act or reader retries")
            try:
                self._checkpoint()
            except Exception:  # noqa: BLE001
                log.exception("checkpointing the database's WAL failed; the next run retries")
            with self._changed:
                self.runs += 1
                self._done = asked
                self._changed.notify_all()

    def _linger(self) -> None:
        """Wait LINGER, and again while acts keep committing meanwhile, up to LINGER_MAX,
        unless a reader waits for the run (the caller holds `_changed`)."""
        until = time.monotonic() + LINGER_MAX
        while True:
            seen = self._asked
            left = until - time.monotonic()
            if self._changed.wait_for(self._hurried, min(LINGER, max(left, 0.0))):
                return
            if self._asked == seen or time.monotonic() >= until:
                return

    def _hurried(self) -> bool:
        return self._stopping or self._settling > 0

    def _checkpoint(self) -> None:
        now = time.monotonic()
        if now - self._checkpointed_at >= CHECKPOINT_SECONDS:
            checkpoint(self._engine)
            self._checkpointed_at = now


_sealers: weakref.WeakKeyDictionary[Engine, Sealer] = weakref.WeakKeyDictionary()
_sealers_lock = threading.Lock()


def sealer(engine: Engine) -> Sealer:
    """The engine's running background sealer, started on first use."""
    with _sealers_lock:
        found = _sealers.get(engine)
        if found is not None and found.alive:
            return found
        found = _sealers[engine] = Sealer(engine)
        if not event.contains(engine, "engine_disposed", _on_dispose):
            event.listen(engine, "engine_disposed", _on_dispose)
        weakref.finalize(engine, found.stop)  # also at interpreter exit
        return found


def wake(engine: Engine) -> None:
    """Ask the engine's background sealer to seal what is pending (returns at once)."""
    sealer(engine).wake()


def settle(engine: Engine, timeout: float | None = 60.0) -> bool:
    """Wait until the engine's background sealer has run after every act committed so far
    (in this process); True at once when it has none. For tests and benchmarks: readers of
    the log call `sequence(engine)`, which does not depend on the thread."""
    with _sealers_lock:
        found = _sealers.get(engine)
    return True if found is None else found.settle(timeout)


def stop(engine: Engine) -> None:
    """Stop the engine's background sealer, after it seals what it was asked to."""
    with _sealers_lock:
        found = _sealers.pop(engine, None)
    if found is not None:
        found.stop()


def _on_dispose(engine: Engine) -> None:
    stop(engine)


def seal_pending(conn: Connection) -> int:
    """Seal up to BATCH pending entries in the caller's transaction, which must hold the
    sequencer's lock (SQLite: any write transaction, as writers are serial)."""
    return _seal_batch(conn)


# The sealer's statements, built once: it runs after nearly every act, and building them each
# time showed in bench/recall.py.
_LOG, _HEADS = t.audit_log, t.audit_heads
_PENDING = select(_LOG).where(_LOG.c.seq.is_(None)).order_by(_LOG.c.id).limit(BATCH)
_LAST = (
    select(_LOG.c.seq, _LOG.c.entry_hash)
    .where(_LOG.c.seq.is_not(None))
    .order_by(_LOG.c.seq.desc())
    .limit(1)
)
_LAST_HEAD = select(_HEADS.c.size, _HEADS.c.frontier).order_by(_HEADS.c.size.desc()).limit(1)
_ADD_HEAD = insert(_HEADS)


def _seal_batch(conn: Connection) -> int:
    pending = conn.execute(_PENDING).all()
    if not pending:
        return 0
    last = conn.execute(_LAST).first()
    seq, prev = (last.seq + 1, last.entry_hash) if last else (0, GENESIS)
    acc = _accumulator(conn, seq)
    placed = []
    for row in pending:
        draft = Draft(row.act, json.loads(row.payload), row.actor, row.is_operator, row.recorded_at)
        entry = seal(draft, seq, prev)
        placed.append(
            {
                "id": row.id,
                "seq": entry.seq,
                "prev_hash": entry.prev_hash,
                "entry_hash": entry.entry_hash,
            }
        )
        acc.append(entry.leaf())
        seq, prev = seq + 1, entry.entry_hash
    update_by_id(conn, _LOG, placed, {"seq": "bigint", "prev_hash": "text", "entry_hash": "text"})
    head = acc.head()
    conn.execute(
        _ADD_HEAD,
        {
            "size": head.size,
            "root": head.root,
            "frontier": frontier(acc),
            "recorded_at": pending[-1].recorded_at,
        },
    )
    return len(pending)


def _accumulator(conn: Connection, size: int) -> MerkleAccumulator:
    """The Merkle state after `size` entries: from the last head, or rebuilt from the log."""
    row = conn.execute(_LAST_HEAD).first()
    if row is not None and row.size == size:
        return from_frontier(size, row.frontier)
    acc = MerkleAccumulator()
    for entry in sealed_entries(conn, stop=size):
        acc.append(entry.leaf())
    return acc


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    # A payload that is not a JSON object was written behind the log's back: keep it visible,
    # so its hash no longer matches and verification names the entry.
    return value if isinstance(value, dict) else {"unreadable payload": text}


def _entry(row: Row[Any]) -> Entry:
    return Entry(
        row.seq,
        row.act,
        _payload(row.payload),
        row.actor,
        bool(row.is_operator),
        row.recorded_at,
        row.prev_hash,
        row.entry_hash,
    )


def sealed_entries(
    conn: Connection, start: int = 0, stop: int | None = None
) -> Generator[Entry, None, None]:
    """Sealed entries in chain order, from seq `start` up to (not including) `stop`."""
    log = t.audit_log
    query = select(log).where(log.c.seq.is_not(None), log.c.seq >= start).order_by(log.c.seq)
    if stop is not None:
        query = query.where(log.c.seq < stop)
    # Close the (server-side, on PostgreSQL) cursor even when the reader stops early.
    with conn.execute(query.execution_options(yield_per=2000)) as rows:
        for row in rows:
            yield _entry(row)


def recorded_heads(conn: Connection) -> list[TreeHead]:
    heads = t.audit_heads
    rows = tuples(conn.execute(select(heads.c.size, heads.c.root).order_by(heads.c.size)))
    return [TreeHead(size, root) for size, root in rows]

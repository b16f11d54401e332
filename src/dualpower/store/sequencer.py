"""The sequencer: gives committed audit entries their place in the chain, in batches.

Acts write their entry (without seq or hashes) in their own transaction. Just after commit, the
sequencer takes every entry still without a place, in id order, chains them after the last
sealed one, and records a new tree head (with the Merkle frontier, so the next batch extends it
without reading the whole log). Only the sequencer serialises (an advisory lock on PostgreSQL,
the write lock on SQLite), and it does so once per batch, not once per act.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, insert, select, text, update

from dualpower.audit.chain import GENESIS, Draft, Entry, seal
from dualpower.audit.merkle import MerkleAccumulator, TreeHead, from_frontier, frontier
from dualpower.store import tables as t

LOCK_KEY = 0x6475616C  # "dual"
BATCH = 5000


def sequence(engine: Engine, *, wait: bool = True) -> int:
    """Seal every pending entry; returns how many were sealed.

    With wait=False (after an act's commit on PostgreSQL) it gives way when another sealer holds
    the lock: that one, or the next, seals what is pending. Readers of the log (tree head,
    entries, verify) call it with wait=True, so they always see every committed act sealed.
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


def seal_pending(conn: Connection) -> int:
    """Seal up to BATCH pending entries in the caller's transaction, which must hold the
    sequencer's lock (SQLite: any write transaction, as writers are serial)."""
    return _seal_batch(conn)


def _seal_batch(conn: Connection) -> int:
    log = t.audit_log
    pending = conn.execute(
        select(log).where(log.c.seq.is_(None)).order_by(log.c.id).limit(BATCH)
    ).all()
    if not pending:
        return 0
    last = conn.execute(
        select(log.c.seq, log.c.entry_hash)
        .where(log.c.seq.is_not(None))
        .order_by(log.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.entry_hash) if last else (0, GENESIS)
    acc = _accumulator(conn, seq)
    placed = []
    for row in pending:
        draft = Draft(row.act, json.loads(row.payload), row.actor, row.is_operator, row.recorded_at)
        entry = seal(draft, seq, prev)
        placed.append(
            {
                "b_id": row.id,
                "b_seq": entry.seq,
                "b_prev": entry.prev_hash,
                "b_hash": entry.entry_hash,
            }
        )
        acc.append(entry.leaf())
        seq, prev = seq + 1, entry.entry_hash
    conn.execute(
        update(log)
        .where(log.c.id == bindparam("b_id"))
        .values(
            seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), entry_hash=bindparam("b_hash")
        ),
        placed,
    )
    head = acc.head()
    conn.execute(
        insert(t.audit_heads).values(
            size=head.size,
            root=head.root,
            frontier=frontier(acc),
            recorded_at=pending[-1].recorded_at,
        )
    )
    return len(pending)


def _accumulator(conn: Connection, size: int) -> MerkleAccumulator:
    """The Merkle state after `size` entries: from the last head, or rebuilt from the log."""
    heads = t.audit_heads
    row = conn.execute(
        select(heads.c.size, heads.c.frontier).order_by(heads.c.size.desc()).limit(1)
    ).first()
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


def sealed_entries(conn: Connection, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
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
    rows = conn.execute(select(heads.c.size, heads.c.root).order_by(heads.c.size))
    return [TreeHead(size, root) for size, root in rows]

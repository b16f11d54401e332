"""A large federation written straight into the schema, for the benchmarks (not a test helper).

`generate(engine, shape)` fills a freshly migrated database with SQLAlchemy Core bulk inserts
(explicit ids, batches of `BATCH` rows), bypassing the services so that a million members take
seconds, not hours. What it writes is consistent enough for the services to act on it:

    chief council (1)
      mid councils (`mids`), each electing 1 delegate to the chief
        base councils (the rest), each electing 1 delegate to its mid council
          base units (`units_per_base` each), members spread evenly, 1 deputy per 10 members

- every electorate had one closed founding election (method block for units, plurality above),
  with the winners as its candidates;
- base deputies are the first members of each unit's roll; the delegate of a base council to its
  mid council is the seat-1 deputy of its first unit (`depends_on_id` points at that mandate), and
  the delegate of a mid council to the chief is the delegate of its first base council, so a
  recall can cascade through one, two or three levels;
- the audit log holds `log_entries` acts, sealed by the real sequencer, so that sealing after a
  benchmarked act works on a log of realistic size.

The database is analysed afterwards (ANALYZE on both), as a long-running one would be.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from dualpower.store import tables as t
from dualpower.store.db import make_engine
from dualpower.store.migrate import upgrade
from dualpower.store.sequencer import sequence

BATCH = 20_000
PER_DEPUTY = 10  # 1 deputy per 10 members of a unit
BASE_APPORTIONMENT = {"default": {"rule": "ratio", "per": PER_DEPUTY, "minimum_per_electorate": 1}}
UPPER_APPORTIONMENT = {"default": {"rule": "fixed", "seats": 1}}
FACTIONS = (
    ("Bolsheviks", "B", "#c00000"),
    ("Mensheviks", "M", "#e0a000"),
    ("Socialist-Revolutionaries", "SR", "#00a000"),
    ("Non-party", "NP", "#808080"),
)


@dataclass(frozen=True)
class Shape:
    members: int = 1_000_000
    councils: int = 10_000
    mids: int = 100
    units_per_base: int = 2
    log_entries: int = 100_000
    big_unit: int = 0  # extra members on the roll of unit 1 (an electorate with many voters)
    seed: int = 1917


@dataclass
class Federation:
    """What the benchmarks need to find their way in the generated data."""

    members: int
    councils: int
    units: int
    unit_council: list[int] = field(default_factory=list)  # index unit_id -> base council id
    unit_members: list[range] = field(default_factory=list)  # index unit_id -> member ids
    unit_mandates: list[list[int]] = field(default_factory=list)  # unit_id -> mandate ids by seat
    depth: dict[int, int] = field(default_factory=dict)  # base mandate id -> levels it holds
    mandates: int = 0
    elections: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- databases


def fresh_database(kind: str, name: str, pg_url: str, sqlite_path: str) -> Engine:
    """An empty database, migrated to the newest schema, on the project's own engine."""
    if kind == "sqlite":
        import os

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(sqlite_path + suffix):
                os.remove(sqlite_path + suffix)
        engine = make_engine(f"sqlite:///{sqlite_path}")
    else:
        admin = create_engine(
            make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(make_url(pg_url).set(database=name).render_as_string(False))
    upgrade(engine)
    return engine


def revision() -> str:
    """The commit of the dualpower package this process imports (with PYTHONPATH pointing at
    another checkout, an A/B run names that checkout's commit)."""
    import dualpower

    package = os.path.dirname(os.path.abspath(dualpower.__file__))

    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", *cmd], cwd=package, capture_output=True, text=True
        ).stdout.strip()

    dirty = " + uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def settings(engine: Engine) -> str:
    """The durability settings the figures depend on."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            version = conn.exec_driver_sql("select sqlite_version()").scalar()
            return f"SQLite {version}, journal_mode={mode}, synchronous={names.get(sync, sync)}"
        show = {
            k: conn.exec_driver_sql(f"SHOW {k}").scalar()
            for k in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        }
        return "PostgreSQL " + ", ".join(f"{k}={v}" for k, v in show.items())


# ---------------------------------------------------------------- generation


def _bulk(engine: Engine, table: Any, rows: Any, *, batch: int = BATCH) -> int:
    """Insert an iterable of row dicts in batches, one transaction per batch."""
    n, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            n += _flush(engine, table, chunk)
            chunk = []
    if chunk:
        n += _flush(engine, table, chunk)
    return n


def _flush(engine: Engine, table: Any, chunk: list[dict[str, Any]]) -> int:
    with engine.connect() as conn:
        conn.begin()
        conn.execute(insert(table), chunk)
        conn.commit()
    return len(chunk)


def _timed(fed: Federation, what: str, start: float) -> float:
    now = time.perf_counter()
    fed.seconds[what] = now - start
    return now


def generate(engine: Engine, shape: Shape = Shape()) -> Federation:
    rng = random.Random(shape.seed)
    now = datetime(1917, 4, 9, 12, tzinfo=UTC)
    n_base = shape.councils - 1 - shape.mids
    if n_base < shape.mids or shape.mids < 1:
        raise ValueError("need at least as many base councils as mid councils")
    n_units = n_base * shape.units_per_base
    if shape.members < n_units:
        raise ValueError(f"need at least one member per base unit ({n_units})")
    fed = Federation(members=shape.members + shape.big_unit, councils=shape.councils, units=n_units)
    start = clock = time.perf_counter()

    _bulk(
        engine,
        t.federations,
        [
            {
                "id": 1,
                "name": "Generated Federation",
                "founded_at": now,
                "sections": ["workers", "soldiers", "peasants", "agricultural workers"],
                "is_demo": False,
            }
        ],
    )
    _bulk(
        engine,
        t.factions,
        [
            {"id": i, "federation_id": 1, "name": n, "short": s, "colour": c, "platform": ""}
            for i, (n, s, c) in enumerate(FACTIONS, 1)
        ],
    )
    chief, mids = 1, list(range(2, 2 + shape.mids))
    bases = list(range(2 + shape.mids, 2 + shape.mids + n_base))
    parent = {m: chief for m in mids} | {b: mids[i % shape.mids] for i, b in enumerate(bases)}

    def council(
        cid: int, name: str, parent_id: int | None, apportionment: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": cid,
            "federation_id": 1,
            "name": name,
            "parent_id": parent_id,
            "recall_rule": "direct",
            "recall_trigger_bp": 2000,
            "seat_method": "block" if parent_id and parent_id != chief else "plurality",
            "apportionment": apportionment,
        }

    _bulk(
        engine,
        t.councils,
        [council(chief, "Chief Council", None, UPPER_APPORTIONMENT)]
        + [council(m, f"Mid Council {m}", chief, UPPER_APPORTIONMENT) for m in mids]
        + [council(b, f"Base Council {b}", parent[b], BASE_APPORTIONMENT) for b in bases],
    )

    fed.unit_council = [0] + [bases[(u - 1) // shape.units_per_base] for u in range(1, n_units + 1)]
    kinds = ("factory", "company", "village", "workshop", "neighbourhood")
    sections = {
        "factory": "workers",
        "workshop": "workers",
        "company": "soldiers",
        "village": "peasants",
        "neighbourhood": "workers",
    }
    _bulk(
        engine,
        t.base_units,
        (
            {
                "id": u,
                "federation_id": 1,
                "council_id": fed.unit_council[u],
                "name": f"Unit {u}",
                "kind": (k := kinds[u % len(kinds)]),
                "section": sections[k],
            }
            for u in range(1, n_units + 1)
        ),
    )
    clock = _timed(fed, "structure", clock)

    size, extra = divmod(shape.members, n_units)
    fed.unit_members = [range(0)]
    first = 1
    for u in range(1, n_units + 1):
        n = size + (1 if u <= extra else 0) + (shape.big_unit if u == 1 else 0)
        fed.unit_members.append(range(first, first + n))
        first += n
    _bulk(
        engine,
        t.members,
        (
            {
                "id": i,
                "federation_id": 1,
                "username": f"m{i}",
                "display_name": f"Member {i}",
                "password_hash": None,
                "email": None,
                "is_verified": True,
                "joined_at": now,
            }
            for i in range(1, fed.members + 1)
        ),
    )
    clock = _timed(fed, "members", clock)
    _bulk(
        engine,
        t.memberships,
        (
            {
                "id": i,
                "member_id": i,
                "unit_id": u,
                "start_at": now,
                "end_at": None,
                "end_reason": None,
            }
            for u in range(1, n_units + 1)
            for i in fed.unit_members[u]
        ),
    )
    clock = _timed(fed, "memberships", clock)

    # Electorates: units (ids 1..U), base councils, mid councils.
    seats = [0] + [max(1, len(fed.unit_members[u]) // PER_DEPUTY) for u in range(1, n_units + 1)]
    base_electorate = {b: n_units + i + 1 for i, b in enumerate(bases)}
    mid_electorate = {m: n_units + n_base + i + 1 for i, m in enumerate(mids)}
    _bulk(
        engine,
        t.electorates,
        [
            {
                "id": u,
                "council_id": fed.unit_council[u],
                "kind": "unit",
                "unit_id": u,
                "source_council_id": None,
                "seats": seats[u],
            }
            for u in range(1, n_units + 1)
        ]
        + [
            {
                "id": e,
                "council_id": parent[b],
                "kind": "council",
                "unit_id": None,
                "source_council_id": b,
                "seats": 1,
            }
            for b, e in base_electorate.items()
        ]
        + [
            {
                "id": e,
                "council_id": chief,
                "kind": "council",
                "unit_id": None,
                "source_council_id": m,
                "seats": 1,
            }
            for m, e in mid_electorate.items()
        ],
    )

    # One closed founding election per electorate (election id = electorate id), its winners as
    # candidates, and their mandates.
    n_electorates = n_units + n_base + shape.mids
    mandates: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    results: dict[int, list[int]] = {}
    first_unit_of: dict[int, int] = {}
    fed.unit_mandates = [[]]

    def seat(
        electorate: int,
        council_id: int,
        seat_no: int,
        holder: int,
        faction: int,
        depends_on: int | None,
    ) -> int:
        mandate_id = len(mandates) + 1
        candidates.append(
            {
                "id": mandate_id,
                "election_id": electorate,
                "member_id": holder,
                "faction_id": faction,
            }
        )
        results.setdefault(electorate, []).append(mandate_id)
        mandates.append(
            {
                "id": mandate_id,
                "council_id": council_id,
                "electorate_id": electorate,
                "seat_no": seat_no,
                "holder_id": holder,
                "faction_id": faction,
                "election_id": electorate,
                "start_at": now,
                "end_at": None,
                "end_reason": None,
                "depends_on_id": depends_on,
            }
        )
        return mandate_id

    for u in range(1, n_units + 1):
        roll = fed.unit_members[u]
        ids = [
            seat(u, fed.unit_council[u], s + 1, roll[s], rng.randint(1, len(FACTIONS)), None)
            for s in range(seats[u])
        ]
        fed.unit_mandates.append(ids)
        first_unit_of.setdefault(fed.unit_council[u], u)
        for m in ids:
            fed.depth[m] = 1
    mid_delegate_of: dict[
        int, int
    ] = {}  # base council -> its delegate's mandate in the mid council
    for b, e in base_electorate.items():
        below = fed.unit_mandates[first_unit_of[b]][0]
        mid_delegate_of[b] = seat(
            e,
            parent[b],
            1,
            mandates[below - 1]["holder_id"],
            mandates[below - 1]["faction_id"],
            below,
        )
        fed.depth[below] = 2
    for m, e in mid_electorate.items():
        first_base = next(b for b in bases if parent[b] == m)
        below = mid_delegate_of[first_base]
        seat(
            e, chief, 1, mandates[below - 1]["holder_id"], mandates[below - 1]["faction_id"], below
        )
        fed.depth[mandates[below - 1]["depends_on_id"]] = 3

    def election(e: int) -> dict[str, Any]:
        is_unit = e <= n_units
        winners = [str(c) for c in results[e]]
        return {
            "id": e,
            "federation_id": 1,
            "electorate_id": e,
            "office_id": None,
            "seats": len(winners),
            "seat_no": None,
            "method": "block" if is_unit else "plurality",
            "is_secret": False,
            "status": "closed",
            "kind": "founding",
            "opened_at": now,
            "closes_at": None,
            "closed_at": now,
            "result": {
                "method": "block" if is_unit else "plurality",
                "winners": winners,
                "rounds": [],
                "seed": 0,
            },
        }

    _bulk(engine, t.elections, (election(e) for e in range(1, n_electorates + 1)))
    _bulk(engine, t.candidates, candidates)
    # Mandates in id order: a delegate's depends_on_id always points at a lower id.
    _bulk(engine, t.mandates, mandates)
    fed.mandates, fed.elections = len(mandates), n_electorates
    clock = _timed(fed, "electorates, elections, mandates", clock)

    _bulk(
        engine,
        t.audit_log,
        (
            {
                "act": "mandate.start",
                "payload": json.dumps(
                    {"mandate": i, "generated": True}, separators=(",", ":"), sort_keys=True
                ),
                "actor": "founding",
                "is_operator": False,
                "recorded_at": now.isoformat(),
            }
            for i in range(1, shape.log_entries + 1)
        ),
    )
    sequence(engine)
    clock = _timed(fed, f"audit log ({shape.log_entries} acts, sealed)", clock)

    reset_sequences(engine)
    analyse(engine)
    _timed(fed, "analyse", clock)
    fed.seconds["total"] = time.perf_counter() - start
    return fed


def reset_sequences(engine: Engine) -> None:
    """After explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.begin()
        for table in t.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        conn.commit()


def analyse(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # autocommit (the engine issues BEGIN itself)
        try:
            cursor = raw.cursor()
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def describe(fed: Federation) -> str:
    sizes = [len(r) for r in fed.unit_members[1:]]
    return (
        f"{fed.members:,} members, {fed.councils:,} councils, {fed.units:,} base units "
        f"({min(sizes)}-{max(sizes)} members each), {fed.elections:,} closed founding elections, "
        f"{fed.mandates:,} mandates"
    )


def timings(fed: Federation) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in fed.seconds.items())

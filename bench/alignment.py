"""Alignment of forces over a generated federation: 10,000,000 members, 100,000 councils.

    .venv/bin/python bench/alignment.py                   # PostgreSQL, full size
    .venv/bin/python bench/alignment.py --db sqlite       # SQLite, full size
    .venv/bin/python bench/alignment.py --keep            # reuse the database a run generated

Writes only what the alignment reads: factions, councils (1 chief, 10 regions, 100 provinces,
1,000 districts, the rest base councils), one base unit and its electorate per base council,
council electorates (2 delegates up from every council), and the mandates with their factions
(1 deputy per `--per` members, a fifth of them with an ended predecessor, so history is there).
Members themselves are not written: the alignment never reads them, so foreign-key checks are
off while loading (PostgreSQL `session_replication_role = replica`, SQLite `foreign_keys=OFF`).
The replica role also silences the triggers that keep `alignment_counts` and
`alignment_councils` (store/tables_alignment.py), so after the load they are recounted once
(`AlignmentRepo.rebuild`, as the migration's backfill), and the run checks them against the
mandates (the `dualpower check` invariant) before timing anything.

It times `services.alignment.snapshot` (every council's seats by faction and majority, and the
federation's) beside the floor: the single SQL aggregate over the same active mandates
(`GROUP BY council_id, faction_id`), fetched, in the same run; the read of the kept rows alone
(one per council) for reference; and the render of a 3,000-seat hemicycle. Median of
`--repeat` runs each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from dualpower.bootstrap import System
from dualpower.services import alignment
from dualpower.services.invariants import alignment as invariant
from dualpower.store import tables as t
from dualpower.store.db import make_engine
from dualpower.store.migrate import upgrade, wipe
from dualpower.store.tables_alignment import AlignmentRepo
from dualpower.web import pictures

BATCH = 50_000
T0 = datetime(1917, 3, 12, tzinfo=UTC)
FACTIONS = (
    ("SR", "#2e7d32", 0.38),
    ("Men", "#f9a825", 0.27),
    ("Bol", "#c62828", 0.25),
    ("NP", "#546e7a", 0.10),
)


def _tree(councils: int) -> list[int | None]:
    """parent index (0-based) per council: 1, 10, 100, 1000 upper councils, the rest base."""
    parents: list[int | None] = [None]
    levels = [[0]]
    for width in (10, 100, 1000):
        level = []
        for i in range(width):
            parents.append(levels[-1][i % len(levels[-1])])
            level.append(len(parents) - 1)
        levels.append(level)
    while len(parents) < councils:
        parents.append(levels[-1][len(parents) % len(levels[-1])])
    return parents


def generate(engine, members: int, councils: int, per: int, seed: int = 1917) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    parents = _tree(councils)
    base = [i for i in range(councils) if i >= 1111]
    seats_base = max(1, members // len(base) // per)
    weights = [w for _, _, w in FACTIONS]
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        else:  # a no-op inside a transaction: straight to the driver, before BEGIN
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        conn.execute(
            insert(t.federations),
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "founded_at": T0,
                    "sections": ["workers"],
                    "is_demo": False,
                }
            ],
        )
        conn.execute(
            insert(t.factions),
            [
                {
                    "id": i + 1,
                    "federation_id": 1,
                    "name": n,
                    "short": n,
                    "colour": c,
                    "platform": "",
                }
                for i, (n, c, _) in enumerate(FACTIONS)
            ],
        )
        rows = [
            {
                "id": i + 1,
                "federation_id": 1,
                "name": f"Council {i + 1}",
                "parent_id": None if p is None else p + 1,
                "recall_rule": "direct",
                "recall_trigger_bp": 2000,
                "seat_method": "stv-scottish",
                "apportionment": {},
            }
            for i, p in enumerate(parents)
        ]
        for k in range(0, len(rows), BATCH):
            conn.execute(insert(t.councils), rows[k : k + BATCH])
        units = [
            {
                "id": n + 1,
                "federation_id": 1,
                "council_id": c + 1,
                "name": f"Unit {n + 1}",
                "kind": "factory",
                "section": "workers",
            }
            for n, c in enumerate(base)
        ]
        for k in range(0, len(units), BATCH):
            conn.execute(insert(t.base_units), units[k : k + BATCH])
        electorates = [
            {
                "id": n + 1,
                "council_id": c + 1,
                "kind": "unit",
                "unit_id": n + 1,
                "source_council_id": None,
                "seats": seats_base,
            }
            for n, c in enumerate(base)
        ]
        electorates += [
            {
                "id": len(base) + i,
                "council_id": parents[i] + 1,
                "kind": "council",
                "unit_id": None,
                "source_council_id": i + 1,
                "seats": 2,
            }
            for i in range(1, councils)
        ]
        for k in range(0, len(electorates), BATCH):
            conn.execute(insert(t.electorates), electorates[k : k + BATCH])
        mandates, next_id = [], 1
        for e in electorates:
            for seat in range(1, e["seats"] + 1):
                faction = rng.choices(range(1, 5), weights)[0]
                if rng.random() < 0.2:  # an ended predecessor: history to replay
                    mandates.append(
                        {
                            "id": next_id,
                            "council_id": e["council_id"],
                            "electorate_id": e["id"],
                            "seat_no": seat,
                            "holder_id": next_id,
                            "faction_id": rng.randint(1, 4),
                            "election_id": 1,
                            "start_at": T0,
                            "end_at": T0 + timedelta(days=rng.randint(1, 200)),
                            "end_reason": "recalled",
                            "depends_on_id": None,
                        }
                    )
                    next_id += 1
                mandates.append(
                    {
                        "id": next_id,
                        "council_id": e["council_id"],
                        "electorate_id": e["id"],
                        "seat_no": seat,
                        "holder_id": next_id,
                        "faction_id": faction,
                        "election_id": 1,
                        "start_at": T0 + timedelta(days=201),
                        "end_at": None,
                        "end_reason": None,
                        "depends_on_id": None,
                    }
                )
                next_id += 1
            if len(mandates) >= BATCH:
                conn.execute(insert(t.mandates), mandates)
                mandates = []
        if mandates:
            conn.execute(insert(t.mandates), mandates)
        conn.commit()
        # The bulk load bypassed the triggers that keep alignment_counts (PostgreSQL's replica
        # role fires none): count the loaded mandates once, as the migration's backfill does.
        AlignmentRepo(conn).rebuild()
        conn.commit()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = DEFAULT"))
            conn.commit()
        else:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("ANALYZE")
    return {
        "councils": councils,
        "base_councils": len(base),
        "mandates": next_id - 1,
        "seats_per_base_council": seats_base,
    }


FLOOR = (
    "SELECT council_id, faction_id, count(*) FROM mandates WHERE end_at IS NULL "
    "GROUP BY council_id, faction_id"
)


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:55432/")
    parser.add_argument("--members", type=int, default=10_000_000)
    parser.add_argument("--councils", type=int, default=100_000)
    parser.add_argument("--per", type=int, default=10, help="members per base deputy")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database a previous run generated"
    )
    args = parser.parse_args()
    engine = _engine(args)
    if args.keep and _generated(engine) == args.councils:
        print(f"reusing the generated database ({args.db})")
    else:
        wipe(engine)
        upgrade(engine)
        start = time.perf_counter()
        shape = generate(engine, args.members, args.councils, args.per)
        print(f"generated in {time.perf_counter() - start:.1f} s: {shape} ({args.db})")
    system = System(engine=engine)

    def floor() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql(FLOOR).fetchall()

    def counts() -> None:
        with system.reader() as uow:
            uow.alignment.councils()

    snap = alignment.snapshot(system.reader())
    assert len(snap["councils"]) == args.councils
    with system.reader() as uow:  # what the triggers keep equals the aggregate, before timing
        assert invariant.check(uow) == []
    floor_s = _median(floor, args.repeat)
    counts_s = _median(counts, args.repeat)
    snap_s = _median(lambda: alignment.snapshot(system.reader()), args.repeat)
    comp = {"SR": 1200, "Men": 900, "Bol": 600, "NP": 250}
    colours = {n: c for n, c, _ in FACTIONS}
    hemi_s = _median(lambda: pictures.hemicycle("3,000 seats", 3000, comp, colours), 20)
    print(f"floor (one SQL aggregate over active mandates, fetched): {floor_s * 1000:8.1f} ms")
    print(f"read of the kept rows alone (one per council), fetched: {counts_s * 1000:8.1f} ms")
    print(
        f"alignment snapshot (all councils and the federation):   {snap_s * 1000:8.1f} ms  "
        f"= {snap_s / floor_s:.2f} x the floor (target <= 3 x, < 1 s)"
    )
    print(
        f"federation majority: {snap['federation']['majority']}, "
        f"base seats filled: {snap['federation']['filled']}"
    )
    print(f"hemicycle of 3,000 seats, SVG render: {hemi_s * 1000:8.2f} ms")
    print(f"1-minute load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    if args.db == "sqlite":
        import tempfile

        folder = os.path.join(tempfile.gettempdir(), "dualpower-bench")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "alignment.db")
        if not args.keep:  # a new file: dropping 1.4M mandates' tables takes SQLite minutes
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        return make_engine(f"sqlite:///{path}")
    admin = make_engine(str(make_url(args.pg_url).set(database="postgres")))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = 'bench_alignment'"
        ).first()
        if not (args.keep and exists):
            conn.exec_driver_sql("DROP DATABASE IF EXISTS bench_alignment WITH (FORCE)")
            conn.exec_driver_sql("CREATE DATABASE bench_alignment")
    admin.dispose()
    return make_engine(
        make_url(args.pg_url).set(database="bench_alignment").render_as_string(False)
    )


def _generated(engine) -> int:  # type: ignore[no-untyped-def]
    """How many councils a previous run left (0 when none, or when it did not finish)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM alignment_councils")
            if conn.exec_driver_sql("SELECT count(*) FROM mandates").scalar() == 0:
                return 0
            return int(conn.exec_driver_sql("SELECT count(*) FROM councils").scalar() or 0)
    except Exception:  # noqa: BLE001  (no schema yet, or an older one)
        return 0


if __name__ == "__main__":
    main()

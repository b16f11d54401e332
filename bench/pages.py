"""Pages at scale, on the primary and on a replica (issue 24): a script, not a test.

    .venv/bin/python bench/pages.py [--members 100000] [--councils 1000] [--requests 200]
        [--clients 4] [--root /tmp/rep-pages] [--skip ROUTE ...]
    .venv/bin/python bench/pages.py --url postgresql+psycopg://.../db  # a federation generated
        already (bench/_federation.py), migrated: the primary only, or, with
        [--replica-url postgresql+psycopg://.../db] (a hot standby of it), then on the replica

1. Starts a primary and a hot standby (tests/pg_cluster.py, ports 56000+; fsync off: the
   generation is bulk inserts, the timed part only reads) and generates a federation on the
   primary straight into the schema (bench/_federation.py: --members, --councils, 1 % of them
   mid councils, two units per base council, founding elections closed, 10,000 sealed acts).
2. Serves it twice with one uvicorn process (`bench/_serve.py`): once reading on the primary,
   once with DUALPOWER_DATABASE_REPLICA_URLS naming the standby (its pages and API reads go
   there).
3. For each route, --clients concurrent clients send --requests GETs in all (councils and
   elections drawn at random, the same draw for both runs); prints p50 and p99 (nearest rank)
   per route, the trivial route's (`/api/v1/health`) in the same run, and the ratio. `/me` is
   read by a member of a base unit logged in (a page session); `/recalls/{id}` is one of ten
   petitions opened against base deputies (by the services, before the timed part). The
   popular bases the alignment page reads are counted and kept first (as the serving clock's
   first early run would; migration 0034_h24b).

Targets (issue 24, on 1,000,000 members and 10,000 councils): every page's p99 under 100 ms and
within 20x the trivial route's. The default size runs in minutes on a small machine; say which
size a figure is from.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests"), str(HERE)]

from _federation import Shape, generate  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

import pg_cluster  # noqa: E402
from dualpower.store import tables as t  # noqa: E402
from dualpower.store.db import make_engine  # noqa: E402
from dualpower.store.migrate import upgrade  # noqa: E402

DB = "dp"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q * len(s) + 0.5) - 1))] if s else float("nan")


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "_serve:app", "--app-dir", str(HERE)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [*cmd, "--no-access-log"], env={**os.environ, **env}, stdout=out, stderr=out
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server exited: see {log}")
        time.sleep(0.3)
    raise SystemExit("the server did not answer")


Route = tuple[list[str], dict[str, str]]  # paths, cookies


async def _timed(port: int, route: Route, clients: int) -> list[float]:
    times: list[float] = []
    paths, cookies = route
    queue = list(paths)

    async def worker() -> None:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=60, cookies=cookies) as c:
            while queue:
                path = queue.pop()
                start = time.perf_counter()
                r = await c.get(path)
                times.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise SystemExit(f"GET {path}: {r.status_code}")

    await asyncio.gather(*(worker() for _ in range(clients)))
    return times


def run(port: int, routes: dict[str, Route], clients: int) -> dict[str, list[float]]:
    for paths, cookies in routes.values():  # warm up: templates, plans, caches
        asyncio.run(_timed(port, (paths[:10], cookies), clients))
    found: dict[str, list[float]] = {name: [] for name in routes}
    for _ in range(2):  # interleaved halves, so a noisy moment falls on every route
        for name, (paths, cookies) in routes.items():
            half = len(paths) // 2
            found[name] += asyncio.run(_timed(port, (paths[:half], cookies), clients))
    return found


def actors(url: str, petitions: int = 10) -> tuple[str, list[int]]:
    """A page session for a member of a base unit (for `/me`), and `petitions` recall petitions
    opened by members of ten base units against their first deputy (for `/recalls/{id}`), by
    the services as a member would (or those a run before opened, still open)."""
    from dualpower.services import accounts, recall
    from dualpower.store.uow import UnitOfWork

    engine = make_engine(url)
    e, md, ms = t.electorates.c, t.mandates.c, t.memberships.c
    with engine.connect() as conn:
        units = list(conn.execute(select(t.base_units.c.id).order_by(t.base_units.c.id)).scalars())
        picked = [units[(i * len(units)) // petitions] for i in range(petitions)]
        ids = []
        for unit in picked:
            mandate = conn.execute(
                select(md.id)
                .join(t.electorates, e.id == md.electorate_id)
                .where(e.unit_id == unit, md.end_at.is_(None))
                .order_by(md.seat_no)
            ).scalar()
            last = conn.execute(
                select(ms.member_id).where(ms.unit_id == unit, ms.end_at.is_(None))
                .order_by(ms.member_id.desc())
            ).scalar()  # fmt: skip
            ids.append((int(mandate), int(last)))
        username = conn.execute(
            select(t.members.c.username).where(t.members.c.id == ids[0][1])
        ).scalar_one()
    petition_ids = []
    for mandate, opener in ids:
        with engine.connect() as conn:  # a run before left it open: time that one again
            earlier = conn.execute(
                select(t.recall_petitions.c.id).where(
                    t.recall_petitions.c.mandate_id == mandate,
                    t.recall_petitions.c.status == "open",
                )
            ).scalar()
        if earlier is None:
            earlier = recall.open_recall(UnitOfWork(engine), mandate, opener).id
        petition_ids.append(int(earlier))
    password = "bench-pages-" + username
    accounts.set_password(UnitOfWork(engine), username, password, actor="bench")
    session = accounts.login(UnitOfWork(engine), username, password, kind="session")
    engine.dispose()
    return session.token, petition_ids


def keep_bases(url: str) -> None:
    """Count the popular bases the alignment page reads (migration 0034_h24b), as the serving
    clock's first early run would: the generation wrote the federation straight into the
    schema, so they are not kept yet. Prints how long the count took."""
    from dualpower.services import alignment
    from dualpower.store.uow import UnitOfWork

    engine = make_engine(url)
    start = time.monotonic()
    alignment.refresh_bases(UnitOfWork(engine), always=True)
    print(f"popular bases counted and kept in {time.monotonic() - start:.2f} s", flush=True)
    engine.dispose()


def routes_of(
    url: str, councils: int, elections: list[int], n: int, skip: list[str]
) -> dict[str, Route]:
    token, petitions = actors(url)
    keep_bases(url)
    rng = random.Random(1917)
    found: dict[str, Route] = {
        "/api/v1/health": (["/api/v1/health"] * n, {}),
        "/": (["/"] * n, {}),
        "/me": (["/me"] * n, {"dp_session": token}),
        "/councils/{id}": ([f"/councils/{rng.randint(1, councils)}" for _ in range(n)], {}),
        "/alignment": (["/alignment"] * n, {}),
        "/elections/{id}": ([f"/elections/{rng.choice(elections)}" for _ in range(n)], {}),
        "/recalls/{id}": ([f"/recalls/{rng.choice(petitions)}" for _ in range(n)], {}),
    }
    return {k: v for k, v in found.items() if k not in skip}


def report(results: dict[str, dict[str, list[float]]], routes: dict[str, Route], args: Any) -> None:
    print(f"\n{args.clients} clients, {args.requests} GETs per route and run; ms (p50 / p99)")
    print(f"{'route':<18}" + "".join(f"{w:>28}" for w in results))
    for name in routes:
        cells = []
        for found in results.values():
            p50, p99 = pct(found[name], 0.5) * 1000, pct(found[name], 0.99) * 1000
            trivial = pct(found["/api/v1/health"], 0.99) * 1000
            cells.append(f"{p50:7.1f} / {p99:7.1f} ({p99 / trivial:4.1f}x)")
        print(f"{name:<18}" + "".join(f"{c:>28}" for c in cells))
    print(f"load average {os.getloadavg()[0]:.1f} (1 min) after the run", flush=True)


def existing(args: Any) -> None:
    """Time the pages of a federation generated already (`--url`), on that database alone; with
    `--replica-url`, a second time reading on that hot standby of it, as the generating mode
    does with its own standby."""
    engine = make_engine(args.url)
    upgrade(engine)
    with engine.connect() as conn:
        elections = list(conn.execute(select(t.elections.c.id)).scalars())
        councils = conn.execute(select(func.count()).select_from(t.councils)).scalar_one()
        members = conn.execute(select(func.count()).select_from(t.members)).scalar_one()
    engine.dispose()
    print(f"federation: {members:,} members, {councils:,} councils, {len(elections):,} elections")
    routes = routes_of(args.url, councils, elections, args.requests, args.skip)
    port = pg_cluster.free_port()
    runs = {"primary": {"DUALPOWER_DATABASE_URL": args.url}}
    if args.replica_url:
        replayed(args.url, args.replica_url)  # the petitions, the session, the kept bases
        runs["replica"] = runs["primary"] | {"DUALPOWER_DATABASE_REPLICA_URLS": args.replica_url}
    results = {}
    for where, env in runs.items():
        server = serve(env, port, Path(f"/tmp/pages-{port}-{where}.log"))
        try:
            results[where] = run(port, routes, args.clients)
        finally:
            server.terminate()
            server.wait(30)
    report(results, routes, args)


def replayed(primary: str, replica: str, timeout: float = 600.0) -> None:
    """Until the replica (a hot standby) has replayed all the primary wrote until now."""
    engines = make_engine(primary), make_engine(replica)
    try:
        with engines[0].connect() as conn:
            target = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        deadline = time.monotonic() + timeout
        query = text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)")
        while time.monotonic() < deadline:
            with engines[1].connect() as conn:
                if conn.execute(query, {"target": target}).scalar():
                    return
            time.sleep(0.2)
        raise SystemExit(f"the replica has not replayed {target} in {timeout:.0f} s")
    finally:
        for engine in engines:
            engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--councils", type=int, default=1_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--root", default="/tmp/rep-pages")
    ap.add_argument("--url", help="time this database's federation (generated already) alone")
    ap.add_argument(
        "--replica-url", help="with --url: a hot standby of it, timed a second time (its reads)"
    )
    ap.add_argument("--skip", nargs="*", default=[], help="routes not to time, e.g. /alignment")
    args = ap.parse_args()
    if args.url:
        return existing(args)

    root = pg_cluster.make_dir(Path(args.root))
    a = pg_cluster.primary(root, "pages_a", pg_cluster.free_port(), fsync=False)
    b = None
    server = None
    try:
        a.sql(f"CREATE DATABASE {DB}")
        engine = make_engine(a.url(DB))
        upgrade(engine)
        start = time.monotonic()
        mids = max(1, args.councils // 100)
        shape = Shape(args.members, args.councils, mids, log_entries=10_000)
        fed = generate(engine, shape)
        with engine.connect() as conn:
            elections = list(conn.execute(select(t.elections.c.id)).scalars())
        engine.dispose()
        print(f"federation: {args.members:,} members, {args.councils:,} councils, "
              f"{fed.units:,} units, {len(elections):,} elections "
              f"(generated in {time.monotonic() - start:.0f} s)", flush=True)  # fmt: skip
        a.sql("CHECKPOINT")
        b = pg_cluster.standby(root, "pages_b", pg_cluster.free_port({a.port}), a)
        pg_cluster.wait_streaming(a, "pages_b", 600, standby_=b)

        routes = routes_of(a.url(DB), args.councils, elections, args.requests, args.skip)
        pg_cluster.wait_streaming(a, "pages_b", 600, standby_=b)  # the petitions replayed
        port = pg_cluster.free_port({a.port, b.port})
        results = {}
        for where, env in (
            ("primary", {"DUALPOWER_DATABASE_URL": a.url(DB)}),
            ("replica", {"DUALPOWER_DATABASE_URL": a.url(DB),
                         "DUALPOWER_DATABASE_REPLICA_URLS": b.url(DB)}),
        ):  # fmt: skip
            server = serve(env, port, root / f"server-{where}.log")
            results[where] = run(port, routes, args.clients)
            server.terminate()
            server.wait(30)
            server = None
        report(results, routes, args)
    finally:
        if server is not None:
            server.kill()
        for cluster in (b, a):
            if cluster is not None:
                cluster.stop("immediate")


if __name__ == "__main__":
    main()

"""Pages at scale, on the primary and on a replica (issue 24): a script, not a test.

    .venv/bin/python bench/pages.py [--members 100000] [--councils 1000] [--requests 200]
        [--clients 4] [--root /tmp/rep-pages]

1. Starts a primary and a hot standby (tests/pg_cluster.py, ports 56000+; fsync off: the
   generation is bulk inserts, the timed part only reads) and generates a federation on the
   primary straight into the schema (bench/_federation.py: --members, --councils, 1 % of them
   mid councils, two units per base council, founding elections closed, 10,000 sealed acts).
2. Serves it twice with one uvicorn process (`bench/_serve.py`): once reading on the primary,
   once with DUALPOWER_DATABASE_REPLICA_URLS naming the standby (its pages and API reads go
   there).
3. For each route, --clients concurrent clients send --requests GETs in all (councils and
   elections drawn at random, the same draw for both runs); prints p50 and p99 (nearest rank)
   per route, the trivial route's (`/api/v1/health`) in the same run, and the ratio.

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

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests"), str(HERE)]

from _federation import Shape, generate  # noqa: E402
from sqlalchemy import select  # noqa: E402

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


async def _timed(port: int, paths: list[str], clients: int) -> list[float]:
    times: list[float] = []
    queue = list(paths)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
            while queue:
                path = queue.pop()
                start = time.perf_counter()
                r = await c.get(path)
                times.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise SystemExit(f"GET {path}: {r.status_code}")

    await asyncio.gather(*(worker() for _ in range(clients)))
    return times


def run(port: int, routes: dict[str, list[str]], clients: int) -> dict[str, list[float]]:
    for paths in routes.values():  # warm up: templates, plans, caches
        asyncio.run(_timed(port, paths[:10], clients))
    found: dict[str, list[float]] = {name: [] for name in routes}
    for _ in range(2):  # interleaved halves, so a noisy moment falls on every route
        for name, paths in routes.items():
            half = len(paths) // 2
            found[name] += asyncio.run(_timed(port, paths[:half], clients))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--councils", type=int, default=1_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--root", default="/tmp/rep-pages")
    args = ap.parse_args()

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

        rng = random.Random(1917)
        n = args.requests
        routes = {
            "/api/v1/health": ["/api/v1/health"] * n,
            "/": ["/"] * n,
            "/councils/{id}": [f"/councils/{rng.randint(1, args.councils)}" for _ in range(n)],
            "/alignment": ["/alignment"] * n,
            "/elections/{id}": [f"/elections/{rng.choice(elections)}" for _ in range(n)],
        }
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
        print(f"\n{args.clients} clients, {n} GETs per route and run; ms (p50 / p99)")
        print(f"{'route':<18}" + "".join(f"{w:>28}" for w in results))
        for name in routes:
            cells = []
            for found in results.values():
                p50, p99 = pct(found[name], 0.5) * 1000, pct(found[name], 0.99) * 1000
                trivial = pct(found["/api/v1/health"], 0.99) * 1000
                cells.append(f"{p50:7.1f} / {p99:7.1f} ({p99 / trivial:4.1f}x)")
            print(f"{name:<18}" + "".join(f"{c:>28}" for c in cells))
    finally:
        if server is not None:
            server.kill()
        for cluster in (b, a):
            if cluster is not None:
                cluster.stop("immediate")


if __name__ == "__main__":
    main()

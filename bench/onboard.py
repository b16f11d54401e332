"""Benchmark members getting in (a script, not a test): issue 21.

    .venv/bin/python bench/onboard.py [--db sqlite|postgresql] [--members 100000] [--joins 1000]
        [--concurrency 1000] [--pg-url postgresql+psycopg://postgres@127.0.0.1:55432/bench_onboard]
        [--sqlite-path /tmp/dualpower-bench/onboard.db] [--port 8766] [--server-workers 1]

1. A fresh database is founded from a small plan (one council, ten units), then `--members`
   members are imported through the real service (`services/roll.import_roll`, one roll file,
   all or nothing) and invited (`services/invitations.issue_invitations`, every code written to
   a CSV as `dualpower invitations issue --csv` does). Both are timed.
2. The app is served as `dualpower serve` does (uvicorn, `--server-workers` processes).
3. `--joins` members join at once over HTTP (`POST /api/v1/auth/join`, each with their code and
   a new password; `--concurrency` connections), then the same members log in at once
   (`POST /api/v1/auth/login`). Both are argon2 at RFC 9106's second parameters (64 MiB, t=3),
   one hash or one check each, so the two should cost about the same: the target is a join p99
   at most 1.5 times the login p99 in the same run.

Prints the import and invite times, each phase's p50/p99 and the ratios; every join must answer
201 and every login 200.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dualpower.bootstrap import build
from dualpower.services.founding import found_federation
from dualpower.services.invitations import issue_invitations
from dualpower.services.plans import plan_from_json
from dualpower.services.roll import import_roll

UNITS = 10
PLAN = {
    "name": "Onboarding Federation",
    "factions": [{"name": "Reds", "short": "R", "colour": "#c00"}],
    "councils": [
        {
            "name": "City",
            "parent": None,
            "apportionment": {"default": {"rule": "fixed", "seats": 1}},
        }
    ],
    "units": [
        {"name": f"House {i}", "kind": "building", "section": "workers", "council": "City"}
        for i in range(UNITS)
    ],
    "members": [{"username": "founder", "name": "Founder", "unit": "House 0"}],
}


def fresh_url(args: argparse.Namespace) -> str:
    if args.db == "sqlite":
        path = Path(args.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(args.pg_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def setup(url: str, args: argparse.Namespace) -> tuple[list[tuple[str, str]], float, float]:
    system = build(url)
    found_federation(system.uow(), plan_from_json(json.dumps(PLAN)))
    rows = "".join(f"m{i},Member {i},House {i % UNITS}\n" for i in range(args.members))
    started = time.perf_counter()
    import_roll(
        system.uow(), "username,name,unit\n" + rows, None, actor="operator", is_operator=True
    )
    imported = time.perf_counter() - started
    started = time.perf_counter()
    codes = issue_invitations(system.uow(), None, actor="operator")
    out = Path(args.sqlite_path).with_name("onboard-codes.csv")
    with out.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["username", "code", "expires_at"])
        writer.writerows([c.username, c.code, c.expires_at.isoformat()] for c in codes)
    invited = time.perf_counter() - started
    system.engine.dispose()
    return [(c.username, c.code) for c in codes], imported, invited


def serve(url: str, args: argparse.Namespace) -> subprocess.Popen:  # type: ignore[type-arg]
    # The bench measures what a join and a login cost, not the password gate's pacing (web/
    # guards.py): the gate lets every check through at once unless the caller set it.
    env = {
        "DUALPOWER_PASSWORD_CHECK_SHARE": "1",
        "DUALPOWER_PASSWORD_CHECK_WAIT": "600",
        **os.environ,
        "DUALPOWER_DATABASE_URL": url,
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "_serve:app",
        "--app-dir",
        str(Path(__file__).parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
        "--workers",
        str(args.server_workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{args.port}/api/v1/health").status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("the server did not answer within 60 s")


async def _phase(
    path: str, bodies: list[dict[str, str]], args: argparse.Namespace
) -> tuple[list[float], dict[int, int], float]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=0)
    # Longer than the gate's longest wait (600 s): a request it turns away is counted as its 429,
    # not lost to the client's own timeout.
    timeout = httpx.Timeout(900.0)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{args.port}", limits=limits, timeout=timeout
    ) as client:

        async def one(body: dict[str, str]) -> tuple[float, int]:
            started = time.perf_counter()
            r = await client.post(path, json=body)
            return time.perf_counter() - started, r.status_code

        started = time.perf_counter()
        results = await asyncio.gather(*(one(b) for b in bodies))
        elapsed = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return sorted(t for t, _ in results), statuses, elapsed


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--joins", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:55432/bench_onboard"
    )
    parser.add_argument("--sqlite-path", default="/tmp/dualpower-bench/onboard.db")
    args = parser.parse_args()
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    url = fresh_url(args)
    codes, imported, invited = setup(url, args)
    print(
        f"{args.db}: imported {args.members:,} members in {imported:.1f} s, "
        f"invited them (codes to CSV) in {invited:.1f} s"
    )
    chosen = codes[: args.joins]
    server = serve(url, args)
    try:
        joins = [{"code": code, "password": f"password of {name}"} for name, code in chosen]
        logins = [{"username": name, "password": f"password of {name}"} for name, _ in chosen]
        join_times, join_status, join_wall = asyncio.run(_phase("/api/v1/auth/join", joins, args))
        login_times, login_status, login_wall = asyncio.run(
            _phase("/api/v1/auth/login", logins, args)
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    for label, times, status, wall in (
        ("join ", join_times, join_status, join_wall),
        ("login", login_times, login_status, login_wall),
    ):
        print(
            f"{label}: {len(times)} at once in {wall:.1f} s ({len(times) / wall:.1f}/s), "
            f"p50 {pct(times, 0.5):.2f} s, p99 {pct(times, 0.99):.2f} s, status {status}"
        )
    p99 = pct(join_times, 0.99) / pct(login_times, 0.99)
    p50 = pct(join_times, 0.5) / pct(login_times, 0.5)
    print(
        f"join/login: p99 {p99:.2f}x, p50 {p50:.2f}x, rate {login_wall / join_wall:.2f}x "
        f"(target: p99 <= 1.5x)"
    )
    ok = join_status == {201: len(chosen)} and login_status == {200: len(chosen)}
    if not ok:
        raise SystemExit("some joins or logins failed")


if __name__ == "__main__":
    main()

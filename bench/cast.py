"""Benchmark casting ballots over HTTP against a served instance (a script, not a test): issue 4.

    .venv/bin/python bench/cast.py [--db sqlite|postgresql|both] [--ballots 20000]
        [--federation-members 100000] [--councils 1000]
        [--concurrency 64] [--clients 2] [--server-workers 2] [--trivial-seconds 10]
        [--ballot-seconds 60] [--rounds 1] [--trivial PATH ...] [--open-ballot]
        [--listeners 0]  # server-sent-event streams of the turnout held open meanwhile
        [--listener-nice 10]  # their process's CPU priority (they stand for other machines)
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:55432/bench_cast]
        [--sqlite-path /tmp/dualpower-bench/cast.db] [--port 8765]

For each database:
1. A fresh database (migrated) gets a federation (bulk-inserted by `bench/_federation.py`; by
   default 100,000 members and 1,000 councils, `--federation-members`, `--councils`) in which
   base unit 1 has `--ballots` more members (default 20,000), then, through
   the real services, a general election of that unit's deputies (block vote, secret ballot unless
   `--open-ballot`) with five candidates. Every voter gets an API token, written in bulk straight
   into `auth_tokens` exactly as `services/accounts.py` issues them (only the SHA-256 of a
   `secrets.token_urlsafe(32)` token is stored, kind "api", 30 days); one real
   `POST /api/v1/auth/login` checks that the login route hands out tokens of the same kind.
2. Serves the app as `dualpower serve` does (`create_app(system)` under uvicorn, access log off),
   in a subprocess: `uvicorn --factory _serve:app --workers W` (default 2 worker processes, one
   per core).
3. Load: `--clients` generator processes (default 2), each running `--concurrency / clients`
   HTTP/1.1 keep-alive connections on asyncio. The generator is a minimal hand-written HTTP/1.1
   client (asyncio streams, Content-Length bodies) rather than httpx, because on 2 cores the
   generator shares the CPU with the server: per request it costs a fraction of httpx's CPU,
   so more of the machine is left to the server (the figures are still a lower bound for a
   server with 2 cores of its own; the output prints the CPU the generator used).
   a. each trivial route (`--trivial`, repeatable) for `--trivial-seconds` after a one-second
      warm-up. Defaults: `GET /api/v1/health` (a JSON route through the app's middleware, no
      database) and `GET /static/site.css` (a static file). The ratio is taken against the
      first (`--trivial /api/v1/audit/head` measures against a route that reads the database);
   b. every voter posts one ballot, `POST /api/v1/elections/{id}/ballots {"choices": [c]}`,
      until all have voted or `--ballot-seconds` have passed (then the voters left over do not
      vote, and the rate is the acknowledged ballots over the elapsed time).
   Both phases use the same generator, connections and server, in the same run. With
   `--rounds N` the first trivial route and the ballots alternate N times (each for its
   seconds, each ballot phase with its own N-th of the voters) and the ratio is taken over all
   rounds: on a shared machine whose speed drifts during the run, both sides of the ratio then
   see the same machine (each round's own ratio is printed too).
4. Status -1 counts requests whose connection the server dropped without an answer (uvicorn
   closes a keep-alive connection after an unhandled exception, so the next request sent on it
   fails); they are not retried, so the check stays exact. The server's log goes to
   `cast-server-<db>.log` beside the SQLite file, and its unhandled exceptions are counted.
5. Prints requests/s of each, the ratio ballots/s / trivial req/s, p50/p99 latency, the
   status codes and the server's CPU time per request (its processes' user + system time from
   /proc over the phase, warm-up included, divided by the requests answered): on a shared
   machine the rates move with other load, the CPU per request much less, so the run also
   prints the ratio of the two CPU costs (the share the server would reach with the same CPU).
   Then it checks the ballots table: every acknowledged ballot (201 with a receipt) is present
   with its receipt, and nothing else is (no unacknowledged ballot was stored), and the
   participation roll has as many rows.

Targets (issue 4): ballots at >= 50 % of the trivial route's rate, and >= 1,000 ballots/s on 2
cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]  # the tests' fixtures_services

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/bench_cast"
TARGET_SHARE = 0.5
TARGET_RATE = 1000.0
LOGIN_PASSWORD = "bench-password"
VOTED = re.compile(rb'"voted":(\d+)')


# ---------------------------------------------------------------- the load generator


class Http:
    """One HTTP/1.1 keep-alive connection: request in, (status, body) out."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", token: str = ""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        assert self.reader is not None
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
        if "content-length" not in headers:
            raise RuntimeError(f"response without Content-Length: {lines[0]}")
        data = await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _trivial(
    host: str, port: int, path: str, conns: int, start_at: float, seconds: float
) -> dict:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    warm_until, stop_at = start_at + 1.0, start_at + 1.0 + seconds
    served = [0]

    async def one() -> None:
        http = Http(host, port)
        while (now := time.time()) < stop_at:
            begin = time.perf_counter()
            status, _ = await http.request("GET", path)
            served[0] += 1
            if now >= warm_until:
                latencies.append(time.perf_counter() - begin)
                statuses[status] += 1
        await http.close()

    await asyncio.sleep(max(0.0, start_at - time.time()))
    await asyncio.gather(*(one() for _ in range(conns)))
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "t0": warm_until,
        "t1": stop_at,
        "served": served[0],
    }


async def _ballots(
    host: str, port: int, election_id: int, jobs: list, conns: int, start_at: float, seconds: float
) -> dict:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    acks: list[tuple[int, str]] = []
    refused: list[tuple[int, int, str]] = []
    queue = iter(jobs)
    path = f"/api/v1/elections/{election_id}/ballots"

    async def one() -> None:
        http = Http(host, port)
        for voter_id, token, candidate in queue:
            if time.time() >= stop_at:
                break
            body = json.dumps({"choices": [candidate]}).encode()
            begin = time.perf_counter()
            try:
                status, data = await http.request("POST", path, body, token)
            except (OSError, asyncio.IncompleteReadError) as error:
                statuses[-1] += 1
                refused.append((voter_id, -1, repr(error)))
                await http.close()
                continue
            latencies.append(time.perf_counter() - begin)
            statuses[status] += 1
            if status == 201:
                acks.append((voter_id, json.loads(data)["receipt"]))
            else:
                refused.append((voter_id, status, data.decode(errors="replace")[:200]))
        await http.close()

    stop_at = start_at + seconds
    await asyncio.sleep(max(0.0, start_at - time.time()))
    t0 = time.time()
    await asyncio.gather(*(one() for _ in range(conns)))
    t1 = time.time()
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "acks": acks,
        "refused": refused,
        "t0": t0,
        "t1": t1,
        "served": len(latencies),
    }


def client(task: dict) -> dict:
    """One generator process (run by a ProcessPoolExecutor)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    if task["phase"] == "trivial":
        out = asyncio.run(
            _trivial(
                task["host"],
                task["port"],
                task["path"],
                task["conns"],
                task["start_at"],
                task["seconds"],
            )
        )
    else:
        out = asyncio.run(
            _ballots(
                task["host"],
                task["port"],
                task["election_id"],
                task["jobs"],
                task["conns"],
                task["start_at"],
                task["seconds"],
            )
        )
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return out


def load(
    pool: ProcessPoolExecutor,
    clients: int,
    concurrency: int,
    server: subprocess.Popen | None = None,
    database: str | None = None,
    **task,
) -> dict:
    """Run one phase on every generator process at once; merge their figures (and the CPU
    the server used meanwhile, warm-up included, and with `database` that of the PostgreSQL
    backends connected to it)."""
    cpu0 = server_cpu(server) if server is not None else 0.0
    db0 = backend_cpu(database) if database else {}
    start_at = time.time() + 1.0
    conns = [
        concurrency // clients + (1 if i < concurrency % clients else 0) for i in range(clients)
    ]
    tasks = []
    for i in range(clients):
        part = dict(task, conns=conns[i], start_at=start_at)
        if "jobs" in task:
            part["jobs"] = task["jobs"][i::clients]
        tasks.append(part)
    results = list(pool.map(client, tasks))
    server_seconds = server_cpu(server) - cpu0 if server is not None else 0.0
    merged = gather(results, sums=("cpu",))
    merged["seconds"] = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    merged["rate"] = len(merged["latencies"]) / merged["seconds"]
    merged["server_cpu"] = server_seconds
    if database:
        db1 = backend_cpu(database)
        merged["db_cpu"] = sum(db1[pid] - db0.get(pid, 0.0) for pid in db1)
    merged["served"] = sum(r["served"] for r in results)  # warm-up included, as in the CPU
    return merged


# ---------------------------------------------------------------- setting up


def setup(kind: str, args: argparse.Namespace):
    """The database, the open election and one token per voter."""
    from _federation import Shape, describe, fresh_database, generate, revision, settings, timings
    from sqlalchemy import insert, update

    from dualpower.bootstrap import System
    from dualpower.services.accounts import hash_password
    from dualpower.services.elections import OpenElection, nominate
    from dualpower.store import tables as t
    from fixtures_services import open_election

    name = args.pg_url.rsplit("/", 1)[-1]
    engine = fresh_database(kind, name, args.pg_url, args.sqlite_path)
    print(f"\n=== {kind}: {settings(engine)}; code at {revision()} (as the server imports it)")
    fed = generate(
        engine,
        Shape(
            members=args.federation_members,
            councils=args.councils,
            mids=max(1, args.councils // 100),
            log_entries=args.log_entries,
            big_unit=args.ballots,
        ),
    )
    print(f"generated: {describe(fed)} ({timings(fed)})")
    system = System(engine=engine)
    election_id = open_election(
        system.uow(), OpenElection(1, "block", is_secret=not args.open_ballot)
    )
    roll = list(fed.unit_members[1])
    candidates = [nominate(system.uow(), election_id, roll[i], 1 + i % 4, None) for i in range(5)]

    now = datetime.now(UTC)
    tokens = {m: secrets.token_urlsafe(32) for m in roll}
    rows = [
        {
            "member_id": m,
            "token_hash": hashlib.sha256(tok.encode()).hexdigest(),
            "kind": "api",
            "csrf_token": None,
            "created_at": now,
            "expires_at": now + timedelta(days=30),
        }
        for m, tok in tokens.items()
    ]
    with engine.connect() as conn:
        conn.begin()
        for i in range(0, len(rows), 20_000):
            conn.execute(insert(t.auth_tokens), rows[i : i + 20_000])
        conn.execute(
            update(t.members)
            .where(t.members.c.id == roll[0])
            .values(password_hash=hash_password(LOGIN_PASSWORD))
        )
        conn.commit()
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    jobs = [(m, tokens[m], candidates[i % len(candidates)]) for i, m in enumerate(roll)]
    print(
        f"election {election_id}: block vote, {'open' if args.open_ballot else 'secret'} ballot, "
        f"{len(candidates)} candidates, {len(roll):,} electors with a token each"
    )
    engine.dispose()
    return election_id, jobs, roll[0]


def serve(url: str, args: argparse.Namespace) -> subprocess.Popen:
    env = dict(os.environ, DUALPOWER_DATABASE_URL=url)
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        args.app,
        "--app-dir",
        args.app_dir,
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
    log = open(args.server_log, "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(cmd, env=env, start_new_session=True, stderr=log, stdout=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _ = asyncio.run(_once("GET", args.trivial[0], port=args.port))
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        time.sleep(0.3)
    stop(server)
    raise SystemExit("the server did not answer within 60 s")


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the server's processes (its process group:
    the uvicorn supervisor and its workers), from /proc; 0.0 where there is no /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server.pid:  # field 5, pgrp (fields[0] is field 3, state)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each PostgreSQL backend connected to this
    database on this machine (by process title, "postgres: user database host(port) state",
    from /proc): PostgreSQL's own work for the server, without the cluster's shared processes
    (WAL writer, checkpointer) or other databases' backends. A backend that ends during a phase
    takes its CPU with it (the server's pool keeps its connections, so few do)."""
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").split()
            if len(title) < 3 or title[0] != b"postgres:" or title[2].decode() != database:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, UnicodeDecodeError):
            continue
        found[int(proc.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)  # the uvicorn supervisor and its workers
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


async def _once(method: str, path: str, body: bytes = b"", *, port: int) -> tuple[int, bytes]:
    http = Http("127.0.0.1", port)
    try:
        return await http.request(method, path, body)
    finally:
        await http.close()


# ---------------------------------------------------------------- checking and printing


def verify(url: str, election_id: int, acks: list[tuple[int, str]]) -> tuple[bool, str]:
    from sqlalchemy import func, select

    from dualpower.store import tables as t
    from dualpower.store.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                select(t.ballots.c.receipt).where(t.ballots.c.election_id == election_id)
            ).scalars()
        )
        voters = conn.execute(
            select(func.count())
            .select_from(t.participations)
            .where(t.participations.c.election_id == election_id)
        ).scalar()
        unsealed = conn.execute(
            select(func.count()).select_from(t.audit_log).where(t.audit_log.c.seq.is_(None))
        ).scalar()
    engine.dispose()
    acked = {receipt for _, receipt in acks}
    missing, extra = acked - stored, stored - acked
    ok = (
        bool(acks)
        and not missing
        and not extra
        and len(acked) == len(acks)
        and voters == len(stored)
    )
    return ok, (
        f"{len(acks):,} acknowledged, {len(stored):,} ballots stored, {voters:,} participations; "
        f"acknowledged but missing: {len(missing)}, stored but never acknowledged: {len(extra)}; "
        f"{unsealed} audit entries still unsealed"
    )


def merge_phases(phases: list[dict]) -> dict:
    """Several runs of one phase as one: requests over the seconds of all of them."""
    if len(phases) == 1:
        return phases[0]
    sums = ("cpu", "seconds", "server_cpu", "served")
    sums += ("db_cpu",) if "db_cpu" in phases[0] else ()
    merged = gather(phases, sums=sums)
    merged["rate"] = len(merged["latencies"]) / merged["seconds"]
    return merged


def gather(parts: list[dict], sums: tuple[str, ...]) -> dict:
    """The latencies, statuses, acknowledged and refused ballots of several parts together
    (generator processes, or rounds of one phase), and the sum of each key in `sums`."""
    merged: dict = {"latencies": [], "statuses": Counter(), "acks": [], "refused": []}
    for part in parts:
        merged["latencies"] += part["latencies"]
        merged["statuses"].update(part["statuses"])
        merged["acks"] += part.get("acks", [])
        merged["refused"] += part.get("refused", [])
    for key in sums:
        merged[key] = sum(part[key] for part in parts)
    return merged


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.999999) - 1))]
        if ordered
        else float("nan")
    )


def describe_phase(label: str, r: dict) -> str:
    lat = r["latencies"]
    return (
        f"{label}: {len(lat):,} requests in {r['seconds']:.1f} s = {r['rate']:,.0f}/s; "
        f"latency p50 {pct(lat, 0.5) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms; "
        f"status {dict(sorted(r['statuses'].items()))}; generator CPU {r['cpu']:.1f} s; "
        f"server CPU {r['server_cpu']:.1f} s = {cpu_per_request(r) * 1000:.2f} ms a request"
        + (
            f"; PostgreSQL CPU {r['db_cpu']:.1f} s = {r['db_cpu'] / r['served'] * 1000:.2f} ms"
            if "db_cpu" in r and r["served"]
            else ""
        )
    )


def cpu_per_request(r: dict) -> float:
    return r["server_cpu"] / r["served"] if r["served"] else float("nan")


class _Listener(asyncio.Protocol):
    """One server-sent-event stream, read and discarded as it comes (a protocol's callback, no
    coroutine a read): of each chunk only the last whole message's turnout is looked for, which
    is all the run checks. It stands for a voter's browser, so it must cost the two cores it
    shares with the server as little as it can."""

    def __init__(self, i: int, request: bytes, opened: Any, seen: Any):
        self.i, self.request, self.opened, self.seen = i, request, opened, seen
        self.tail = b""
        self.started = False
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if not self.started:  # the response's start: the stream is open
            self.started = True
            with self.opened.get_lock():
                self.opened.value += 1
        data = self.tail + data
        end = data.rfind(b"\n\n")  # the end of the last whole message
        self.tail = data[end + 2 :] if end >= 0 else data
        at = data.rfind(b'"voted":', 0, max(end, 0))  # the latest turnout among them
        if at >= 0 and (found := VOTED.match(data, at)):
            self.seen[self.i] = int(found.group(1))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _listen_all(port: int, path: str, n: int, opened: Any, seen: Any) -> None:
    """`n` server-sent-event streams of `path` held open (a thousand voters watching the
    turnout while voting: issue 24); `seen[i]` is the last turnout stream i was sent."""
    loop = asyncio.get_running_loop()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()

    async def one(i: int) -> None:
        try:
            _, stream = await loop.create_connection(
                lambda: _Listener(i, request, opened, seen), "127.0.0.1", port
            )
            await stream.closed
        except OSError:
            pass

    await asyncio.gather(*(one(i) for i in range(n)))


def listen(port: int, path: str, n: int, opened: Any, seen: Any, nice: int) -> None:
    """A process holding the listeners (killed when the run ends), at CPU priority `nice`: the
    browsers it stands for would run on machines of their own, not on the server's cores."""
    os.nice(nice)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_listen_all(port, path, n, opened, seen))


def listeners_caught_up(seen: Any, voted: int, timeout: float = 10.0) -> tuple[int, float]:
    """How many listeners were sent the final turnout `voted`, and how long after the last
    ballot's answer that took (up to `timeout`): those of every server process see ballots
    cast through the others only by a change feed across processes (issue 24)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if all(v == voted for v in seen):
            break
        time.sleep(0.1)
    return sum(v == voted for v in seen), time.monotonic() - start


def run(kind: str, args: argparse.Namespace, pool: ProcessPoolExecutor) -> dict:
    from due import cpu_seconds  # a process's CPU from /proc
    from sqlalchemy.engine import make_url

    election_id, jobs, login_member = setup(kind, args)
    args.server_log = str(Path(args.sqlite_path).with_name(f"cast-server-{kind}.log"))
    url = (
        f"sqlite:///{args.sqlite_path}"
        if kind == "sqlite"
        else make_url(args.pg_url).render_as_string(False)
    )
    server = serve(url, args)
    listeners = None
    try:
        if args.listeners:
            opened = get_context("spawn").Value("i", 0)
            seen = get_context("spawn").Array("i", args.listeners, lock=False)
            path = f"/api/v1/elections/{election_id}/events"
            listeners = get_context("spawn").Process(
                target=listen,
                args=(args.port, path, args.listeners, opened, seen, args.listener_nice),
                daemon=True,
            )
            listeners.start()
            deadline = time.monotonic() + 120
            while opened.value < args.listeners and time.monotonic() < deadline:
                time.sleep(0.5)
            print(
                f"listeners: {opened.value} server-sent-event streams of {path} open, in one "
                f"process at nice {args.listener_nice} (standing for browsers on other machines)"
            )
            listeners_cpu = cpu_seconds(listeners.pid)
        body = json.dumps({"username": f"m{login_member}", "password": LOGIN_PASSWORD}).encode()
        status, data = asyncio.run(_once("POST", "/api/v1/auth/login", body, port=args.port))
        print(
            f"POST /api/v1/auth/login -> {status} "
            f"{'with a token' if status == 200 and 'token' in json.loads(data) else data[:100]!r}"
        )
        print(
            f"server: uvicorn, {args.server_workers} worker process(es); generator: {args.clients} "
            f"process(es), {args.concurrency} keep-alive connections in all"
        )
        common = {"host": "127.0.0.1", "port": args.port}
        trivials: dict[str, list[dict]] = {path: [] for path in args.trivial}
        rounds: list[dict] = []
        slices = [jobs[i :: args.rounds] for i in range(args.rounds)]
        for n, voters in enumerate(slices, 1):
            # Each round measures the trivial routes (the others only in the first round) and
            # then ballots of voters of its own: a machine that slows down or speeds up during
            # the run weighs on both sides of the ratio alike.
            for path in args.trivial if n == 1 else args.trivial[:1]:
                phase = load(
                    pool,
                    args.clients,
                    args.concurrency,
                    server,
                    phase="trivial",
                    path=path,
                    seconds=args.trivial_seconds,
                    database=None if kind == "sqlite" else make_url(args.pg_url).database,
                    **common,
                )
                trivials[path].append(phase)
                print(describe_phase(f"round {n}: trivial GET {path}", phase))
            phase = load(
                pool,
                args.clients,
                args.concurrency,
                server,
                phase="ballots",
                election_id=election_id,
                jobs=voters,
                database=None if kind == "sqlite" else make_url(args.pg_url).database,
                seconds=args.ballot_seconds,
                **common,
            )
            rounds.append(phase)
            print(
                describe_phase(
                    f"round {n}: ballots POST /api/v1/elections/{election_id}/ballots", phase
                )
                + f"; {phase['rate'] / trivials[args.trivial[0]][-1]['rate']:.0%} of this round's "
                "trivial rate"
            )
            for voter, code, detail in phase["refused"][:5]:
                print(f"  refused: voter {voter}: {code} {detail}")
        trivial = merge_phases(trivials[args.trivial[0]])
        ballots = merge_phases(rounds)
        if listeners is not None:
            caught, waited = listeners_caught_up(seen, len(ballots["acks"]))
            print(
                f"listeners: {caught} of {args.listeners} were sent the final turnout "
                f"({len(ballots['acks']):,} voted) within {waited:.1f} s of the last ballot; "
                f"their process used {cpu_seconds(listeners.pid) - listeners_cpu:.2f} s of CPU"
            )
        if args.rounds > 1:
            print(
                describe_phase(f"all {args.rounds} rounds: trivial GET {args.trivial[0]}", trivial)
            )
            print(describe_phase(f"all {args.rounds} rounds: ballots", ballots))
    finally:
        if listeners is not None:
            listeners.kill()
        stop(server)
    errors = (
        Path(args.server_log).read_text(errors="replace").count("Exception in ASGI application")
    )
    print(f"server log {args.server_log}: {errors} unhandled exception(s)")
    ok, summary = verify(url, election_id, ballots["acks"])
    print(f"check: {summary} -> {'OK' if ok else 'FAILED'}")
    share = ballots["rate"] / trivial["rate"]
    cpu_share = cpu_per_request(trivial) / cpu_per_request(ballots)
    print(
        f"server CPU: {cpu_per_request(ballots) * 1000:.2f} ms a ballot, "
        f"{cpu_per_request(trivial) * 1000:.2f} ms a trivial request: with the same CPU the "
        f"server answers ballots at {cpu_share:.0%} of the trivial route's rate"
        + (
            f"; PostgreSQL's backends {ballots['db_cpu'] / ballots['served'] * 1000:.2f} ms a "
            "ballot"
            if "db_cpu" in ballots
            else ""
        )
    )
    print(
        f"ballots/s / trivial req/s = {share:.0%} (target >= {TARGET_SHARE:.0%}: "
        f"{'met' if share >= TARGET_SHARE else 'MISSED'}); {ballots['rate']:,.0f} ballots/s "
        f"(target >= {TARGET_RATE:,.0f}: {'met' if ballots['rate'] >= TARGET_RATE else 'MISSED'})"
    )
    return {
        "ballots": ballots["rate"],
        "trivial": trivial["rate"],
        "share": share,
        "cpu_share": cpu_share,
        "ok": ok,
        "p99": pct(ballots["latencies"], 0.99),
        "db_ms": ballots["db_cpu"] / ballots["served"] * 1000 if "db_cpu" in ballots else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--ballots", type=int, default=20_000, help="voters, each casting one ballot"
    )
    parser.add_argument(
        "--federation-members",
        type=int,
        default=100_000,
        help="members of the rest of the federation, around the big unit",
    )
    parser.add_argument("--councils", type=int, default=1_000, help="councils in the federation")
    parser.add_argument("--concurrency", type=int, default=64, help="keep-alive connections in all")
    parser.add_argument("--clients", type=int, default=2, help="generator processes")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--trivial",
        action="append",
        help="a trivial GET route (repeatable; the "
        "ratio is against the first); default /api/v1/health and /static/site.css",
    )
    parser.add_argument(
        "--ballot-seconds",
        type=float,
        default=60.0,
        help="stop sending ballots after this long (voters left over do not vote)",
    )
    parser.add_argument("--trivial-seconds", type=float, default=10.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the first trivial route and ballots this many times (each for its "
        "seconds, ballots of a share of the voters each time); the ratio is over all rounds",
    )
    parser.add_argument("--open-ballot", action="store_true", help="an open (not secret) ballot")
    parser.add_argument(
        "--listeners",
        type=int,
        default=0,
        help="server-sent-event streams of the election's turnout held open during the run",
    )
    parser.add_argument(
        "--listener-nice",
        type=int,
        default=10,
        help="CPU priority (nice) of the listeners' process: it stands for browsers on other "
        "machines, so it yields the cores to the server it measures (0: as the server)",
    )
    parser.add_argument("--log-entries", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--app", default="_serve:app", help="the app factory uvicorn serves")
    parser.add_argument("--app-dir", default=str(HERE), help="where --app is imported from")
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument(
        "--sqlite-path", default=str(Path(tempfile.gettempdir()) / "dualpower-bench" / "cast.db")
    )
    args = parser.parse_args()
    args.trivial = args.trivial or ["/api/v1/health", "/static/site.css"]
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(
        f"machine: {os.cpu_count()} CPUs, shared by server and generator; load average "
        f"{os.getloadavg()[0]:.1f} at start (other work on the machine lowers the figures)"
    )
    with ProcessPoolExecutor(args.clients, mp_context=get_context("spawn")) as pool:
        results = {kind: run(kind, args, pool) for kind in kinds}
    print("\nsummary:")
    for kind, r in results.items():
        print(
            f"  {kind:10} ballots {r['ballots']:,.0f}/s  trivial {r['trivial']:,.0f}/s  "
            f"share {r['share']:.0%} (by server CPU {r['cpu_share']:.0%})  "
            f"ballot p99 {r['p99'] * 1000:.1f} ms  "
            + (f"PostgreSQL {r['db_ms']:.2f} ms a ballot  " if r["db_ms"] is not None else "")
            + f"checks {'OK' if r['ok'] else 'FAILED'}"
        )


if __name__ == "__main__":
    main()

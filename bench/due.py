"""Benchmark the clock (a script, not a test): issue 20. N one-seat elections, all due at the
same instant, closed by two `dualpower serve` processes on one database.

    .venv/bin/python bench/due.py [--db sqlite|postgresql|both] [--elections 10000]
        [--ballots-per-election 50] [--candidates 3] [--method plurality] [--secret]
        [--servers 2] [--clock-seconds 0.2] [--lead-seconds 5] [--timeout 600]
        [--tally-sample 20] [--pg-url URL] [--sqlite-path /tmp/dualpower-bench/due.db]
        [--port 8790]

For each database:
1. Setup (not measured): a fresh database (migrated) gets, by bulk inserts straight into the
   schema, one federation, one council and N base units; each unit is an electorate of one
   seat with `--ballots-per-election` + 1 members on its roll (one abstains, so no election is
   "fully voted" and closes early: every one closes because its time has come), and one open
   general election (kind 'general', one seat, `--method`, open ballots unless `--secret`,
   nominations closed) with `--candidates` candidates from the roll, and one ballot (random
   receipt, choices, the voter on an open ballot) and one participation per voter. Every
   election's `closes_at` is far in the future.
2. Starts `--servers` `dualpower serve` processes (default 2) on the same database, each with
   DUALPOWER_CLOCK_SECONDS=`--clock-seconds`, and waits until each answers /api/v1/health.
   Then sets every election's `closes_at` to the same instant, `--lead-seconds` ahead, and
   waits until no election is open (or `--timeout`).
3. Checks: every election is closed, has exactly one `election.close` audit entry (actor
   `clock`), exactly one mandate from it whose holder is the member of the winning candidate
   its result names, and no `election.void`. Reports elections closed per second (N over the
   span from `closes_at` to the last `closed_at`), and the p50/p99/max delay past `closes_at`
   (`closed_at - closes_at`), and each server process's CPU seconds over the wait and from
   `closes_at` until the poll that finds none open (the backlog's cost, also per close).
4. Baseline, in the same run: the cost of counting the same ballots with `dualpower tally`.
   For `--tally-sample` elections, their ballots are written as BLT files and each is counted
   by `dualpower tally FILE --method M --json` as a fresh process (the whole process's wall
   time, as a user or a timer would run it); and every election's ballots are counted
   in-process with `dualpower.counting.count` (the engine alone, no process start). The ratio
   printed is the clock's wall time per election against each of those.

Target (issue 20): p99 delay under 5 s for 10,000 elections of 50 ballots on SQLite and
PostgreSQL on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PG_URL = os.environ.get(
    "DUALPOWER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/bench_due"
)
TARGET_P99 = 5.0
DUALPOWER = str(Path(sys.executable).with_name("dualpower"))
FAR = datetime(2100, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- setting up


def setup(kind: str, args: argparse.Namespace) -> tuple[str, dict[int, list[list[int]]]]:
    """The database with N open one-seat elections; returns its URL and each election's
    ballots (candidate ids), for the baseline."""
    from _federation import _bulk, analyse, fresh_database, reset_sequences, revision, settings

    from dualpower.store import tables as t

    name = args.pg_url.rsplit("/", 1)[-1]
    engine = fresh_database(kind, name, args.pg_url, args.sqlite_path)
    url = engine.url.render_as_string(hide_password=False)
    print(f"\n=== {kind}: {settings(engine)}; code at {revision()}")
    start = time.perf_counter()
    rng = random.Random(1917)
    n, b, c = args.elections, args.ballots_per_election, args.candidates
    roll = b + 1  # one elector abstains: nobody closes early because all have voted
    now = datetime.now(UTC)
    _bulk(
        engine,
        t.federations,
        [
            {
                "id": 1,
                "name": "Due Federation",
                "founded_at": now - timedelta(days=30),
                "sections": ["workers"],
                "is_demo": False,
            }
        ],
    )
    _bulk(
        engine,
        t.councils,
        [
            {
                "id": 1,
                "federation_id": 1,
                "name": "Council",
                "parent_id": None,
                "recall_rule": "direct",
                "recall_trigger_bp": 2000,
                "seat_method": args.method,
                "apportionment": {"default": {"rule": "fixed", "seats": 1}},
            }
        ],
    )
    units = range(1, n + 1)
    _bulk(
        engine,
        t.base_units,
        (
            {
                "id": u,
                "federation_id": 1,
                "council_id": 1,
                "name": f"Unit {u}",
                "kind": "factory",
                "section": "workers",
            }
            for u in units
        ),
    )

    def members_of(u: int) -> range:
        return range((u - 1) * roll + 1, u * roll + 1)

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
                "joined_at": now - timedelta(days=30),
            }
            for i in range(1, n * roll + 1)
        ),
    )
    _bulk(
        engine,
        t.memberships,
        (
            {
                "id": i,
                "member_id": i,
                "unit_id": u,
                "start_at": now - timedelta(days=30),
                "end_at": None,
                "end_reason": None,
            }
            for u in units
            for i in members_of(u)
        ),
    )
    _bulk(
        engine,
        t.electorates,
        (
            {
                "id": u,
                "council_id": 1,
                "kind": "unit",
                "unit_id": u,
                "source_council_id": None,
                "seats": 1,
            }
            for u in units
        ),
    )
    _bulk(
        engine,
        t.elections,
        (
            {
                "id": u,
                "federation_id": 1,
                "electorate_id": u,
                "office_id": None,
                "seats": 1,
                "seat_no": None,
                "method": args.method,
                "is_secret": args.secret,
                "status": "open",
                "kind": "general",
                "opened_at": now - timedelta(days=10),
                "nominations_close_at": now - timedelta(days=7),
                "closes_at": FAR,
                "closed_at": None,
                "result": None,
            }
            for u in units
        ),
    )
    _bulk(
        engine,
        t.candidates,
        (
            {"id": (u - 1) * c + j + 1, "election_id": u, "member_id": members_of(u)[j]}
            for u in units
            for j in range(c)
        ),
    )
    ballots: dict[int, list[list[int]]] = {}
    weights = [c - j for j in range(c)]  # the first candidate is the favourite
    for u in units:
        ids = [(u - 1) * c + j + 1 for j in range(c)]
        if args.method == "plurality":
            ballots[u] = [rng.choices(ids, weights)[0:1] for _ in range(b)]
        else:  # a ranking of every candidate
            ballots[u] = [rng.sample(ids, c) for _ in range(b)]
    voters = {u: members_of(u)[:b] for u in units}
    _bulk(
        engine,
        t.ballots,
        (
            {
                "receipt": secrets.token_hex(10),
                "election_id": u,
                "choices": ballots[u][k],
                "voter_id": None if args.secret else voters[u][k],
            }
            for u in units
            for k in range(b)
        ),
    )
    _bulk(
        engine,
        t.participations,
        ({"election_id": u, "member_id": m} for u in units for m in voters[u]),
    )
    reset_sequences(engine)
    analyse(engine)
    engine.dispose()
    print(
        f"setup: {n:,} open one-seat {args.method} elections "
        f"({'secret' if args.secret else 'open'} ballots), {b} ballots and {c} candidates each, "
        f"{n * roll:,} members; {time.perf_counter() - start:.1f} s (not measured)"
    )
    return url, ballots


# ---------------------------------------------------------------- the servers


def serve(url: str, port: int, log: Path, args: argparse.Namespace) -> subprocess.Popen:
    env = dict(
        os.environ, DUALPOWER_DATABASE_URL=url, DUALPOWER_CLOCK_SECONDS=str(args.clock_seconds)
    )
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [DUALPOWER, "serve", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(servers: list[subprocess.Popen], ports: list[int]) -> None:
    deadline = time.time() + 120
    for server, port in zip(servers, ports, strict=True):
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                    pass
                time.sleep(1.0)  # a process of someone else's on the port answers too: ours,
                if server.poll() is None:  # failing to bind it, exits
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit(
                    f"server on port {port} exited with {server.returncode} (port taken?)"
                )
            if time.time() > deadline:
                raise SystemExit(f"server on port {port} did not answer within 120 s")
            time.sleep(0.3)


def free_ports(n: int) -> list[int]:
    """n ports nothing listens on now, chosen by the system: a fixed port may be another
    program's, whose health check would answer for a server that failed to start."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the run


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select, update
    from sqlalchemy.exc import OperationalError

    from dualpower.store import tables as t
    from dualpower.store.db import make_engine

    url, ballots = setup(kind, args)
    n = args.elections
    if args.profile:
        return profile(url, n)
    logs = [
        Path(args.sqlite_path).with_name(f"due-server-{kind}-{i}.log") for i in range(args.servers)
    ]
    ports = [args.port + i for i in range(args.servers)] if args.port else free_ports(args.servers)
    servers = [serve(url, p, log, args) for p, log in zip(ports, logs, strict=True)]
    engine = make_engine(url)
    try:
        wait_ready(servers, ports)
        cpu0 = [cpu_seconds(s.pid) for s in servers]
        load_before = os.getloadavg()[0]
        due_at = datetime.now(UTC) + timedelta(seconds=args.lead_seconds)
        with engine.begin() as conn:
            conn.execute(update(t.elections).values(closes_at=due_at))
        print(
            f"{len(servers)} `dualpower serve` processes up (clock every {args.clock_seconds} s); "
            f"all {n:,} elections due at {due_at.isoformat(timespec='seconds')}"
        )
        deadline = time.time() + args.lead_seconds + args.timeout
        left, locked, next_note = n, 0, time.time() + args.lead_seconds + 30
        pause = (due_at - datetime.now(UTC)).total_seconds()
        time.sleep(max(0.0, pause))
        cpu_due = [cpu_seconds(s.pid) for s in servers]  # what the backlog costs from here
        while time.time() < deadline:
            time.sleep(1.0)
            try:  # on SQLite this read waits for the writers' turn like any transaction
                with engine.connect() as conn:
                    left = conn.execute(
                        select(func.count()).where(t.elections.c.status == "open")
                    ).scalar_one()
            except OperationalError as error:  # a clock held it past the busy timeout
                locked += 1
                print(f"  poll: {str(error.orig)[:60]} (a clock's transaction held the database)")
                continue
            if left == 0:
                break
            if time.time() >= next_note:
                late = (datetime.now(UTC) - due_at).total_seconds()
                print(f"  {late:5.0f} s past closes_at: {n - left:,} closed", flush=True)
                next_note += 30
        stopped_at = datetime.now(UTC)
        load_after = os.getloadavg()[0]
        cpu = [cpu_seconds(s.pid) - c0 for s, c0 in zip(servers, cpu0, strict=True)]
        for i, s in enumerate(servers):
            if s.poll() is not None:
                print(f"  server {i + 1} exited during the run with {s.returncode}")
    finally:
        for s in servers:
            stop(s)
    figures = check(engine, n, left)
    figures["server_cpu"] = cpu
    figures["backlog_cpu"] = [c1 - c0 + c00 for c1, c0, c00 in zip(cpu, cpu_due, cpu0, strict=True)]
    figures["waited"] = (stopped_at - due_at).total_seconds()
    figures["locked_polls"] = locked
    figures["load"] = (load_before, load_after)
    engine.dispose()
    figures.update(baseline(ballots, args))
    report(kind, figures, args)
    return figures


def check(engine: Any, n: int, left: int) -> dict[str, Any]:
    from sqlalchemy import select

    from dualpower.store import tables as t

    e, a, md, cand = t.elections, t.audit_log, t.mandates, t.candidates
    with engine.connect() as conn:
        rows = conn.execute(
            select(e.c.id, e.c.status, e.c.closes_at, e.c.closed_at, e.c.result)
        ).all()
        closes = Counter()
        actors = Counter()
        voids = 0
        for act, payload, actor in conn.execute(
            select(a.c.act, a.c.payload, a.c.actor).where(
                a.c.act.in_(("election.close", "election.void"))
            )
        ):
            body = json.loads(payload) if isinstance(payload, str) else payload
            if act == "election.void":
                voids += 1
            else:
                closes[body["election"]] += 1
                actors[actor] += 1
        seated = Counter()
        holder: dict[int, int] = {}
        for election_id, holder_id in conn.execute(select(md.c.election_id, md.c.holder_id)):
            seated[election_id] += 1
            holder[election_id] = holder_id
        member_of = dict(conn.execute(select(cand.c.id, cand.c.member_id)).all())
    delays, problems = [], Counter()
    first = last = None
    for r in rows:
        if r.status != "closed":
            problems["still open"] += 1
            continue
        closed_at, closes_at = _aware(r.closed_at), _aware(r.closes_at)
        delays.append((closed_at - closes_at).total_seconds())
        first = closes_at if first is None else min(first, closes_at)
        last = closed_at if last is None else max(last, closed_at)
        if closes[r.id] != 1:
            problems[f"{closes[r.id]} close entries"] += 1
        result = r.result if isinstance(r.result, dict) else json.loads(r.result)
        winners = [int(w) for w in result.get("winners", [])]
        if seated[r.id] != 1 or len(winners) != 1 or holder.get(r.id) != member_of.get(winners[0]):
            problems["winner not seated (once)"] += 1
    span = (last - first).total_seconds() if delays and last and first else float("nan")
    return {
        "elections": n,
        "closed": len(delays),
        "left_open": left,
        "problems": dict(problems),
        "voids": voids,
        "actors": dict(actors),
        "span": span,
        "rate": len(delays) / span if span and span > 0 else float("nan"),
        "p50": percentile(delays, 0.50) if delays else float("nan"),
        "p99": percentile(delays, 0.99) if delays else float("nan"),
        "max": max(delays) if delays else float("nan"),
        "min": min(delays) if delays else float("nan"),
    }


def profile(url: str, n: int) -> dict[str, Any]:
    """`run_due` once in this process, under cProfile, with every election due now: where the
    clock's time goes (no servers, no baseline)."""
    import cProfile
    import pstats

    from sqlalchemy import update

    from dualpower.bootstrap import System
    from dualpower.services.due import run_due
    from dualpower.store import tables as t
    from dualpower.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(t.elections).values(closes_at=datetime.now(UTC)))
    system = System(engine=engine)
    profiler = cProfile.Profile()
    begin = time.perf_counter()
    profiler.enable()
    done = run_due(system.uow)
    profiler.disable()
    seconds = time.perf_counter() - begin
    print(f"profile: run_due closed {len(done):,} of {n:,} in {seconds:.1f} s in one process")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    engine.dispose()
    return {"seconds": seconds, "done": len(done)}


# ---------------------------------------------------------------- the baseline


def baseline(ballots: dict[int, list[list[int]]], args: argparse.Namespace) -> dict[str, Any]:
    """`dualpower tally` on a sample of the same elections (a process each), and the counting
    engine in-process on all of them."""
    import numpy as np

    from dualpower.counting import Profile, count

    sample = sorted(ballots)[:: max(1, len(ballots) // max(1, args.tally_sample))]
    sample = sample[: args.tally_sample]
    times = []
    with tempfile.TemporaryDirectory(prefix="due-tally-") as tmp:
        for u in sample:
            first = (u - 1) * args.candidates + 1
            ids = list(range(first, first + args.candidates))
            lines = [f"{len(ids)} 1"]
            lines += [
                "1 " + " ".join(str(ids.index(c) + 1) for c in ballot) + " 0"
                for ballot in ballots[u]
            ]
            lines += ["0"] + [f'"Candidate {c}"' for c in ids] + [f'"Election {u}"']
            path = Path(tmp) / f"e{u}.blt"
            path.write_text("\n".join(lines) + "\n")
            begin = time.perf_counter()
            done = subprocess.run(
                [DUALPOWER, "tally", str(path), "--method", args.method, "--json"],
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - begin)
            if done.returncode != 0:
                raise SystemExit(f"dualpower tally failed: {done.stderr.strip()}")
    begin = time.perf_counter()
    for u, cast in ballots.items():  # as services/elections.count_election builds its profile
        first = (u - 1) * args.candidates + 1
        position = {cid: i for i, cid in enumerate(range(first, first + args.candidates))}
        rankings = np.full((len(cast), max(len(b) for b in cast)), -1, dtype=np.int32)
        for row, ballot in enumerate(cast):
            rankings[row, : len(ballot)] = [position[c] for c in ballot]
        profile = Profile(
            candidates=tuple(str(c) for c in position),
            rankings=rankings,
            weights=np.ones(len(cast), dtype=np.int64),
        )
        count(profile, args.method, 1)
    in_process = time.perf_counter() - begin
    each = statistics.mean(times) if times else float("nan")  # --tally-sample 0: none run
    return {
        "tally_sample": len(times),
        "tally_each": each,
        "tally_all": each * len(ballots),
        "count_all": in_process,
    }


def report(kind: str, f: dict[str, Any], args: argparse.Namespace) -> None:
    ok = not f["problems"] and f["closed"] == f["elections"] and not f["voids"]
    n = f["elections"]
    print(
        f"closed {f['closed']:,} of {n:,} elections; exactly once with the winner seated: "
        f"{'yes' if ok else 'NO ' + json.dumps(f['problems'])}; voids {f['voids']}; "
        f"close entries by actor {f['actors']}"
    )
    print(
        f"clock: {f['rate']:,.0f} elections closed/s ({f['span']:.1f} s from closes_at to the "
        f"last close); delay past closes_at p50 {f['p50']:.2f} s, p99 {f['p99']:.2f} s, "
        f"max {f['max']:.2f} s (min {f['min']:.2f} s); servers' CPU "
        f"{', '.join(f'{c:.1f}' for c in f['server_cpu'])} s in all, "
        f"{', '.join(f'{c:.1f}' for c in f['backlog_cpu'])} s from closes_at "
        f"({sum(f['backlog_cpu']) / max(1, f['closed']) * 1000:.2f} ms a close)"
    )
    per_close = f["span"] / max(1, f["closed"])
    tally = (
        f"`dualpower tally` {f['tally_each'] * 1000:.0f} ms per election as a process "
        f"(mean of {f['tally_sample']}), {f['tally_all']:.1f} s for all {n:,}; "
        if f["tally_sample"]
        else "`dualpower tally` not run (--tally-sample 0); "
    )
    print(
        f"baseline: {tally}counting.count in-process {f['count_all']:.2f} s for all "
        f"({f['count_all'] / n * 1e6:.0f} us each)"
    )
    against_tally = (
        f"{per_close / f['tally_each']:.3f} x a `dualpower tally` process, "
        if f["tally_sample"]
        else ""
    )
    print(
        f"ratio: the clock's wall time per election {per_close * 1000:.2f} ms = "
        f"{against_tally}{per_close / (f['count_all'] / n):.1f} x the in-process count"
    )
    if f["left_open"]:
        waited = f["waited"]
        print(
            f"{f['left_open']:,} elections were still open {waited:.0f} s after closes_at "
            f"(--timeout): the delays above are of the closed ones only; the true p99 is > "
            f"{waited:.0f} s"
        )
    before, after = f["load"]
    print(
        f"1-minute load average {before:.1f} at closes_at, {after:.1f} at the last close, on "
        f"{os.cpu_count()} CPUs (other work on the machine lowers the figures)"
    )
    verdict = "met" if ok and f["p99"] < TARGET_P99 else "NOT met"
    print(f"target p99 delay < {TARGET_P99:.0f} s for {n:,}: {verdict} (p99 {f['p99']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--elections", type=int, default=10_000)
    parser.add_argument("--ballots-per-election", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--method", choices=("plurality", "irv"), default="plurality")
    parser.add_argument("--secret", action="store_true", help="secret ballots (open by default)")
    parser.add_argument("--servers", type=int, default=2, help="`dualpower serve` processes")
    parser.add_argument("--clock-seconds", type=float, default=0.2)
    parser.add_argument("--lead-seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for closes")
    parser.add_argument("--tally-sample", type=int, default=20)
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument("--sqlite-path", default="/tmp/dualpower-bench/due.db")
    parser.add_argument(
        "--port", type=int, default=0, help="the first server's port (default: free ports)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="instead: run_due once in-process under cProfile"
    )
    args = parser.parse_args()
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        run(kind, args)


if __name__ == "__main__":
    main()

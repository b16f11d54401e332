"""Ballots under abuse (issue 23): a script, not a test.

    .venv/bin/python bench/abuse.py [--db sqlite|postgresql|both] [--rounds 3] [--seconds 8]
        [--concurrency 64] [--logins 200] [--listeners 400] [--big-bodies 4]
        [--ballots 120000] [--federation-members 20000] [--councils 200] [--server-workers 2]

For each database, one server (uvicorn with `--server-workers` processes, as `bench/cast.py`
serves it: `create_app(build())`, every middleware of `dualpower serve`, the password gate and
the body limit included) on a fresh database with one open election of `--ballots` electors,
each holding an API token (set up by `bench/cast.py`'s `setup`). Then, `--rounds` times:

1. **Undisturbed**: `--concurrency` keep-alive connections (64) cast ballots for `--seconds` (8).
2. **Abused**: the same, while another process runs against the same server
   - `--logins` (200) connections, each posting wrong-password logins one after another
     (`POST /api/v1/auth/login`, a real member's username chosen at random, so the per-username
     slow-down never applies and every login that gets its turn costs a full argon2 check);
   - `--listeners` (400) idle live-update streams (`GET /api/v1/councils/{id}/events`, opened and
     held; the council sees no change while ballots are cast);
   - `--big-bodies` (4) connections sending, one after another, an unauthenticated login with a
     declared body of 50 MB (`Content-Length`) and then streaming it, until the server answers;
     the answer must be 413 and the server must not read the body.
   The ballots start once every stream has answered (each stream's first message reads the
   council's composition: opening 400 costs the server CPU, once, which is not what is
   measured) and `--warmup` (5) seconds more (the password gate's burst spent, the login flood
   steady); the abuse ends with them.

Each round's two phases use their own voters (a voter votes once). The ballots' p99 latency and
rate are compared abused / undisturbed over all rounds (alternating, so both sides see the
same machine). Every answer is counted by status: any 5xx (ballots, logins, streams, big bodies)
fails the run, as does a big body answered other than 413 or a dropped ballot connection. After
the run every acknowledged ballot is checked stored (as `bench/cast.py` does).

Targets (issue 23): abused ballot p99 under 3x the undisturbed p99 and the abused rate at least
70 % of the undisturbed rate, no 5xx, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cast  # noqa: E402  (bench/cast.py: setup, serve, the generator and the checks)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/bench_abuse"
TARGET_P99 = 3.0
TARGET_RATE = 0.70
BIG_BODY = 50 * 1024 * 1024


# ---------------------------------------------------------------- the abusers


def _stopping(task: dict) -> bool:
    return Path(task["stop_file"]).exists()


async def _logins(host: str, port: int, users: list[str], task: dict, out: dict) -> None:
    http = cast.Http(host, port)
    rng = random.Random()
    while not _stopping(task):
        body = json.dumps({"username": rng.choice(users), "password": "not the password"})
        begin = time.perf_counter()
        try:
            status, _ = await http.request("POST", "/api/v1/auth/login", body.encode())
        except (OSError, asyncio.IncompleteReadError, RuntimeError):
            out["logins"][-1] += 1
            await http.close()
            await asyncio.sleep(0.1)
            continue
        out["logins"][status] += 1
        out["login_seconds"].append(time.perf_counter() - begin)
    await http.close()


async def _listener(host: str, port: int, path: str, task: dict, out: dict) -> None:
    """Opens a live-update stream and holds it, reading what comes, until told to stop."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        out["streams"][-1] += 1
        return
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        status = int(head.split(b" ", 2)[1])
        out["streams"][status] += 1
        if sum(out["streams"].values()) == task["listeners"]:
            Path(task["ready_file"]).write_text("every stream answered\n")
        while not _stopping(task):
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 0.5)
            except TimeoutError:
                continue
            if not chunk:  # the server ended the stream (its lifetime): open it again
                out["streams_ended"] += 1
                break
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        out["streams"][-1] += 1
    finally:
        writer.close()


async def _big_bodies(host: str, port: int, task: dict, out: dict) -> None:
    """Declares a 50 MB body and streams it until the server answers; expects 413 at once."""
    chunk = b"x" * 65536
    while not _stopping(task):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            (
                f"POST /api/v1/auth/login HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {BIG_BODY}\r\n\r\n"
            ).encode()
        )
        answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        sent = 0
        try:
            try:
                while not answer.done() and sent < BIG_BODY:
                    writer.write(chunk)
                    sent += len(chunk)
                    await asyncio.wait_for(writer.drain(), 5)
                    await asyncio.sleep(0)
            except (OSError, TimeoutError):
                pass  # the server answered and closed: read its answer
            head = await asyncio.wait_for(answer, 10)
            out["big"][int(head.split(b" ", 2)[1])] += 1
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            out["big"][-1] += 1
        finally:
            out["big_sent"].append(sent)
            answer.cancel()
            writer.close()
        await asyncio.sleep(0.2)


async def _abuse(task: dict) -> dict:
    out: dict = {
        "logins": Counter(),
        "login_seconds": [],
        "streams": Counter(),
        "streams_ended": 0,
        "big": Counter(),
        "big_sent": [],
    }
    host, port = task["host"], task["port"]
    jobs = [_listener(host, port, task["stream"], task, out) for _ in range(task["listeners"])]
    jobs += [_logins(host, port, task["users"], task, out) for _ in range(task["logins"])]
    jobs += [_big_bodies(host, port, task, out) for _ in range(task["big_bodies"])]
    await asyncio.gather(*jobs)
    return out


def abuser(task: dict) -> dict:
    """The abuse generator process (run by a ProcessPoolExecutor of its own)."""
    import socket

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit[1], limit[1]))
    del socket
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    out = asyncio.run(_abuse(task))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return out


# ---------------------------------------------------------------- the run


def run(kind: str, args: argparse.Namespace, pool: ProcessPoolExecutor, abuse_pool) -> dict:
    from sqlalchemy.engine import make_url

    election_id, jobs, _ = cast.setup(kind, args)
    users = [f"m{voter}" for voter, _, _ in jobs]
    args.server_log = str(Path(args.sqlite_path).with_name(f"abuse-server-{kind}.log"))
    url = (
        f"sqlite:///{args.sqlite_path}"
        if kind == "sqlite"
        else make_url(args.pg_url).render_as_string(False)
    )
    need = int(args.rounds * 2 * args.seconds * 2500)
    if len(jobs) < need:
        print(f"(only {len(jobs):,} voters: a phase may run out of voters before its time)")
    server = cast.serve(url, args)
    common = {"host": "127.0.0.1", "port": args.port}
    slices = [jobs[i :: args.rounds * 2] for i in range(args.rounds * 2)]
    calm: list[dict] = []
    rough: list[dict] = []
    abuse: list[dict] = []
    try:
        print(
            f"server: uvicorn, {args.server_workers} worker process(es); ballots from "
            f"{args.clients} generator process(es), {args.concurrency} connections; abuse from one "
            f"more process: {args.logins} wrong-password login loops, {args.listeners} idle "
            f"streams, {args.big_bodies} big-body loops"
        )
        for n in range(args.rounds):
            phase = cast.load(
                pool,
                args.clients,
                args.concurrency,
                server,
                phase="ballots",
                election_id=election_id,
                jobs=slices[2 * n],
                seconds=args.seconds,
                **common,
            )
            calm.append(phase)
            print(cast.describe_phase(f"round {n + 1}: undisturbed ballots", phase))
            signals = Path(tempfile.mkdtemp(prefix="abuse-"))
            task = dict(
                common,
                ready_file=str(signals / "ready"),
                stop_file=str(signals / "stop"),
                users=users,
                stream="/api/v1/councils/1/events",
                logins=args.logins,
                listeners=args.listeners,
                big_bodies=args.big_bodies,
            )
            pending = abuse_pool.submit(abuser, task)
            began = time.time()
            while not Path(task["ready_file"]).exists():  # every stream open and idle
                if pending.done() or time.time() - began > 300:
                    Path(task["stop_file"]).write_text("")
                    raise SystemExit(f"the streams did not all open: {pending.result()}")
                time.sleep(0.2)
            opened = time.time() - began
            time.sleep(args.warmup)  # the logins' burst spent, the abuse steady
            try:
                phase = cast.load(
                    pool,
                    args.clients,
                    args.concurrency,
                    server,
                    phase="ballots",
                    election_id=election_id,
                    jobs=slices[2 * n + 1],
                    seconds=args.seconds,
                    **common,
                )
            finally:
                Path(task["stop_file"]).write_text("")
            rough.append(phase)
            done = pending.result()
            abuse.append(done)
            print(cast.describe_phase(f"round {n + 1}: ballots under abuse", phase))
            print(
                f"  abuse: all {args.listeners} streams open after {opened:.1f} s; "
                f"{_describe_abuse(done)}"
            )
            for voter, code, detail in (phase["refused"] + calm[-1]["refused"])[:5]:
                print(f"  refused: voter {voter}: {code} {detail}")
    finally:
        cast.stop(server)
    errors = (
        Path(args.server_log).read_text(errors="replace").count("Exception in ASGI application")
    )
    print(f"server log {args.server_log}: {errors} unhandled exception(s)")
    before, under = cast.merge_phases(calm), cast.merge_phases(rough)
    ok, summary = cast.verify(url, election_id, before["acks"] + under["acks"])
    print(f"check: {summary} -> {'OK' if ok else 'FAILED'}")
    p99_before, p99_under = cast.pct(before["latencies"], 0.99), cast.pct(under["latencies"], 0.99)
    p99_ratio, rate_ratio = p99_under / p99_before, under["rate"] / before["rate"]
    fives = _server_errors(before, under, abuse)
    big = Counter()
    for part in abuse:
        big.update(part["big"])
    big_ok = set(big) <= {413} and big[413] > 0
    dropped = before["statuses"].get(-1, 0) + under["statuses"].get(-1, 0)
    met = (
        p99_ratio < TARGET_P99
        and rate_ratio >= TARGET_RATE
        and not fives
        and big_ok
        and not dropped
        and ok
        and not errors
    )
    print(
        f"{kind}: undisturbed {before['rate']:,.0f} ballots/s, p99 "
        f"{p99_before * 1000:.0f} ms; under abuse {under['rate']:,.0f}/s, p99 "
        f"{p99_under * 1000:.0f} ms: p99 x{p99_ratio:.2f} (target < {TARGET_P99:g}x), rate "
        f"{rate_ratio:.0%} (target >= {TARGET_RATE:.0%}); 5xx: {fives or 'none'}; big bodies "
        f"{dict(big)}; dropped ballot connections {dropped} -> {'met' if met else 'MISSED'}"
    )
    return {
        "before": before["rate"],
        "under": under["rate"],
        "p99_before": p99_before,
        "p99_under": p99_under,
        "p99_ratio": p99_ratio,
        "rate_ratio": rate_ratio,
        "fives": fives,
        "ok": ok,
        "met": met,
        "logins": sum((Counter(part["logins"]) for part in abuse), Counter()),
    }


def _describe_abuse(part: dict) -> str:
    lat = part["login_seconds"]
    sent = part["big_sent"]
    return (
        f"logins {dict(sorted(part['logins'].items()))} (p50 {cast.pct(lat, 0.5):.1f} s, p99 "
        f"{cast.pct(lat, 0.99):.1f} s); streams opened {dict(part['streams'])}, ended by the "
        f"server {part['streams_ended']}; big bodies {dict(part['big'])}, at most "
        f"{max(sent, default=0) / 1e6:.1f} MB sent before the answer; generator CPU "
        f"{part['cpu']:.1f} s"
    )


def _server_errors(before: dict, under: dict, abuse: list[dict]) -> dict[str, int]:
    fives: Counter[str] = Counter()
    for label, statuses in (("ballots", before["statuses"]), ("ballots", under["statuses"])):
        for status, count in statuses.items():
            if status >= 500:
                fives[f"{label} {status}"] += count
    for part in abuse:
        for key in ("logins", "streams", "big"):
            for status, count in part[key].items():
                if status >= 500:
                    fives[f"{key} {status}"] += count
    return dict(fives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="each ballot phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="abuse before the ballots")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--clients", type=int, default=2, help="ballot generator processes")
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--listeners", type=int, default=400)
    parser.add_argument("--big-bodies", type=int, default=4)
    parser.add_argument("--ballots", type=int, default=120_000, help="electors (one ballot each)")
    parser.add_argument("--federation-members", type=int, default=20_000)
    parser.add_argument("--councils", type=int, default=200)
    parser.add_argument("--log-entries", type=int, default=2_000)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument(
        "--sqlite-path", default=str(Path(tempfile.gettempdir()) / "dualpower-bench" / "abuse.db")
    )
    args = parser.parse_args()
    # What bench/cast.py's setup and serve read.
    args.open_ballot = False
    args.trivial = ["/api/v1/health"]
    args.app, args.app_dir = "_serve:app", str(HERE)
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(
        f"machine: {os.cpu_count()} CPUs shared by the server and both generators; load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )
    spawn = get_context("spawn")
    with (
        ProcessPoolExecutor(args.clients, mp_context=spawn) as pool,
        ProcessPoolExecutor(1, mp_context=spawn) as abuse_pool,
    ):
        results = {kind: run(kind, args, pool, abuse_pool) for kind in kinds}
    print("\nsummary:")
    for kind, r in results.items():
        print(
            f"  {kind:10} undisturbed {r['before']:,.0f}/s p99 {r['p99_before'] * 1000:.0f} ms; "
            f"abused {r['under']:,.0f}/s p99 {r['p99_under'] * 1000:.0f} ms; p99 "
            f"x{r['p99_ratio']:.2f}, rate {r['rate_ratio']:.0%}; 5xx {r['fives'] or 'none'}; "
            f"logins {dict(sorted(r['logins'].items()))}; checks {'OK' if r['ok'] else 'FAILED'}"
            f" -> {'met' if r['met'] else 'MISSED'}"
        )
    sys.exit(0 if all(r["met"] for r in results.values()) else 1)


if __name__ == "__main__":
    main()

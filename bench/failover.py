"""Failover with nothing lost (issue 24): a script, not a test.

    .venv/bin/python bench/failover.py [--rounds 10] [--connections 64] [--interval 4]
        [--members 2000] [--elections 60] [--servers 2] [--root /tmp/rep-failover]

1. Starts two local PostgreSQL clusters (tests/pg_cluster.py: ports 56000+, directories under
   --root, fsync on): a primary and a hot standby streaming from it, with
   `synchronous_standby_names = '*'` and `synchronous_commit = on` on the primary (a commit is
   acknowledged once the standby has flushed it).
2. Founds a federation there (--members in 8 units of one council, a deputy per unit), opens
   --elections plurality elections over the units and one recall petition per deputy, and
   issues an API token per member.
3. Serves it with --servers uvicorn processes whose DUALPOWER_DATABASE_URL is a multi-host URL
   (`?host=A&host=B&target_session_attrs=read-write`): after a failover their pools reconnect to
   whichever server now accepts writes.
4. Loads it from --connections HTTP connections at full rate: half cast ballots
   (POST /api/v1/elections/{id}/ballots), half sign and withdraw signatures (POST and DELETE
   /api/v1/recalls/{id}/signatures). Every 2xx answer is an acknowledged write.
5. --rounds times: after --interval seconds of load, SIGKILLs the primary (its postmaster and
   every backend), promotes the standby at once (`pg_ctl promote`), runs the new primary
   without a synchronous standby until the old primary has been rewound (pg_rewind) and
   streams from it again, then makes it synchronous again. The write outage of a round is the
   time from the kill to the first acknowledged write after it. `dualpower audit verify` runs
   on the new primary after each promotion.
6. At the end: every acknowledged ballot's receipt must be in the ballots table of the last
   primary, and every acknowledged signature and withdrawal must have its audit entry
   (`recall.sign` / `recall.withdraw` for that petition and member); the report counts the
   acknowledged writes and the missing ones (target 0), and the outage p50 and max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests"), str(HERE)]

from sqlalchemy import create_engine, select  # noqa: E402

import pg_cluster  # noqa: E402
from dualpower.bootstrap import build  # noqa: E402
from dualpower.domain.founding import (  # noqa: E402
    CouncilPlan,
    FactionPlan,
    FoundingPlan,
    MemberPlan,
    UnitPlan,
)
from dualpower.services import accounts, elections, recall  # noqa: E402
from dualpower.services.audit import verify_log  # noqa: E402
from dualpower.services.elections import OpenElection  # noqa: E402
from dualpower.services.founding import found_federation  # noqa: E402
from dualpower.store import tables as t  # noqa: E402
from dualpower.store.db import make_engine  # noqa: E402
from fixtures_services import FoundingVote, founding_election, open_election  # noqa: E402

UNITS = 8
ONE_SEAT = {"rule": "fixed", "seats": 1}
DB = "dp"


@dataclass
class World:
    tokens: list[str]  # per member index
    members: list[int]
    unit_of: list[int]  # member index -> unit index
    elections: list[tuple[int, int, int]]  # (election id, a candidate id, unit index)
    petitions: list[int]  # per unit index


@dataclass
class Tally:
    ballots: list[str] = field(default_factory=list)  # acknowledged receipts
    signs: Counter[tuple[int, int]] = field(default_factory=Counter)  # (petition, member)
    withdraws: Counter[tuple[int, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    acks: list[tuple[float, float]] = field(default_factory=list)  # (sent, acknowledged)
    stop: bool = False


def plan(members: int) -> FoundingPlan:
    pw = accounts.hash_password("failover-bench")
    per = members // UNITS
    return FoundingPlan(
        name="Failover Federation",
        factions=(FactionPlan("Reds", "R", "#c00000"), FactionPlan("Greens", "G", "#00a000")),
        councils=(
            CouncilPlan(
                "Works Council", None, apportionment={"default": {"rule": "fixed", "seats": 1}}
            ),
        ),
        units=tuple(
            UnitPlan(f"Shop {u}", "factory", "workers", "Works Council") for u in range(UNITS)
        ),
        members=tuple(
            MemberPlan(f"m{u}_{i}", f"Member {u}-{i}", f"Shop {u}", pw)
            for u in range(UNITS)
            for i in range(per)
        ),
    )


def found(url: str, members: int, n_elections: int) -> World:
    system = build(url)
    found_federation(system.uow(), plan(members))
    with system.uow() as uow:
        listed = sorted(uow.members.list(), key=lambda m: m.id)
        factions = {f.short: f.id for f in uow.factions.list()}
        units = {u.name: u.id for u in uow.units.list()}
        electorates = {e.unit_id: e for e in uow.electorates.list() if e.unit_id}
    by_unit: dict[int, list[int]] = {}
    unit_of = []
    for m in listed:
        u = int(m.username[1:].split("_")[0])  # m{unit}_{i}
        by_unit.setdefault(u, []).append(m.id)
        unit_of.append(u)
    petitions, opened = [], []
    for u in range(UNITS):
        e = electorates[units[f"Shop {u}"]]
        ids = by_unit[u]
        cands = [(ids[0], factions["R"]), (ids[1], factions["G"])]
        founding_election(
            system.uow(), FoundingVote(e.id, cands, [(m, [0]) for m in ids], method="plurality")
        )
    with system.uow() as uow:
        mandates = {m.electorate_id: m for m in uow.mandates.active()}
    for u in range(UNITS):
        e = electorates[units[f"Shop {u}"]]
        petitions.append(recall.open_recall(system.uow(), mandates[e.id].id, by_unit[u][2]).id)
    for k in range(n_elections):
        u = k % UNITS
        e = electorates[units[f"Shop {u}"]]
        election_id = open_election(system.uow(), OpenElection(e.id, "plurality"))
        first = elections.nominate(system.uow(), election_id, by_unit[u][3], None, None)
        elections.nominate(system.uow(), election_id, by_unit[u][4], None, None)
        opened.append((election_id, first, u))
    with system.uow() as uow:
        tokens = [accounts._issue(uow, m, "api").token for m in listed]
        uow.commit()
    system.engine.dispose()
    return World(tokens, [m.id for m in listed], unit_of, opened, petitions)


# ---- the load -------------------------------------------------------------------------------


async def _ballots(client: httpx.AsyncClient, world: World, mine: list[int], tally: Tally) -> None:
    for election_id, candidate, unit in world.elections:
        for i in mine:
            if tally.stop:
                return
            if world.unit_of[i] != unit:  # electors only: an election is over one unit
                continue
            sent = time.monotonic()
            try:
                r = await client.post(
                    f"/api/v1/elections/{election_id}/ballots",
                    json={"choices": [candidate]},
                    headers={"Authorization": f"Bearer {world.tokens[i]}"},
                )
            except httpx.HTTPError as error:
                tally.errors[type(error).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            if r.status_code == 201:
                tally.ballots.append(r.json()["receipt"])
                tally.acks.append((sent, time.monotonic()))
            else:
                tally.errors[f"ballot {r.status_code}"] += 1
                if r.status_code >= 500:
                    await asyncio.sleep(0.05)


async def _signatures(
    client: httpx.AsyncClient, world: World, mine: list[int], tally: Tally
) -> None:
    while not tally.stop:
        for i in mine:
            if tally.stop:
                return
            petition = world.petitions[world.unit_of[i]]
            url = f"/api/v1/recalls/{petition}/signatures"
            headers = {"Authorization": f"Bearer {world.tokens[i]}"}
            pair = (petition, world.members[i])
            for method, counter in (("POST", tally.signs), ("DELETE", tally.withdraws)):
                sent = time.monotonic()
                try:
                    r = await client.request(method, url, headers=headers)
                except httpx.HTTPError as error:
                    tally.errors[type(error).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                if r.status_code == 200:
                    counter[pair] += 1
                    tally.acks.append((sent, time.monotonic()))
                else:
                    tally.errors[f"{method} {r.status_code}"] += 1
                    if r.status_code >= 500:
                        await asyncio.sleep(0.05)


async def _load(ports: list[int], world: World, connections: int, tally: Tally) -> None:
    members = list(range(len(world.members)))
    random.Random(7).shuffle(members)
    voters, signers = members[: len(members) // 2], members[len(members) // 2 :]
    half = connections // 2
    clients = [
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{ports[k % len(ports)]}",
            timeout=30.0,
            limits=httpx.Limits(max_connections=1),
        )
        for k in range(connections)
    ]
    tasks = [_ballots(clients[k], world, voters[k::half], tally) for k in range(half)] + [
        _signatures(clients[half + k], world, signers[k :: connections - half], tally)
        for k in range(connections - half)
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for c in clients:
            await c.aclose()


# ---- the servers ----------------------------------------------------------------------------


def serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DUALPOWER_DATABASE_URL=url)
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "_serve:app",
        "--app-dir",
        str(HERE),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=out, stderr=out)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server on {port} exited: see {log}")
        time.sleep(0.3)
    raise SystemExit(f"the server on {port} did not answer")


def stop(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def multi_host(a: pg_cluster.Cluster, b: pg_cluster.Cluster) -> str:
    return (
        f"postgresql+psycopg://postgres@/{DB}?host=127.0.0.1:{a.port}&host=127.0.0.1:{b.port}"
        "&target_session_attrs=read-write&connect_timeout=2"
    )


def set_sync(cluster: pg_cluster.Cluster, names: str) -> None:
    cluster.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
    cluster.sql("SELECT pg_reload_conf()")


def wait_sync(primary: pg_cluster.Cluster, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = primary.sql("SELECT sync_state FROM pg_stat_replication")
        if rows and rows[0][0] == "sync":
            return
        time.sleep(0.1)
    raise RuntimeError("the standby did not become synchronous")


def audit_verify(url: str) -> tuple[bool, str]:
    """What `dualpower audit verify` runs (services/audit.verify_log), in this process: the
    command refuses a database whose schema revision is not the working tree's, and other
    branches' migrations land in the shared tree while this runs."""
    engine = make_engine(url)
    try:
        report = verify_log(engine)
    finally:
        engine.dispose()
    return report.ok, report.reason


def missing(url: str, tally: Tally) -> tuple[int, int]:
    """(acknowledged ballots not stored, acknowledged signatures/withdrawals without entry)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(t.ballots.c.receipt)).scalars())
            found: dict[str, Counter[tuple[int, int]]] = {
                "recall.sign": Counter(),
                "recall.withdraw": Counter(),
            }
            rows = conn.execute(
                select(t.audit_log.c.act, t.audit_log.c.payload).where(
                    t.audit_log.c.act.in_(list(found))
                )
            )
            for act, payload in rows:
                p = json.loads(payload)
                found[act][(p["petition"], p["member"])] += 1
    finally:
        engine.dispose()
    lost_ballots = sum(1 for r in tally.ballots if r not in stored)
    lost_sig = sum(
        max(0, n - found[act][pair])
        for act, acked in (("recall.sign", tally.signs), ("recall.withdraw", tally.withdraws))
        for pair, n in acked.items()
    )
    return lost_ballots, lost_sig


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q * len(s) + 0.5) - 1))] if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--interval", type=float, default=4.0, help="seconds of load before a kill")
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--elections", type=int, default=400)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--root", default="/tmp/rep-failover")
    args = ap.parse_args()

    root = pg_cluster.make_dir(Path(args.root))
    a = pg_cluster.primary(root, "node_a", pg_cluster.free_port())
    b = pg_cluster.standby(root, "node_b", pg_cluster.free_port({a.port}), a)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        pg_cluster.wait_streaming(a, "node_b")
        set_sync(a, "*")
        wait_sync(a)
        print(
            f"primary {a.name} :{a.port}, synchronous standby {b.name} :{b.port}; "
            f"synchronous_commit={a.sql('SHOW synchronous_commit')[0][0]}, "
            f"fsync={a.sql('SHOW fsync')[0][0]}",
            flush=True,
        )
        a.sql(f"CREATE DATABASE {DB}")
        started = time.monotonic()
        world = found(a.url(DB), args.members, args.elections)
        print(
            f"federation: {len(world.members)} members, {len(world.elections)} elections, "
            f"{len(world.petitions)} petitions ({time.monotonic() - started:.1f} s)",
            flush=True,
        )
        url = multi_host(a, b)
        ports: list[int] = []
        for _ in range(args.servers):
            ports.append(pg_cluster.free_port({a.port, b.port, *ports}))
        servers = [serve(url, port, root / f"server{k}.log") for k, port in enumerate(ports)]

        tally = Tally()
        loader = threading.Thread(
            target=lambda: asyncio.run(_load(ports, world, args.connections, tally)), daemon=True
        )
        loader.start()
        load_start = time.monotonic()
        primary, standby = a, b
        outages, promotes, verified = [], [], []
        for n in range(1, args.rounds + 1):
            time.sleep(args.interval)
            acked_before = len(tally.acks)
            killed = time.monotonic()
            primary.kill()
            standby.promote()
            promoted = time.monotonic()
            set_sync(standby, "")  # alone until the old primary follows it again
            primary, standby = standby, primary
            # The outage: from the kill to the first acknowledgement of a write sent after it
            # (a write sent before may be answered after the kill: committed before it).
            while not any(sent > killed for sent, _ in tally.acks[-50:]):
                if time.monotonic() - killed > 120:
                    raise SystemExit("no write acknowledged within 120 s of the kill")
                time.sleep(0.01)
            first = min(done for sent, done in tally.acks[acked_before:] if sent > killed)
            outages.append(first - killed)
            promotes.append(promoted - killed)
            ok, said = audit_verify(url)
            verified.append(ok)
            pg_cluster.rewind(standby, primary)
            pg_cluster.wait_streaming(primary, standby.name, standby_=standby)
            set_sync(primary, "*")
            wait_sync(primary)
            print(
                f"round {n}: killed {standby.name}, promoted {primary.name} in "
                f"{promotes[-1]:.2f} s; first write after {outages[-1]:.2f} s; audit verify: "
                f"{'ok' if ok else 'FAILED'} ({said}); acks so far {len(tally.acks)}",
                flush=True,
            )
        time.sleep(args.interval)
        tally.stop = True
        load_seconds = time.monotonic() - load_start
        loader.join(60)
        for server in servers:
            stop(server)
        servers = []
        final = primary.url(DB)
        ok, said = audit_verify(final)
        lost_ballots, lost_sig = missing(final, tally)
        signatures = sum(tally.signs.values()) + sum(tally.withdraws.values())
        print()
        print(
            f"acknowledged writes: {len(tally.ballots) + signatures} "
            f"({len(tally.ballots)} ballots, {signatures} signatures and withdrawals) "
            f"in {args.rounds} failovers and {load_seconds:.0f} s of load "
            f"({(len(tally.ballots) + signatures) / load_seconds:.0f}/s)"
        )
        print(f"missing: {lost_ballots + lost_sig} (ballots {lost_ballots}, signatures {lost_sig})")
        print(
            f"write outage: p50 {statistics.median(outages):.2f} s, max {max(outages):.2f} s "
            f"(promotion p50 {statistics.median(promotes):.2f} s)"
        )
        print(
            f"audit verify after each promotion: {sum(verified)}/{len(verified)} ok; "
            f"at the end: {'ok' if ok else 'FAILED'} ({said})"
        )
        print(f"refused or failed requests: {dict(tally.errors.most_common(8))}")
    finally:
        for server in servers:
            stop(server)
        for cluster in (a, b):
            cluster.stop("immediate")


if __name__ == "__main__":
    main()

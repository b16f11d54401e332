"""Crash recovery (issue 7, item 2): SIGKILL the server while it takes ballots and signatures.

    .venv/bin/python bench/crash.py                         # 100 kills on SQLite
    .venv/bin/python bench/crash.py --db both               # and on PostgreSQL
    .venv/bin/python bench/crash.py --kills 5 --writers 4   # the reduced run CI makes

It founds a federation (one big unit, `--members` electors, its founding election held), opens
`--elections` secret elections and one recall petition against the unit's deputy (direct recall:
the threshold, a majority of the roll, is never reached by the signers), issues one API token per
member, then starts `dualpower serve` as a subprocess on that database. `--writers` threads cast
ballots and sign over HTTP, each (member, election) or (member, petition) once, and keep every
acknowledged write: a 201 with a receipt, or a 200 whose answer says the petition is open. The
script kills the server with SIGKILL at a random moment (`--min`..`--max` seconds after it
answers), restarts it, and again, `--kills` times.

Afterwards, on the database the killed servers wrote: every acknowledged ballot (its participation
row and its receipt) and signature is present; SQLite's `PRAGMA integrity_check` says ok;
`dualpower audit verify` and `dualpower check` exit 0; no request got a 5xx. It prints the
figures and exits 1 when anything fails.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from dualpower.bootstrap import System, build
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services import accounts, elections, recall
from dualpower.services.elections import OpenElection
from dualpower.services.founding import found_federation
from dualpower.store import tables as t

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fixtures_services import FoundingVote, founding_election, open_election  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
API = "/api/v1"


# ---------------------------------------------------------------- the federation


@dataclass
class Target:
    url: str  # the database
    elections: list[int]
    candidate: dict[int, int]  # election -> a candidate
    petition: int
    tokens: dict[int, str]  # member -> bearer token


def _plan(members: int) -> FoundingPlan:
    pw = accounts.hash_password("crash-bench")
    return FoundingPlan(
        name="Crash Federation",
        factions=(FactionPlan("Reds", "R", "#c00000"), FactionPlan("Greens", "G", "#00a000")),
        councils=(
            CouncilPlan(
                "Works Council", None, apportionment={"default": {"rule": "fixed", "seats": 1}}
            ),
        ),
        units=(UnitPlan("Works", "factory", "workers", "Works Council"),),
        members=tuple(
            MemberPlan(f"w{i}", f"Worker {i}", "Works", pw) for i in range(1, members + 1)
        ),
    )


def _admin(pg_url: str, sql: str) -> None:
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def fresh_url(db: str, workdir: Path, pg_url: str, name: str) -> str:
    if db == "sqlite":
        path = workdir / "crash.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    _admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(pg_url, f'CREATE DATABASE "{name}"')
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def prepare(url: str, members: int, n_elections: int) -> Target:
    """Found the federation, open the elections and the petition, issue the tokens."""
    system: System = build(url)
    try:
        found_federation(system.uow(), _plan(members))
        with system.uow() as uow:
            ids = sorted(m.id for m in uow.members.list())
            works = uow.electorates.list()[0]
        founding_election(
            system.uow(),
            FoundingVote(works.id, [(ids[0], None)], [(ids[0], [0])], method="plurality"),
        )
        with system.uow() as uow:
            mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == works.id)[0]
        opened, candidate = [], {}
        for _ in range(n_elections):
            eid = open_election(system.uow(), OpenElection(works.id, "plurality", is_secret=True))
            candidate[eid] = elections.nominate(system.uow(), eid, ids[1], None, None)
            opened.append(eid)
        petition = recall.open_recall(system.uow(), mandate.id, ids[0]).id
        with system.uow() as uow:
            tokens = {m.id: accounts._issue(uow, m, "api").token for m in uow.members.list()}
            uow.commit()
    finally:
        system.engine.dispose()
    return Target(url, opened, candidate, petition, tokens)


# ---------------------------------------------------------------- the load


@dataclass
class Ledger:
    """What the writers saw. Only acknowledged writes must survive; an attempt cut off by the
    kill may or may not have committed (its retry then gets a 409)."""

    ballots: list[tuple[int, int, str]] = field(default_factory=list)  # election, member, receipt
    signatures: list[int] = field(default_factory=list)  # members
    refused: int = 0  # 409 on a retry of an attempt cut off by the kill
    cut_off: int = 0  # writes whose request was refused or dropped by a dead server
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.ballots) + len(self.signatures)


def tasks(target: Target, rng: random.Random) -> queue.Queue[tuple[str, int, int]]:
    """Every (kind, subject, member) write once, shuffled: ballots in each election by every
    member, and signatures by a minority of the roll (the petition never decides)."""
    members = sorted(target.tokens)
    todo = [("ballot", e, m) for e in target.elections for m in members]
    todo += [("sign", target.petition, m) for m in members[2 : len(members) // 2]]
    rng.shuffle(todo)
    q: queue.Queue[tuple[str, int, int]] = queue.Queue()
    for task in todo:
        q.put(task)
    return q


def _send(client: httpx.Client, base: str, target: Target, task: tuple[str, int, int]):  # type: ignore[no-untyped-def]
    kind, subject, member = task
    headers = {"Authorization": f"Bearer {target.tokens[member]}"}
    if kind == "ballot":
        body = {"choices": [target.candidate[subject]]}
        return client.post(f"{base}{API}/elections/{subject}/ballots", json=body, headers=headers)
    return client.post(f"{base}{API}/recalls/{subject}/signatures", headers=headers)


def writer(
    base: str, target: Target, todo: queue.Queue, ledger: Ledger, stop: threading.Event
) -> None:  # type: ignore[type-arg]
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            try:
                task = todo.get_nowait()
            except queue.Empty:
                return
            retried = False
            while not stop.is_set():
                try:
                    r = _send(client, base, target, task)
                except httpx.HTTPError:
                    if not retried:
                        with ledger.lock:
                            ledger.cut_off += 1
                    retried = True
                    time.sleep(0.05)
                    continue
                _account(ledger, task, r, retried)
                break


def _account(ledger: Ledger, task: tuple[str, int, int], r: httpx.Response, retried: bool) -> None:
    kind, subject, member = task
    with ledger.lock:
        if r.status_code >= 500:
            ledger.server_errors.append(f"{kind} {subject} {member}: {r.status_code} {r.text}")
        elif kind == "ballot" and r.status_code == 201 and r.json().get("receipt"):
            ledger.ballots.append((subject, member, r.json()["receipt"]))
        elif kind == "sign" and r.status_code == 200 and r.json().get("status") == "open":
            ledger.signatures.append(member)
        elif r.status_code == 409 and retried:
            ledger.refused += 1  # the cut-off attempt had committed
        else:
            ledger.server_errors.append(f"{kind} {subject} {member}: {r.status_code} {r.text}")


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url}
    cmd = [sys.executable, "-m", "dualpower", "serve", "--port", str(port)]
    with log.open("ab") as out:
        server = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"dualpower serve exited with {server.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.kill()
    raise SystemExit(f"dualpower serve did not answer within 60 s; see {log}")


def kill(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.kill(server.pid, signal.SIGKILL)
    server.wait()


# ---------------------------------------------------------------- the checks


def missing(target: Target, ledger: Ledger) -> list[str]:
    """Acknowledged writes not in the database."""
    engine = create_engine(target.url)
    sig = t.metadata.tables["recall_signatures"]
    try:
        with engine.connect() as conn:
            took_part = set(
                conn.execute(select(t.participations.c.election_id, t.participations.c.member_id))
            )
            receipts = set(conn.execute(select(t.ballots.c.receipt)).scalars())
            signed = set(
                conn.execute(select(sig.c.member_id).where(sig.c.petition_id == target.petition))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    lost = [
        f"ballot of member {m} in election {e} (receipt {r})"
        for e, m, r in ledger.ballots
        if (e, m) not in took_part or r not in receipts
    ]
    lost += [f"signature of member {m}" for m in ledger.signatures if m not in signed]
    return lost


def integrity(url: str) -> str:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return "n/a (PostgreSQL)"
    with sqlite3.connect(str(u.database)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def clis(url: str, *commands: tuple[str, ...]) -> list[tuple[int, str]]:
    """Each command in a `dualpower` process of its own, side by side (they only read): its
    exit code and the last line it wrote."""
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url}
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "dualpower", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for args in commands
    ]
    answers = []
    for process in running:
        out = process.communicate()[0]
        answers.append((process.returncode, (out.strip().splitlines() or [""])[-1]))
    return answers


# ---------------------------------------------------------------- the run


def run(db: str, args: argparse.Namespace) -> bool:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="dualpower-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    url = fresh_url(db, workdir, args.pg_url, args.pg_database)
    began = time.monotonic()
    target = prepare(url, args.members, args.elections)
    todo, ledger, stop = tasks(target, rng), Ledger(), threading.Event()
    port, log = free_port(), workdir / f"serve-{db}.log"
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, log)
    threads = [
        threading.Thread(target=writer, args=(base, target, todo, ledger, stop), daemon=True)
        for _ in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    kills = 0
    try:
        for _ in range(args.kills):
            time.sleep(rng.uniform(args.min, args.max))
            kill(server)
            kills += 1
            if todo.empty():
                print("  (every write was sent; more --members for a longer run)")
            server = start_server(url, port, log)
    finally:
        time.sleep(args.min)  # let the writers finish against the last server
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        kill(server)
    lost = missing(target, ledger)
    check_integrity = integrity(url)
    (verify_rc, verify_out), (check_rc, check_out) = clis(url, ("audit", "verify"), ("check",))
    print(f"{db}: {kills} kills in {time.monotonic() - began:.0f} s, {args.writers} writers")
    print(f"  acknowledged writes: {ledger.acknowledged} ({len(ledger.ballots)} ballots, "
          f"{len(ledger.signatures)} signatures); writes cut off or refused by a dead server "
          f"and retried: {ledger.cut_off}, of which committed unacknowledged (409 on retry): "
          f"{ledger.refused}")  # fmt: skip
    print(f"  missing: {len(lost)}")
    for line in lost[:10]:
        print(f"    {line}")
    print(f"  unexpected answers (5xx or other): {len(ledger.server_errors)}")
    for line in ledger.server_errors[:10]:
        print(f"    {line}")
    print(f"  integrity_check: {check_integrity}")
    print(f"  dualpower audit verify: exit {verify_rc} ({verify_out})")
    print(f"  dualpower check: exit {check_rc} ({check_out})")
    if db == "postgresql" and args.drop:
        _admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    return (
        not lost
        and not ledger.server_errors
        and ledger.acknowledged > 0
        and check_integrity in ("ok", "n/a (PostgreSQL)")
        and verify_rc == 0
        and check_rc == 0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--elections", type=int, default=3)
    parser.add_argument("--min", type=float, default=0.2, help="seconds of load before a kill")
    parser.add_argument("--max", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1917)
    parser.add_argument("--pg-url", default=os.environ.get("DUALPOWER_TEST_PG_URL", PG_URL))
    parser.add_argument("--pg-database", default="bench_crash", help="dropped and created")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database after")
    parser.add_argument("--workdir", help="where the SQLite file and server logs go")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = all([run(db, args) for db in dbs])
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

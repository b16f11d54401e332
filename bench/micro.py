"""Micro-benchmarks in one process (a script, not a test), each beside its baseline:

    .venv/bin/python bench/micro.py [--calls 3000]

1. CPU per call of the app's ASGI callable (no server, no network; the same middleware):
   `GET /api/v1/health` (the trivial route of bench/cast.py), the same answer from a plain `def`
   route (FastAPI runs it in its thread pool: the health route before a742b48), and `POST
   /api/v1/elections/{id}/ballots` with the process's ballot writer replaced by one that answers
   at once, so only the HTTP side of a ballot is timed (parsing, the bearer token, the body's
   validation, the answer): through the route's fast path (web/ballot_fast_path.py), and
   through FastAPI's routing and dependency solving (the same app without the fast path).
2. Canonical JSON of an act's payload (audit/canonical.py): the full check (a path for every
   value) against the fast check of exact types that runs first.
3. Sealing 8 pending audit entries on SQLite (store/sequencer.py), in a transaction rolled back
   each time, against inserting the 8 entries alone in the same transaction: what an act's
   transaction paid when SQLite sealed inline (before 2026-12-05; the background sealer pays it
   now, off the request path).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from dualpower.audit import canonical
from dualpower.bootstrap import build
from dualpower.store import tables as t
from dualpower.store.sequencer import seal_pending
from dualpower.web.app import create_app
from dualpower.web.ballot_fast_path import BallotFastPath


class _AnsweredAtOnce:
    """Stands in for the ballot writer: the HTTP side of a ballot, without the database."""

    async def cast(self, _request: Any) -> str:
        return "R" * 20


async def _call(app: Any, method: str, path: str, body: bytes, headers: list[Any]) -> int:
    if body:
        headers = [*headers, (b"content-type", b"application/json")]
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status = [0]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(scope, receive, send)
    return status[0]


def asgi(directory: Path, calls: int) -> None:
    system = build(f"sqlite:///{directory / 'micro.db'}")
    app = create_app(system)
    app.state.ballot_writer = _AnsweredAtOnce()
    plain = create_app(system)  # the same app without the ballot route's fast path
    plain.state.ballot_writer = app.state.ballot_writer
    assert isinstance(plain.router.routes[0], BallotFastPath)
    del plain.router.routes[0]

    @app.get("/bench/health-in-thread-pool")
    def health_in_thread_pool() -> dict[str, str]:  # the health route as it was: a plain def
        return {"status": "ok"}

    token = [(b"authorization", b"Bearer bench")]
    cases = {
        "GET /api/v1/health": ("GET", "/api/v1/health", b"", []),
        "GET health as a plain def (thread pool)": (
            "GET",
            "/bench/health-in-thread-pool",
            b"",
            [],
        ),
        "POST ballot (writer answers at once)": (
            "POST",
            "/api/v1/elections/1/ballots",
            json.dumps({"choices": [1]}).encode(),
            token,
        ),
        "POST ballot through FastAPI's routing (no fast path)": (
            "POST",
            "/api/v1/elections/1/ballots",
            json.dumps({"choices": [1]}).encode(),
            [*token, (b"x-bench-no-fast-path", b"1")],
        ),
    }

    async def run() -> dict[str, float]:
        cpu = {}
        for name, args in cases.items():
            target = plain if (b"x-bench-no-fast-path", b"1") in args[3] else app
            status = await _call(target, *args)
            assert status in (200, 201), (name, status)
            for _ in range(calls // 10):
                await _call(target, *args)
            start = time.process_time()
            for _ in range(calls):
                await _call(target, *args)
            cpu[name] = (time.process_time() - start) / calls
        return cpu

    cpu = asyncio.run(run())
    base = cpu["GET /api/v1/health"]
    for name, seconds in cpu.items():
        ratio = seconds / base
        print(f"ASGI {name}: {seconds * 1e6:.0f} us CPU a call ({ratio:.2f}x the health route)")
    system.engine.dispose()


def canonical_check(calls: int) -> None:
    payload = {"petition": 12, "member": 345, "mandates": [1, 2, 3], "by": [{"id": 5}], "x": None}
    full = timeit.timeit(lambda: canonical._check(payload, "$"), number=calls * 10) / (calls * 10)
    fast = timeit.timeit(lambda: canonical._is_plain(payload), number=calls * 10) / (calls * 10)
    print(
        f"canonical JSON check of a recall payload: full {full * 1e6:.2f} us, "
        f"fast {fast * 1e6:.2f} us ({fast / full:.2f}x)"
    )


def sealing(directory: Path, calls: int) -> None:
    system = build(f"sqlite:///{directory / 'seal.db'}")
    rows = [
        {
            "act": "recall.sign",
            "payload": '{"member":12,"petition":3}',
            "actor": "12",
            "is_operator": False,
            "recorded_at": "2026-12-04T17:00:00.123456+00:00",
        }
    ] * 8

    def once(seal: bool) -> float:
        with system.engine.connect() as conn:
            conn.begin()
            start = time.perf_counter()
            conn.execute(insert(t.audit_log), rows)
            if seal:
                seal_pending(conn)
            took = time.perf_counter() - start
            conn.rollback()
        return took

    n = max(calls // 3, 100)
    for seal in (False, True):
        for _ in range(20):
            once(seal)
    insert_only = statistics.median(once(False) for _ in range(n))
    sealed = statistics.median(once(True) for _ in range(n))
    print(
        f"SQLite, 8 audit entries: insert {insert_only * 1e3:.3f} ms, insert and seal "
        f"{sealed * 1e3:.3f} ms (median of {n}; sealing adds {(sealed - insert_only) * 1e3:.3f} ms)"
    )
    system.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dualpower-micro-") as tmp:
        asgi(Path(tmp), args.calls)
        canonical_check(args.calls)
        sealing(Path(tmp), args.calls)


if __name__ == "__main__":
    main()

"""The ballot route over real HTTP (uvicorn in a thread, concurrent clients) writes ballots by
group commit (services/ballot_batch.py), on SQLite and PostgreSQL: concurrent ballots share
transactions and every one is answered after its commit; the bad ones in the same moment get
their own 4xx and fail none of the others; one voter sending many at once gets one 201."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import recall_web_support as support
from sqlalchemy import func, select

from dualpower.services import elections
from dualpower.services.elections import OpenElection
from dualpower.store import tables as t
from dualpower.web.app import create_app
from fixtures_services import open_election

API = "/api/v1"
small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def served(fed) -> Iterator[tuple[object, str]]:  # type: ignore[no-untyped-def]
    app = create_app(fed.system)
    for url in support.serve(app):
        yield app, url


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _stored(fed, election_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        return tuple(  # type: ignore[return-value]
            int(
                uow.conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.election_id == election_id)
                ).scalar_one()
            )
            for table in (t.ballots, t.participations)
        )


def test_concurrent_ballots_good_and_bad_each_get_their_answer(fed, served) -> None:  # type: ignore[no-untyped-def]
    app, base = served
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election = open_election(fed.system.uow(), OpenElection(forge.id, "plurality"))
    cand = elections.nominate(fed.system.uow(), election, fed.members["forge12"], None, None)
    url = f"{base}{API}/elections/{election}/ballots"
    good = [support.bearer(fed.system, fed.members[f"forge{i}"]) for i in range(1, 10)]
    twice = support.bearer(fed.system, fed.members["forge10"])
    outsider = support.bearer(fed.system, fed.members["mill1"])
    wrong = support.bearer(fed.system, fed.members["forge11"])
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=40)) as client:

        def post(headers: dict[str, str], body: dict) -> Callable[[], httpx.Response]:  # type: ignore[type-arg]
            return lambda: client.post(url, json=body, headers=headers)

        ok = {"choices": [cand]}
        calls = [post(h, ok) for h in good]
        calls += [post(twice, ok) for _ in range(6)]
        calls += [
            post(outsider, ok),  # not an elector: 403
            post(wrong, {"choices": [cand + 1000]}),  # not a candidate: 422
            post(wrong, {"ranking": [cand]}),  # plurality wants choices: 422
            post({"Authorization": "Bearer nonsense"}, ok),  # 401
            post({}, ok),  # no token: 401
        ]
        answers = _at_once(calls)
    codes = [r.status_code for r in answers]
    assert codes[:9] == [201] * 9, [r.text for r in answers[:9]]
    assert sorted(codes[9:15]) == [201] + [409] * 5
    assert codes[15:] == [403, 422, 422, 401, 401], [r.text for r in answers[15:]]
    assert all(r.json()["detail"] for r in answers if r.status_code >= 400)
    assert answers[-2].headers["www-authenticate"] == "Bearer"
    receipts = {r.json()["receipt"] for r in answers if r.status_code == 201}
    assert len(receipts) == 10
    assert _stored(fed, election) == (10, 10)
    with fed.system.reader() as uow:
        assert {b["receipt"] for b in uow.elections.published_ballots(election)} == receipts
    writer = app.state.ballot_writer  # type: ignore[attr-defined]
    assert writer.batches < 19  # concurrent ballots shared transactions

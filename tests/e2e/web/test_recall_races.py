"""Races over real HTTP (uvicorn in a thread, many clients at once) on both databases, and the
live updates by server-sent events.

- 64 signatures at once on a petition one short of its threshold: the mandate ends exactly
  once, one by-election opens for the seat, no signature is lost or counted twice, and every
  request gets a clear answer (200 or 409, never a 5xx).
- 16 ballots at once from the same voter, 40 rounds: exactly one counted, the others 409.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import recall_web_support as support
from sqlalchemy import func, select

from dualpower.services import elections, recall
from dualpower.services.check import check
from dualpower.services.elections import OpenElection
from dualpower.store.db import rebuildable
from dualpower.store.tables import audit_log
from dualpower.web.app import create_app
from fixtures_services import cast_many, open_election

API = "/api/v1"
small_template, fed = support.small_template, support.fed  # fixtures
big_template, big = support.big_template, support.big


@pytest.fixture
def big_url(big) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with rebuildable(big.system.engine):  # the races, not the disk (test_trust_races.py)
        yield from support.serve(create_app(big.system))


@pytest.fixture
def small_url(fed) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with rebuildable(fed.system.engine):
        yield from support.serve(create_app(fed.system))


def _works(big, i: int) -> int:  # type: ignore[no-untyped-def]
    return int(big.members[f"works{i}"])


def _acts(system, act: str) -> int:  # type: ignore[no-untyped-def]
    with system.reader() as uow:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.act == act)
        return int(uow.conn.execute(query).scalar_one())


def _all_at_once(calls: list) -> list[httpx.Response]:  # type: ignore[type-arg]
    """Run each call from its own thread, released together."""
    barrier = threading.Barrier(len(calls))

    def run(call):  # type: ignore[no-untyped-def]
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.slow
def test_64_concurrent_signatures_cross_the_threshold_once(big, big_url) -> None:
    with big.system.reader() as uow:
        works = uow.electorates.for_unit(big.units["Works"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == works.id)[0]
        upper = uow.mandates.dependants(mandate.id)
    assert upper, "works1 also sits in the chief council (the cascade is part of the race)"
    petition = recall.open_recall(big.system.uow(), mandate.id, _works(big, 1))
    assert petition.threshold == 71  # a majority of 140
    recall.sign_many(big.system.uow(), petition.id, [_works(big, i) for i in range(1, 71)])
    signers = list(range(71, 135))  # 64 electors, one signature short of the threshold
    headers = {i: support.bearer(big.system, _works(big, i)) for i in signers}
    url = f"{big_url}{API}/recalls/{petition.id}/signatures"

    def sign(i: int):  # type: ignore[no-untyped-def]
        return lambda: httpx.post(url, headers=headers[i], timeout=60)

    answers = _all_at_once([sign(i) for i in signers])

    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 63, codes
    won = next(r.json() for r in answers if r.status_code == 200)
    assert (won["status"], won["signatures"], won["threshold"]) == ("recalled", 71, 71)
    assert all("decided" in r.json()["detail"] for r in answers if r.status_code == 409)
    with big.system.reader() as uow:
        assert len(uow.recalls.signers(petition.id)) == 71
        assert uow.mandates.get(mandate.id).end_reason == "recalled"
        by = [e for e in uow.elections.list() if e.kind == "by"]
        assert sorted((e.electorate_id, e.seat_no) for e in by) == sorted(
            [(works.id, mandate.seat_no)] + [(md.electorate_id, md.seat_no) for md in upper]
        )
    assert _acts(big.system, "recall.sign") == 71
    assert _acts(big.system, "recall.decide") == 1
    assert _acts(big.system, "mandate.end") == 1 + len(upper)
    assert check(big.system.reader()) == []


@pytest.mark.slow
def test_16_concurrent_ballots_by_one_voter_count_once(big, big_url) -> None:
    with big.system.reader() as uow:
        works = uow.electorates.for_unit(big.units["Works"])
    election_id = open_election(
        big.system.uow(), OpenElection(works.id, "plurality", is_secret=True)
    )
    candidate = elections.nominate(big.system.uow(), election_id, _works(big, 2), None, None)
    url = f"{big_url}{API}/elections/{election_id}/ballots"
    with httpx.Client(timeout=60) as client:
        for round_no in range(40):
            headers = support.bearer(big.system, _works(big, 10 + round_no))

            def cast(headers=headers):  # type: ignore[no-untyped-def]
                return lambda: client.post(url, json={"choices": [candidate]}, headers=headers)

            answers = _all_at_once([cast() for _ in range(16)])
            codes = sorted(r.status_code for r in answers)
            assert codes == [201] + [409] * 15, (round_no, codes)
            assert all(
                "already voted" in r.json()["detail"] for r in answers if r.status_code == 409
            )
    with big.system.reader() as uow:
        assert len(uow.elections.ballot_choices(election_id)) == 40
    assert _acts(big.system, "election.participate") == 40


def _events(response: httpx.Response) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    """(event, data) pairs from a text/event-stream response."""
    name, data = "", ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif line == "" and data:
            yield name, json.loads(data)
            name, data = "", ""


def test_petition_count_streams_live(fed, small_url) -> None:
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)[0]
    forge_ids = [fed.members[f"forge{i}"] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, forge_ids[0])
    url = f"{small_url}{API}/recalls/{petition.id}/events"
    with httpx.stream("GET", url, timeout=20) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
        now = httpx.get(f"{small_url}{API}/recalls/{petition.id}").json()
        assert next(events) == ("petition", now)
        for i, member in enumerate(forge_ids[:6], start=1):
            signed = httpx.post(
                f"{small_url}{API}/recalls/{petition.id}/signatures",
                headers=support.bearer(fed.system, member),
            )
            assert signed.status_code == 200
            name, data = next(events)
            assert (name, data["signatures"], data["status"]) == ("petition", i, "open")
        recall.sign_recall(fed.system.uow(), petition.id, forge_ids[6])
        _, data = next(events)
        assert (data["signatures"], data["status"]) == (7, "recalled")
        assert next(events, None) is None  # decided: the stream ends


def test_election_turnout_streams_live_and_unknown_streams_are_404(fed, small_url) -> None:
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election_id = open_election(
        fed.system.uow(), OpenElection(forge.id, "approval", is_secret=True)
    )
    candidate = elections.nominate(fed.system.uow(), election_id, fed.members["forge2"], None, None)
    with httpx.stream("GET", f"{small_url}{API}/elections/{election_id}/events", timeout=20) as r:
        events = _events(r)
        assert next(events) == (
            "turnout",
            {"election_id": election_id, "status": "open", "voted": 0, "electorate_size": 12},
        )
        elections.cast_ballot(fed.system.uow(), election_id, fed.members["forge3"], [candidate])
        assert next(events)[1]["voted"] == 1
        cast_many(
            fed.system.uow(),
            election_id,
            [(fed.members[f"forge{i}"], [candidate]) for i in (4, 5, 6)],
        )
        assert next(events)[1]["voted"] == 4
    for path in ("recalls/999999/events", "elections/999999/events"):
        missing = httpx.get(f"{small_url}{API}/{path}")
        assert missing.status_code == 404 and "detail" in missing.json()

"""Reads on a streaming standby (issue 24): a real primary and a real hot standby (local
clusters on ports 56000+, tests/pg_cluster.py), the app reading on the standby, the recall and
ballot flows end to end through the API and the pages.

To show where a read went, the standby's replay is paused (`pg_wal_replay_pause()`): a read on
the standby then sees the world as it was, a read on the primary sees the write. A member who
has just written reads their own write (the record of their token in this process, or the
signed cookie `dp_read_after`), while anyone else still reads the standby; once the standby has
replayed the write, the member reads there again; a standby that lags beyond the bound is
skipped for everyone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from recall_web_support import token

import pg_cluster
from dualpower.bootstrap import ROUTE, Route, build, with_replicas
from dualpower.services import elections, recall, views
from dualpower.services.elections import OpenElection
from dualpower.web.app import create_app
from dualpower.web.live import Broadcaster
from dualpower.web.read_routing import COOKIE
from factories import Small, small_federation, username
from fixtures_services import close_election, open_election

pytestmark = pytest.mark.slow
API = "/api/v1"
IS_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[pg_cluster.Cluster, pg_cluster.Cluster]]:
    if pg_cluster.pg_bin() is None:
        if IS_CI:
            pytest.fail("no PostgreSQL server binaries: the replica test must run in CI")
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/N/bin)")
    root = pg_cluster.make_dir(Path(f"/tmp/rep-test-{os.getpid()}"))
    primary = pg_cluster.primary(root, "primary", pg_cluster.free_port(), fsync=False)
    standby = None
    try:
        standby = pg_cluster.standby(root, "standby", pg_cluster.free_port({primary.port}), primary)
        pg_cluster.wait_streaming(primary, "standby")
        primary.sql("CREATE DATABASE dp")
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def fed(clusters) -> Iterator[Small]:  # type: ignore[no-untyped-def]
    primary, standby = clusters
    system = build(primary.url("dp"))
    built = small_federation(system)
    with_replicas(system, [standby.url("dp")], max_lag=60.0, poll=0.05)
    try:
        yield built
    finally:
        assert system.replicas is not None
        system.replicas.close()
        system.engine.dispose()


@pytest.fixture
def client(fed: Small) -> Iterator[TestClient]:
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        yield c


def _replicas(fed: Small):  # type: ignore[no-untyped-def]
    assert fed.system.replicas is not None
    return fed.system.replicas


def _caught_up(fed: Small, timeout: float = 30.0) -> None:
    replicas = _replicas(fed)
    deadline = time.monotonic() + timeout
    replicas.wait_polled()
    while replicas.replayed() < replicas.written:
        assert time.monotonic() < deadline, replicas.status()
        replicas.wait_polled()


@pytest.fixture
def standby(clusters) -> pg_cluster.Cluster:  # type: ignore[no-untyped-def]
    return clusters[1]


@pytest.fixture
def paused(fed: Small, standby: pg_cluster.Cluster) -> Iterator[None]:
    """The standby stops replaying (it still receives): reads there see the world as of now."""
    _caught_up(fed)
    standby.sql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        standby.sql("SELECT pg_wal_replay_resume()")
        _replicas(fed).max_lag = 60.0
        _caught_up(fed)


def _member(fed: Small, unit: str, i: int) -> int:
    return int(fed.members[username(unit, i)])


def _as(fed: Small, unit: str, i: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(fed.system, _member(fed, unit, i)).token}"}


def _mandate_of(fed: Small, unit: str):  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units[unit])
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]


def test_public_reads_go_to_the_standby_and_writes_to_the_primary(fed: Small, client) -> None:  # type: ignore[no-untyped-def]
    replicas = _replicas(fed)
    _caught_up(fed)
    before = replicas.counts.replica
    assert client.get(f"{API}/councils").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get(f"/councils/{fed.councils['North Council']}").status_code == 200
    assert replicas.counts.replica > before  # pages and API reads on the standby
    # Outside a request (commands, the clock, the services' callers) reads stay on the primary.
    with fed.system.reader() as uow:
        assert uow.engine is fed.system.engine


def test_recall_flow_reads_its_own_writes_while_others_read_the_standby(
    fed: Small, client, paused, standby
) -> None:  # type: ignore[no-untyped-def]
    mandate = _mandate_of(fed, "Barracks")
    first, second = _as(fed, "Barracks", 2), _as(fed, "Barracks", 3)
    opened = client.post(f"{API}/recalls", json={"mandate_id": mandate.id}, headers=first)
    assert opened.status_code == 201, opened.text
    assert COOKIE in opened.cookies  # the signed cookie for any process
    petition = opened.json()
    url = f"{API}/recalls/{petition['id']}"

    client.cookies.clear()  # the record of first's token in this process alone
    mine = client.get(url, headers=first)
    assert mine.status_code == 200 and mine.json() == petition  # its own write, at once
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as stranger:
        assert stranger.get(url).status_code == 404  # the standby has not replayed it
        assert stranger.get(f"/recalls/{petition['id']}").status_code == 404

        assert client.post(f"{url}/signatures", headers=first).json()["signatures"] == 1
        assert client.post(f"{url}/signatures", headers=second).json()["signatures"] == 2
        withdrawn = client.delete(f"{url}/signatures", headers=first)
        assert (withdrawn.json()["signatures"], withdrawn.json()["status"]) == (1, "open")
        client.cookies.clear()
        assert client.get(url, headers=first).json()["signatures"] == 1
        assert client.get(url, headers=second).json()["signatures"] == 1

        # The standby replays: everyone reads it there, the writers too.
        standby.sql("SELECT pg_wal_replay_resume()")
        _caught_up(fed)
        behind = _replicas(fed).counts.primary_behind
        assert stranger.get(url).json()["signatures"] == 1
        assert stranger.get(f"/recalls/{petition['id']}").status_code == 200
        assert client.get(url, headers=first).json()["signatures"] == 1
        assert _replicas(fed).counts.primary_behind == behind


def test_the_deciding_signature_and_the_by_election(fed: Small, client, paused, standby) -> None:  # type: ignore[no-untyped-def]
    mandate = _mandate_of(fed, "Forge")
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 1))
    recall.sign_many(fed.system.uow(), petition.id, [_member(fed, "Forge", i) for i in range(1, 7)])
    standby.sql("SELECT pg_wal_replay_resume()")
    _caught_up(fed)
    standby.sql("SELECT pg_wal_replay_pause()")

    forge7 = _as(fed, "Forge", 7)
    decided = client.post(f"{API}/recalls/{petition.id}/signatures", headers=forge7).json()
    assert (decided["status"], decided["signatures"]) == ("recalled", 7)
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as stranger:
        assert stranger.get(f"{API}/mandates/{mandate.id}").json()["is_active"] is True
        by = client.get(f"{API}/elections/{decided['by_election_id']}", headers=forge7)
        assert by.status_code == 200 and by.json()["status"] == "open"  # the signer's view
        ended = client.get(f"{API}/mandates/{mandate.id}", headers=forge7).json()
        assert (ended["is_active"], ended["end_reason"]) == (False, "recalled")


def test_ballots_read_their_own_write_on_the_page(fed: Small, client, paused, standby) -> None:  # type: ignore[no-untyped-def]
    standby.sql("SELECT pg_wal_replay_resume()")
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
    election_id = open_election(
        fed.system.uow(), OpenElection(electorate.id, "stv-scottish", is_secret=True)
    )
    candidates = [
        elections.nominate(fed.system.uow(), election_id, _member(fed, "Mill", i), None, None)
        for i in (4, 5, 6)
    ]
    _caught_up(fed)
    standby.sql("SELECT pg_wal_replay_pause()")

    voter = _member(fed, "Mill", 7)
    session = token(fed.system, voter, kind="session")
    bearer = {"Authorization": f"Bearer {token(fed.system, voter).token}"}
    client.cookies.set("dp_session", session.token)
    _caught_up_written = _replicas(fed).written
    cast = client.post(
        f"{API}/elections/{election_id}/ballots", json={"ranking": candidates}, headers=bearer
    )
    assert cast.status_code == 201, cast.text
    receipt = cast.json()["receipt"]
    assert _replicas(fed).written > _caught_up_written  # the batch writer's commit was noted
    page = client.get(f"/elections/{election_id}")  # the session cookie and dp_read_after
    assert page.status_code == 200
    assert "You have voted in this election." in page.text
    assert 'data-field="voted">1<' in page.text
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as stranger:
        assert 'data-field="voted">0<' in stranger.get(f"/elections/{election_id}").text
        again = client.post(
            f"{API}/elections/{election_id}/ballots", json={"ranking": candidates}, headers=bearer
        )
        assert again.status_code == 409  # writes check the primary

        standby.sql("SELECT pg_wal_replay_resume()")
        _caught_up(fed)
        assert 'data-field="voted">1<' in stranger.get(f"/elections/{election_id}").text
        close_election(fed.system.uow(), election_id)
        _caught_up(fed)
        published = stranger.get(f"{API}/elections/{election_id}/ballots")
        assert published.status_code == 200
        assert [b["receipt"] for b in published.json()] == [receipt]


def test_a_standby_lagging_beyond_the_bound_is_skipped(fed: Small, client, paused) -> None:  # type: ignore[no-untyped-def]
    replicas = _replicas(fed)
    mandate = _mandate_of(fed, "Mill")
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Mill", 1))
    url = f"{API}/recalls/{petition.id}"
    assert client.get(url).status_code == 404  # within the bound (60 s): the paused standby
    replicas.max_lag = 0.5
    time.sleep(0.6)
    replicas.wait_polled()
    assert replicas.status()[0]["lag_seconds"] > 0.5
    behind = replicas.counts.primary_behind
    assert client.get(url).status_code == 200  # skipped: read on the primary
    assert replicas.counts.primary_behind > behind


def test_cluster_fixture_is_a_real_standby(clusters) -> None:  # type: ignore[no-untyped-def]
    primary, standby = clusters
    assert standby.sql("SELECT pg_is_in_recovery()") == [(True,)]
    assert primary.sql("SELECT pg_is_in_recovery()") == [(False,)]


def _farm_election_replayed(fed: Small, standby: pg_cluster.Cluster) -> tuple[int, int]:
    """An open election in the Farm with one candidate, replayed by the standby, whose replay
    is then paused again: (election, candidate)."""
    standby.sql("SELECT pg_wal_replay_resume()")
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Farm"])
    election_id = open_election(
        fed.system.uow(), OpenElection(electorate.id, "plurality", is_secret=True)
    )
    candidate = elections.nominate(
        fed.system.uow(), election_id, _member(fed, "Farm", 1), None, None
    )
    _caught_up(fed)
    standby.sql("SELECT pg_wal_replay_pause()")
    return election_id, candidate


def test_a_live_stream_woken_by_a_ballot_reads_it(fed: Small, paused, standby) -> None:  # type: ignore[no-untyped-def]
    """A stream's read after a wake sees the waking commit: on a standby that has replayed it
    (waited for, up to a second), else on the primary; here the standby's replay is paused."""
    election_id, candidate = _farm_election_replayed(fed, standby)
    live = Broadcaster(heartbeat=30)
    topic = ("election", election_id)

    def read() -> dict[str, Any]:
        return views.turnout(fed.system.reader(), election_id)

    async def watch() -> list[bytes]:
        ROUTE.set(Route(True, replicas=_replicas(fed)))
        stream = live.frames(topic, "turnout", read, lambda _: False)
        first = await stream.__anext__()
        voter = _member(fed, "Farm", 2)
        await asyncio.to_thread(
            elections.cast_ballot, fed.system.uow(), election_id, voter, [candidate]
        )
        live.wake(topic)
        second = await asyncio.wait_for(stream.__anext__(), 10)
        await stream.aclose()
        return [first, second]

    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(asyncio.run(watch())))
    thread.start()
    thread.join(30)
    first, second = seen[0]
    assert b'"voted":0' in first and b'"voted":1' in second


def test_a_token_issued_a_moment_ago_is_known_at_once(fed: Small, client, paused) -> None:  # type: ignore[no-untyped-def]
    """Credentials are read on the primary: a token the standby has not replayed yet (a login a
    moment ago, on another process) is accepted, and a session cookie opens the pages."""
    member = _member(fed, "Farm", 3)
    fresh = {"Authorization": f"Bearer {token(fed.system, member).token}"}
    me = client.get(f"{API}/me", headers=fresh)
    assert me.status_code == 200 and me.json()["id"] == member
    client.cookies.set("dp_session", token(fed.system, member, kind="session").token)
    page = client.get("/me")
    assert page.status_code == 200 and "Farm Member 3" in page.text


def test_a_live_stream_woken_by_another_process_reads_its_ballot(
    fed: Small, paused, standby
) -> None:  # type: ignore[no-untyped-def]
    """The same for a ballot of another process (its own system, on the primary), whose
    notification wakes the stream (store/change_feed.py): the feed notes the primary's WAL
    position before the wake, so the read waits for a standby that has replayed it, or goes to
    the primary; here the standby's replay is paused (without the note it reads the standby)."""
    election_id, candidate = _farm_election_replayed(fed, standby)
    other = build(fed.system.engine.url.render_as_string(hide_password=False), migrate=False)
    feed = fed.system.feed
    assert feed is not None
    live = Broadcaster(heartbeat=30, every=0.0)
    topic = ("election", election_id)

    def read() -> dict[str, Any]:
        return views.turnout(fed.system.reader(), election_id)

    async def watch() -> list[bytes]:
        ROUTE.set(Route(True, replicas=_replicas(fed)))
        stream = live.frames(topic, "turnout", read, lambda _: False, shared=True)
        first = await stream.__anext__()
        voter = _member(fed, "Farm", 3)
        await asyncio.to_thread(elections.cast_ballot, other.uow(), election_id, voter, [candidate])
        second = await asyncio.wait_for(stream.__anext__(), 10)
        await stream.aclose()
        return [first, second]

    feed.listen(live)
    try:
        assert feed.connected.wait(10)
        seen: list[Any] = []
        thread = threading.Thread(target=lambda: seen.append(asyncio.run(watch())))
        thread.start()
        thread.join(30)
    finally:
        feed.unlisten(live)
        other.engine.dispose()
    first, second = seen[0]
    assert b'"voted":0' in first and b'"voted":1' in second

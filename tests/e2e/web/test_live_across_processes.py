"""Live streams across processes (issue 24): on PostgreSQL two servers of one database, each
with its own engine, change feed and broadcaster (two `dualpower serve` processes as far as
the feed can tell), wake each other's streams through LISTEN/NOTIFY (store/change_feed.py).

A watcher of a turnout or a petition on server A sees a ballot or a signature given through
server B within seconds; a server skips its own notifications (it woke its streams in process
already); the listening connection, killed, comes back, and what was committed while it was
away reaches the streams. SQLite is served by one process and has no feed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import recall_web_support as support
from sqlalchemy import text

from backends import only_postgresql_world
from discussion_support import mill, mill_petition, post
from dualpower.bootstrap import System, build
from dualpower.services import discussion, elections, recall
from dualpower.services.elections import OpenElection
from dualpower.web.app import create_app
from factories import Small
from fixtures_services import open_election

API = "/api/v1"
EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")
SOON = 5.0  # seconds: "within a few seconds" (a shared stream sends at most one a second)
small_template, fed = support.small_template, support.fed  # fixtures
# SQLite is served by one process and has no change feed (docs/scale.md): these run on
# PostgreSQL alone, generated only when it is there (always under CI).
ON_POSTGRESQL = only_postgresql_world("small_template")


@dataclass
class Two:
    fed: Small
    a: System  # the watchers' server
    b: System  # the other server, its own engine and feed
    url_a: str
    url_b: str


@pytest.fixture
def two(fed: Small) -> Iterator[Two]:
    assert fed.system.feed is not None  # PostgreSQL only: SQLite has no change feed
    other = build(fed.system.engine.url.render_as_string(hide_password=False), migrate=False)
    try:
        for url_a in support.serve(create_app(fed.system)):
            for url_b in support.serve(create_app(other)):
                assert fed.system.feed.connected.wait(10) and other.feed
                assert other.feed.connected.wait(10)
                yield Two(fed, fed.system, other, url_a, url_b)
    finally:
        other.engine.dispose()


def _until(what: str, ready: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := ready()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


class _Stream:
    """A server-sent-event stream read on a thread: (event, data) pairs as they come."""

    def __init__(self, url: str) -> None:
        self.got: list[tuple[str, dict[str, Any]]] = []
        self.status: int = 0
        self.ended: Exception | None = None
        self._open = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()
        assert self._open.wait(10) and self.status == 200, "the stream did not open"

    def _read(self, url: str) -> None:
        try:
            with httpx.stream("GET", url, timeout=30) as response:
                self.status = response.status_code
                self._open.set()
                name = ""
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        name = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        self.got.append((name, json.loads(line.removeprefix("data: "))))
        except httpx.HTTPError as error:  # the server stops at the test's end
            self.ended = error

    def sees(self, what: str, test: Callable[[dict[str, Any]], bool]) -> float:
        """Seconds until a message passes `test`; fails after SOON."""
        start = time.monotonic()
        _until(what, lambda: any(test(data) for _, data in self.got), SOON)
        assert self.ended is None, self.ended
        return time.monotonic() - start


def _forge_election(two: Two) -> tuple[int, int]:
    fed = two.fed
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election_id = open_election(fed.system.uow(), OpenElection(forge.id, "approval"))
    candidate = elections.nominate(fed.system.uow(), election_id, fed.members["forge2"], None, None)
    return election_id, candidate


def _vote(system: System, election_id: int, member: int, candidate: int) -> None:
    """A ballot given to this server's system (its engine, its feed)."""
    elections.cast_ballot(system.uow(), election_id, member, [candidate])


@ON_POSTGRESQL
def test_a_turnout_watched_on_one_server_sees_ballots_cast_through_another(two: Two) -> None:
    election_id, candidate = _forge_election(two)
    stream = _Stream(f"{two.url_a}{API}/elections/{election_id}/events")
    assert stream.sees("the turnout now", lambda d: d["voted"] == 0) < SOON
    for voted, i in enumerate((3, 4, 5), start=1):
        _vote(two.b, election_id, two.fed.members[f"forge{i}"], candidate)
        stream.sees(f"{voted} voted", lambda d, n=voted: d["voted"] == n)  # type: ignore[misc]
    assert two.a.feed and two.a.feed.received >= 3


@ON_POSTGRESQL
def test_a_petition_watched_on_one_server_sees_signatures_given_through_another(
    two: Two,
) -> None:
    fed = two.fed
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)[0]
    petition = recall.open_recall(two.b.uow(), mandate.id, fed.members["forge1"])
    stream = _Stream(f"{two.url_a}{API}/recalls/{petition.id}/events")
    for signatures, i in enumerate((2, 3), start=1):
        signed = httpx.post(
            f"{two.url_b}{API}/recalls/{petition.id}/signatures",
            headers=support.bearer(two.b, fed.members[f"forge{i}"]),
            timeout=30,
        )
        assert signed.status_code == 200, signed.text
        stream.sees(f"{signatures} signatures", lambda d, n=signatures: d["signatures"] == n)  # type: ignore[misc]


@ON_POSTGRESQL
def test_a_server_skips_its_own_notifications(two: Two) -> None:
    """A ballot through A wakes A's streams in process after commit; A's listener skips the
    notification of that commit (no second wake) and B's turns it into a wake."""
    a, b = two.a.feed, two.b.feed
    assert a is not None and b is not None
    election_id, candidate = _forge_election(two)  # one notification each way? none: no event
    own, received_a, received_b = a.own, a.received, b.received
    stream = _Stream(f"{two.url_a}{API}/elections/{election_id}/events")
    _vote(two.a, election_id, two.fed.members["forge3"], candidate)
    stream.sees("1 voted", lambda d: d["voted"] == 1)
    _until("A's listener to get its own notification", lambda: a.own == own + 1)
    _until("B's listener to get A's notification", lambda: b.received == received_b + 1)
    assert a.received == received_a


@ON_POSTGRESQL
def test_the_listener_comes_back_after_its_connection_is_killed(two: Two) -> None:
    feed = two.a.feed
    assert feed is not None
    feed.backoff = (1.0, 1.0)  # room for a commit while it is away
    election_id, candidate = _forge_election(two)
    stream = _Stream(f"{two.url_a}{API}/elections/{election_id}/events")
    with two.b.engine.connect() as conn:
        killed = conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": feed.backend_pid}
        ).scalar_one()
    assert killed
    _until("the listener to notice", lambda: not feed.connected.is_set())
    # Committed while nobody listens on A: read again once A listens again.
    _vote(two.b, election_id, two.fed.members["forge3"], candidate)
    _until("the listener to come back", feed.connected.is_set)
    assert feed.connections == 2
    stream.sees("1 voted", lambda d: d["voted"] == 1)
    _vote(two.b, election_id, two.fed.members["forge4"], candidate)
    stream.sees("2 voted", lambda d: d["voted"] == 2)


@ON_POSTGRESQL
def test_a_discussion_watched_on_one_server_sees_comments_posted_through_another(
    two: Two,
) -> None:
    petition = mill_petition(two.fed)
    stream = _Stream(f"{two.url_a}{API}/discussions/recall/{petition}/events")
    stream.sees("no comment yet", lambda d: d["count"] == 0)
    cmd = discussion.PostComment(mill(two.fed, 3), "recall", petition, "Recall him!")
    posted = discussion.post_comment(two.b.uow(), cmd)
    stream.sees("the comment", lambda d: d["latest"] == posted)


def test_a_discussion_stream_is_woken_by_a_comment_of_its_own_server(fed: Small) -> None:
    """In process, on both databases: the broadcaster wakes a discussion at CommentPosted."""
    petition = mill_petition(fed)
    served = support.serve(create_app(fed.system))
    try:
        stream = _Stream(f"{next(served)}{API}/discussions/recall/{petition}/events")
        stream.sees("no comment yet", lambda d: d["count"] == 0)
        posted = post(fed, mill(fed, 3), petition)
        stream.sees("the comment", lambda d: d["latest"] == posted)
    finally:
        served.close()


def _serve_process(url: str, log: Any) -> tuple[subprocess.Popen[bytes], str]:
    """`dualpower serve` on the database, a process of its own: (process, base URL)."""
    port = support._free_port()
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url}
    process = subprocess.Popen(
        [DUALPOWER, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}{API}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
@ON_POSTGRESQL
def test_two_serve_processes_wake_each_others_streams(fed: Small, tmp_path: Path) -> None:
    """Two real `dualpower serve` processes on one database: a turnout and a petition watched
    on the first see a ballot cast by a third process (this test's) and a signature given
    through the second."""
    assert fed.system.feed is not None
    assert DUALPOWER, "the dualpower console script is not installed"
    url = fed.system.engine.url.render_as_string(hide_password=False)
    with (tmp_path / "serve.log").open("wb") as log:
        servers = [_serve_process(url, log) for _ in range(2)]
        try:
            (_, url_a), (_, url_b) = servers
            for base in (url_a, url_b):
                _until(f"{base} to answer", lambda base=base: _answers(base), 60)
            with fed.system.reader() as uow:
                forge = uow.electorates.for_unit(fed.units["Forge"])
                mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)[0]
            election_id = open_election(fed.system.uow(), OpenElection(forge.id, "approval"))
            candidate = elections.nominate(
                fed.system.uow(), election_id, fed.members["forge2"], None, None
            )
            petition = recall.open_recall(fed.system.uow(), mandate.id, fed.members["forge1"])
            turnout = _Stream(f"{url_a}{API}/elections/{election_id}/events")
            signatures = _Stream(f"{url_a}{API}/recalls/{petition.id}/events")
            turnout.sees("the turnout now", lambda d: d["voted"] == 0)
            _vote(fed.system, election_id, fed.members["forge3"], candidate)
            turnout.sees("1 voted", lambda d: d["voted"] == 1)
            signed = httpx.post(
                f"{url_b}{API}/recalls/{petition.id}/signatures",
                headers=support.bearer(fed.system, fed.members["forge4"]),
                timeout=30,
            )
            assert signed.status_code == 200, signed.text
            signatures.sees("a signature", lambda d: d["signatures"] == 1)
        finally:
            for process, _ in servers:
                process.terminate()
            for process, _ in servers:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

"""Steady under abuse, and observable (issue 23), on SQLite and PostgreSQL: request bodies are
limited, a database that cannot write answers 503 with the reason logged, an election id beyond
64 bits is a 404 that never reaches the ballot writer, every answer carries a request id, and
/healthz, /readyz and /metrics say how the server is (the last two only to the machine itself,
DUALPOWER_METRICS_FROM or DUALPOWER_METRICS_TOKEN), and password checks are paced so a flood
of logins cannot starve the rest."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import recall_web_support as support
from fastapi.testclient import TestClient
from sqlalchemy import event

from dualpower.bootstrap import System
from dualpower.services import elections
from dualpower.services.elections import OpenElection
from dualpower.store.uow import utcnow
from dualpower.web.app import create_app
from factories import PASSWORD, Small, small_federation
from fixtures_services import open_election

API = "/api/v1"


@pytest.fixture
def fed(system: System) -> Small:
    return small_federation(system, elect=False)


@pytest.fixture
def client(fed: Small) -> Iterator[TestClient]:
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def local(fed: Small) -> Iterator[TestClient]:
    """A client on the machine itself (127.0.0.1), as the monitoring on the server is."""
    app = create_app(fed.system)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 40000)) as c:
        yield c


def _login(client: TestClient, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"username": "forge1", "password": password})


def test_a_body_above_the_limit_is_413_with_a_sentence(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, fed: Small
) -> None:
    monkeypatch.setenv("DUALPOWER_MAX_BODY_BYTES", "4096")
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as small:
        r = small.post(f"{API}/auth/login", content=b"x" * 5000, headers={"content-type": "a/b"})
        assert r.status_code == 413
        assert r.json()["detail"] == "the request body is larger than the 4,096 bytes allowed"
        assert _login(small).status_code == 200  # a body within the limit is served


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    r = _login(client, "wrong")
    assert r.status_code == 401 and len(r.headers["x-request-id"]) == 16
    mine = client.get(f"{API}/councils", headers={"X-Request-ID": "trace-42"})
    assert mine.headers["x-request-id"] == "trace-42"
    odd = client.get(f"{API}/councils", headers={"X-Request-ID": "no spaces <please>"})
    assert odd.headers["x-request-id"] != "no spaces <please>"  # a fresh one instead
    page = client.get("/councils/999999", headers={"X-Request-ID": "page-7"})
    assert page.status_code == 404 and "page-7" in page.text


def test_an_election_id_beyond_64_bits_is_404_and_never_reaches_the_writer(
    client: TestClient, fed: Small, caplog: pytest.LogCaptureFixture
) -> None:
    headers = support.bearer(fed.system, fed.members["forge1"])
    for digits in ("9" * 19, "9" * 25, "1" + "0" * 5000):
        r = client.post(f"{API}/elections/{digits}/ballots", json={"choices": [1]}, headers=headers)
        assert r.status_code == 404, digits
        assert r.json()["detail"] == "there is no election with an id that large"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING]


def _refuse_writes(system: System) -> None:
    """Every new connection may read but not write (SQLite's query_only; PostgreSQL's
    default_transaction_read_only): a read-only database."""

    @event.listens_for(system.engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        if system.engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA query_only=ON")
        else:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()

    system.engine.dispose()


def test_a_read_only_database_answers_503_and_logs_why(
    client: TestClient, fed: Small, caplog: pytest.LogCaptureFixture
) -> None:
    _refuse_writes(fed.system)
    r = _login(client)
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert r.json()["detail"] == (
        "the server cannot use its database right now (the database is read-only); "
        "please try again later"
    )
    assert r.json()["request_id"] == r.headers["x-request-id"]
    logged = [rec for rec in caplog.records if "database unavailable" in rec.getMessage()]
    assert logged and "read-only" in logged[0].getMessage()
    assert client.get(f"{API}/councils").status_code == 200  # reading still works


def test_health_readiness_and_metrics(local: TestClient, fed: Small) -> None:
    client = local
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["schema"]["state"] == "current"
    assert checks["sealer"]["ok"] and checks["sealer"]["lag_seconds"] < 60

    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election = open_election(fed.system.uow(), OpenElection(forge.id, "plurality"))
    cand = elections.nominate(fed.system.uow(), election, fed.members["forge12"], None, None)
    headers = support.bearer(fed.system, fed.members["forge1"])
    r = client.post(
        f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=headers
    )
    assert r.status_code == 201, r.text

    text = client.get("/metrics").text
    assert 'dualpower_acts_accepted_total{kind="ballots"} 1.0' in text
    assert (
        'dualpower_http_requests_total{method="POST",route="/api/v1/elections/{election_id}/'
        'ballots",status="201"} 1.0'
    ) in text
    assert 'dualpower_http_requests_total{method="GET",route="/readyz",status="200"} 1.0' in text
    assert "dualpower_audit_sealer_lag_seconds" in text
    assert 'dualpower_db_pool_connections{state="in_use"}' in text


def test_a_silent_background_task_makes_the_server_unready(local: TestClient, fed: Small) -> None:
    client = local
    fed.system.background["clock"] = utcnow() - timedelta(seconds=2)
    assert client.get("/readyz").json()["checks"]["clock"]["ok"]
    fed.system.background["clock"] = utcnow() - timedelta(hours=1)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and not ready.json()["ready"]
    assert 'dualpower_background_task_age_seconds{task="clock"}' in client.get("/metrics").text


def _watch(fed: Small, host: str, **headers: str) -> tuple[int, int, Any]:
    app = create_app(fed.system)
    with TestClient(app, raise_server_exceptions=False, client=(host, 40000)) as c:
        ready, metrics = c.get("/readyz", headers=headers), c.get("/metrics", headers=headers)
        assert c.get("/healthz").status_code == 200  # open to all: it tells nothing
    return ready.status_code, metrics.status_code, metrics


def test_metrics_and_readiness_answer_only_the_machine_or_a_token(
    fed: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUALPOWER_METRICS_FROM", raising=False)
    monkeypatch.delenv("DUALPOWER_METRICS_TOKEN", raising=False)
    assert _watch(fed, "127.0.0.1")[:2] == (200, 200)
    assert _watch(fed, "::1")[:2] == (200, 200)
    ready, metrics, answer = _watch(fed, "203.0.113.7")
    assert (ready, metrics) == (403, 403)
    assert "DUALPOWER_METRICS_FROM" in answer.text and "dualpower_http" not in answer.text
    assert _watch(fed, "testclient")[:2] == (403, 403)  # not an address at all
    # No token configured: no bearer works, even an empty one.
    assert _watch(fed, "203.0.113.7", authorization="Bearer ")[:2] == (403, 403)

    monkeypatch.setenv("DUALPOWER_METRICS_FROM", "203.0.113.0/24, 10.1.2.3")
    assert _watch(fed, "203.0.113.7")[:2] == (200, 200)
    assert _watch(fed, "10.1.2.3")[:2] == (200, 200)
    assert _watch(fed, "127.0.0.1")[:2] == (403, 403)  # the list replaces the default
    assert _watch(fed, "10.1.2.4")[:2] == (403, 403)

    monkeypatch.setenv("DUALPOWER_METRICS_TOKEN", "s3cret-scrape-token")
    ok = _watch(fed, "198.51.100.1", authorization="Bearer s3cret-scrape-token")
    assert ok[:2] == (200, 200) and "dualpower_http_requests_total" in ok[2].text
    assert _watch(fed, "198.51.100.1", authorization="Bearer s3cret")[:2] == (403, 403)
    assert _watch(fed, "198.51.100.1")[:2] == (403, 403)


def test_a_flood_of_logins_waits_its_turn_then_429_and_the_rest_is_served(
    fed: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dualpower.web import guards

    monkeypatch.setattr(guards, "PASSWORD_BURST", 0.0)  # the burst is spent
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "0.001")
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_WAIT", "1")
    _production_hash(fed, "forge1")  # a check costs what it costs in production (~0.1 s)
    before = _tokens(fed, "forge1")
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        assert _login(c, "wrong").status_code == 401  # checked: ~0.1 s of the budget
        started = time.monotonic()
        r = _login(c)  # the right password, but its turn is minutes away: not checked
        # Refused when its wait is up (1 s), not before (a flood would only retry sooner).
        assert 0.9 < time.monotonic() - started < 4
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        assert r.json()["detail"].startswith("too many logins at once")
        page = c.post("/login", data={"username": "forge1", "password": PASSWORD})
        assert page.status_code == 429 and "too many logins at once" in page.text.lower()
        assert _tokens(fed, "forge1") == before  # the refused logins issued nothing
        started = time.monotonic()  # a body over the limit is refused at once, never queued
        big = c.post(f"{API}/auth/login", content=b"x" * (2 << 20))
        assert big.status_code == 413 and time.monotonic() - started < 1.5
        assert c.get(f"{API}/councils").status_code == 200  # everything else as before
        headers = support.bearer(fed.system, fed.members["forge1"])
        assert c.get(f"{API}/me", headers=headers).status_code == 200


def _production_hash(fed: Small, username: str) -> None:
    """The member's password hashed at production cost (tests/factories.py hashes the worlds'
    at the lowest): the gate charges a check's whole time, and this test counts on it."""
    from dualpower.services.accounts import hash_password

    with fed.system.uow() as uow:
        uow.members.set(fed.members[username], password_hash=hash_password(PASSWORD))
        uow.commit()


def _tokens(fed: Small, username: str) -> int:
    from sqlalchemy import func, select

    from dualpower.store import tables as t

    query = select(func.count()).where(t.auth_tokens.c.member_id == fed.members[username])
    with fed.system.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_logins_within_the_burst_are_not_slowed(
    fed: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dualpower.web import guards

    # A share so small that, past the burst, the second login would wait minutes (429 after
    # its 1 s): within the burst every login is checked at once.
    monkeypatch.setattr(guards, "PASSWORD_BURST", 60.0)
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "0.001")
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_WAIT", "1")
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        statuses = [_login(c, "wrong" if i % 2 else PASSWORD).status_code for i in range(4)]
        assert statuses == [200, 401] * 2


def test_password_gate_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from dualpower.web import guards

    for value in ("0", "1.5", "lots"):
        monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", value)
        with pytest.raises(ValueError, match="DUALPOWER_PASSWORD_CHECK_SHARE"):
            guards.password_share()
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "1")
    assert guards.password_share() == 1.0

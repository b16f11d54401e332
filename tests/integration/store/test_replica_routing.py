"""The replica router's rules without a standby (store/replicas.py; the real standby is in
tests/e2e/web/test_replica_reads.py): which engine a read gets, the lag measure, and the
signed read-after cookie (forged, expired or another key's: worth nothing)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from dualpower.store import replicas as r

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected: the poll fails


@pytest.fixture
def router() -> Iterator[r.ReadReplicas]:
    primary = create_engine(NOWHERE)
    one = r.Replica(NOWHERE, create_engine(NOWHERE), create_engine(NOWHERE))
    found = r.ReadReplicas(primary, [one], max_lag=2.0, poll=3600)
    found._stop.set()  # no polling: the test sets what a poll would find
    found._thread.join(30)
    one.up, one.lag, one.replayed = True, 0.0, 100
    try:
        yield found
    finally:
        found.close()


def test_lsn_text_round_trip() -> None:
    assert r.parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert r.format_lsn(r.parse_lsn("16/B374D848")) == "16/B374D848"
    assert r.parse_lsn(None) == 0


def test_reads_go_to_a_replica_only_inside_a_request_that_allows_it(router) -> None:  # type: ignore[no-untyped-def]
    replica = router.replicas[0].engine
    assert router.engine_for_read() is router.primary  # outside a request
    token = r.ROUTE.set(r.Route(False))
    assert router.engine_for_read() is router.primary  # a write request
    r.ROUTE.reset(token)
    token = r.ROUTE.set(r.Route(True))
    try:
        assert router.engine_for_read() is replica
        router.replicas[0].lag = 2.5  # beyond the bound
        assert router.engine_for_read() is router.primary
        router.replicas[0].lag = 0.0
        router.replicas[0].up = False  # not answering, or promoted
        assert router.engine_for_read() is router.primary
    finally:
        r.ROUTE.reset(token)


def test_a_member_who_wrote_reads_where_the_write_is(router) -> None:  # type: ignore[no-untyped-def]
    replica = router.replicas[0].engine
    router.record(["digest-a"], 150)
    token = r.ROUTE.set(r.Route(True, ("digest-a",)))
    try:
        assert router.engine_for_read() is router.primary  # the replica is at 100
        router.replicas[0].replayed = 150
        assert router.engine_for_read() is replica
    finally:
        r.ROUTE.reset(token)
    token = r.ROUTE.set(r.Route(True, ("digest-b",), min_lsn=200))  # by the cookie
    try:
        assert router.engine_for_read() is router.primary
    finally:
        r.ROUTE.reset(token)


def test_a_record_ends_after_the_lag_bound(router) -> None:  # type: ignore[no-untyped-def]
    until = router.record(["digest-a"], 500)
    assert until == pytest.approx(time.time() + router.max_lag + r.RECORD_MARGIN, abs=0.5)
    assert router.recorded(["digest-a"]) == 500
    router._records["digest-a"] = (500, time.time() - 1)
    assert router.recorded(["digest-a"]) == 0


def test_the_cookie_is_worth_nothing_forged_expired_or_under_another_key(router) -> None:  # type: ignore[no-untyped-def]
    good = router.cookie(12345, time.time() + 10)
    assert router.from_cookie(good) == 12345
    body, _, signature = good.rpartition(".")
    lsn, _, until = body.partition(".")
    assert router.from_cookie(f"{int(lsn, 16) * 2:x}.{until}.{signature}") == 0  # forged
    assert router.from_cookie(router.cookie(12345, time.time() - 1)) == 0  # expired
    assert router.from_cookie("garbage") == 0
    other = r.ReadReplicas(router.primary, [], poll=3600)
    try:
        assert other.from_cookie(good) == 0  # another process's random key
    finally:
        other.close()


def test_lag_is_how_long_ago_the_primary_had_what_the_replica_lacks(router) -> None:  # type: ignore[no-untyped-def]
    now = time.monotonic()
    router._samples.extend([(now - 3.0, 100), (now - 2.0, 200), (now - 1.0, 300)])
    assert router._lag_of(300, now) == 0.0  # all the primary had at the last poll
    assert router._lag_of(250, now) == pytest.approx(1.0)  # lacks what existed 1 s ago
    assert router._lag_of(150, now) == pytest.approx(2.0)
    assert router._lag_of(50, now) == pytest.approx(3.0)

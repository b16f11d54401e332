"""`limits.hit` in two statements (issue 4, speed) on both databases, with the rule unchanged:
at most `count` hits per window, a refused hit counts nothing, hits that left the window are
forgotten when the subject is counted again, and concurrent hits cannot slip past the limit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from dualpower.bootstrap import System
from dualpower.domain.limits import RateLimited
from dualpower.services import limits
from dualpower.store.tables_limits import rate_hits, subject_digest

SUBJECT = 4242


class Clock:
    def __init__(self, system: System) -> None:
        self.now = system.clock()
        system.clock = lambda: self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _hits(system: System, subject: object = SUBJECT) -> int:
    with system.engine.connect() as conn:
        query = select(func.count()).where(rate_hits.c.subject == subject_digest(str(subject)))
        return int(conn.execute(query).scalar_one())


def _hit(system: System, subject: object = SUBJECT) -> None:
    with system.uow() as uow:
        limits.hit(uow, limits.SIGNATURES, subject)
        uow.commit()


def _statements(system: System, subject: object = SUBJECT) -> list[str]:
    seen: list[str] = []

    def count(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with system.uow() as uow:
        event.listen(uow.conn, "before_cursor_execute", count)
        limits.hit(uow, limits.SIGNATURES, subject)
        event.remove(uow.conn, "before_cursor_execute", count)
        uow.commit()
    return seen


def test_a_hit_takes_two_statements_and_the_limit_holds(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_SIGNATURES", "3")
    clock = Clock(system)
    assert [len(_statements(system)) for _ in range(3)] == [2, 2, 2]
    assert _hits(system) == 3
    with pytest.raises(RateLimited) as refused:
        _hit(system)
    assert "at most 3 per minute" in str(refused.value) and 1 <= refused.value.retry_after <= 60
    assert _hits(system) == 3  # the refused hit is not counted
    clock.advance(seconds=61)
    # the three old hits are forgotten in the same call (SQLite: a third statement then)
    assert len(_statements(system)) == (3 if system.engine.dialect.name == "sqlite" else 2)
    assert _hits(system) == 1
    assert len(_statements(system)) == 2 and _hits(system) == 2


def test_a_refused_hit_in_a_committed_transaction_counts_nothing(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a caller that swallows the refusal and commits leaves the count unchanged."""
    monkeypatch.setenv("DUALPOWER_LIMIT_SIGNATURES", "1")
    Clock(system)
    _hit(system)
    with system.uow() as uow:
        with pytest.raises(RateLimited):
            limits.hit(uow, limits.SIGNATURES, SUBJECT)
        uow.commit()
    assert _hits(system) == 1


def test_concurrent_hits_do_not_slip_past_the_limit(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_SIGNATURES", "5")

    def attempt(_: int) -> bool:
        try:
            _hit(system)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(24)))
    assert sum(results) == 5 and _hits(system) == 5

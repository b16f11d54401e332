"""The demo's world keeps its own time (DESIGN.md 2.9): served, or under `dualpower due`, its
clock runs on from its last act, so a vote the replay left open stays open until its window has
run, as any other; a real federation keeps the real clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from dualpower import clock
from dualpower.bootstrap import System
from dualpower.services.due import run_due
from dualpower.store import tables as t
from dualpower.store.demo import demo_time
from dualpower.store.uow import utcnow

NINETEEN_17 = datetime(1917, 10, 23, 13, 0, tzinfo=UTC)


def _as_demo(system: System) -> None:
    with system.engine.begin() as conn:
        conn.execute(t.federations.update().values(is_demo=True))


def test_running_from_runs_at_the_real_pace() -> None:
    running = clock.RunningFrom(NINETEEN_17)
    first = running()
    time.sleep(0.05)
    second = running()
    assert NINETEEN_17 <= first < second < NINETEEN_17 + timedelta(seconds=5)


def test_a_real_federation_keeps_the_real_clock(federation) -> None:  # type: ignore[no-untyped-def]
    system = federation.system
    assert demo_time(system.engine) is None
    clock.resume_demo(system)
    assert system.clock is utcnow


def test_an_empty_database_has_no_demo_time(system: System) -> None:
    assert demo_time(system.engine) is None


def test_the_demo_resumes_from_its_last_act_and_its_open_vote_waits(system: System) -> None:
    from factories import ShiftedClock, small_federation

    system.clock = ShiftedClock(NINETEEN_17 - utcnow())
    small = small_federation(system)
    _as_demo(system)
    from dualpower.services import cycle

    chief = small.councils["Chief Council"]
    north = small.councils["North Council"]
    with system.uow() as uow:
        deputy = sorted(md.holder_id for md in uow.mandates.active_in_council(chief))[0]
    election = cycle.open_general(
        system.uow(), cycle.GeneralElection(chief, "council", north), deputy
    )
    last = demo_time(system.engine)
    assert last is not None and last.year == 1917

    served = System(engine=system.engine)  # what `serve` would open: the real clock at first
    clock.resume_demo(served)
    assert isinstance(served.clock, clock.RunningFrom)
    assert served.clock().year == 1917
    run_due(served.uow)
    with served.uow() as uow:
        assert uow.elections.get(election).status == "open"  # type: ignore[union-attr]

    with served.uow() as uow:
        closes_at = uow.elections.get(election).closes_at  # type: ignore[union-attr]
    served.clock.at = closes_at  # type: ignore[union-attr]  # its window has run
    run_due(served.uow)
    with served.uow() as uow:
        assert uow.elections.get(election).status != "open"  # type: ignore[union-attr]

"""The popular bases the alignment page reads are kept (store/tables_alignment.py
`popular_bases`, migration 0034_h24b) and refreshed by the clock's early runs when a roll, a
mandate, an electorate or the tree changed (issue 24); on SQLite and PostgreSQL:

- a refresh keeps what `AlignmentRepo.represented` counts, and the page shows it with its time;
- a change marks the figures stale: the next refresh counts again, one with nothing marked only
  moves the time; `dualpower check` compares the kept figures with the counted ones;
- roll changes and recalls in parallel threads while refreshes run: once the writers are done,
  one more refresh (counting only if something is still marked) leaves the kept figures equal
  to the counted ones, so no change committed during a refresh is lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from dualpower.services import alignment, check
from dualpower.services.due import run_due
from dualpower.services.invariants import popular_bases
from dualpower.services.mandates import end_mandate
from dualpower.store import tables as t
from dualpower.store.tables_alignment import popular_base_state
from dualpower.store.tables_alignment import popular_bases as kept_table

AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
NOW = timedelta(0)  # refresh now, whenever the last was


def _key(row: Any) -> tuple[Any, ...]:
    return (row.council_id, row.faction_id, row.is_unit, row.seats, row.members)


def kept_and_counted(system: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with system.reader() as uow:
        kept = sorted(map(_key, uow.alignment.bases_kept()), key=repr)
        counted = sorted(map(_key, uow.alignment.represented(federation=True)), key=repr)
    return kept, counted


def test_a_refresh_keeps_the_counted_bases_and_the_page_shows_their_time(federation: Any) -> None:
    system = federation.system
    assert alignment.refresh_bases(system.uow()) is True  # never refreshed: counted
    kept, counted = kept_and_counted(system)
    assert kept == counted and any(r[0] is None for r in kept)  # the federation's rows too
    assert alignment.refresh_bases(system.uow()) is None  # within REFRESH_EVERY: not again
    assert alignment.refresh_bases(system.uow(), every=NOW) is False  # nothing changed since
    chief = federation.councils["Chief Council"]
    with system.reader() as uow:
        page = alignment.top_in(uow, [chief])
        as_of = uow.alignment.bases_as_of()
    assert as_of is not None and page["popular_base_as_of"] == as_of
    with system.reader() as uow:
        live = alignment.popular_base_in(uow)
    assert page["federation"]["popular_base"] == alignment._rounded(live[1])
    assert page["councils"][0]["popular_base"] == alignment._rounded(live[0].get(chief, {}))


def test_a_change_is_counted_at_the_next_refresh_and_check_compares(federation: Any) -> None:
    system = federation.system
    alignment.refresh_bases(system.uow(), every=NOW)
    before, _ = kept_and_counted(system)
    with system.uow() as uow:
        uow.memberships.end_active_of(
            uow.members.of_unit(federation.units["Forge"])[0].id, AT, "left"
        )
        uow.commit()
    kept, counted = kept_and_counted(system)
    assert kept == before != counted  # stale, by design, until the next refresh
    with system.reader() as uow:
        assert uow.alignment.bases_pending() > 0
        assert popular_bases.check(uow) == []  # marked stale: nothing to compare
    run_due(system.uow)  # an early run of the clock, within REFRESH_EVERY: not yet
    assert kept_and_counted(system)[0] == before
    with system.reader() as uow:
        as_of = uow.alignment.bases_as_of()
    assert as_of is not None
    with system.engine.begin() as conn:  # REFRESH_EVERY later
        conn.execute(update(popular_base_state).values(as_of=as_of - timedelta(minutes=1)))
    run_due(system.uow)  # an early run of the clock refreshes
    kept, counted = kept_and_counted(system)
    assert kept == counted
    with system.engine.begin() as conn:  # drift: a kept figure changed behind the refresh
        conn.execute(update(kept_table).values(members=kept_table.c.members + 1))
    with system.reader() as uow:
        assert uow.alignment.bases_pending() == 0
        problems = popular_bases.check(uow)
    assert len(problems) == len(counted) and "drifted" in problems[0]
    assert [p for p in check.check(system.uow()) if "popular bases" in p] == problems


def test_roll_changes_and_recalls_in_parallel_with_refreshes(federation: Any) -> None:
    system = federation.system
    alignment.refresh_bases(system.uow(), every=NOW)
    units = list(federation.units.values())
    with system.reader() as uow:
        movers = [
            (uow.members.of_unit(u)[k].id, units[(i + 1) % len(units)], u)
            for i, u in enumerate(units)
            for k in range(3)
        ]
        mandates = uow.mandates.active()
    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as e:  # reported by the test's thread
                errors.append(e)

        return run

    def transfers(rounds: int, reverse: bool) -> None:
        for r in range(rounds):
            for member_id, a, b in movers[::-1] if reverse else movers:
                there, back = (a, b) if (r + reverse) % 2 == 0 else (b, a)
                with system.engine.begin() as conn:
                    conn.execute(
                        update(t.memberships)
                        .where(t.memberships.c.member_id == member_id)
                        .where(t.memberships.c.end_at.is_(None))
                        .where(t.memberships.c.unit_id == back)
                        .values(unit_id=there)
                    )

    def recalls() -> None:
        for k, md in enumerate(mandates[::2]):
            with system.uow() as uow:
                end_mandate(uow, md, "recalled", AT + timedelta(minutes=k), actor=None)
                uow.commit()

    def refreshes() -> None:
        while not stop.is_set():
            alignment.refresh_bases(system.uow(), every=NOW)

    writers = [
        threading.Thread(target=guarded(lambda: transfers(6, False))),
        threading.Thread(target=guarded(lambda: transfers(6, True))),
        threading.Thread(target=guarded(recalls)),
    ]
    refresher = threading.Thread(target=guarded(refreshes))
    refresher.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    stop.set()
    refresher.join(120)
    assert not errors, errors
    alignment.refresh_bases(system.uow(), every=NOW)  # counts only if a change is marked
    kept, counted = kept_and_counted(system)
    assert kept == counted
    with system.reader() as uow:
        assert popular_bases.check(uow) == []
        ended = uow.conn.execute(
            select(t.mandates.c.id).where(t.mandates.c.end_reason == "recalled")
        ).all()
    assert ended  # the recalls happened

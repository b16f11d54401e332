"""The alignment kept by triggers (store/tables_alignment.py, migration 0010_alignment_counts),
on SQLite and PostgreSQL: every way a mandate or an electorate changes is counted in its own
transaction, drift is found by `dualpower check`, the migration backfills, and concurrent
changes to one council never drift nor deadlock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, text

from dualpower.services.check import check
from dualpower.services.invariants import alignment as invariant
from dualpower.services.mandates import end_mandate
from dualpower.store import tables as t
from dualpower.store.migrate import downgrade, upgrade
from factories import Small

AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def expected(uow: Any) -> Counter[tuple[int, int, bool]]:
    """What the counts must be, straight from the active mandates (in Python, not SQL)."""
    kinds = {e.id: e.kind for e in uow.electorates.list()}
    return Counter(
        (md.council_id, md.faction_id or 0, kinds[md.electorate_id] == "unit")
        for md in uow.mandates.active()
    )


def kept(uow: Any) -> Counter[tuple[int, int, bool]]:
    return Counter({(c, f, u): n for c, f, u, n in uow.alignment.counts()})


def assert_in_step(federation: Small) -> None:
    with federation.system.uow() as uow:
        assert kept(uow) == expected(uow)
        assert invariant.check(uow) == []


def forge(federation: Small) -> Any:
    with federation.system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
        held = uow.mandates.active(t.mandates.c.electorate_id == electorate.id)
    return electorate, held


def add_mandate(uow: Any, electorate: Any, election_id: int, seat_no: int, **values: Any) -> int:
    row = {
        "council_id": electorate.council_id,
        "electorate_id": electorate.id,
        "seat_no": seat_no,
        "election_id": election_id,
        "start_at": AT,
        "end_at": None,
        "end_reason": None,
        "depends_on_id": None,
        "faction_id": None,
        **values,
    }
    return int(uow.mandates.add(**row))


def test_a_founded_federation_is_counted(federation: Small) -> None:
    assert_in_step(federation)
    with federation.system.uow() as uow:
        counts = kept(uow)
        stored = uow.alignment.stored()
        electorates = uow.electorates.list()
    north = federation.councils["North Council"]
    assert sum(n for (c, _, u), n in counts.items() if c == north and u) == 3  # Forge 2, Barracks 1
    assert stored[north][0] == sum(e.seats for e in electorates if e.council_id == north)
    chief = federation.councils["Chief Council"]
    assert {u for (c, _, u) in counts if c == chief} == {False}  # delegates, not unit seats


def test_every_kind_of_mandate_change_is_counted(federation: Small) -> None:
    electorate, held = forge(federation)
    red, green = federation.factions["R"], federation.factions["G"]
    holder = federation.members["forge9"]
    with federation.system.uow() as uow:
        added = add_mandate(uow, electorate, held[0].election_id, 7, holder_id=holder)
        add_mandate(  # an ended mandate is history, not a seat
            uow, electorate, held[0].election_id, 8, holder_id=holder, end_at=AT, faction_id=red
        )
        uow.commit()
    assert_in_step(federation)
    with federation.system.uow() as uow:
        assert kept(uow)[(electorate.council_id, 0, True)] == 1  # no faction
        uow.mandates.set(added, faction_id=green)  # a deputy changes faction
        uow.commit()
    assert_in_step(federation)
    with federation.system.uow() as uow:
        before = kept(uow)[(electorate.council_id, green, True)]
        uow.mandates.end(added, AT, "resigned")
        uow.commit()
    assert_in_step(federation)
    with federation.system.uow() as uow:
        assert kept(uow)[(electorate.council_id, green, True)] == before - 1
        uow.mandates.set(added, end_at=None)  # ended by mistake, and restored
        uow.conn.execute(delete(t.mandates).where(t.mandates.c.id == added))  # then deleted
        uow.commit()
    assert_in_step(federation)


def test_a_cascade_of_ends_over_councils_is_counted_in_one_statement(federation: Small) -> None:
    """services/mandates.release ends every dependant mandate with one recursive UPDATE."""
    with federation.system.uow() as uow:
        delegates = [md for md in uow.mandates.active() if md.depends_on_id is not None]
        base = uow.mandates.get(delegates[0].depends_on_id)
        ended = end_mandate(uow, base, "recalled", AT, actor=None)
        uow.commit()
    assert len(ended) >= 2 and {md.council_id for md in ended} >= {
        base.council_id,
        federation.councils["Chief Council"],
    }
    assert_in_step(federation)


def test_a_change_of_seats_is_kept(federation: Small) -> None:
    electorate, _ = forge(federation)
    with federation.system.uow() as uow:
        before = uow.alignment.stored()[electorate.council_id][0]
        uow.electorates.set(electorate.id, seats=electorate.seats + 3)
        uow.commit()
    assert_in_step(federation)
    with federation.system.uow() as uow:
        assert uow.alignment.stored()[electorate.council_id][0] == before + 3


def test_drift_is_found_by_check_and_rebuilt(federation: Small) -> None:
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        uow.conn.execute(
            text("UPDATE alignment_counts SET seats = seats + 1 WHERE council_id = :c"),
            {"c": north},
        )
        uow.conn.execute(
            text(
                "UPDATE alignment_councils SET seats = 99, composition = '1:1:1' "
                "WHERE council_id = :c"
            ),
            {"c": north},
        )
        uow.commit()
    problems = check(federation.system.uow())
    assert any(f"council {north}:" in p and "are counted, but" in p for p in problems)
    assert any(f"council {north}: 99 seats are kept" in p for p in problems)
    assert any(f"council {north}: its kept counts '1:1:1'" in p for p in problems)
    with federation.system.uow() as uow:
        uow.alignment.rebuild()
        uow.commit()
    assert_in_step(federation)
    assert check(federation.system.uow()) == []


def test_the_migration_backfills_what_is_there(federation: Small) -> None:
    engine = federation.system.engine
    downgrade(engine, "0009")
    upgrade(engine)
    assert_in_step(federation)
    with federation.system.uow() as uow:
        assert sum(kept(uow).values()) == len(uow.mandates.active()) > 0


def test_concurrent_changes_in_one_council_never_drift(federation: Small) -> None:
    """Writers add, move and end seats of several factions in one council at once, in opposite
    orders of faction, pausing inside their transactions so that they overlap; on PostgreSQL
    they would deadlock on the counter rows without the council's advisory lock."""
    electorate, held = forge(federation)
    election_id = held[0].election_id
    orders = [
        [federation.factions["R"], federation.factions["G"], None],
        [None, federation.factions["G"], federation.factions["R"]],
    ]
    holders = [federation.members[f"forge{i}"] for i in range(1, 13)]
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(k: int) -> None:
        order = orders[k % 2]
        try:
            start.wait()
            for round_ in range(4):
                with federation.system.uow() as uow:
                    ids = []
                    for j, faction in enumerate(order):
                        seat = 100 + 10 * k + j
                        holder = holders[(k * 3 + j) % len(holders)]
                        ids.append(
                            add_mandate(
                                uow,
                                electorate,
                                election_id,
                                seat,
                                holder_id=holder,
                                faction_id=faction,
                            )
                        )
                        time.sleep(0.005)
                    uow.commit()
                with federation.system.uow() as uow:
                    for md_id, faction in zip(ids, reversed(order), strict=True):
                        uow.mandates.set(md_id, faction_id=faction)
                        time.sleep(0.005)
                    for md_id in ids[: 1 + round_ % 3]:
                        uow.mandates.end(md_id, AT, "resigned")
                        time.sleep(0.005)
                    uow.commit()
                with federation.system.uow() as uow:
                    for md_id in reversed(ids):
                        uow.mandates.end(md_id, AT, "resigned")
                    uow.commit()
        except BaseException as failure:  # noqa: BLE001  (reported by the test below)
            failures.append(failure)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert_in_step(federation)
    with federation.system.uow() as uow:
        ended = uow.mandates.list(t.mandates.c.seat_no >= 100)
    assert len(ended) == 4 * 4 * 3 and all(md.end_at is not None for md in ended)


def test_concurrent_cascades_through_the_chief_council_never_drift(federation: Small) -> None:
    """Recalls in both base councils at once, each ending a delegate to the chief council in
    the same transaction (services/mandates.end_mandate): the chief council's counts take both."""
    with federation.system.uow() as uow:
        delegates = [md for md in uow.mandates.active() if md.depends_on_id is not None]
        bases = [uow.mandates.get(md.depends_on_id) for md in delegates]
    assert len({md.council_id for md in bases}) == 2
    start = threading.Barrier(len(bases))
    failures: list[BaseException] = []

    def recall(base: Any) -> None:
        try:
            start.wait()
            with federation.system.uow() as uow:
                end_mandate(uow, base, "recalled", AT, actor=None)
                time.sleep(0.01)
                uow.commit()
        except BaseException as failure:  # noqa: BLE001  (reported below)
            failures.append(failure)

    threads = [threading.Thread(target=recall, args=(md,)) for md in bases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert_in_step(federation)
    with federation.system.uow() as uow:
        chief = federation.councils["Chief Council"]
        assert uow.mandates.active(t.mandates.c.council_id == chief) == []
        assert not any(c == chief for (c, _, _) in kept(uow))

"""The members on each unit's roll, kept by triggers (store/tables_alignment.py `unit_rolls`,
migration 0030_h24b), on SQLite and PostgreSQL: every way a roll changes (an import, a member
added, leaving, a transfer, a sync, a split, a forgotten member, raw statements of many rows) is
kept in its own transaction; drift is found by `dualpower check` and rebuilt; the migration
backfills; concurrent joins to one unit never drift; the popular base reads the kept rolls."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, text, update

from dualpower.services import alignment, due, structure
from dualpower.services.check import check
from dualpower.services.forget import forget_member
from dualpower.services.invariants import rolls as invariant
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll import import_roll
from dualpower.services.roll_changes import add_member, end_membership, sync, transfer
from dualpower.store import tables as t
from dualpower.store.migrate import downgrade, upgrade
from factories import Small, small_federation, username

AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def counted(uow: Any) -> dict[int, int]:
    """Straight from the memberships, in Python (not the repository's SQL)."""
    return dict(
        Counter(ms.unit_id for ms in uow.memberships.list(t.memberships.c.end_at.is_(None)))
    )


def assert_in_step(federation: Small) -> dict[int, int]:
    with federation.system.uow() as uow:
        kept = uow.alignment.rolls()
        assert kept == counted(uow)
        assert invariant.check(uow) == []
    return kept


def test_a_founded_federation_is_kept(federation: Small) -> None:
    kept = assert_in_step(federation)
    assert kept[federation.units["Forge"]] == 12


def test_every_service_that_changes_a_roll_is_kept(federation: Small) -> None:
    forge, mill = federation.units["Forge"], federation.units["Mill"]
    before = assert_in_step(federation)
    import_roll(
        federation.system.uow(),
        "username,name\nanna.p,Anna Petrova\nivan.k,Ivan Kuznetsov\n",
        "Forge",
        actor="operator",
        is_operator=True,
    )
    assert assert_in_step(federation)[forge] == before[forge] + 2
    with federation.system.engine.connect() as conn:  # the import folded its rows of change
        rows = conn.execute(text("SELECT unit_id, count(*) FROM unit_rolls GROUP BY unit_id"))
        assert {n for _, n in rows} == {1}
    add_member(federation.system.uow(), "newcomer", "New Comer", "Mill", OPERATOR_CALLER)
    assert assert_in_step(federation)[mill] == before[mill] + 1
    end_membership(federation.system.uow(), "newcomer", OPERATOR_CALLER)
    assert assert_in_step(federation)[mill] == before[mill]
    transfer(federation.system.uow(), "anna.p", "Mill", OPERATOR_CALLER)
    kept = assert_in_step(federation)
    assert (kept[forge], kept[mill]) == (before[forge] + 1, before[mill] + 1)
    farm = federation.units["Farm"]
    text_ = "username,name,email\n" + "".join(
        f"{username('Farm', i)},Farm Member {i},\n" for i in range(1, 7)
    )
    sync(
        federation.system.uow(),
        text_ + "mill12,Mill Member 12,\n",
        "Farm",
        OPERATOR_CALLER,
        dry_run=False,
    )
    kept = assert_in_step(federation)
    assert kept[farm] == 7 and kept[mill] == before[mill]
    forget_member(federation.system.uow(), "ivan.k", actor="operator")
    assert_in_step(federation)


def test_a_split_moves_the_roll(system: Any) -> None:
    founding = small_federation(system, elect=False)
    movers = [username("Forge", i) for i in range(1, 7)]
    split = structure.apply_as_operator(
        founding.system.uow(),
        {"kind": "split_unit", "unit": "Forge", "name": "Forge East", "members": movers},
        actor="operator",
    )
    kept = assert_in_step(founding)
    assert kept[split["new_unit"]] == 6 and kept[founding.units["Forge"]] == 6


def test_raw_statements_of_many_rows_are_kept(federation: Small) -> None:
    """One statement inserting, moving, ending or deleting many memberships at once (a bulk
    load; on PostgreSQL a statement-level trigger over its transition tables)."""
    forge, mill = federation.units["Forge"], federation.units["Mill"]
    with federation.system.uow() as uow:
        ids = [
            uow.members.add(
                federation_id=1,
                username=f"bulk{i}",
                display_name=f"Bulk {i}",
                password_hash=None,
                email=None,
                is_verified=True,
                joined_at=AT,
            )
            for i in range(10)
        ]
        uow.conn.execute(
            insert(t.memberships),
            [{"member_id": m, "unit_id": forge if m % 2 else mill, "start_at": AT} for m in ids],
        )
        uow.conn.execute(  # an ended one is history, not the roll
            insert(t.memberships),
            [
                {
                    "member_id": ids[0],
                    "unit_id": mill,
                    "start_at": AT,
                    "end_at": AT,
                    "end_reason": "left",
                }
            ],
        )
        uow.commit()
    assert_in_step(federation)
    ms = t.memberships.c
    with federation.system.uow() as uow:
        uow.conn.execute(
            update(t.memberships)
            .where(ms.member_id.in_(ids[:4]), ms.end_at.is_(None))
            .values(unit_id=federation.units["Farm"])
        )
        uow.conn.execute(
            update(t.memberships)
            .where(ms.member_id.in_(ids[4:7]), ms.end_at.is_(None))
            .values(end_at=AT, end_reason="left")
        )
        uow.conn.execute(update(t.memberships).where(ms.member_id == ids[4]).values(end_at=None))
        uow.conn.execute(delete(t.memberships).where(ms.member_id.in_(ids[7:])))
        uow.commit()
    assert_in_step(federation)
    with federation.system.uow() as uow:  # a rolled-back change leaves the rolls as they were
        uow.conn.execute(delete(t.memberships).where(ms.member_id.in_(ids)))
    assert_in_step(federation)


def test_rows_of_change_fold_into_one_a_unit(federation: Small) -> None:
    add_member(federation.system.uow(), "one", "One", "Mill", OPERATOR_CALLER)
    add_member(federation.system.uow(), "two", "Two", "Mill", OPERATOR_CALLER)
    before = assert_in_step(federation)
    with federation.system.uow() as uow:
        uow.alignment.compact_rolls()
        uow.commit()
    assert assert_in_step(federation) == before
    with federation.system.engine.connect() as conn:
        rows = conn.execute(text("SELECT unit_id, count(*) FROM unit_rolls GROUP BY unit_id"))
        assert {n for _, n in rows} == {1}


def unfolded(federation: Small) -> int:
    """Rows of unit_rolls beyond one a unit, counted in the test's own SQL."""
    with federation.system.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(DISTINCT unit_id) FROM unit_rolls"))
        total, units = rows.one()
    return int(total) - int(units)


def test_the_clock_folds_the_rows_of_change_once_enough_gathered(federation: Small) -> None:
    for name in ("one", "two", "three"):
        add_member(federation.system.uow(), name, name.title(), "Mill", OPERATOR_CALLER)
    before = assert_in_step(federation)
    rows = unfolded(federation)
    with federation.system.uow() as uow:
        assert uow.alignment.unfolded_rows() == rows
    if federation.system.engine.dialect.name == "sqlite":
        assert rows == 0  # a unit's row is updated in place: nothing to fold
        assert due.fold_rolls(federation.system.uow(), at_least=1) == []
        return
    assert rows >= 3  # a row of change appended per member added
    assert due.fold_rolls(federation.system.uow(), at_least=rows + 1) == []  # not yet
    assert unfolded(federation) == rows
    [done] = due.fold_rolls(federation.system.uow(), at_least=rows)
    assert (done.act, done.subject_id) == ("rolls.fold", rows)
    assert unfolded(federation) == 0
    assert assert_in_step(federation) == before


def test_folds_beside_roll_changes_keep_the_rolls(federation: Small) -> None:
    """Two clocks folding while members join and leave: the rolls stay in step."""
    errors: list[BaseException] = []

    def joiner(k: int) -> None:
        try:
            for i in range(6):
                name = f"fold{k}x{i}"
                add_member(federation.system.uow(), name, name, "Mill", OPERATOR_CALLER)
        except BaseException as error:  # noqa: BLE001 -- reported by the test's thread
            errors.append(error)

    def folder() -> None:
        try:
            for _ in range(8):
                due.fold_rolls(federation.system.uow(), at_least=1)
        except BaseException as error:  # noqa: BLE001 -- reported by the test's thread
            errors.append(error)

    threads = [threading.Thread(target=joiner, args=(k,)) for k in range(2)]
    threads += [threading.Thread(target=folder) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    assert assert_in_step(federation)[federation.units["Mill"]] >= 12
    due.fold_rolls(federation.system.uow(), at_least=1)
    assert unfolded(federation) == 0
    assert_in_step(federation)


def test_drift_is_found_by_check_and_rebuilt(federation: Small) -> None:
    forge = federation.units["Forge"]
    with federation.system.uow() as uow:
        uow.conn.execute(  # a row of change no membership made
            text("INSERT INTO unit_rolls (unit_id, members) VALUES (:u, 87)"), {"u": forge}
        )
        uow.commit()
    problems = check(federation.system.uow())
    assert f"unit {forge}: 99 members are kept on its roll, but 12 memberships are active" in (
        " ".join(problems)
    )
    with federation.system.uow() as uow:
        uow.alignment.rebuild()
        uow.commit()
    assert_in_step(federation)
    assert check(federation.system.uow()) == []


def test_the_migration_backfills_what_is_there(federation: Small) -> None:
    engine = federation.system.engine
    downgrade(engine, "0029")
    upgrade(engine)
    assert sum(assert_in_step(federation).values()) > 0


def test_the_popular_base_reads_the_kept_rolls(federation: Small) -> None:
    """The page's figures follow the kept rolls (a drifted roll shows), and equal the figures
    from counted rolls once in step."""
    with federation.system.uow() as uow:
        whole = alignment.popular_base_in(uow)[1]
    forge = federation.units["Forge"]
    with federation.system.uow() as uow:
        uow.conn.execute(
            text("INSERT INTO unit_rolls (unit_id, members) VALUES (:u, 1200)"), {"u": forge}
        )
        uow.commit()
    with federation.system.uow() as uow:
        drifted = alignment.popular_base_in(uow)[1]
        uow.alignment.rebuild()
        uow.commit()
    assert sum(drifted.values()) > sum(whole.values()) + 1000  # Forge's seats represent more
    with federation.system.uow() as uow:
        assert alignment.popular_base_in(uow)[1] == whole


def test_concurrent_joins_to_one_unit_never_drift(federation: Small) -> None:
    forge, mill = federation.units["Forge"], federation.units["Mill"]
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            start.wait()
            for round_ in range(5):
                with federation.system.uow() as uow:
                    member = uow.members.add(
                        federation_id=1,
                        username=f"w{k}r{round_}",
                        display_name="W",
                        password_hash=None,
                        email=None,
                        is_verified=True,
                        joined_at=AT,
                    )
                    units = (forge, mill) if k % 2 else (mill, forge)
                    uow.memberships.add(member_id=member, unit_id=units[0], start_at=AT)
                    uow.conn.execute(
                        update(t.memberships)
                        .where(t.memberships.c.member_id == member)
                        .values(unit_id=units[1])
                    )
                    uow.commit()
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert failures == []
    assert_in_step(federation)

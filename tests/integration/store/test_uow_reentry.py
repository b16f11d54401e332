"""A unit of work refuses re-entry (issue 27; STYLE.md 13, like zulip's durable atomic blocks).

An act is one transaction: entering a unit of work that is entered already would swap its
connection under the outer act (on SQLite, open a second write transaction that waits on the
first). Acts compose inside one transaction through the `*_in` functions instead."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.services.elections import OpenElection, open_in
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from factories import small_federation
from fixtures_services import open_election

ENTERED = "entered already"


def acts(system: System, prefix: str = "test.") -> list[str]:
    settle(system.engine)  # PostgreSQL seals in the background just after commit
    with system.engine.connect() as conn:
        log = t.audit_log
        query = select(log.c.act).where(log.c.act.startswith(prefix)).order_by(log.c.id)
        return list(conn.execute(query).scalars())


def test_entering_an_entered_unit_of_work_is_refused(system: System) -> None:
    uow = system.uow()
    with uow:
        conn = uow.conn
        uow.record("test.outer", {"n": 1})
        with pytest.raises(RuntimeError, match=ENTERED):
            with uow:
                uow.record("test.inner", {"n": 2})  # never reached
        assert uow.conn is conn  # the outer act's transaction, untouched
        uow.commit()
    assert acts(system) == ["test.outer"]


def test_a_reader_refuses_re_entry_too(system: System) -> None:
    reader = system.reader()
    with reader:
        with pytest.raises(RuntimeError, match=ENTERED):
            with reader:
                pass
        assert reader.federations.only() is None  # still reading


def test_a_use_case_inside_an_entered_unit_of_work_is_refused_and_writes_nothing(
    system: System,
) -> None:
    fed = small_federation(system, elect=False)
    uow = system.uow()
    with uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        assert electorate is not None
        with pytest.raises(RuntimeError, match=ENTERED):
            open_election(uow, OpenElection(electorate.id))
    with system.reader() as reader:
        assert not reader.elections.has_open(electorate.id)
    assert acts(system, "election.") == []


def test_acts_compose_in_one_unit_of_work_through_the_in_functions(system: System) -> None:
    fed = small_federation(system, elect=False)
    with system.uow() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
        mill = uow.electorates.for_unit(fed.units["Mill"])
        assert forge is not None and mill is not None
        for electorate in (forge, mill):
            open_in(uow, OpenElection(electorate.id), "tester")
        uow.commit()
    with system.reader() as reader:
        assert reader.elections.has_open(forge.id) and reader.elections.has_open(mill.id)
    assert acts(system, "election.") == ["election.open", "election.open"]


def test_a_unit_of_work_left_may_be_entered_again(system: System) -> None:
    uow = system.uow()
    with uow:
        uow.record("test.first", {})
        uow.commit()
    with pytest.raises(ValueError):
        with uow:
            uow.record("test.undone", {})
            raise ValueError("the act fails")
    with uow:
        uow.record("test.second", {})
        uow.commit()
    assert acts(system) == ["test.first", "test.second"]


def test_another_unit_of_work_may_be_entered_inside_one(system: System) -> None:
    """The refusal is of the same unit of work: a reader beside a writer is a separate
    transaction (services/invitations.py reads its limits so)."""
    with system.uow() as uow:
        uow.record("test.beside", {})
        with system.reader() as reader:
            assert reader.federations.only() is None
        uow.commit()
    assert acts(system) == ["test.beside"]


def test_a_unit_of_work_held_by_one_thread_is_refused_to_another(system: System) -> None:
    uow = system.uow()
    refusals: list[RuntimeError] = []

    def enter_it() -> None:
        try:
            with uow:
                uow.record("test.from_the_other_thread", {})
                uow.commit()
        except RuntimeError as refusal:
            refusals.append(refusal)

    with uow:
        conn = uow.conn
        uow.record("test.held", {})
        other = threading.Thread(target=enter_it)
        other.start()
        other.join(timeout=30)
        assert not other.is_alive()
        assert len(refusals) == 1 and ENTERED in str(refusals[0])
        assert uow.conn is conn
        uow.commit()
    assert acts(system) == ["test.held"]

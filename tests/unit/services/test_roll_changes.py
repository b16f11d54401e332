"""The roll changes (DESIGN.md 2.10) on both databases: a member joins, leaves, moves with their
history kept; a deputy who leaves or moves loses the mandates resting on the old unit (cascade,
by-elections); a sync shows its changes in a dry run and applies all or nothing; only the
operator or the unit's credentials committee may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.domain.errors import Conflict, NotAllowed, RollError
from dualpower.services.offices import OPERATOR_CALLER, Caller
from dualpower.services.roll_changes import add_member, end_membership, sync, transfer
from dualpower.store import tables as t
from factories import Small, small_federation, username


@pytest.fixture
def federation(system: System) -> Small:
    return small_federation(system)


def _forge_deputy(fed: Small) -> int:
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        table = uow.mandates.table
        return uow.mandates.active(table.c.electorate_id == electorate.id)[0].holder_id


def _mandates_of(system: System, member_id: int) -> list[tuple[str | None, str | None]]:
    with system.engine.connect() as conn:
        rows = conn.execute(
            select(t.mandates.c.end_at, t.mandates.c.end_reason)
            .where(t.mandates.c.holder_id == member_id)
            .order_by(t.mandates.c.id)
        )
        return [(None if at is None else "ended", reason) for at, reason in rows]


def test_a_member_joins_and_leaves(federation: Small) -> None:
    system = federation.system
    member_id = add_member(
        system.uow(), "newcomer", "New Comer", "Barracks", OPERATOR_CALLER, email="n@example.org"
    )
    with system.uow() as uow:
        assert uow.members.current_unit_id(member_id) == federation.units["Barracks"]
    with pytest.raises(Conflict, match="taken"):
        add_member(system.uow(), "newcomer", "Again", "Barracks", OPERATOR_CALLER)
    with pytest.raises(RollError):
        add_member(system.uow(), "x" * 81, "Too Long", "Barracks", OPERATOR_CALLER)
    with pytest.raises(RollError, match="U\\+0000"):
        add_member(system.uow(), "nul", "Nul\x00Name", "Barracks", OPERATOR_CALLER)
    assert end_membership(system.uow(), "newcomer", OPERATOR_CALLER) == []
    with system.uow() as uow:
        assert uow.members.current_unit_id(member_id) is None
        (stretch,) = uow.memberships.history(member_id)
    assert stretch.end_reason == "left" and stretch.end_at is not None
    with pytest.raises(Conflict, match="no unit"):
        end_membership(system.uow(), "newcomer", OPERATOR_CALLER)


def test_a_deputy_who_moves_loses_the_old_units_mandates(federation: Small) -> None:
    system = federation.system
    deputy = _forge_deputy(federation)
    held = _mandates_of(system, deputy)
    assert all(state is None for state, _ in held)
    by_elections = transfer(system.uow(), deputy, "Mill", OPERATOR_CALLER)
    assert len(by_elections) == len(held)  # the Forge seat, and what rested on it
    after = _mandates_of(system, deputy)
    assert after[0] == ("ended", "transferred")
    assert all(state == "ended" for state, _ in after)
    with system.uow() as uow:
        history = uow.memberships.history(deputy)
        assert [(h.unit_id, h.end_reason) for h in history] == [
            (federation.units["Forge"], "transferred"),
            (federation.units["Mill"], None),
        ]
        opened = [uow.elections.get(i) for i in by_elections]
    assert all(e.kind == "by" and e.status == "open" for e in opened)
    with pytest.raises(Conflict, match="already"):
        transfer(system.uow(), deputy, "Mill", OPERATOR_CALLER)


def test_a_deputy_who_leaves_loses_the_mandates_too(federation: Small) -> None:
    system = federation.system
    deputy = _forge_deputy(federation)
    by_elections = end_membership(system.uow(), deputy, OPERATOR_CALLER)
    assert by_elections and _mandates_of(system, deputy)[0] == ("ended", "left")


def test_only_the_credentials_committee_or_the_operator_may(federation: Small) -> None:
    system = federation.system
    member = Caller(member_id=federation.members["forge5"])
    with pytest.raises(NotAllowed):
        add_member(system.uow(), "sneaky", "Sneaky", "Forge", member)
    with pytest.raises(NotAllowed):
        transfer(system.uow(), "forge6", "Mill", member)
    with pytest.raises(NotAllowed):
        sync(system.uow(), "username,name\nforge1,F\n", "Forge", member, dry_run=True)


def _roll(unit: str, size: int, *, skip: int = 0, extra: str = "") -> str:
    rows = [f"{username(unit, i)},{unit} Member {i}" for i in range(1, size + 1) if i != skip]
    return "username,name,email\n" + "".join(f"{r},\n" for r in rows) + extra


def test_a_sync_shows_then_applies_every_change(federation: Small) -> None:
    system = federation.system
    text = _roll("Farm", 8, skip=8).replace("Farm Member 2,", "Farm Member Two,")
    text = text.replace("farm3,Farm Member 3,", "farm3,Farm Member 3,f3@example.org")
    text += "farmnew,Farm Newcomer,\nmill12,Mill Member 12,\n"
    plan = sync(system.uow(), text, "Farm", OPERATOR_CALLER, dry_run=True)
    assert (plan.joins, plan.moves_in, plan.leaves) == (["farmnew"], ["mill12"], ["farm8"])
    assert (plan.renamed, plan.new_email) == (["farm2"], ["farm3"])
    assert not plan.is_applied
    with system.uow() as uow:  # the dry run changed nothing
        assert uow.members.by_username("farmnew") is None
        assert uow.members.current_unit_id(federation.members["farm8"]) == federation.units["Farm"]
    applied = sync(system.uow(), text, "Farm", OPERATOR_CALLER, dry_run=False)
    assert applied.is_applied and applied.joins == ["farmnew"]
    with system.uow() as uow:
        on_roll = {m.username for m in uow.members.of_unit(federation.units["Farm"])}
        assert uow.members.by_username("farm2").display_name == "Farm Member Two"
        assert uow.memberships.history(federation.members["mill12"])[0].end_reason == (
            "transferred"
        )
    assert on_roll == {f"farm{i}" for i in range(1, 8)} | {"farmnew", "mill12"}
    again = sync(system.uow(), text, "Farm", OPERATOR_CALLER, dry_run=True)
    assert again.is_empty


def test_a_bad_row_syncs_nothing(federation: Small) -> None:
    system = federation.system
    text = _roll("Farm", 7, extra="farmbad,Bad\x07Name,\n")
    with pytest.raises(RollError, match="line 9"):
        sync(system.uow(), text, "Farm", OPERATOR_CALLER, dry_run=False)
    with system.uow() as uow:
        assert uow.members.current_unit_id(federation.members["farm8"]) == federation.units["Farm"]

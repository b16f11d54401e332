"""Structure changes (DESIGN.md 2.10) on both databases: a unit added, split and merged by the
operator while founding (logged operator acts), refused to the operator once the chief council
sits, and then made by the council concerned's adopted motion; mandates stand until the next
election, which apportions seats to the new units; `check` holds throughout; refusals change
nothing; two splits racing for one name: one wins."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from dualpower.domain import errors
from dualpower.services import motions, sessions, structure
from dualpower.services.apportion import seats_now
from dualpower.services.check import check
from dualpower.store import tables as t
from factories import Small, small_federation, username
from fixtures_services import show_of_hands
from offices_support import setup_offices, sit

OP = "operator"


@pytest.fixture
def founding(system) -> Small:  # type: ignore[no-untyped-def]
    return small_federation(system, elect=False)


def _split(unit: str, name: str, members: list[str]) -> dict[str, object]:
    return {"kind": "split_unit", "unit": unit, "name": name, "members": members}


def _acts(fed: Small, act: str) -> list[tuple[bool, dict[str, object]]]:
    with fed.system.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.is_operator, t.audit_log.c.payload).where(t.audit_log.c.act == act)
        )
        return [(bool(op), json.loads(p)) for op, p in rows]


def _roll(fed: Small, unit_id: int) -> set[int]:
    with fed.system.uow() as uow:
        return uow.members.ids_of_unit(unit_id)


def test_the_operator_adds_splits_and_merges_units_while_founding(founding: Small) -> None:
    fed = founding
    added = structure.apply_as_operator(
        fed.system.uow(),
        {
            "kind": "add_unit",
            "name": "Dockyard",
            "unit_kind": "factory",
            "section": "workers",
            "council": "North Council",
        },
        actor=OP,
    )
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(added["unit"])
        assert (electorate.council_id, electorate.seats) == (fed.councils["North Council"], 0)
    assert _acts(fed, "structure.add_unit")[0][0] is True
    movers = [username("Forge", i) for i in range(1, 7)]
    split = structure.apply_as_operator(
        fed.system.uow(), _split("Forge", "Forge East", movers), actor=OP
    )
    east = split["new_unit"]
    assert _roll(fed, east) == {fed.members[m] for m in movers}
    assert len(_roll(fed, fed.units["Forge"])) == 6
    with fed.system.uow() as uow:
        (first, second) = uow.memberships.history(fed.members[movers[0]])
        assert (first.unit_id, first.end_reason) == (fed.units["Forge"], "split")
        assert (second.unit_id, second.start_at, second.end_at) == (east, first.end_at, None)
        # the next election apportions seats to both halves (BASE: one seat per 5, at least 1)
        forge = uow.electorates.for_unit(fed.units["Forge"])
        assert seats_now(uow, forge) >= 1
        assert seats_now(uow, uow.electorates.for_unit(east)) >= 1
    merged = structure.apply_as_operator(
        fed.system.uow(),
        {"kind": "merge_units", "unit": "Forge East", "into": "Dockyard"},
        actor=OP,
    )
    assert len(merged["members"]) == 6 and _roll(fed, east) == set()
    with fed.system.uow() as uow:
        assert seats_now(uow, uow.electorates.for_unit(east)) == 0  # emptied: no seat next time
    assert check(fed.system.uow()) == []


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        ({"kind": "rename"}, errors.InvalidRequest, "kind is one of"),
        (_split("Forge", "X", []), errors.InvalidRequest, "non-empty list"),
        (_split("Forge", "X", ["forge1", "forge1"]), errors.InvalidRequest, "twice"),
        (_split("Forge", "N\x00", ["forge1"]), errors.InvalidRequest, r"U\+0000"),
        (_split("Forge", "X" * 201, ["forge1"]), errors.InvalidRequest, "at most 200"),
        (_split("Forge", "Mill", ["forge1"]), errors.Conflict, "already"),
        (_split("Forge", "X", ["forge1", "mill1"]), errors.Conflict, "mill1 is not on the roll"),
        (_split("Nowhere", "X", ["forge1"]), errors.NotFound, "no base unit"),
        ({"kind": "merge_units", "unit": "Forge", "into": "Mill"}, errors.Conflict, "councils"),
        (
            {"kind": "merge_units", "unit": "Forge", "into": "Forge"},
            errors.InvalidRequest,
            "itself",
        ),
        (
            {"kind": "merge_units", "unit": "Forge", "into": "Barracks", "x": 1},
            errors.InvalidRequest,
            "has no x",
        ),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(founding: Small, change, error, says) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=says):
        structure.apply_as_operator(founding.system.uow(), change, actor=OP)
    with founding.system.uow() as uow:
        assert len(uow.units.list()) == 4
        assert len(uow.members.ids_of_unit(founding.units["Forge"])) == 12
    assert _acts(founding, "structure.split_unit") == []


def test_two_splits_racing_for_one_name_one_wins(founding: Small) -> None:
    fed = founding
    outcomes: list[object] = []

    def split(unit: str, member: str) -> None:
        try:
            outcomes.append(
                structure.apply_as_operator(
                    fed.system.uow(), _split(unit, "New Works", [member]), actor=OP
                )
            )
        except errors.Conflict as refused:
            outcomes.append(refused)

    threads = [
        threading.Thread(target=split, args=("Forge", "forge1")),
        threading.Thread(target=split, args=("Barracks", "barracks1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "dict"]
    with fed.system.uow() as uow:
        assert len(uow.units.list()) == 5
        assert (
            len(uow.members.ids_of_unit(fed.units["Forge"]))
            + len(uow.members.ids_of_unit(fed.units["Barracks"]))
            == 19
        )
    assert check(fed.system.uow()) == []


def test_once_the_chief_council_sits_the_council_decides_by_motion(federation: Small) -> None:
    fed = federation
    with pytest.raises(errors.NotAllowed, match=r"act of the council concerned \(North Council\)"):
        structure.apply_as_operator(
            fed.system.uow(), _split("Forge", "Forge East", ["forge1"]), actor=OP
        )
    o = setup_offices(fed, stipend=0)
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        seated = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
    holder = seated[0].holder_id
    mover = next(u for u, i in fed.members.items() if i == holder)
    with pytest.raises(errors.NotAllowed, match="only the deputies of North Council"):
        structure.propose_change(
            fed.system.uow(), fed.members["mill1"], _split("Forge", "Forge East", [mover])
        )
    motion = structure.propose_change(
        fed.system.uow(), o.deputies[0], _split("Forge", "Forge East", [mover, "forge11"])
    )
    with fed.system.uow() as uow:
        assert uow.units.by_name(fed.federation_id, "Forge East") is None  # not before adoption
    session = sit(o)
    sessions.add_to_agenda(fed.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(fed.system.uow(), motion, o.holder["chair"])
    show_of_hands(fed.system.uow(), motion, [(d, "yes") for d in o.deputies])
    assert motions.close_vote(fed.system.uow(), motion, o.holder["chair"]).status == "adopted"
    with fed.system.uow() as uow:
        east = uow.units.by_name(fed.federation_id, "Forge East")
        assert east is not None and uow.members.current_unit_id(holder) == east.id
        assert uow.mandates.get(seated[0].id).is_active  # mandates stand until the next election
    ((is_operator, payload),) = _acts(fed, "structure.split_unit")
    assert is_operator is False and payload["motion"] == motion
    assert check(fed.system.uow()) == []

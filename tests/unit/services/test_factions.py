"""A faction registers by its members' act (DESIGN.md 2.10, 2.7a), on both databases: a member
registers one and is its first member, others join; a faction with no seat publishes its platform
by any of its members, one with seats by its deputies only; refusals change nothing; two members
registering one name at once: one wins."""

from __future__ import annotations

import threading

import pytest

from dualpower.domain import errors
from dualpower.services import discussion, factions
from dualpower.services.check import check
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import end_membership
from factories import Small


def _count(fed: Small) -> int:
    with fed.system.uow() as uow:
        return len(uow.factions.list())


def test_a_member_registers_a_faction_others_join_and_it_publishes_without_seats(
    federation: Small,
) -> None:
    fed = federation
    founder, joiner, outsider = (fed.members[u] for u in ("forge5", "mill6", "farm3"))
    faction = factions.register_faction(fed.system.uow(), founder, "Anarchists", "A", "#000")
    factions.join_faction(fed.system.uow(), joiner, faction)
    with pytest.raises(errors.Conflict, match="already"):
        factions.join_faction(fed.system.uow(), joiner, faction)
    with fed.system.uow() as uow:
        assert uow.faction_members.count(faction) == 2
    assert discussion.publish_platform(fed.system.uow(), faction, joiner, "Ours", "All power.") == 1
    with pytest.raises(errors.NotAllowed, match="only a member of the faction"):
        discussion.publish_platform(fed.system.uow(), faction, outsider, "Theirs", "No.")
    # a faction with seats: its deputies only, as before
    with pytest.raises(errors.NotAllowed, match="only a deputy of the faction"):
        discussion.publish_platform(fed.system.uow(), fed.factions["R"], founder, "T", "x")
    assert check(fed.system.uow()) == []


@pytest.mark.parametrize(
    ("name", "short", "colour", "says"),
    [
        ("", "A", "#000", "empty"),
        ("N" * 201, "A", "#000", "at most 200"),
        ("Nul\x00", "A", "#000", r"U\+0000"),
        ("Ok", "S" * 21, "#000", "at most 20"),
        ("Ok", "A", "red", "colour"),
        ("Reds", "R2", "#123", "already"),
    ],
)
def test_bad_registrations_are_refused_and_change_nothing(federation, name, short, colour, says):  # type: ignore[no-untyped-def]
    before = _count(federation)
    with pytest.raises(errors.DomainError, match=says):
        factions.register_faction(
            federation.system.uow(), federation.members["forge5"], name, short, colour
        )
    assert _count(federation) == before


def test_only_a_member_on_a_roll_registers(federation: Small) -> None:
    end_membership(federation.system.uow(), "farm8", OPERATOR_CALLER)
    with pytest.raises(errors.NotAllowed, match="roll"):
        factions.register_faction(
            federation.system.uow(), federation.members["farm8"], "X", "X", "#fff"
        )
    with pytest.raises(errors.NotFound):
        factions.join_faction(federation.system.uow(), federation.members["farm7"], 10**6)


def test_two_registering_one_name_at_once_one_wins(federation: Small) -> None:
    outcomes: list[object] = []

    def register(username: str) -> None:
        try:
            outcomes.append(
                factions.register_faction(
                    federation.system.uow(), federation.members[username], "Left SRs", "LSR", "#0a0"
                )
            )
        except errors.Conflict as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=register, args=(u,)) for u in ("forge6", "mill7")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "int"]
    with federation.system.uow() as uow:
        (winner,) = [o for o in outcomes if isinstance(o, int)]
        assert uow.faction_members.count(winner) == 1

"""A faction registers by its members' act (DESIGN.md 2.10, 2.7a), on both databases: a member
registers one and is its first member, others join; a faction with no seat publishes its platform
by any of its members, one with seats by its deputies only; refusals change nothing; two members
registering one name at once: one wins."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from dualpower.domain import errors
from dualpower.services import discussion, factions
from dualpower.services.check import check
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import end_membership
from dualpower.store import tables as t
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


def test_a_member_leaves_a_faction_logged_and_its_page_standing_follows(federation: Small) -> None:
    fed = federation
    founder, joiner = fed.members["forge5"], fed.members["mill6"]
    faction = factions.register_faction(fed.system.uow(), founder, "Syndicalists", "S", "#222")
    assert factions.standing(fed.system.uow(), joiner, faction) == {
        "is_member": False,
        "may_join": True,
        "may_publish": False,
    }
    factions.join_faction(fed.system.uow(), joiner, faction)
    assert factions.standing(fed.system.uow(), joiner, faction) == {
        "is_member": True,
        "may_join": False,
        "may_publish": True,  # no seat: any of its members
    }
    factions.leave_faction(fed.system.uow(), joiner, faction)
    with pytest.raises(errors.Conflict, match="not a member"):
        factions.leave_faction(fed.system.uow(), joiner, faction)
    with pytest.raises(errors.NotFound):
        factions.leave_faction(fed.system.uow(), joiner, 999_999)
    with fed.system.uow() as uow:
        assert uow.faction_members.count(faction) == 1
    with fed.system.engine.connect() as conn:
        query = select(t.audit_log.c.actor, t.audit_log.c.payload).where(
            t.audit_log.c.act == "faction.leave"
        )
        ((actor, payload),) = conn.execute(query).all()
    assert actor == str(joiner) and json.loads(payload) == {"faction": faction, "member": joiner}
    assert factions.standing(fed.system.uow(), None, faction)["may_join"] is False
    # a faction with seats: its deputies publish, its other members do not
    reds = fed.factions["R"]
    with fed.system.uow() as uow:
        deputy = next(
            md.holder_id for md in uow.mandates.active(uow.mandates.table.c.faction_id == reds)
        )
    assert factions.standing(fed.system.uow(), deputy, reds)["may_publish"] is True
    factions.join_faction(fed.system.uow(), founder, reds)
    assert factions.standing(fed.system.uow(), founder, reds)["may_publish"] is False
    assert check(fed.system.uow()) == []

"""Verification in a base assembly's motion votes and in the founding plan (DESIGN.md 2.10, issue
21), on both databases: where the unit's council asks for it (`verified_only`), only verified
members call and cast an assembly's vote, and its quorum counts them only; a plan sets the
standing order from the start, and refuses a value that is not true or false, naming the field."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from dualpower.domain import errors
from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import check_plan
from dualpower.services import motions
from dualpower.services.founding import found_federation
from dualpower.services.offices import OPERATOR_CALLER, verify_member
from dualpower.services.plans import plan_from_json
from factories import small_plan, username


def _verified_only(fed, council: str = "North Council") -> None:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        uow.councils.set(fed.councils[council], verified_only=True)
        uow.commit()


def _forge(fed, i: int) -> int:  # type: ignore[no-untyped-def]
    return int(fed.members[username("Forge", i)])


def _assembly_motion(fed, author: int) -> int:  # type: ignore[no-untyped-def]
    cmd = motions.DraftMotion(fed.units["Forge"], None, "Strike fund", "A strike fund of 1 %.")
    return motions.draft_motion(fed.system.uow(), author, cmd)


def test_an_unverified_member_neither_calls_nor_casts_an_assembly_vote(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    _verified_only(fed)
    unverified = _forge(fed, 5)
    verify_member(fed.system.uow(), unverified, OPERATOR_CALLER, is_verified=False)
    motion = _assembly_motion(fed, _forge(fed, 1))
    with pytest.raises(errors.NotAllowed, match="only verified members call"):
        motions.open_vote(fed.system.uow(), motion, unverified)
    motions.open_vote(fed.system.uow(), motion, _forge(fed, 1))
    with pytest.raises(errors.NotAllowed, match="only verified members vote"):
        motions.cast_vote(fed.system.uow(), motion, unverified, "yes")
    with fed.system.uow() as uow:
        voting = uow.motions.get(motion)
        assert uow.motions.tally(voting).recorded == 0  # the refused vote left nothing
        voters = motions.voters(uow, voting)
    assert unverified not in voters and len(voters) == 11  # the quorum counts 11 of 12
    motions.cast_vote(fed.system.uow(), motion, _forge(fed, 2), "yes")
    with pytest.raises(errors.NotAllowed, match="only members of the unit vote"):
        motions.cast_vote(fed.system.uow(), motion, fed.members[username("Mill", 1)], "yes")


def test_without_the_standing_order_an_unverified_member_votes(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    unverified = _forge(fed, 5)
    verify_member(fed.system.uow(), unverified, OPERATOR_CALLER, is_verified=False)
    motion = _assembly_motion(fed, _forge(fed, 1))
    motions.open_vote(fed.system.uow(), motion, unverified)
    motions.cast_vote(fed.system.uow(), motion, unverified, "yes")


def test_the_plan_sets_verified_only(system) -> None:  # type: ignore[no-untyped-def]
    plan = small_plan()
    north = replace(plan.councils[1], verified_only=True)
    found_federation(
        system.uow(), replace(plan, councils=(plan.councils[0], north, plan.councils[2]))
    )
    with system.uow() as uow:
        flags = {c.name: c.verified_only for c in uow.councils.list()}
    assert flags == {"Chief Council": False, "North Council": True, "South Council": False}


def test_a_plan_names_a_bad_verified_only() -> None:
    council = {"name": "City", "parent": None, "verified_only": True}
    base = {"name": "F", "factions": [], "units": [], "members": []}
    plan = plan_from_json(json.dumps(base | {"councils": [council]}))
    assert plan.councils[0].verified_only is True
    bad = base | {"councils": [council | {"verified_only": "yes"}]}
    with pytest.raises(FoundingError, match="council 'City': verified_only is true or false"):
        check_plan(plan_from_json(json.dumps(bad)))

"""A council changes its standing orders by a motion it adopts (DESIGN.md 2.9): the rule, the
refusals, and that nothing changes before the adoption."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.services import motions, sessions, standing_orders
from dualpower.services.cycle import GeneralElection, open_general
from fixtures_services import show_of_hands
from offices_support import setup_offices, sit


def _orders(fed):  # type: ignore[no-untyped-def]
    north = fed.councils["North Council"]
    with fed.system.uow() as uow:
        council = uow.councils.get(north)
        return council, uow.standing_orders.of(council_id=north)


def test_an_adopted_motion_changes_the_standing_orders_and_the_next_vote_follows(federation):
    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    changes = {
        "recall_rule": "vote",
        "recall_trigger_bp": 2500,
        "nominations_seconds": 600,
        "voting_seconds": 3600,
        "secret_elections": True,
    }
    motion = standing_orders.propose_standing_orders(
        federation.system.uow(), o.deputies[0], north, changes
    )
    council, orders = _orders(federation)
    assert council.recall_rule == "direct" and orders["voting_seconds"] != 3600  # not yet
    session = sit(o)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    show_of_hands(federation.system.uow(), motion, [(d, "yes") for d in o.deputies])
    decision = motions.close_vote(federation.system.uow(), motion, o.holder["chair"])
    assert decision.status == "adopted"
    council, orders = _orders(federation)
    assert (council.recall_rule, council.recall_trigger_bp) == ("vote", 2500)
    assert (orders["nominations_seconds"], orders["voting_seconds"]) == (600, 3600)
    assert orders["secret_elections"] is True
    cmd = GeneralElection(north, "unit", federation.units["Forge"])
    election_id = open_general(federation.system.uow(), cmd, o.holder["electoral commission"])
    with federation.system.uow() as uow:
        election = uow.elections.get(election_id)
        acts = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE act = 'council.standing_orders'"
        ).scalar_one()
    assert election.is_secret
    assert (election.closes_at - election.nominations_close_at).total_seconds() == 3600
    assert acts == 1


@pytest.mark.parametrize(
    "changes",
    [{}, {"quorum": 5}, {"recall_rule": "whim"}, {"voting_seconds": 0}, {"secret_elections": 1}],
)
def test_bad_changes_are_refused_and_change_nothing(federation, changes):
    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    with pytest.raises(errors.InvalidRequest):
        standing_orders.propose_standing_orders(
            federation.system.uow(), o.deputies[0], north, changes
        )
    with federation.system.uow() as uow:
        assert uow.motions.list() == [] or all(m.council_id != north for m in uow.motions.list())


def test_only_a_deputy_of_the_council_proposes(federation):
    north = federation.councils["North Council"]
    outsider = federation.members["mill1"]
    with pytest.raises(errors.NotAllowed):
        standing_orders.propose_standing_orders(
            federation.system.uow(), outsider, north, {"voting_seconds": 60}
        )


def test_a_base_assembly_quorum_is_set_by_its_councils_motion_and_nobody_else(federation):
    """`assembly_quorum_bp` is a standing order of the council, applied to each base unit that
    elects to it; the chair has no direct setter any more (one way, DESIGN.md 2.9)."""
    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    assert not hasattr(sessions, "set_standing_orders")
    motion = standing_orders.propose_standing_orders(
        federation.system.uow(), o.deputies[0], north, {"assembly_quorum_bp": 2500}
    )
    session = sit(o)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    show_of_hands(federation.system.uow(), motion, [(d, "yes") for d in o.deputies])
    motions.close_vote(federation.system.uow(), motion, o.holder["chair"])
    with federation.system.uow() as uow:
        quorum = {
            name: uow.standing_orders.of(unit_id=federation.units[name])["assembly_quorum_bp"]
            for name in ("Forge", "Barracks", "Mill")
        }
    assert quorum["Forge"] == quorum["Barracks"] == 2500
    assert quorum["Mill"] != 2500  # the South Council's unit keeps its own

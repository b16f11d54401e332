"""A council's stance on a directive taken by its vote (DESIGN.md 2.6, 2.9): a deputy proposes
it, the council adopts it in session, and the adoption takes the stance (superseding the current
one, the log naming the motion); nothing is taken before or on rejection. The direct route needs
`record_stance`, which no usual office carries: a secretary with only record_directive is
refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.services import motions, register, sessions, stance_motions
from dualpower.store import tables as t
from fixtures_services import show_of_hands
from offices_support import Offices, setup_offices, sit
from register_helpers import secretary

OPERATOR = register.Actor(is_operator=True)


@pytest.fixture
def o(federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation, stipend=0)


def _directive(o: Offices) -> int:
    uow = o.fed.system.uow
    north = o.fed.councils["North Council"]
    authority = register.record_authority(
        uow(), register.RecordAuthority("Provisional Government", north), OPERATOR
    )
    cmd = register.RecordDirective(authority, north, "Order to the front", date(1917, 4, 18))
    return register.record_directive(uow(), cmd, OPERATOR)


def _decide(o: Offices, motion: int, position: str) -> str:
    uow = o.fed.system.uow
    session = sit(o)
    sessions.add_to_agenda(uow(), o.holder["chair"], session, motion)
    motions.open_vote(uow(), motion, o.holder["chair"])
    show_of_hands(uow(), motion, [(d, position) for d in o.deputies])
    return motions.close_vote(uow(), motion, o.holder["chair"]).status


def _current(o: Offices, directive: int) -> list[dict]:
    return register.directive(o.fed.system.reader(), directive)["stances"]


def test_an_adopted_stance_motion_takes_the_stance(o: Offices) -> None:
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    cmd = register.TakeStance(directive, north, "countermand", counter_order="Stay in Petrograd")
    motion = stance_motions.propose_stance(o.fed.system.uow(), o.deputies[1], cmd)
    assert _current(o, directive) == []  # not before the vote
    assert _decide(o, motion, "yes") == "adopted"
    [council] = _current(o, directive)
    assert council["current"]["kind"] == "countermand"
    assert council["current"]["counter_order"] == "Stay in Petrograd"
    with o.fed.system.engine.connect() as conn:
        log = t.audit_log
        actor, payload = conn.execute(
            select(log.c.actor, log.c.payload).where(log.c.act == "stance.take")
        ).one()
    assert actor is None and json.loads(payload)["motion"] == motion
    # A second stance by vote supersedes it; history kept.
    again = register.TakeStance(directive, north, "endorse")
    assert (
        _decide(o, stance_motions.propose_stance(o.fed.system.uow(), o.deputies[0], again), "yes")
        == "adopted"
    )
    [council] = _current(o, directive)
    assert council["current"]["kind"] == "endorse" and len(council["history"]) == 2


def test_a_rejected_stance_motion_takes_nothing(o: Offices) -> None:
    directive = _directive(o)
    cmd = register.TakeStance(directive, o.fed.councils["North Council"], "endorse")
    motion = stance_motions.propose_stance(o.fed.system.uow(), o.deputies[0], cmd)
    assert _decide(o, motion, "no") == "rejected"
    assert _current(o, directive) == []


def test_who_may_propose_and_what(o: Offices) -> None:
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    uow = o.fed.system.uow
    mill = o.fed.members["mill1"]  # a deputy of the South, not the North
    with pytest.raises(errors.NotAllowed):
        stance_motions.propose_stance(uow(), mill, register.TakeStance(directive, north, "endorse"))
    with pytest.raises(errors.InvalidRequest):  # conditional support names its conditions
        stance_motions.propose_stance(
            uow(), o.deputies[0], register.TakeStance(directive, north, "support_conditionally")
        )
    with pytest.raises(errors.InvalidRequest):
        stance_motions.propose_stance(
            uow(), o.deputies[0], register.TakeStance(directive, north, "obey")
        )
    with pytest.raises(errors.NotFound):
        stance_motions.propose_stance(
            uow(), o.deputies[0], register.TakeStance(999999, north, "endorse")
        )


def test_a_stance_motion_is_drafted_by_the_motions_rules(o: Offices) -> None:
    """An unknown majority is refused as any motion's is, drafting nothing; the text is the one
    motion_titles writes, cut to a motion's longest (a counter-order may be that long itself)."""
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    uow = o.fed.system.uow
    endorse = register.TakeStance(directive, north, "endorse")
    with pytest.raises(errors.InvalidRequest, match="majority is one of"):
        stance_motions.propose_stance(uow(), o.deputies[0], endorse, "most")
    with uow() as seen:
        assert seen.motions.list() == []
    order = "Stay in Petrograd. " * 1100  # 20,900 characters
    cmd = register.TakeStance(directive, north, "countermand", counter_order=order)
    motion_id = stance_motions.propose_stance(uow(), o.deputies[0], cmd, "two_thirds")
    with uow() as seen:
        motion = motions.get(seen, motion_id)
    assert motion.majority == "two_thirds" and len(motion.text) == motions.TEXT_MAX
    assert motion.text.startswith("North Council countermands the directive")
    assert "Stay in Petrograd. Stay in Petrograd." in motion.text


def test_the_direct_route_needs_record_stance_the_council_gave(o: Offices) -> None:
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    cmd = register.TakeStance(directive, north, "endorse")
    holder = secretary(o.fed, "North Council", (caps.RECORD_DIRECTIVE,), name="old secretary")
    with pytest.raises(errors.NotAllowed, match="record stance"):
        register.take_stance(o.fed.system.uow(), cmd, register.Actor(holder))
    clerk = secretary(o.fed, "North Council", (caps.RECORD_STANCE,), deputy=1, name="clerk")
    register.take_stance(o.fed.system.uow(), cmd, register.Actor(clerk))
    assert _current(o, directive)[0]["current"]["kind"] == "endorse"

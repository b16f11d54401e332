"""A council gives one of its offices a capability, or takes it back, by a motion it adopts
(DESIGN.md 2.9; services/capability_motions.py): given `record_stance`, the office's holder
takes the council's stances on directives; taken back, they are refused again; nothing changes
before the adoption or after a rejection; what may not be given is refused when proposed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.services import capability_motions, motions, register, sessions
from dualpower.store import tables as t
from fixtures_services import show_of_hands
from offices_support import Offices, setup_offices, sit

OPERATOR = register.Actor(is_operator=True)


@pytest.fixture
def o(federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation, stipend=0)


def _directive(o: Offices) -> int:
    uow, north = o.fed.system.uow, o.fed.councils["North Council"]
    authority = register.record_authority(
        uow(), register.RecordAuthority("Provisional Government", north), OPERATOR
    )
    cmd = register.RecordDirective(authority, north, "Order to the front", date(1917, 4, 18))
    return register.record_directive(uow(), cmd, OPERATOR)


def _decide(o: Offices, motion: int, position: str = "yes") -> str:
    uow, chair = o.fed.system.uow, o.holder["chair"]
    session = sit(o)
    sessions.add_to_agenda(uow(), chair, session, motion)
    motions.open_vote(uow(), motion, chair)
    show_of_hands(uow(), motion, [(d, position) for d in o.deputies])
    status = motions.close_vote(uow(), motion, chair).status
    sessions.close_session(uow(), chair, session)
    return status


def _stance(o: Offices, directive: int, member: int) -> int:
    cmd = register.TakeStance(directive, o.fed.councils["North Council"], "endorse")
    return register.take_stance(o.fed.system.uow(), cmd, register.Actor(member))


def _capabilities(o: Offices, office: int) -> tuple[str, ...]:
    with o.fed.system.uow() as uow:
        return tuple(uow.offices.get(office).capabilities)


def _logged(o: Offices, act: str) -> list[dict]:  # type: ignore[type-arg]
    with o.fed.system.engine.connect() as conn:
        log = t.audit_log
        rows = conn.execute(select(log.c.payload).where(log.c.act == act).order_by(log.c.id))
        return [json.loads(p) for (p,) in rows]


def test_given_record_stance_the_holder_takes_stances_and_taken_back_is_refused(o) -> None:  # type: ignore[no-untyped-def]
    directive = _directive(o)
    office, holder = o.office["credentials committee"], o.holder["credentials committee"]
    with pytest.raises(errors.NotAllowed):
        _stance(o, directive, holder)
    motion = capability_motions.propose_capability(
        o.fed.system.uow(), o.deputies[0], office, caps.RECORD_STANCE
    )
    assert caps.RECORD_STANCE not in _capabilities(o, office)  # not before the adoption
    with pytest.raises(errors.NotAllowed):
        _stance(o, directive, holder)
    assert _decide(o, motion) == "adopted"
    assert _capabilities(o, office) == (caps.VERIFY_MEMBERS, caps.RECORD_STANCE, caps.REPORT_WAGES)
    assert _stance(o, directive, holder) > 0
    (given,) = _logged(o, "office.capabilities")
    assert (given["motion"], given["capability"], given["gives"]) == (motion, "record_stance", True)
    back = capability_motions.propose_capability(
        o.fed.system.uow(), o.deputies[1], office, caps.RECORD_STANCE, gives=False
    )
    assert _decide(o, back) == "adopted"
    assert _capabilities(o, office) == (caps.VERIFY_MEMBERS, caps.REPORT_WAGES)
    with pytest.raises(errors.NotAllowed):
        _stance(o, directive, holder)
    assert [p["gives"] for p in _logged(o, "office.capabilities")] == [True, False]


def test_an_adopted_change_is_applied_once(o) -> None:  # type: ignore[no-untyped-def]
    office = o.office["credentials committee"]
    motion = capability_motions.propose_capability(
        o.fed.system.uow(), o.deputies[0], office, caps.RECORD_STANCE
    )
    assert _decide(o, motion) == "adopted"
    with o.fed.system.uow() as uow:
        adopted = motions.get(uow, motion)
        with pytest.raises(errors.Conflict, match="this capability motion was applied already"):
            capability_motions.on_adopted(uow, adopted)
    assert _capabilities(o, office) == (caps.VERIFY_MEMBERS, caps.RECORD_STANCE, caps.REPORT_WAGES)
    assert len(_logged(o, "office.capabilities")) == 1


def test_a_rejected_capability_motion_changes_nothing(o) -> None:  # type: ignore[no-untyped-def]
    office = o.office["chair"]
    motion = capability_motions.propose_capability(
        o.fed.system.uow(), o.deputies[0], office, caps.RECORD_STANCE
    )
    assert _decide(o, motion, "no") == "rejected"
    assert _capabilities(o, office) == (caps.CONVENE_SESSION,)
    assert _logged(o, "office.capabilities") == []


@pytest.mark.parametrize(
    ("capability", "gives", "error"),
    [
        (caps.KEEP_ORDER, True, errors.InvalidRequest),  # a session's stewards hold it
        ("fly", True, errors.InvalidRequest),
        (caps.CONVENE_SESSION, True, errors.Conflict),  # the chair has it already
        (caps.RECORD_STANCE, False, errors.Conflict),  # nothing to take back
    ],
)
def test_what_may_not_be_given_or_taken_is_refused_when_proposed(
    o, capability, gives, error
) -> None:  # type: ignore[no-untyped-def]
    before = len(_logged(o, "capability.propose"))
    with pytest.raises(error):
        capability_motions.propose_capability(
            o.fed.system.uow(), o.deputies[0], o.office["chair"], capability, gives
        )
    assert len(_logged(o, "capability.propose")) == before


def test_only_the_councils_deputies_propose(o) -> None:  # type: ignore[no-untyped-def]
    for who in (o.fed.members["forge4"], o.fed.members["mill1"]):  # a member; a South deputy
        with pytest.raises(errors.NotAllowed):
            capability_motions.propose_capability(
                o.fed.system.uow(), who, o.office["chair"], caps.RECORD_STANCE
            )
    with pytest.raises(errors.NotFound):
        capability_motions.propose_capability(
            o.fed.system.uow(), o.deputies[0], 99_999, caps.RECORD_STANCE
        )

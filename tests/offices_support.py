"""Offices on the small federation (tests/factories.py): wages reported for every unit, and the
North Council's chair, credentials committee and electoral commission, founded and filled.

Wages: Forge 100..1200 (12 members), Barracks 50..400 (8), Mill 200..2400 (12), Farm 80..640
(8); the federation's median of those 40 is WAGE_MEDIAN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dualpower.domain import capabilities as caps
from dualpower.domain.offices import median
from dualpower.services import offices
from dualpower.services.offices import OPERATOR_CALLER
from factories import UNITS, Small, close_vote_in_time, username
from fixtures_services import FoundingOfficeVote, found_office_holder, show_of_hands

STEPS = {"Forge": 100, "Barracks": 50, "Mill": 200, "Farm": 80}
ALL_WAGES = [STEPS[n] * i for n, _, _, _, size in UNITS for i in range(1, size + 1)]
WAGE_MEDIAN = median(ALL_WAGES)
NORTH_UNITS = ("Forge", "Barracks")
NORTH_MEDIAN = median(
    [STEPS[n] * i for n, _, _, _, s in UNITS if n in NORTH_UNITS for i in range(1, s + 1)]
)


@dataclass
class Offices:
    fed: Small
    office: dict[str, int] = field(default_factory=dict)  # name -> id (North Council)
    holder: dict[str, int] = field(default_factory=dict)  # name -> member id
    deputies: list[int] = field(default_factory=list)  # North Council's deputies


def report_all_wages(fed: Small) -> None:
    for name, _, _, _, size in UNITS:
        wages = {fed.members[username(name, i)]: STEPS[name] * i for i in range(1, size + 1)}
        offices.report_wages(fed.system.uow(), fed.units[name], wages, OPERATOR_CALLER)


def north_deputies(fed: Small) -> list[int]:
    with fed.system.uow() as uow:
        return sorted(
            md.holder_id for md in uow.mandates.active_in_council(fed.councils["North Council"])
        )


def setup_offices(fed: Small, *, stipend: int | None = None) -> Offices:
    """Report wages; found the North Council's offices, one deputy each."""
    report_all_wages(fed)
    north = fed.councils["North Council"]
    out = Offices(fed, deputies=north_deputies(fed))
    pay_each = WAGE_MEDIAN if stipend is None else stipend
    plan = (
        ("chair", (caps.CONVENE_SESSION,), 0),
        ("credentials committee", (caps.VERIFY_MEMBERS, caps.REPORT_WAGES), 1),
        ("electoral commission", (caps.RUN_ELECTION,), 2),
    )
    for name, capabilities, _ in plan:
        out.office[name] = offices.create_office(
            fed.system.uow(), north, name, capabilities, pay_each or 0, by="founding"
        )
    for name, _, who in plan:
        office_id = out.office[name]
        holder = out.deputies[who]
        ballots = [(d, [0]) for d in out.deputies]
        found_office_holder(fed.system.uow(), FoundingOfficeVote(office_id, [holder], ballots))
        out.holder[name] = holder
    return out


# -- stipends set by the council: a stipend motion decided in a session ----------------------


def sit(o: Offices) -> int:
    """The North Council's chair convenes and opens a session; every deputy registers."""
    from dualpower.services import sessions

    uow, chair = o.fed.system.uow, o.holder["chair"]
    north = o.fed.councils["North Council"]
    session = sessions.convene_session(uow(), chair, north, "Pay of officials", [])
    sessions.open_session(uow(), chair, session)
    for deputy in o.deputies:
        sessions.register_attendance(uow(), session, deputy)
    return session


def put_to_vote(o: Offices, session: int, office_id: int, amount: int) -> int:
    """A deputy proposes the stipend; the chair puts it on the agenda and opens its vote; every
    deputy votes yes. Returns the motion, ready to be closed."""
    from dualpower.services import motions, sessions, stipends

    uow, chair = o.fed.system.uow, o.holder["chair"]
    motion = stipends.propose_stipend(uow(), o.deputies[-1], office_id, amount)
    sessions.add_to_agenda(uow(), chair, session, motion)
    motions.open_vote(uow(), motion, chair)
    show_of_hands(uow(), motion, [(d, "yes") for d in o.deputies])
    return motion


def adopt_stipend(o: Offices, office_id: int, amount: int, session: int | None = None) -> int:
    """The North Council adopts a stipend motion (in a session of its own unless given)."""

    session = sit(o) if session is None else session
    motion = put_to_vote(o, session, office_id, amount)
    decision = close_vote_in_time(o.fed.system, motion, o.holder["chair"])
    assert decision.status == "adopted", decision
    return motion

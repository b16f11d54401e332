"""Read models that make open votes reachable by links (issue 25): the elections of a council or a
unit, the open elections with their closing times, and what a member can do now (open elections
and council or assembly votes they may cast, petitions they may sign, sessions they sit in).
One read transaction each; the rules of who may vote or sign are the services' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dualpower.domain import errors
from dualpower.domain.model import Election
from dualpower.services import motion_titles, views
from dualpower.services.elections import is_elector_of
from dualpower.services.motions import voters
from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class Place:
    kind: str  # "unit" | "council" | "office"
    id: int
    name: str


@dataclass(frozen=True)
class ElectionLine:
    id: int
    kind: str  # founding | general | by | office | recall
    status: str
    seats: int
    method: str
    is_secret: bool
    council_id: int | None
    council_name: str | None
    unit_id: int | None
    unit_name: str | None
    place: Place | None
    opened_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class ElectionIndex:
    title: str
    place: Place
    open: list[ElectionLine]
    closed: list[ElectionLine]


@dataclass(frozen=True)
class MotionToVote:
    id: int
    title: str
    place: Place
    session_id: int | None
    must_register: bool  # a council vote: register your attendance at the session first
    title_as: dict[str, Any] | None = None  # the product's title (services/motion_titles.py)


@dataclass(frozen=True)
class PetitionToSign:
    id: int
    holder_name: str
    council_name: str
    signatures: int
    threshold: int
    holder_person: str | None = None  # an official's name alone, and their office: a page says
    office: str | None = None  # "Name (office)" in its language (web/i18n.py holder)


@dataclass(frozen=True)
class SessionSeat:
    id: int
    title: str
    status: str
    council_id: int
    council_name: str
    is_registered: bool


@dataclass(frozen=True)
class ReportToDecide:
    id: int
    subject_kind: str  # comment | roll | session


@dataclass(frozen=True)
class CanDoNow:
    elections: list[ElectionLine]
    motions: list[MotionToVote]
    petitions: list[PetitionToSign]
    sessions: list[SessionSeat]
    reports: list[ReportToDecide]

    @property
    def is_empty(self) -> bool:
        return not (
            self.elections or self.motions or self.petitions or self.sessions or self.reports
        )


class _Names:
    """The councils, units, electorates and offices the lines name, read when first needed
    (`load`: a list's in four queries), not every one of the federation's."""

    def __init__(self, uow: UnitOfWork):
        self.uow = uow
        self.councils = views.RowsById(uow.councils)
        self.units = views.RowsById(uow.units)
        self.electorates = views.RowsById(uow.electorates)
        self.offices = views.RowsById(uow.offices)

    def load(self, elections: list[Election]) -> list[Election]:
        self.offices.load(e.office_id for e in elections if e.office_id is not None)
        self.electorates.load(e.electorate_id for e in elections if e.electorate_id is not None)
        found = [e for e in self.electorates.found.values() if e is not None]
        self.units.load(e.source_id for e in found if e.kind == "unit")
        self.councils.load(
            [e.council_id for e in found]
            + [e.source_id for e in found if e.kind != "unit"]
            + [o.council_id for o in self.offices.found.values() if o is not None]
        )
        return elections

    def line(self, e: Election) -> ElectionLine:
        council_id = unit_id = None
        place = None
        if e.office_id is not None and e.office_id in self.offices:
            office = self.offices[e.office_id]
            council_id = office.council_id
            place = Place("office", office.id, office.name)
        elif e.electorate_id in self.electorates:
            electorate = self.electorates[e.electorate_id]
            council_id = electorate.council_id
            if electorate.kind == "unit":
                unit_id = electorate.source_id
                place = Place("unit", unit_id, self.units[unit_id].name)
            else:
                source = self.councils[electorate.source_id]
                place = Place("council", source.id, source.name)
        council = self.councils.get(council_id) if council_id is not None else None
        return ElectionLine(
            id=e.id,
            kind="office" if e.office_id is not None and e.kind != "recall" else e.kind,
            status=e.status,
            seats=e.seats,
            method=e.method,
            is_secret=e.is_secret,
            council_id=council_id,
            council_name=council.name if council else None,
            unit_id=unit_id,
            unit_name=self.units[unit_id].name if unit_id is not None else None,
            place=place,
            opened_at=e.opened_at,
            closes_at=e.closes_at,
            closed_at=e.closed_at,
        )


def _by_closing(lines: list[ElectionLine]) -> list[ElectionLine]:
    """Soonest closing first; those without a closing time last, newest first among equals."""
    return sorted(lines, key=lambda e: (e.closes_at is None, e.closes_at or e.opened_at, -e.id))


def open_elections(uow: UnitOfWork) -> list[ElectionLine]:
    """Every open election, soonest closing first."""
    with uow:
        names = _Names(uow)
        found = uow.elections.newest_first(status="open")
        return _by_closing([names.line(e) for e in names.load(found)])


def _index(title: str, place: Place, lines: list[ElectionLine]) -> ElectionIndex:
    return ElectionIndex(
        title=title,
        place=place,
        open=_by_closing([e for e in lines if e.is_open]),
        closed=[e for e in lines if not e.is_open],
    )


def council_elections(uow: UnitOfWork, council_id: int) -> ElectionIndex:
    """The elections of a council's seats and offices (by-elections and recall votes too)."""
    with uow:
        names = _Names(uow)
        council = errors.must_exist(names.councils.get(council_id), f"no council {council_id}")
        found = uow.elections.of_council(council_id)  # not every one of the federation
        lines = [
            line for e in names.load(found) if (line := names.line(e)).council_id == council_id
        ]
        return _index(council.name, Place("council", council.id, council.name), lines)


def unit_elections(uow: UnitOfWork, unit_id: int) -> ElectionIndex:
    """The elections a base unit's members vote in for their deputies (and recall votes)."""
    with uow:
        names = _Names(uow)
        unit = errors.must_exist(names.units.get(unit_id), f"no unit {unit_id}")
        found = uow.elections.of_unit(unit_id)
        lines = [line for e in names.load(found) if (line := names.line(e)).unit_id == unit_id]
        return _index(unit.name, Place("unit", unit.id, unit.name), lines)


def _motions_to_vote(uow: UnitOfWork, names: _Names, member_id: int) -> list[MotionToVote]:
    out = []
    for motion in uow.motions.voting():
        if member_id not in voters(uow, motion):
            continue
        if member_id in uow.motions.votes(motion.id) or member_id in uow.motions.participants(
            motion.id
        ):
            continue
        if motion.unit_id is not None:
            place = Place("unit", motion.unit_id, names.units[motion.unit_id].name)
            titled = motion_titles.title_as(uow, motion)
            out.append(MotionToVote(motion.id, motion.title, place, None, False, titled))
            continue
        council = names.councils[motion.council_id or 0]
        session_id = motion.session_id
        present = set(uow.sessions.present(session_id)) if session_id else set()
        place = Place("council", council.id, council.name)
        must = member_id not in present
        titled = motion_titles.title_as(uow, motion)
        out.append(MotionToVote(motion.id, motion.title, place, session_id, must, titled))
    return out


def _sessions(uow: UnitOfWork, names: _Names, member_id: int) -> list[SessionSeat]:
    out = []
    for council_id in sorted({md.council_id for md in uow.mandates.active_of_holder(member_id)}):
        for session in uow.sessions.of_council(council_id):
            if session.status == "closed":
                continue
            out.append(
                SessionSeat(
                    session.id,
                    session.title,
                    session.status,
                    council_id,
                    names.councils[council_id].name,
                    member_id in uow.sessions.present(session.id),
                )
            )
    return out


def _reports(uow: UnitOfWork, member_id: int) -> list[ReportToDecide]:
    """Open reports whose current panel (the latest draw) seats the member, not yet decided by
    them in that round."""
    out = []
    for report_id, subject_kind, draw in uow.panels.open_with_latest_draw():
        if draw is None or member_id not in draw.panel:
            continue
        if not uow.panels.has_voted(report_id, draw.round, member_id):
            out.append(ReportToDecide(report_id, subject_kind))
    return out


def can_do_now(uow: UnitOfWork, member_id: int) -> CanDoNow:
    with uow:
        return can_do_now_in(uow, member_id)


def can_do_now_in(uow: UnitOfWork, member_id: int) -> CanDoNow:
    """What the member can do now: open elections they may vote in and have not, votes in
    session or assembly they may cast, recall petitions they may sign, sessions they sit in."""
    names = _Names(uow)
    # Those of the electorates the member may be an elector of (store/repositories.py
    # electorates_maybe_of), each then checked as its service checks it: not every open
    # election and petition of the federation, which a national vote would make thousands.
    found = uow.elections.open_maybe_for(member_id)
    elections = [
        names.line(e)
        for e in names.load(found)
        if is_elector_of(uow, e, member_id) and not uow.elections.has_participated(e.id, member_id)
    ]
    motions = _motions_to_vote(uow, names, member_id)
    sessions = _sessions(uow, names, member_id)
    reports = _reports(uow, member_id)
    open_ids = uow.recalls.open_maybe_for(member_id)
    petitions = []
    for petition_id in open_ids:  # counted as the recall service counts, one read each
        view = views.petition_in(uow, petition_id, member_id)
        if view["is_elector"] and not view["has_signed"]:
            against = view["mandate"]  # an official's: their name alone, and their office
            person, office = (
                (against["holder_person"], against["office"])
                if "office" in against
                else (None, None)
            )
            petitions.append(
                PetitionToSign(
                    petition_id,
                    against["holder_name"],
                    against["council_name"],
                    view["signatures"],
                    view["threshold"],
                    person,
                    office,
                )
            )
    return CanDoNow(_by_closing(elections), motions, petitions, sessions, reports)

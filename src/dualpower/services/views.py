"""Read-only queries for the pages and the API: dicts typed by the TypedDicts below (the read
models the pages get, services/page_views.py, and the shapes the API serves as JSON), one
transaction each, no writes.

"Its councils" (who may see a unit's roll, DESIGN.md 4.1): the councils on the path from the
unit's base council up to the chief council. The members of the unit and the deputies of those
councils may see its members; nobody else.

A council's majority is the faction holding more than half of its filled seats, else None.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, TypedDict, cast, final

from dualpower.domain import alignment, errors
from dualpower.domain.model import (
    Council,
    Election,
    Electorate,
    ElectorateKind,
    Mandate,
    RecallPetition,
    RecallRule,
)
from dualpower.services import roll_rules, visibility
from dualpower.services.alignment import CouncilColours
from dualpower.services.elections import REFERENDUM, ballot_shape, electors_of
from dualpower.services.recall import may_sign_in, petition_state_in
from dualpower.store.uow import UnitOfWork

NO_FACTION = alignment.NO_FACTION
NEUTRAL_COLOUR = "#6b7280"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_CHUNK = 10_000  # members masked at once

Status = Literal["open", "closed", "published"]


class Ref(TypedDict):
    """Something named, by its id: a council, a faction."""

    id: int
    name: str


class ElectorateName(TypedDict):
    """Who elects: a base unit's members (kind "unit") or a lower council's deputies."""

    kind: ElectorateKind
    id: int  # the unit's or the council's
    name: str


class MandateView(TypedDict):
    id: int
    council_id: int
    council_name: str
    holder_id: int
    holder_name: str
    holder_username: str
    faction: str | None
    electorate: ElectorateName | None
    seat_no: int
    started_at: datetime


@final
class MandateDetail(MandateView):
    """A mandate, active or ended (with when and why)."""

    is_active: bool
    ended_at: datetime | None
    end_reason: str | None


class DeputyView(MandateView):
    """A deputy as /me lists them, with the petition against their mandate still undecided."""

    petition_id: int | None


class CouncilSeats(CouncilColours):
    """A council's seats, composition (filled seats by faction, largest first), majority and
    colours, as the alignment's stored row has them but counted from its mandates; and its
    recall rule."""

    recall_rule: RecallRule


class UnitBrief(TypedDict):
    id: int
    name: str
    kind: str


class UnitLine(UnitBrief):
    section: str


class CouncilDetail(CouncilSeats):
    """The council page's and `GET /councils/{id}`'s: its deputies, by faction, and where
    they come from."""

    mandates: list[MandateView]
    by_faction: dict[str, list[MandateView]]
    parent: Ref | None
    children: list[Ref]
    units: list[UnitLine]


class MemberRef(TypedDict):
    id: int
    username: str
    name: str


# One level of a member's deputies: who the council's seats are elected `from` (a keyword,
# hence the functional form).
DeputyLevel = TypedDict(
    "DeputyLevel",
    {"council": Ref, "from": str, "is_elector": bool, "mandates": list[DeputyView]},
)


class MeView(MemberRef):
    """The member, their unit, their deputies level by level up to the chief, their mandates."""

    unit_id: int | None
    unit: UnitBrief | None
    deputies: list[DeputyLevel]
    mandates: list[MandateView]


class ElectionView(TypedDict):
    id: int
    electorate: ElectorateName | None
    council_id: int | None
    council_name: str | None
    unit_id: int | None
    unit_name: str | None
    seats: int
    method: str
    is_ranked: bool
    is_secret: bool
    status: Status
    kind: Literal["founding", "general", "by", "office", "recall"]
    round: Literal["founding", "general", "by", "recall"]
    office_id: int | None
    opened_at: datetime
    nominations_close_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None


class CandidateView(TypedDict):
    id: int
    member_id: int
    name: str
    faction: str | None


class Turnout(TypedDict):
    voted: int
    electorate_size: int


@final
class OfficialAsMandate(TypedDict):
    """An official's term, shaped like a mandate, so that a petition page reads the same for
    deputies and officials."""

    holder_id: int
    holder_name: str  # "Name (office)"
    holder_person: str  # the name alone: a page says the office in its language
    faction: None
    council_id: int
    council_name: str
    electorate: ElectorateName  # the council's deputies
    office: str


class OfficeTermRef(TypedDict):
    id: int
    office: str
    council_id: int


class PetitionTarget(TypedDict):
    """What a petition is against: a deputy's mandate (`office_term` None), or an official's
    office term."""

    mandate: MandateDetail | OfficialAsMandate
    office_term: OfficeTermRef | None


class RecallOf(PetitionTarget):
    """For a recall vote: the petition that triggered it and the mandate it decides."""

    petition_id: int


class ElectionDetail(ElectionView, Turnout):
    """The election page's and `GET /elections/{id}`'s: the election with its candidates and
    turnout so far, what the viewer may do, and for a recall vote whose mandate it decides."""

    candidates: list[CandidateView]
    is_elector: bool
    not_elector_because: str | None  # "joined_late", "unverified" or None
    has_voted: bool
    is_candidate: bool
    may_stand: bool
    factions: list[Ref]
    recall: RecallOf | None


class PublishedBallotView(TypedDict):
    """A ballot as published at the close: its receipt, choices (candidate ids; a recall vote's
    1 to recall, 0 to keep) and `named`, their names; its voter for an open ballot only."""

    receipt: str
    choices: list[int]
    named: list[str]
    voter_id: int | None
    voter_name: str | None


class RoundView(TypedDict):
    """One round of a count as the engine stores it (counting/model.py `Round.to_json`), its
    candidates named by id as text, and `note_named`: its note with their names."""

    round: int
    totals: dict[str, float]
    elected: list[str]
    excluded: list[str]
    transfers: dict[str, float]
    non_transferable: float
    note: str
    note_named: str


class ElectionResultView(TypedDict):
    """The count of a closed election, round by round (`GET /elections/{id}/result`)."""

    election_id: int
    method: str
    seats: int
    ballots: int
    quota: float | None
    winners: list[int]
    elected: list[CandidateView]
    rounds: list[RoundView]
    candidates: list[CandidateView]
    seed: int | None
    yes: int | None
    no: int | None
    superseded_by: int | None
    withdrawn: list[CandidateView]


class PetitionView(PetitionTarget):
    """A recall petition's page: its count against its threshold, what it is against, and what
    the viewer may do."""

    id: int
    mandate_id: int | None
    status: str
    signatures: int
    threshold: int
    vote_election_id: int | None
    by_election_id: int | None
    opened_at: datetime
    decided_at: datetime | None
    opened_by: str
    office_term_id: int | None
    recall_rule: RecallRule
    trigger_percent: float
    is_elector: bool
    not_elector_because: str | None  # "joined_late", "unverified" or None
    has_signed: bool


class RowsById:
    """Rows of one table by id, read when first asked for and kept for the query: a page reads
    the councils, units and electorates it shows, not every one of the federation's (issue
    24). `load` reads many in one query (a list's, before its loop)."""

    def __init__(self, repository: Any):
        self.repository = repository
        self.found: dict[int, Any] = {}

    def load(self, ids: Iterable[int]) -> None:
        missing = sorted({i for i in ids if i not in self.found})
        for row in self.repository.by_ids(missing):
            self.found[row.id] = row
        for i in missing:
            self.found.setdefault(i, None)

    def get(self, id_: int | None) -> Any | None:
        if id_ is None:
            return None
        if id_ not in self.found:
            self.load([id_])
        return self.found[id_]

    def __getitem__(self, id_: int | None) -> Any:
        row = self.get(id_)
        if row is None:
            raise KeyError(id_)
        return row

    def __contains__(self, id_: object) -> bool:
        return isinstance(id_, int) and self.get(id_) is not None


class _Lookup:
    """Names of factions, members, councils, units and electorates, fetched once per query,
    each when first needed (the factions, a handful, at once)."""

    def __init__(self, uow: UnitOfWork):
        self.uow = uow
        self.factions = {f.id: f for f in uow.factions.list()}
        self.councils = RowsById(uow.councils)
        self.units = RowsById(uow.units)
        self.electorates = RowsById(uow.electorates)
        self._seats: dict[int, int] = {}
        self._members: dict[int, Any] = {}

    def members(self, ids: set[int]) -> dict[int, Any]:
        missing = sorted(i for i in ids if i not in self._members)
        for start in range(0, len(missing), _CHUNK):
            found = self.uow.members.by_ids(missing[start : start + _CHUNK])
            for member in visibility.masked_members(self.uow, found):  # 2.11
                self._members[member.id] = member
        return {i: self._members[i] for i in ids if i in self._members}

    def members_concerned(self, ids: set[int], concerning: Any) -> dict[int, Any]:
        """Members whose names belong to the unit or council concerned (DESIGN.md 2.11): not
        cached, as the same person may be shown by name elsewhere on the page."""
        found = self.uow.members.by_ids(ids)
        return {m.id: m for m in visibility.masked_members(self.uow, found, concerning)}

    def concerned(self, electorate_id: int | None, council_id: int | None = None) -> Any:
        """What a vote or petition of this electorate concerns: its unit, or the council whose
        deputies elect (an office's electors: the council's deputies)."""
        electorate = self.electorates.get(electorate_id or 0)
        if electorate is None:
            return visibility.of_council(council_id or 0)
        if electorate.kind == "unit":
            return visibility.of_unit(electorate.source_id)
        return visibility.of_council(electorate.source_id)

    def faction_name(self, faction_id: int | None) -> str | None:
        faction = self.factions.get(faction_id) if faction_id is not None else None
        return faction.name if faction else None

    def colour(self, faction_name: str | None) -> str:
        for faction in self.factions.values():
            if faction.name == faction_name and _COLOUR.match(faction.colour):
                return str(faction.colour)
        return NEUTRAL_COLOUR

    def load_electorates(self, ids: Iterable[int | None]) -> None:
        """These electorates and the units and councils that elect them, in three queries."""
        self.electorates.load(i for i in ids if i is not None)
        found = [e for e in self.electorates.found.values() if e is not None]
        self.units.load(e.source_id for e in found if e.kind == "unit")
        self.councils.load(e.source_id for e in found if e.kind != "unit")
        self.councils.load(e.council_id for e in found)

    def electorate_ref(self, electorate: Electorate | None) -> ElectorateName | None:
        if electorate is None:
            return None
        source = electorate.source_id
        name = self.units[source].name if electorate.kind == "unit" else self.councils[source].name
        return {"kind": electorate.kind, "id": source, "name": name}

    def load_seats(self, council_ids: Iterable[int] | None = None) -> None:
        """The seats of these councils (of every council when None), in one query."""
        self._seats.update(self.uow.electorates.seats_by_council(council_ids))

    def council_seats(self, council_id: int) -> int:
        if council_id not in self._seats:
            self.load_seats([council_id])
        return self._seats.get(council_id, 0)

    def path_up(self, council_id: int) -> list[Council]:
        """The council and every council above it, up to the chief."""
        path: list[Council] = []
        current: int | None = council_id
        while current is not None:
            council = self.councils[current]
            path.append(council)
            current = council.parent_id
        return path


def _mandate(look: _Lookup, md: Mandate) -> MandateView:
    holder = look.members({md.holder_id}).get(md.holder_id)
    council = look.councils[md.council_id]
    return {
        "id": md.id,
        "council_id": md.council_id,
        "council_name": council.name,
        "holder_id": md.holder_id,
        "holder_name": holder.display_name if holder else "",
        "holder_username": holder.username if holder else "",
        "faction": look.faction_name(md.faction_id),
        "electorate": look.electorate_ref(look.electorates.get(md.electorate_id)),
        "seat_no": md.seat_no,
        "started_at": md.start_at,
    }


def _mandate_detail(look: _Lookup, md: Mandate) -> MandateDetail:
    """A mandate with whether it is active, and when and why it ended."""
    out = _mandate(look, md)
    return {**out, "is_active": md.is_active, "ended_at": md.end_at, "end_reason": md.end_reason}


def _mandates(look: _Lookup, mandates: list[Mandate]) -> list[MandateView]:
    look.members({md.holder_id for md in mandates})
    look.councils.load(md.council_id for md in mandates)
    look.load_electorates(md.electorate_id for md in mandates)
    return [_mandate(look, md) for md in mandates]


def _composition(look: _Lookup, mandates: list[Mandate]) -> tuple[dict[str, int], str | None]:
    counts = Counter(look.faction_name(md.faction_id) or NO_FACTION for md in mandates)
    return alignment.ordered(counts), alignment.majority(counts)


def _council(look: _Lookup, council: Council, active: list[Mandate]) -> CouncilSeats:
    composition, majority = _composition(look, active)
    return {
        "id": council.id,
        "name": council.name,
        "parent_id": council.parent_id,
        "seats": look.council_seats(council.id),
        "filled": len(active),
        "composition": composition,
        "majority": majority,
        "colours": {name: look.colour(name) for name in composition},
        "recall_rule": council.recall_rule,
    }


def federation(uow: UnitOfWork) -> dict[str, Any] | None:
    with uow:
        fed = uow.federations.only()
    if fed is None:
        return None
    return {"id": fed.id, "name": fed.name, "is_demo": fed.is_demo, "currency": fed.currency}


def councils(uow: UnitOfWork) -> list[CouncilSeats]:
    with uow:
        return councils_in(uow)


def councils_in(uow: UnitOfWork) -> list[CouncilSeats]:
    """Every council with its seats, composition and majority, parents before children."""
    look = _Lookup(uow)
    every = uow.councils.list()
    look.councils.found.update((c.id, c) for c in every)
    look.load_seats()
    by_council: dict[int, list[Mandate]] = {c.id: [] for c in every}
    for md in uow.mandates.active():
        by_council[md.council_id].append(md)
    return [_council(look, c, by_council[c.id]) for c in every]


def councils_of(uow: UnitOfWork, found: list[Council]) -> list[CouncilSeats]:
    """These councils with their seats, composition and majority (in an entered unit of work):
    their mandates only, not the federation's."""
    look = _Lookup(uow)
    look.councils.found.update((c.id, c) for c in found)
    ids = [c.id for c in found]
    look.load_seats(ids)
    by_council: dict[int, list[Mandate]] = {i: [] for i in ids}
    for md in uow.mandates.active_in_councils(ids):
        by_council[md.council_id].append(md)
    return [_council(look, c, by_council[c.id]) for c in found]


def children_counts(uow: UnitOfWork, council_ids: list[int]) -> dict[int, int]:
    """How many councils sit directly below each of these (in an entered unit of work)."""
    return uow.councils.children_counts(council_ids)


def council_tree(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The councils as a tree: each has "children"; the list holds the chief council(s)."""
    flat = councils(uow)
    by_id: dict[int, dict[str, Any]] = {c["id"]: {**c, "children": []} for c in flat}
    roots: list[dict[str, Any]] = []
    for council in by_id.values():
        parent = by_id.get(council["parent_id"])
        (parent["children"] if parent else roots).append(council)
    return roots


def council(uow: UnitOfWork, council_id: int) -> CouncilDetail:
    with uow:
        return council_in(uow, council_id)


def council_in(uow: UnitOfWork, council_id: int) -> CouncilDetail:
    """A council, its composition, its deputies (by faction), where they come from."""
    look = _Lookup(uow)
    found = look.councils.get(council_id)
    if found is None:
        raise errors.NotFound(f"there is no council {council_id}")
    active = uow.mandates.active_in_council(council_id)
    out = _council(look, found, active)
    mandates = _mandates(look, active)
    by_faction: dict[str, list[MandateView]] = {name: [] for name in out["composition"]}
    for md in sorted(mandates, key=lambda md: md["holder_name"]):
        by_faction[md["faction"] or NO_FACTION].append(md)
    parent = look.councils.get(found.parent_id) if found.parent_id else None
    return {
        **out,
        "mandates": mandates,
        "by_faction": by_faction,
        "parent": {"id": parent.id, "name": parent.name} if parent else None,
        "children": [{"id": c.id, "name": c.name} for c in uow.councils.children(council_id)],
        "units": [
            {"id": u.id, "name": u.name, "kind": u.kind, "section": u.section}
            for u in uow.units.of_council(council_id)
        ],
    }


def council_mandates(uow: UnitOfWork, council_id: int) -> list[MandateView]:
    with uow:
        look = _Lookup(uow)
        if council_id not in look.councils:
            raise errors.NotFound(f"there is no council {council_id}")
        return _mandates(look, uow.mandates.active_in_council(council_id))


def mandate(uow: UnitOfWork, mandate_id: int) -> MandateDetail:
    with uow:
        found = uow.mandates.get(mandate_id)
        if found is None:
            raise errors.NotFound(f"there is no mandate {mandate_id}")
        return _mandate_detail(_Lookup(uow), found)


def _deputies_of(look: _Lookup, electorate: Electorate | None) -> list[MandateView]:
    if electorate is None:
        return []
    active = look.uow.mandates.active_of_electorate(electorate.id)
    return sorted(_mandates(look, active), key=lambda md: md["seat_no"])


def _may_see_roll(look: _Lookup, unit_council_id: int, unit_id: int, viewer: int | None) -> bool:
    """A roll is for the unit concerned (DESIGN.md 2.11, services/visibility.py): its members,
    and the deputies and office holders of the councils on the path from its base council up."""
    if viewer is None:
        return False
    return visibility.is_concerned(look.uow, viewer, visibility.of_unit(unit_id))


def unit(uow: UnitOfWork, unit_id: int, viewer_id: int | None = None) -> dict[str, Any]:
    """A base unit, its deputies, and its members when `viewer_id` may see them (else None)."""
    with uow:
        look = _Lookup(uow)
        found = errors.must_exist(look.units.get(unit_id), f"there is no base unit {unit_id}")
        roll = uow.members.of_unit(unit_id)
        may_see = _may_see_roll(look, found.council_id, unit_id, viewer_id)
        return {
            "id": found.id,
            "name": found.name,
            "kind": found.kind,
            "section": found.section,
            "council": {"id": found.council_id, "name": look.councils[found.council_id].name},
            "size": len(roll),
            "deputies": _deputies_of(look, uow.electorates.for_unit(unit_id)),
            "members": [_member(m) for m in roll] if may_see else None,
        }


def _member(member: Any) -> MemberRef:
    return {"id": member.id, "username": member.username, "name": member.display_name}


def unit_members(uow: UnitOfWork, unit_id: int, viewer_id: int) -> list[MemberRef]:
    """The unit's roll, for its members and the deputies of its councils; NotAllowed else."""
    with uow:
        look = _Lookup(uow)
        found = errors.must_exist(look.units.get(unit_id), f"there is no base unit {unit_id}")
        if not _may_see_roll(look, found.council_id, unit_id, viewer_id):
            raise errors.NotAllowed(
                "only the members of this unit and the deputies of its councils may see its roll"
            )
        return [_member(m) for m in uow.members.of_unit(unit_id)]


def me(uow: UnitOfWork, member_id: int) -> MeView:
    with uow:
        return me_in(uow, member_id)


def me_in(uow: UnitOfWork, member_id: int) -> MeView:
    """The member, their unit, their deputies level by level up to the chief, their mandates.

    Level one is the deputies elected by the member's unit; each level above is the delegates
    the council below sends up to its parent.
    """
    look = _Lookup(uow)
    member = uow.members.get(member_id)
    if member is None:
        raise errors.NotFound(f"there is no member {member_id}")
    unit_id = uow.members.current_unit_id(member_id)
    mandates = _mandates(look, uow.mandates.active_of_holder(member_id))
    if unit_id is None:
        return {
            **_member(member),
            "unit_id": None,
            "unit": None,
            "deputies": [],
            "mandates": mandates,
        }
    found = look.units[unit_id]
    # (the council, whom its seats are elected from, whether the member is one of the electors,
    # the deputies) level by level
    levels: list[tuple[Ref, str, bool, list[MandateView]]] = [
        (
            {"id": found.council_id, "name": look.councils[found.council_id].name},
            found.name,
            True,
            _deputies_of(look, uow.electorates.for_unit(unit_id)),
        )
    ]
    sits_in = {md.council_id for md in uow.mandates.active_of_holder(member_id)}
    for council in look.path_up(found.council_id)[:-1]:
        parent = look.councils[council.parent_id or 0]
        levels.append(
            (
                {"id": parent.id, "name": parent.name},
                council.name,
                council.id in sits_in,
                _deputies_of(look, uow.electorates.for_source_council(council.id)),
            )
        )
    against = _petitions_against(uow, [md for *_, level in levels for md in level])
    deputies: list[DeputyLevel] = [
        {
            "council": council_ref,
            "from": source,
            "is_elector": is_elector,
            "mandates": [{**md, "petition_id": against.get(md["id"])} for md in level],
        }
        for council_ref, source, is_elector, level in levels
    ]
    return {
        **_member(member),
        "unit_id": unit_id,
        "unit": {"id": found.id, "name": found.name, "kind": found.kind},
        "deputies": deputies,
        "mandates": mandates,
    }


def _petitions_against(uow: UnitOfWork, mandates: list[MandateView]) -> dict[int, int]:
    """The id of the petition still undecided against each of these mandates that has one."""
    undecided = uow.recalls.undecided_against(md["id"] for md in mandates)
    return {p.mandate_id: p.id for p in undecided if p.mandate_id is not None}


def _election(look: _Lookup, election: Election) -> ElectionView:
    electorate = look.electorates.get(election.electorate_id or 0)
    council_id = electorate.council_id if electorate else None
    return {
        "id": election.id,
        "electorate": look.electorate_ref(electorate),
        "council_id": council_id,
        "council_name": look.councils[council_id].name if council_id else None,
        "unit_id": electorate.source_id if electorate and electorate.kind == "unit" else None,
        "unit_name": (
            look.units[electorate.source_id].name
            if electorate and electorate.kind == "unit"
            else None
        ),
        "seats": election.seats,
        "method": election.method,
        "is_ranked": ballot_shape(election.method) == "ranking",
        "is_secret": election.is_secret,
        "status": election.status,
        # founding, general, by, office (an office's holder) or recall (DESIGN.md 4.1)
        "kind": "office"
        if election.office_id is not None and election.kind != "recall"
        else election.kind,
        "round": election.kind,  # founding, general, by or recall, for offices too
        "office_id": election.office_id,
        "opened_at": election.opened_at,
        "nominations_close_at": election.nominations_close_at,
        "closes_at": election.closes_at,
        "closed_at": election.closed_at,
    }


def elections(uow: UnitOfWork, status: str | None = None) -> list[ElectionView]:
    """Elections, newest first; status "closed" includes published ones."""
    wanted = {"open": {"open"}, "closed": {"closed", "published"}}.get(status or "")
    with uow:
        look = _Lookup(uow)
        found = uow.elections.newest_first()
        look.load_electorates(e.electorate_id for e in found)
        return [_election(look, e) for e in found if wanted is None or e.status in wanted]


def _get_election(uow: UnitOfWork, election_id: int) -> Election:
    found: Election | None = uow.elections.get(election_id)
    if found is None:
        raise errors.NotFound(f"there is no election {election_id}")
    return found


def _candidates(look: _Lookup, election_id: int) -> list[CandidateView]:
    found = look.uow.elections.candidates(election_id)
    names = look.members({c.member_id for c in found})
    return [
        {
            "id": c.id,
            "member_id": c.member_id,
            "name": names[c.member_id].display_name if c.member_id in names else "",
            "faction": look.faction_name(c.faction_id),
        }
        for c in found
    ]


def election_method(uow: UnitOfWork, election_id: int) -> str:
    """Only the counting method (what a ballot's body must hold); 404 if there is none."""
    with uow:
        return _get_election(uow, election_id).method


def election(uow: UnitOfWork, election_id: int, viewer_id: int | None = None) -> ElectionDetail:
    with uow:
        return election_in(uow, election_id, viewer_id)


def election_in(uow: UnitOfWork, election_id: int, viewer_id: int | None = None) -> ElectionDetail:
    """An election with its candidates, turnout so far and, for a recall vote, whose mandate
    it decides; with a viewer, whether they may vote, have voted, may stand."""
    look = _Lookup(uow)
    found = _get_election(uow, election_id)
    candidates = _candidates(look, election_id)
    eligible = electors_of(uow, found)
    is_elector = viewer_id is not None and viewer_id in eligible
    because = (
        roll_rules.why_not_elector(uow, found, viewer_id)
        if viewer_id is not None and not is_elector and found.status == "open"
        else None
    )
    is_candidate = any(c["member_id"] == viewer_id for c in candidates)
    return {
        **_election(look, found),
        "candidates": candidates,
        **_turnout(uow, election_id, len(eligible)),
        "is_elector": is_elector,
        "not_elector_because": because,  # "joined_late", "unverified" or None
        "has_voted": bool(
            viewer_id is not None and uow.elections.has_participated(election_id, viewer_id)
        ),
        "is_candidate": is_candidate,
        "may_stand": found.status == "open"
        and found.kind != "recall"
        and is_elector
        and not is_candidate,
        "factions": [{"id": f.id, "name": f.name} for f in look.factions.values()],
        "recall": _recall_of(look, found),
    }


def _turnout(uow: UnitOfWork, election_id: int, electorate_size: int) -> Turnout:
    voted = uow.elections.participation_count(election_id)
    return {"voted": voted, "electorate_size": electorate_size}


def turnout(uow: UnitOfWork, election_id: int) -> dict[str, Any]:
    """How many have voted of how many electors, and the election's status (for live pages)."""
    with uow:
        found = _get_election(uow, election_id)
        size = roll_rules.elector_count(uow, found)
        return {
            "election_id": election_id,
            "status": found.status,
            **_turnout(uow, election_id, size),
        }


def _recall_of(look: _Lookup, election: Election) -> RecallOf | None:
    """For a recall vote: the petition and the mandate it decides."""
    if election.kind != "recall":
        return None
    petition = look.uow.recalls.by_vote_election(election.id)
    if petition is None:
        return None
    return {"petition_id": petition.id, **_petition_target(look, petition)}


def _petition_target(look: _Lookup, petition: RecallPetition) -> PetitionTarget:
    """What a petition is against: a deputy's mandate, or an official's office term."""
    if petition.office_term_id is not None:
        term = look.uow.office_terms.get(petition.office_term_id)
        assert term is not None
        office = look.uow.offices.get(term.office_id)
        assert office is not None
        holder = look.members({term.holder_id}).get(term.holder_id)
        council = look.councils[office.council_id]
        name = holder.display_name if holder else ""
        # Shaped like a mandate, so the petition pages read the same for deputies and officials.
        return {
            "mandate": {
                "holder_id": term.holder_id,
                "holder_name": f"{name} ({office.name})",
                # the name alone: a page says the office in its language (web/i18n.py holder)
                "holder_person": name,
                "faction": None,
                "council_id": council.id,
                "council_name": council.name,
                "electorate": {"kind": "council", "id": council.id, "name": council.name},
                "office": office.name,
            },
            "office_term": {"id": term.id, "office": office.name, "council_id": council.id},
        }
    mandate = look.uow.mandates.get(petition.mandate_id or 0)
    assert mandate is not None
    return {"mandate": _mandate_detail(look, mandate), "office_term": None}


def published_ballots(
    uow: UnitOfWork, election_id: int, *, while_open: Literal["empty", "refuse"] = "empty"
) -> list[PublishedBallotView]:
    with uow:
        return published_ballots_in(uow, election_id, while_open=while_open)


def published_ballots_in(
    uow: UnitOfWork, election_id: int, *, while_open: Literal["empty", "refuse"] = "empty"
) -> list[PublishedBallotView]:
    """After the close: every ballot with its receipt and its choices (ids, and `named`),
    in receipt order (random, so no cast order). A secret ballot never names its voter
    (`voter_id`, `voter_name` None); an open ballot names them, since how each elector voted is
    public (DESIGN.md 2.8). While the election is open nothing is published: an empty list, or
    with `while_open="refuse"` a Conflict."""
    look = _Lookup(uow)
    found = _get_election(uow, election_id)
    if found.status == "open":
        if while_open == "refuse":
            raise errors.Conflict(
                f"election {election_id} is still open; its ballots are published when it closes"
            )
        return []
    names = {c["id"]: c["name"] for c in _candidates(look, election_id)}
    if found.is_secret:
        ballots = uow.elections.published_ballots(election_id)
        voters: dict[int, Any] = {}
    else:
        ballots = sorted(uow.elections.open_ballots(election_id), key=lambda b: b["receipt"])
        office = uow.offices.get(found.office_id) if found.office_id else None
        concerning = look.concerned(found.electorate_id, office.council_id if office else None)
        voters = look.members_concerned({b["voter_id"] for b in ballots}, concerning)
    labels = {1: "recall", 0: "keep"} if found.method == REFERENDUM else names
    published: list[PublishedBallotView] = []
    for ballot in ballots:
        voter_id = ballot.get("voter_id")
        voter = voters.get(voter_id) if voter_id is not None else None
        published.append(
            {
                "receipt": ballot["receipt"],
                "choices": ballot["choices"],
                "named": [labels.get(c, str(c)) for c in ballot["choices"]],
                "voter_id": voter_id,
                "voter_name": voter.display_name if voter is not None else None,
            }
        )
    return published


# A candidate's id in a round note (the engine names candidates by id) when it stands where the
# engine puts a name: before "elected", "excluded", "transferred", a comma or a keep value, or
# after "surplus of", "between", "elected", "excluded", "for" or a list's comma. Other numbers
# ("5 of 9 continuing votes", "seed 7", "round 2") are left alone.
_NAME_IN_NOTE = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
_BEFORE = (" elected", " excluded", " transferred", ",", " 0.", " 1.", " in every")
_AFTER = ("surplus of ", "between ", "elected ", "excluded ", ", ")


def _named_note(note: str, names: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        token, start, end = match.group(1), match.start(1), match.end(1)
        if token not in names:
            return token
        before, after = note[max(0, start - 12) : start], note[end : end + 12]
        at_start = start == 0
        if at_start or after.startswith(_BEFORE) or before.endswith(_AFTER):
            return names[token]
        return token

    return _NAME_IN_NOTE.sub(swap, note)


def election_result(uow: UnitOfWork, election_id: int) -> ElectionResultView:
    with uow:
        return election_result_in(uow, election_id)


def election_result_in(uow: UnitOfWork, election_id: int) -> ElectionResultView:
    """The count of a closed election, round by round. Rounds name candidates by their id (as
    text, the counting engine's keys); `candidates` maps those ids to names and factions."""
    look = _Lookup(uow)
    found = _get_election(uow, election_id)
    if found.status == "open":
        raise errors.Conflict(f"election {election_id} is still open; it has no result yet")
    result = uow.elections.result(election_id) or {}
    candidates = _candidates(look, election_id)
    by_id = {str(c["id"]): c for c in candidates}
    names = {key: c["name"] for key, c in by_id.items()}
    rounds = [  # as stored (JSON), with their notes named
        cast(RoundView, r | {"note_named": _named_note(str(r.get("note", "")), names)})
        for r in result.get("rounds", [])
    ]
    return {
        "election_id": election_id,
        "method": result.get("method", found.method),
        "seats": result.get("seats", found.seats),
        "ballots": result.get("ballots", 0),
        "quota": result.get("quota"),
        "winners": [int(w) for w in result.get("winners", [])],
        "elected": [by_id[w] for w in result.get("winners", []) if w in by_id],
        "rounds": rounds,
        "candidates": candidates,
        "seed": result.get("seed"),
        "yes": result.get("yes"),
        "no": result.get("no"),
        "superseded_by": result.get("superseded_by"),
        "withdrawn": [by_id[w] for w in result.get("withdrawn", []) if w in by_id],
    }


def petition(uow: UnitOfWork, petition_id: int, viewer_id: int | None = None) -> PetitionView:
    with uow:
        return petition_in(uow, petition_id, viewer_id)


def petition_in(uow: UnitOfWork, petition_id: int, viewer_id: int | None = None) -> PetitionView:
    """A recall petition: its count against its threshold (as the recall service counts them),
    whose mandate it is against, and, with a viewer, whether they may sign and have signed."""
    state = petition_state_in(uow, petition_id)
    look = _Lookup(uow)
    found = uow.recalls.get(petition_id)
    assert found is not None
    target = _petition_target(look, found)
    mandate: Mandate | None = None
    if target["office_term"] is None:
        mandate = uow.mandates.get(state.mandate_id or 0)
        assert mandate is not None
        council = look.councils[mandate.council_id]
    else:
        council = look.councils[target["office_term"]["council_id"]]
    # the petition's electorate: the roll when it opened, verified members where asked
    is_elector, because = (
        may_sign_in(uow, petition_id, viewer_id) if viewer_id is not None else (False, None)
    )
    has_signed = viewer_id is not None and viewer_id in uow.recalls.signers(petition_id)
    concerning = (
        look.concerned(mandate.electorate_id)
        if mandate is not None
        else visibility.of_council(council.id)
    )  # who opened it: a signer, named to the electorate concerned only (DESIGN.md 2.11)
    opener = look.members_concerned({found.opened_by}, concerning).get(found.opened_by)
    return {
        **target,
        "id": state.id,
        "mandate_id": state.mandate_id,
        "status": state.status,
        "signatures": state.signatures,
        "threshold": state.threshold,
        "vote_election_id": state.vote_election_id,
        "by_election_id": state.by_election_id,
        "opened_at": found.opened_at,
        "decided_at": found.decided_at,
        "opened_by": opener.display_name if opener else "",
        "office_term_id": state.office_term_id,
        "recall_rule": council.recall_rule,
        "trigger_percent": council.recall_trigger_bp / 100,
        "is_elector": is_elector,
        "not_elector_because": because,  # "joined_late", "unverified" or None
        "has_signed": has_signed,
    }


def petitions(uow: UnitOfWork, status: str | None = None) -> list[dict[str, Any]]:
    """Recall petitions, newest first (those with this `status` only, when one is given), each
    with what it is against and who holds it."""
    with uow:
        found: list[RecallPetition] = uow.recalls.with_status(status)
        found.sort(key=lambda p: (p.opened_at, p.id), reverse=True)  # newest opened first
        look = _Lookup(uow)
        listed = []
        for p in found:
            target = _petition_target(look, p)
            listed.append(
                {
                    "id": p.id,
                    "status": p.status,
                    "opened_at": p.opened_at,
                    "mandate_id": p.mandate_id,
                    "office_term_id": p.office_term_id,
                    "holder_id": target["mandate"]["holder_id"],
                    "holder_name": target["mandate"]["holder_name"],
                    "council_id": target["mandate"]["council_id"],
                }
                | target
            )
        return listed


def faction_exists(uow: UnitOfWork, faction_id: int) -> bool:
    with uow:
        return uow.factions.get(faction_id) is not None

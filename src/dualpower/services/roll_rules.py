"""Who is on an election's roll (DESIGN.md 2.10): frozen when its voting opens, and of verified
members only where the council's standing orders ask for it.

- A base unit's roll for an election is frozen when its voting opens (its nominations' close, or
  its opening when it has none): a member who joins during nominations may stand and vote; one
  who joins later neither votes nor counts among its electors. A recall vote's roll is its
  petition's: the unit's roll when the petition opened.
- A council's roll (its deputies, electing the council above or its officials) is its deputies
  now: seats change by election, not by the roll's keeper.
- Where the council whose seat (or office) is elected has `verified_only` in its standing
  orders, only members verified by the credentials committee are on the roll.

The same rule (`store/tables_recall.RollRule`) counts a recall petition's electorate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dualpower.domain.model import Council, Election, Electorate
from dualpower.services import office_terms
from dualpower.store.tables_recall import Roll, RollRule
from dualpower.store.uow import UnitOfWork


def roll_at(uow: UnitOfWork, election: Election) -> datetime:
    """When the election's roll froze (or will): its voting's opening; a recall vote's, when its
    petition opened."""
    if election.kind == "recall":
        petition = uow.recalls.by_vote_election(election.id)
        if petition is not None:
            return petition.opened_at
    return election.nominations_close_at or election.opened_at


def council_of(uow: UnitOfWork, election: Election) -> Council:
    """The council whose seat (or office) the election fills: its standing orders apply."""
    if election.office_id is not None:
        return _council(uow, office_terms.get_office(uow, election.office_id).council_id)
    return _council(uow, _electorate(uow, election).council_id)


def _electorate(uow: UnitOfWork, election: Election) -> Electorate:
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    return electorate


def _council(uow: UnitOfWork, council_id: int) -> Council:
    council: Council | None = uow.councils.get(council_id)
    assert council is not None
    return council


def roll_of(uow: UnitOfWork, election: Election) -> tuple[Roll, RollRule]:
    """The election's roll and the rule that freezes and narrows it (each row read once: a
    ballot cast online asks it)."""
    if election.office_id is not None:
        council = council_of(uow, election)
        return ("council", council.id), RollRule(verified=council.verified_only)
    electorate = _electorate(uow, election)
    council = _council(uow, electorate.council_id)
    roll: Roll = (electorate.kind, electorate.source_id)
    as_of = roll_at(uow, election) if electorate.kind == "unit" else None
    return roll, RollRule(as_of, council.verified_only)


def is_elector(uow: UnitOfWork, election: Election, member_id: int) -> bool:
    roll, rule = roll_of(uow, election)
    return uow.recall_paths.is_on_roll(roll, member_id, rule)


def electors(uow: UnitOfWork, election: Election) -> set[int]:
    roll, rule = roll_of(uow, election)
    return uow.recall_paths.members(roll, rule)


def elector_count(uow: UnitOfWork, election: Election) -> int:
    """How many `electors` there are, counted by the database (a live turnout's read)."""
    roll, rule = roll_of(uow, election)
    return uow.recall_paths.size(roll, rule)


def electors_among(uow: UnitOfWork, election: Election, members: Iterable[int]) -> set[int]:
    """Of these members, those on the election's roll (one query)."""
    roll, rule = roll_of(uow, election)
    return uow.recall_paths.members(roll, rule, members)


def why_not(uow: UnitOfWork, roll: Roll, rule: RollRule, member_id: int) -> str | None:
    """Why a member is not on a roll under `rule` (asked on the refusal path only):
    "unverified" (on it, but the standing orders ask for verification), "joined_late" (on the
    roll now, not when it froze), or None (not on it at all)."""
    paths = uow.recall_paths
    if rule.verified and paths.is_on_roll(roll, member_id, RollRule(rule.as_of)):
        return "unverified"
    if rule.frozen and paths.is_on_roll(roll, member_id):
        return "joined_late"
    return None


def why_not_elector(uow: UnitOfWork, election: Election, member_id: int) -> str | None:
    roll, rule = roll_of(uow, election)
    return why_not(uow, roll, rule, member_id)


def may_stand(uow: UnitOfWork, council: Council, member_id: int) -> bool:
    """Whether the council's standing orders let this member stand (verified where asked)."""
    if not council.verified_only:
        return True
    member = uow.members.get(member_id)
    return member is not None and bool(member.is_verified)

"""A founding plan: the structure, factions and roll a federation starts from (DESIGN.md 2.4:
the founding is the one bootstrap act). Checked here before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dualpower.domain.cycle import Windows
from dualpower.domain.errors import DomainError, FoundingError
from dualpower.domain.model import DEFAULT_SECTIONS
from dualpower.domain.roll import LANGUAGES, NAME_MAX, text_problem


@dataclass(frozen=True)
class FactionPlan:
    name: str
    short: str
    colour: str
    platform: str = ""


@dataclass(frozen=True)
class CouncilPlan:
    name: str
    parent: str | None
    recall_rule: str = "direct"
    recall_trigger_bp: int = 2000
    seat_method: str = "block"
    apportionment: dict[str, Any] = field(default_factory=dict)
    windows: dict[str, Any] | None = None  # {"nominations_seconds", "voting_seconds"} (2.9)
    secret_elections: bool = False  # its seats' elections (and so their by-elections) are secret
    verified_only: bool = False  # only verified members vote, stand and sign (DESIGN.md 2.10)


@dataclass(frozen=True)
class UnitPlan:
    name: str
    kind: str
    section: str
    council: str


@dataclass(frozen=True)
class MemberPlan:
    username: str
    name: str
    unit: str
    password_hash: str | None = None
    email: str | None = None
    language: str | None = None  # of their invitation slip; None: the federation's


@dataclass(frozen=True)
class FoundingPlan:
    name: str
    factions: tuple[FactionPlan, ...]
    councils: tuple[CouncilPlan, ...]
    units: tuple[UnitPlan, ...]
    members: tuple[MemberPlan, ...]
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    is_demo: bool = False
    currency: str = "XXX"  # ISO 4217 (issue 25): stipends and wages are in its minor unit
    language: str = "en"  # its members' language unless a member has their own (LANGUAGES)


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FoundingError(f"two {what} are named {name!r}")
        seen.add(name)


def _printable(plan: FoundingPlan) -> None:
    """Names appear on every page, export and picture: none may hold a control or invisible
    character (the roll's rule, domain/roll.py), nor pass its column's 200 characters."""
    named = [
        ("federation's name", plan.name),
        *(("faction's name", f.name) for f in plan.factions),
        *(("council's name", c.name) for c in plan.councils),
        *(("unit's name", u.name) for u in plan.units),
        *(("member's name", m.name) for m in plan.members),
    ]
    for what, value in named:
        problem = text_problem(value, what, NAME_MAX)
        if problem:
            raise FoundingError(f"plan: {problem}")


def check_plan(plan: FoundingPlan) -> list[CouncilPlan]:
    """Refuse a plan that breaks the structure rules; return the councils top-down."""
    _unique([c.name for c in plan.councils], "councils")
    _unique([u.name for u in plan.units], "base units")
    _unique([f.name for f in plan.factions], "factions")
    _unique([m.username for m in plan.members], "members")
    _printable(plan)
    chiefs = [c for c in plan.councils if c.parent is None]
    if len(chiefs) != 1:
        raise FoundingError(f"a federation has exactly one chief council, not {len(chiefs)}")
    by_name = {c.name: c for c in plan.councils}
    for council in plan.councils:
        if council.parent is not None and council.parent not in by_name:
            raise FoundingError(f"council {council.name!r}: no parent council {council.parent!r}")
        if council.recall_rule not in ("direct", "vote"):
            raise FoundingError(f"council {council.name!r}: recall rule is direct or vote")
        if not isinstance(council.verified_only, bool):
            raise FoundingError(f"council {council.name!r}: verified_only is true or false")
        council_windows(council)
    ordered = _top_down(chiefs[0], plan.councils)
    if len(ordered) != len(plan.councils):
        raise FoundingError("the councils do not form one tree under the chief council")
    for unit in plan.units:
        if unit.council not in by_name:
            raise FoundingError(f"unit {unit.name!r}: no council {unit.council!r}")
        if unit.section not in plan.sections:
            raise FoundingError(f"unit {unit.name!r}: no section {unit.section!r}")
    if plan.language not in LANGUAGES:
        raise FoundingError(f"plan: language is one of {', '.join(LANGUAGES)}")
    unit_names = {u.name for u in plan.units}
    for member in plan.members:
        if member.unit not in unit_names:
            raise FoundingError(f"member {member.username!r}: no base unit {member.unit!r}")
        if member.language is not None and member.language not in LANGUAGES:
            raise FoundingError(
                f"member {member.username!r}: language is one of {', '.join(LANGUAGES)}"
            )
    return ordered


def council_windows(council: CouncilPlan) -> Windows:
    """The council's vote windows from its plan (the defaults where the plan is silent)."""
    given = council.windows or {}
    if not isinstance(given, dict):
        raise FoundingError(f"council {council.name!r}: windows must be an object")
    unknown = set(given) - {"nominations_seconds", "voting_seconds"}
    if unknown:
        raise FoundingError(
            f"council {council.name!r}: windows has unknown field(s) {sorted(unknown)}"
        )
    try:
        return Windows(**given)
    except DomainError as error:
        raise FoundingError(f"council {council.name!r}: {error}") from None


def _top_down(chief: CouncilPlan, councils: tuple[CouncilPlan, ...]) -> list[CouncilPlan]:
    ordered, frontier = [chief], [chief]
    while frontier:
        frontier = [c for c in councils if c.parent in {p.name for p in frontier}]
        ordered += frontier
    return ordered

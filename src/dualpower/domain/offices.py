"""Offices, and officials paid as workers (DESIGN.md 2.4).

- An office is a post a council elects; it carries capabilities (domain/capabilities.py) and a
  monthly stipend, in the federation's smallest currency unit.
- The cap is the ordinary pay of a competent worker: the median of the current wages that base
  units report for their members. Each council chooses (`pay_cap_scope`) the federation's median
  or its own territory's: the units of the council and of every council below it. The chief
  council's territory is the federation.
- The median is exact: the middle wage of an odd count; for an even count the mean of the two
  middle wages, rounded down to the smallest currency unit, so the cap never exceeds the true
  median. With no wages reported the cap is unknown, and only a stipend of 0 is allowed.
- A stipend above its council's cap is refused (`StipendAboveCap`). So is whatever would make one
  person's stipends together exceed their cap: the lowest cap among the councils whose offices
  they hold (each council's cap binds what it pays; together, no more than the strictest).
- When a wage report lowers a cap, stipends above it come down to it, and a person paid above
  their cap in total has the stipends of their latest terms lowered first (`lowered`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from dualpower.domain.capabilities import ALL
from dualpower.domain.errors import InvalidRequest
from dualpower.domain.model import Stretch

Scope = Literal["federation", "territory"]
SCOPES: tuple[Scope, ...] = ("federation", "territory")
MAX_NAME = 100


class StipendAboveCap(InvalidRequest):
    """A stipend, or one person's stipends together, above the cap of ordinary pay."""


@dataclass
class OfficeTerm(Stretch):
    """One holder's term in one office, resting on their mandate in the office's council."""

    id: int
    office_id: int
    holder_id: int
    mandate_id: int | None
    election_id: int


def median(wages: Iterable[int]) -> int | None:
    """The exact median, rounded down to a whole unit for an even count; None for no wages."""
    ordered = sorted(wages)
    n = len(ordered)
    if n == 0:
        return None
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) // 2


def allowed(cap: int | None) -> int:
    """The most a stipend may be under this cap: an unknown cap allows nothing but 0."""
    return 0 if cap is None else cap


def _money(amount: int) -> str:
    return f"{amount:,}"


def check_stipend(amount: int, cap: int | None, office: str) -> None:
    if amount < 0:
        raise InvalidRequest("a stipend cannot be negative")
    if amount > allowed(cap):
        if cap is None:
            raise StipendAboveCap(
                f"the stipend of {office!r} cannot be {_money(amount)}: no wages are reported yet, "
                "so the cap of ordinary pay is unknown and only 0 is allowed"
            )
        raise StipendAboveCap(
            f"the stipend of {office!r} cannot be {_money(amount)}: it is above the cap of "
            f"{_money(cap)}, the median wage of the workers"
        )


def person_cap(caps: Iterable[int | None]) -> int:
    """The cap on one person's stipends together: the lowest of their councils' caps."""
    return min((allowed(c) for c in caps), default=0)


def check_together(amounts: Sequence[int], caps: Sequence[int | None], who: str) -> None:
    """Refuse stipends of one person's offices whose total is above their cap."""
    total, limit = sum(amounts), person_cap(caps)
    if amounts and total > limit:
        raise StipendAboveCap(
            f"{who} would be paid {_money(total)} in stipends together, above the cap of "
            f"{_money(limit)}: officials are paid no more than an ordinary worker"
        )


def lowered(amounts: Sequence[int], limit: int) -> list[int]:
    """Stipends cut, first ones first, until they add up to no more than `limit`."""
    excess = max(0, sum(amounts) - limit)
    out = []
    for amount in amounts:
        cut = min(amount, excess)
        excess -= cut
        out.append(amount - cut)
    return out


def check_office(name: str, capabilities: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """A clean office name and its capabilities, each one of domain.capabilities.ALL."""
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise InvalidRequest(f"an office needs a name of 1 to {MAX_NAME} characters")
    caps = tuple(dict.fromkeys(capabilities))
    unknown = [c for c in caps if c not in ALL]
    if unknown:
        raise InvalidRequest(f"unknown capability {unknown[0]!r}: one of {', '.join(ALL)}")
    return clean, caps


def check_scope(scope: str) -> Scope:
    if scope not in SCOPES:
        raise InvalidRequest("the pay cap's scope is 'federation' or 'territory'")
    return scope  # type: ignore[return-value]


def territory_councils(parents: dict[int, int | None], council_id: int) -> set[int]:
    """The council and every council below it, from a map council id -> parent id."""
    found, frontier = {council_id}, {council_id}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier and c not in found}
        found |= frontier
    return found


def check_wage(amount: int) -> None:
    if amount < 0:
        raise InvalidRequest("a wage cannot be negative")


MAX_WAGE = 10**12


def parse_wages(text: str) -> dict[str, int]:
    """A wage report as text: one member a line, `username amount` or `username,amount` (a
    first line `username,amount` is a header). A bad line is refused with its number."""
    out: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or (number == 1 and line.replace(" ", "").lower() == "username,amount"):
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise InvalidRequest(
                f"line {number}: write a username and a whole amount, as `forge4 12000`"
            )
        name, amount = parts[0], int(parts[1])
        if amount > MAX_WAGE:
            raise InvalidRequest(f"line {number}: the amount is too large")
        if name in out:
            raise InvalidRequest(f"line {number}: {name} is reported twice")
        out[name] = amount
    return out

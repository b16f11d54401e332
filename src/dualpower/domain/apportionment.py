"""Seat apportionment: how many seats each electorate gets (DESIGN.md section 1).

An electorate is a base unit (its members) or a lower council (its deputies); its *size* is the
number of people it counts (members, workers, inhabitants, voters: whatever the norm counts).

Ratio settings (`ApportionmentSettings`: a rule per base-unit kind, a default rule, and optional
house limits):

1. An electorate with no one in it, or fewer than its rule's `minimum_size`, gets no seat.
2. `RatioRule(per)`: size / per seats, rounded down (`rounding="floor"`, the default: 1,999
   workers at one per 1,000 send one), half up (`"half_up"`) or up (`"ceiling"`); then raised to
   `minimum_per_electorate` (default 1: a factory under 1,000 still sends one) and lowered to
   `maximum_per_electorate`. `FixedSeats(n)`: every electorate of the kind sends n (1917: each
   army company sends one).
3. House maximum: when step 2 gives more seats, the maximum is shared anew by largest remainder
   (Hare) in proportion to each electorate's entitlement (size / per; n for FixedSeats), each
   electorate kept between its rule's minimum and its seats of step 2 (nobody gains when the
   house shrinks). FixedSeats electorates keep their n.
4. House minimum: when step 2 gives fewer (and someone has a seat to give), the minimum is shared
   the same way, each kept between its seats of step 2 (nobody loses) and its rule's maximum.
5. A house limit that those bounds cannot meet is refused with ApportionmentError.

Fixed house (`FixedHouse`): `seats` shared among the electorates with members, in proportion to
size, by largest remainder (Hare), D'Hondt or Sainte-Laguë, each between optional per-electorate
bounds. The methods themselves live in `counting.party_list.allocate` (one rule, one place),
ties included: the bigger electorate first, then the one listed first.

Bounds are met by the usual iteration: share the seats; if some electorates fall outside their
bounds, fix those on the side with the larger total violation at their bound and share what is
left among the others. That keeps sum(lower) <= seats left <= sum(upper) for the electorates
still free, so it always ends with exactly the seats to share.

Sources: the 1917 Petrograd norm and the 1918 constitution's norms (scenario-petrograd-1917.md).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

from dualpower.counting.party_list import PARTY_LIST_METHODS, allocate
from dualpower.domain.errors import ApportionmentError

ROUNDINGS = ("floor", "half_up", "ceiling")


def _whole(value: object, name: str, at_least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApportionmentError(f"{name} must be a whole number, not {value!r}")
    if value < at_least:
        raise ApportionmentError(f"{name} must be at least {at_least}, not {value}")
    return value


def _check_bounds(minimum: int, maximum: int | None) -> None:
    _whole(minimum, "minimum_per_electorate", 0)
    if maximum is not None:
        _whole(maximum, "maximum_per_electorate", 1)
        if minimum > maximum:
            raise ApportionmentError(
                f"minimum_per_electorate ({minimum}) is above maximum_per_electorate ({maximum})"
            )


@dataclass(frozen=True)
class RatioRule:
    """One seat per `per` people, rounded by `rounding`, within the per-electorate bounds."""

    per: int
    minimum_per_electorate: int = 1
    maximum_per_electorate: int | None = None
    minimum_size: int = 1
    rounding: str = "floor"

    def __post_init__(self) -> None:
        _whole(self.per, "per", 1)
        _check_bounds(self.minimum_per_electorate, self.maximum_per_electorate)
        _whole(self.minimum_size, "minimum_size", 1)
        if self.rounding not in ROUNDINGS:
            raise ApportionmentError(f"rounding must be one of {ROUNDINGS}, not {self.rounding!r}")

    def seats_for(self, size: int) -> int:
        if size < self.minimum_size:
            return 0
        seats, rest = divmod(size, self.per)
        if (self.rounding == "half_up" and 2 * rest >= self.per) or (
            self.rounding == "ceiling" and rest
        ):
            seats += 1
        seats = max(seats, self.minimum_per_electorate)
        if self.maximum_per_electorate is not None:
            seats = min(seats, self.maximum_per_electorate)
        return seats

    def entitlement(self, size: int) -> Fraction:
        return Fraction(size, self.per)


@dataclass(frozen=True)
class FixedSeats:
    """Every electorate of the kind with at least `minimum_size` people sends `seats`."""

    seats: int = 1
    minimum_size: int = 1

    def __post_init__(self) -> None:
        _whole(self.seats, "seats", 1)
        _whole(self.minimum_size, "minimum_size", 1)

    def seats_for(self, size: int) -> int:
        return self.seats if size >= self.minimum_size else 0

    def entitlement(self, size: int) -> Fraction:
        return Fraction(self.seats)


Rule = RatioRule | FixedSeats


@dataclass(frozen=True)
class ApportionmentSettings:
    """A rule per base-unit kind (`by_kind`), a `default` for other kinds, and house limits."""

    default: Rule | None = None
    by_kind: Mapping[str, Rule] = field(default_factory=dict)
    house_minimum: int | None = None
    house_maximum: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_kind", MappingProxyType(dict(self.by_kind)))
        if self.default is None and not self.by_kind:
            raise ApportionmentError(
                "apportionment settings need a default rule or a rule per kind"
            )
        for kind, rule in [(None, self.default), *self.by_kind.items()]:
            if rule is not None and not isinstance(rule, RatioRule | FixedSeats):
                what = "default" if kind is None else f"kind {kind!r}"
                raise ApportionmentError(f"the rule for {what} must be a RatioRule or FixedSeats")
        if self.house_minimum is not None:
            _whole(self.house_minimum, "house_minimum", 1)
        if self.house_maximum is not None:
            _whole(self.house_maximum, "house_maximum", 1)
            if self.house_minimum is not None and self.house_minimum > self.house_maximum:
                raise ApportionmentError(
                    f"house_minimum ({self.house_minimum}) is above "
                    f"house_maximum ({self.house_maximum})"
                )

    def rule_for(self, kind: str | None) -> Rule:
        rule = self.by_kind.get(kind) if kind is not None else None
        rule = rule or self.default
        if rule is None and kind is None:
            raise ApportionmentError(
                "no apportionment rule for electorates without a kind (lower councils): "
                "give a default rule"
            )
        if rule is None:
            raise ApportionmentError(f"no apportionment rule for electorates of kind {kind!r}")
        return rule


@dataclass(frozen=True)
class FixedHouse:
    """A house of `seats` shared by size with `method` ('hare', 'dhondt' or 'sainte-lague')."""

    seats: int
    method: str = "hare"
    minimum_per_electorate: int = 0
    maximum_per_electorate: int | None = None

    def __post_init__(self) -> None:
        _whole(self.seats, "seats", 1)
        if self.method not in PARTY_LIST_METHODS:
            raise ApportionmentError(
                f"method must be one of {PARTY_LIST_METHODS}, not {self.method!r}"
            )
        _check_bounds(self.minimum_per_electorate, self.maximum_per_electorate)


class Electorate(NamedTuple):
    key: Hashable
    kind: str | None
    size: int


Settings = ApportionmentSettings | FixedHouse | RatioRule | FixedSeats


def apportion(
    electorates: Mapping[Any, int] | Iterable[tuple[Any, str | None, int]], settings: Settings
) -> dict[Any, int]:
    """Seats per electorate key, in the order given.

    `electorates` is a mapping key -> size (every electorate under the default rule), or
    (key, kind, size) triples. A bare rule stands for `ApportionmentSettings(default=rule)`.
    """
    items = _read(electorates)
    if isinstance(settings, RatioRule | FixedSeats):
        settings = ApportionmentSettings(default=settings)
    if isinstance(settings, FixedHouse):
        seats = _fixed_house(items, settings)
    elif isinstance(settings, ApportionmentSettings):
        seats = _by_ratio(items, settings)
    else:
        raise ApportionmentError(f"unknown apportionment settings {settings!r}")
    return {e.key: s for e, s in zip(items, seats, strict=True)}


def _read(
    electorates: Mapping[Any, int] | Iterable[tuple[Any, str | None, int]],
) -> list[Electorate]:
    if isinstance(electorates, Mapping):
        items = [Electorate(k, None, v) for k, v in electorates.items()]
    else:
        items = [Electorate(*e) for e in electorates]
    seen: set[Hashable] = set()
    for e in items:
        if e.key in seen:
            raise ApportionmentError(f"electorate {e.key!r} is listed twice")
        seen.add(e.key)
        _whole(e.size, f"the size of electorate {e.key!r}", 0)
    return items


def _by_ratio(items: Sequence[Electorate], settings: ApportionmentSettings) -> list[int]:
    rules = [settings.rule_for(e.kind) for e in items]
    seats = [r.seats_for(e.size) for r, e in zip(rules, items, strict=True)]
    eligible = [
        i
        for i, (r, e) in enumerate(zip(rules, items, strict=True))
        if e.size > 0 and e.size >= r.minimum_size
    ]
    total = sum(seats)
    hmax, hmin = settings.house_maximum, settings.house_minimum
    if hmax is not None and total > hmax:
        lower = [_rule_min(rules[i], seats[i]) for i in eligible]
        upper: list[int | None] = [seats[i] for i in eligible]
        if sum(lower) > hmax:
            raise ApportionmentError(
                f"the house maximum of {hmax} seats cannot be kept: the electorates' minimum "
                f"seats add up to {sum(lower)}"
            )
        target = hmax
    elif hmin is not None and total < hmin and eligible:
        lower = [seats[i] for i in eligible]
        upper = [_rule_max(rules[i], seats[i]) for i in eligible]
        if None not in upper and sum(u or 0 for u in upper) < hmin:
            raise ApportionmentError(
                f"the house minimum of {hmin} seats cannot be reached: the electorates' maximum "
                f"seats add up to {sum(u or 0 for u in upper)}"
            )
        target = hmin
    else:
        return seats
    weights = _integers([rules[i].entitlement(items[i].size) for i in eligible])
    shared = _bounded_allocate(weights, target, "hare", lower, upper)
    result = [0] * len(items)
    for i, s in zip(eligible, shared, strict=True):
        result[i] = s
    return result


def _rule_min(rule: Rule, seats: int) -> int:
    return seats if isinstance(rule, FixedSeats) else rule.minimum_per_electorate


def _rule_max(rule: Rule, seats: int) -> int | None:
    return seats if isinstance(rule, FixedSeats) else rule.maximum_per_electorate


def _integers(shares: Sequence[Fraction]) -> list[int]:
    """The same proportions as whole numbers (allocate counts whole votes)."""
    scale = math.lcm(*(s.denominator for s in shares)) if shares else 1
    return [int(s * scale) for s in shares]


def _fixed_house(items: Sequence[Electorate], house: FixedHouse) -> list[int]:
    eligible = [i for i, e in enumerate(items) if e.size > 0]
    if not eligible:
        raise ApportionmentError(
            f"a house of {house.seats} seats cannot be shared: no electorate has anyone in it"
        )
    lo, hi = house.minimum_per_electorate, house.maximum_per_electorate
    if lo * len(eligible) > house.seats:
        raise ApportionmentError(
            f"a house of {house.seats} seats cannot give {len(eligible)} electorates "
            f"at least {lo} each"
        )
    if hi is not None and hi * len(eligible) < house.seats:
        raise ApportionmentError(
            f"a house of {house.seats} seats cannot be filled by {len(eligible)} electorates "
            f"of at most {hi} each"
        )
    sizes = [items[i].size for i in eligible]
    shared = _bounded_allocate(
        sizes, house.seats, house.method, [lo] * len(sizes), [hi] * len(sizes)
    )
    result = [0] * len(items)
    for i, s in zip(eligible, shared, strict=True):
        result[i] = s
    return result


def _bounded_allocate(
    weights: Sequence[int],
    seats: int,
    method: str,
    lower: Sequence[int],
    upper: Sequence[int | None],
) -> list[int]:
    """`allocate` with each share kept in [lower, upper] (see the module docstring)."""
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        left = seats - sum(fixed.values())
        if not free:
            if left:
                raise ApportionmentError(f"{seats} seats cannot be shared within the bounds")
            return [fixed[i] for i in range(len(weights))]
        got = dict(zip(free, allocate([weights[i] for i in free], left, method), strict=True))
        lows = {i: lower[i] for i in free if got[i] < lower[i]}
        highs = {i: u for i in free if (u := upper[i]) is not None and got[i] > u}
        if not lows and not highs:
            return [fixed.get(i, got.get(i, 0)) for i in range(len(weights))]
        deficit = sum(b - got[i] for i, b in lows.items())
        excess = sum(got[i] - b for i, b in highs.items())
        fixed.update(lows if deficit >= excess else highs)

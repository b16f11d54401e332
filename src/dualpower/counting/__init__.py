"""The counting engine (DESIGN.md section 3): pure functions over NumPy arrays.

`count(profile, method, seats)` is the one entry point; it dispatches to the method's module and
returns a `CountResult` that explains itself round by round. Ranked methods take a `Profile`;
party-list methods (`dhondt`, `sainte-lague`, `hare`) take a `PartyVotes`. This package imports
only NumPy and the standard library.
"""

from __future__ import annotations

from dualpower.counting.model import (
    BallotFileError,
    CountError,
    CountResult,
    PartyVotes,
    Profile,
    Round,
)
from dualpower.counting.party_list import as_fraction

RANKED_METHODS = ("plurality", "block", "approval", "irv", "stv-scottish", "stv-meek")
PARTY_LIST_METHODS = ("dhondt", "sainte-lague", "hare")
METHODS = RANKED_METHODS + PARTY_LIST_METHODS
SINGLE_SEAT_DEFAULT = ("plurality", "approval", "irv")

__all__ = [
    "METHODS",
    "PARTY_LIST_METHODS",
    "RANKED_METHODS",
    "BallotFileError",
    "CountError",
    "CountResult",
    "PartyVotes",
    "Profile",
    "Round",
    "count",
    "default_seats",
]


def default_seats(data: Profile | PartyVotes, method: str) -> int:
    """The seats to fill when none are given: the file's own number, else 1 where that is usual.

    Instant-runoff always fills one seat, whatever the file says.
    """
    if method == "irv":
        return 1
    if isinstance(data, Profile) and data.seats is not None:
        return data.seats
    if method in SINGLE_SEAT_DEFAULT:
        return 1
    raise CountError(f"{method} needs the number of seats (--seats N)")


def count(
    profile: Profile | PartyVotes,
    method: str,
    seats: int | None = None,
    *,
    seed: int = 0,
    threshold: float = 0.0,
    first_divisor: float | str = 1.0,
) -> CountResult:
    """Count `profile` by `method` for `seats` winners (default: see `default_seats`).

    `seed` seeds the lot that breaks ties no earlier round settles; `threshold` and
    `first_divisor` apply to the party-list methods only.
    """
    if method not in METHODS:
        raise CountError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    n = default_seats(profile, method) if seats is None else seats
    if n < 1:
        raise CountError(f"seats must be at least 1, not {n}")
    if method in PARTY_LIST_METHODS:
        if not isinstance(profile, PartyVotes):
            raise CountError(f"{method} counts list votes (a CSV of party,votes), not ballots")
        from dualpower.counting.party_list import count_party_list

        return count_party_list(
            profile, n, method, first_divisor=first_divisor, threshold=threshold
        )
    if not isinstance(profile, Profile):
        raise CountError(f"{method} counts ballots, not list votes")
    if threshold != 0:
        raise CountError("a threshold applies only to the party-list methods")
    if as_fraction(first_divisor, "first divisor") != 1:
        raise CountError("a first divisor applies only to sainte-lague")
    return _count_ranked(profile, method, n, seed)


def _count_ranked(profile: Profile, method: str, seats: int, seed: int) -> CountResult:
    if method == "irv":
        if seats != 1:
            raise CountError("irv elects one candidate; use stv-scottish or stv-meek for more")
        from dualpower.counting.irv import count_irv

        return count_irv(profile, seed=seed)
    if method == "stv-meek":
        from dualpower.counting.stv_meek import count_stv_meek

        return count_stv_meek(profile, seats, seed=seed)
    if method == "stv-scottish":
        from dualpower.counting.stv_scottish import count_stv_scottish

        return count_stv_scottish(profile, seats, seed=seed)
    from dualpower.counting.plurality import count_plurality

    return count_plurality(profile, method, seats, seed=seed)

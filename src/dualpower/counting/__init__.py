"""The counting engine (DESIGN.md section 3): pure functions over NumPy arrays.

`count(profile, method, seats)` is the one entry point; it dispatches to the method's module and
returns a `CountResult` that explains itself round by round. Ranked methods take a `Profile`;
party-list methods (`dhondt`, `sainte-lague`, `hare`) take a `PartyVotes`. This package imports
only NumPy and the standard library.

Every count is exact for any whole-number weights (Python integers where int64 could overflow),
or refused with a `CountError` naming the limit. Size limits, chosen so that a count within them
stays under a minute and 2 GB on a 2-core machine at an ordinary load, for 1,000,000 ballots:
`MAX_CANDIDATES` for irv and stv-scottish and `MAX_MEEK_CANDIDATES` for stv-meek (they count up
to one round per candidate, and each round shows every candidate), `MAX_ONE_ROUND_CANDIDATES`
for plurality, block and approval, and `MAX_PARTIES`, `MAX_SEATS` and `MAX_QUOTIENTS` (seats x
lists: the divisor methods explain every seat with every list's quotient) for the party lists.
Measured on 2026-12-07 by `python bench/tally.py --limits` (1,000,000 ballots of 1-6
preferences, one BLT line each) under a load of about 20 on the 2 cores, so the wall clock ran
to ten times the CPU time: irv with 2,000 candidates 3.3 s of CPU (41.6 s wall) and 380 MiB,
stv-scottish with 2,000 3.5 s (45.5 s) and 417 MiB, stv-meek with 500 9.0 s (111.6 s) and
241 MiB; irv with 100,000 candidates is refused from the file's header in 0.13 s (30 MiB).
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
from dualpower.counting.ties import DEFAULT_TIE_RULE, TIE_RULES, check_rule

RANKED_METHODS = ("plurality", "block", "approval", "irv", "stv-scottish", "stv-meek")
PARTY_LIST_METHODS = ("dhondt", "sainte-lague", "hare")
METHODS = RANKED_METHODS + PARTY_LIST_METHODS
SINGLE_SEAT_DEFAULT = ("plurality", "approval", "irv")
PRECISIONS = ("float", "exact")
MAX_CANDIDATES = 2_000
MAX_MEEK_CANDIDATES = 500
MAX_ONE_ROUND_CANDIDATES = 1_000_000
MAX_PARTIES = 10_000
MAX_SEATS = 10_000
MAX_QUOTIENTS = 1_000_000

__all__ = [
    "MAX_CANDIDATES",
    "MAX_MEEK_CANDIDATES",
    "MAX_ONE_ROUND_CANDIDATES",
    "MAX_PARTIES",
    "MAX_QUOTIENTS",
    "MAX_SEATS",
    "METHODS",
    "PRECISIONS",
    "TIE_RULES",
    "PARTY_LIST_METHODS",
    "RANKED_METHODS",
    "BallotFileError",
    "CountError",
    "CountResult",
    "PartyVotes",
    "Profile",
    "Round",
    "candidate_limit",
    "check_candidates",
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
    ties: str = DEFAULT_TIE_RULE,
    precision: str = "float",
) -> CountResult:
    """Count `profile` by `method` for `seats` winners (default: see `default_seats`).

    `seed` seeds the lot that breaks ties no earlier round settles; `ties` is the tie rule of
    the ranked methods (`counting/ties.py`: `backward-then-lot`, `lot` or `order`);
    `precision` is `float` or `exact` for stv-meek; `threshold` and `first_divisor` apply to
    the party-list methods only.
    """
    if method not in METHODS:
        raise CountError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    check_rule(ties)
    if precision not in PRECISIONS:
        raise CountError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision != "float" and method != "stv-meek":
        raise CountError("--precision applies only to stv-meek (the others are always exact)")
    n = default_seats(profile, method) if seats is None else seats
    if n < 1:
        raise CountError(f"seats must be at least 1, not {n}")
    if method in PARTY_LIST_METHODS:
        if not isinstance(profile, PartyVotes):
            raise CountError(f"{method} counts list votes (a CSV of party,votes), not ballots")
        if ties != DEFAULT_TIE_RULE:
            raise CountError("--ties applies only to ranked methods (lists: see party_list.py)")
        _check_party_size(profile, method, n)
        from dualpower.counting.party_list import count_party_list

        return count_party_list(
            profile, n, method, first_divisor=first_divisor, threshold=threshold
        )
    if not isinstance(profile, Profile):
        raise CountError(f"{method} counts ballots, not list votes")
    if threshold != 0:
        raise CountError("a threshold applies only to the party-list methods")
    if first_divisor not in (1, "1"):  # (1.0 == 1) the common case, without `fractions`
        from dualpower.counting.party_list import as_fraction

        if as_fraction(first_divisor, "first divisor") != 1:
            raise CountError("a first divisor applies only to sainte-lague")
    check_candidates(method, len(profile.candidates))
    return _count_ranked(profile, method, n, seed, ties, precision)


def candidate_limit(method: str) -> int:
    """The most candidates a ranked `method` counts (see the module docstring)."""
    if method == "stv-meek":
        return MAX_MEEK_CANDIDATES
    if method in ("irv", "stv-scottish"):
        return MAX_CANDIDATES
    return MAX_ONE_ROUND_CANDIDATES


def check_candidates(method: str, candidates: int) -> None:
    """Refuse `candidates` beyond `method`'s limit: called by `count`, and by `dualpower tally`
    on a BLT file's header, before its ballots are read (a refusal then costs no read)."""
    limit = candidate_limit(method)
    if candidates > limit:
        raise CountError(f"{method} counts at most {limit:,} candidates, not {candidates:,}")


def _check_party_size(votes: PartyVotes, method: str, seats: int) -> None:
    if len(votes.parties) > MAX_PARTIES:
        raise CountError(
            f"{method} counts at most {MAX_PARTIES:,} lists, not {len(votes.parties):,}"
        )
    if seats > MAX_SEATS:
        raise CountError(f"{method} fills at most {MAX_SEATS:,} seats, not {seats:,}")
    if method != "hare" and seats * len(votes.parties) > MAX_QUOTIENTS:
        raise CountError(
            f"{method} explains each seat with every list's quotient: seats x lists must be at "
            f"most {MAX_QUOTIENTS:,}, not {seats * len(votes.parties):,}"
        )


def _count_ranked(
    profile: Profile, method: str, seats: int, seed: int, ties: str, precision: str
) -> CountResult:
    if method == "irv":
        if seats != 1:
            raise CountError("irv elects one candidate; use stv-scottish or stv-meek for more")
        from dualpower.counting.irv import count_irv

        return count_irv(profile, seed=seed, ties=ties)
    if method == "stv-meek":
        from dualpower.counting.stv_meek import meek_with_margin

        return meek_with_margin(profile, seats, seed=seed, ties=ties, precision=precision)[0]
    if method == "stv-scottish":
        from dualpower.counting.stv_scottish import count_stv_scottish

        return count_stv_scottish(profile, seats, seed=seed, ties=ties)
    from dualpower.counting.plurality import count_plurality

    return count_plurality(profile, method, seats, seed=seed, ties=ties)

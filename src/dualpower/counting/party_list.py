"""Party-list seats: D'Hondt, Sainte-Laguë and largest remainder with the Hare quota.

The rules (DESIGN.md section 3):

- Threshold: a list whose votes are below SHARE of all valid votes (`votes < SHARE * total`)
  takes part in nothing; the seats are shared among the other lists, on their votes only.
- D'Hondt: each seat goes to the list with the highest quotient `votes / (s + 1)`, where `s` is
  the number of seats it already holds.
- Sainte-Laguë: the same with divisors 1, 3, 5, ...; `first_divisor` replaces the first one
  (1.2 in Sweden's modified method; 1.4 in Norway's before 2018).
- Hare: each list gets `floor(votes * seats / total)` seats; the seats left over go, one each,
  to the lists with the largest remainders `votes * seats mod total`.

`allocate` takes bounded time and memory for any number of seats (10^8 seats need no 10^8-long
array): above `JUMP_SEATS` seats it first gives every list the seats whose quotients exceed a
divisor chosen so that they number at most `seats` (all of them are among the seats any
sequential count awards), then awards the few left one by one, as the sequential count would.

All decisions use exact integer / `Fraction` arithmetic: `first_divisor` is read from its decimal
string (`1.2` is exactly 6/5), never compared as a float.

Ties (equal quotients, or equal remainders): the list with more votes wins; if the votes are
equal too, the list that comes first (lower index) wins. This rule is deterministic, so a count
can be repeated by anyone.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from fractions import Fraction

from dualpower.counting.model import CountError, CountResult, PartyVotes, Round

PARTY_LIST_METHODS = ("dhondt", "sainte-lague", "hare")
TIE_RULE = "ties go to the list with more votes, then to the list listed first"


def as_fraction(value: float | int | str | Fraction, what: str) -> Fraction:
    """Read a number exactly from its decimal form (`1.2` -> 6/5, not the nearest double)."""
    if isinstance(value, Fraction):
        return value
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError) as exc:
        raise CountError(f"{what} must be a number, not {value!r}") from exc


def qualifying(votes: Sequence[int], threshold: float | str | Fraction) -> list[bool]:
    """Which lists reach the threshold: `votes >= threshold * total`, decided exactly."""
    share = as_fraction(threshold, "threshold")
    if not 0 <= share < 1:
        raise CountError(f"threshold must be in [0, 1), not {threshold}")
    total = sum(votes)
    return [v * share.denominator >= share.numerator * total for v in votes]


def _check(votes: Sequence[int], seats: int, method: str) -> None:
    if method not in PARTY_LIST_METHODS:
        raise CountError(f"unknown party-list method {method!r}; use one of {PARTY_LIST_METHODS}")
    if seats < 0:
        raise CountError(f"seats must not be negative, not {seats}")
    for v in votes:
        if int(v) != v or v < 0:
            raise CountError(f"votes must be whole numbers >= 0, not {v!r}")


def _divisor(method: str, held: int, first: Fraction) -> Fraction:
    if held == 0:
        return first
    return Fraction(held + 1) if method == "dhondt" else Fraction(2 * held + 1)


def award_order(
    votes: Sequence[int],
    seats: int,
    method: str,
    first_divisor: Fraction,
    eligible: Sequence[bool],
    held: list[int] | None = None,
) -> list[tuple[int, Fraction]]:
    """The divisor methods seat by seat: [(list index, winning quotient), ...]; from `held`
    seats per list (updated in place) when given, else from none."""
    held = [0] * len(votes) if held is None else held
    heap = [
        (-Fraction(v) / _divisor(method, held[i], first_divisor), -v, i)
        for i, v in enumerate(votes)
        if eligible[i]
    ]
    heapq.heapify(heap)
    order: list[tuple[int, Fraction]] = []
    for _ in range(seats):
        neg_q, neg_v, i = heapq.heappop(heap)
        order.append((i, -neg_q))
        held[i] += 1
        heapq.heappush(
            heap, (-Fraction(votes[i]) / _divisor(method, held[i], first_divisor), neg_v, i)
        )
    return order


def hare_split(
    votes: Sequence[int], seats: int, eligible: Sequence[bool]
) -> tuple[list[int], list[int]]:
    """Largest remainder: (seats won by full quotas, indices given a remainder seat in order)."""
    total = sum(v for v, ok in zip(votes, eligible, strict=True) if ok)
    full = [(v * seats) // total if ok else 0 for v, ok in zip(votes, eligible, strict=True)]
    left = seats - sum(full)
    ranked = sorted(
        (i for i, ok in enumerate(eligible) if ok),
        key=lambda i: (-((votes[i] * seats) % total), -votes[i], i),
    )
    return full, ranked[:left]


def _prepare(
    votes: Sequence[int],
    seats: int,
    method: str,
    first_divisor: float | str | Fraction,
    threshold: float | str | Fraction,
) -> tuple[list[int], Fraction, list[bool]]:
    _check(votes, seats, method)
    first = as_fraction(first_divisor, "first divisor")
    if first <= 0:
        raise CountError(f"first divisor must be positive, not {first_divisor}")
    if method != "sainte-lague" and first != 1:
        raise CountError("a first divisor other than 1 applies only to sainte-lague")
    ints = [int(v) for v in votes]
    eligible = qualifying(ints, threshold)
    if seats > 0 and not any(ok and v > 0 for ok, v in zip(eligible, ints, strict=True)):
        raise CountError("no list has any votes above the threshold; no seat can be given")
    return ints, first, eligible


def allocate(
    votes: Sequence[int],
    seats: int,
    method: str,
    *,
    first_divisor: float | str | Fraction = 1.0,
    threshold: float | str | Fraction = 0.0,
) -> list[int]:
    """Seats per list, in the order of `votes` (see the module docstring for the rules)."""
    ints, first, eligible = _prepare(votes, seats, method, first_divisor, threshold)
    if seats == 0:
        return [0] * len(ints)
    if method == "hare":
        full, extra = hare_split(ints, seats, eligible)
        for i in extra:
            full[i] += 1
        return full
    if seats > JUMP_SEATS and (method == "dhondt" or first <= 3):
        held = _seats_above(ints, seats, method, first, eligible)
        award_order(ints, seats - sum(held), method, first, eligible, held)
        return held
    result = [0] * len(ints)
    for i, _q in award_order(ints, seats, method, first, eligible):
        result[i] += 1
    return result


JUMP_SEATS = 1_000


def _seats_above(
    votes: list[int], seats: int, method: str, first: Fraction, eligible: list[bool]
) -> list[int]:
    """Seats per list whose quotients lie strictly above a divisor `lam` chosen so that they
    number at most `seats` and at least `seats - 2 x lists` (bisection on exact fractions).

    The quotients above any `lam` are the largest ones, so they are among the first `seats`
    that a sequential count awards, whatever its tie rule."""

    def above(lam: Fraction) -> list[int]:
        out = []
        for v, ok in zip(votes, eligible, strict=True):
            r = Fraction(v) / lam if ok else Fraction(0)
            if method == "dhondt":  # divisors 1, 2, 3, ...: those below r
                n = max(0, math.ceil(r) - 1)
            else:  # first, 3, 5, ... (first <= 3): those below r
                n = (1 if first < r else 0) + max(0, math.ceil((r - 1) / 2) - 1)
            out.append(n)
        return out

    total = sum(v for v, ok in zip(votes, eligible, strict=True) if ok)
    hi = Fraction(total, max(seats // 2, 1))  # few seats above it
    while sum(above(hi)) > seats:
        hi *= 2
    lo = Fraction(total, 4 * seats + 4 * len(votes))  # more than `seats` above it
    held = above(hi)
    for _ in range(200):
        if seats - sum(held) <= 2 * len(votes):
            break
        mid = (lo + hi) / 2
        trial = above(mid)
        if sum(trial) <= seats:
            hi, held = mid, trial
        else:
            lo = mid
    return held


def _num(q: Fraction) -> float | int:
    return q.numerator if q.denominator == 1 else float(q)


def count_party_list(
    pv: PartyVotes,
    seats: int,
    method: str,
    *,
    first_divisor: float | str | Fraction = 1.0,
    threshold: float | str | Fraction = 0.0,
) -> CountResult:
    """Count a party-list election, one round per seat (divisor methods) or per step (Hare).

    `winners` names a list once per seat it wins, in the order the seats were awarded.
    """
    if len(set(pv.parties)) != len(pv.parties):
        raise CountError("each party must appear once")
    if seats < 1:
        raise CountError(f"seats must be at least 1, not {seats}")
    votes, first, eligible = _prepare(pv.votes, seats, method, first_divisor, threshold)
    names = pv.parties
    rounds: list[Round] = []
    below = tuple(n for n, ok in zip(names, eligible, strict=True) if not ok)
    if below:
        rounds.append(
            Round(
                number=1,
                totals=dict(zip(names, votes, strict=True)),
                excluded=below,
                note=f"below the threshold of {float(as_fraction(threshold, 'threshold')):g} "
                f"of {sum(votes)} valid votes: no seat",
            )
        )
    winners: list[str] = []
    if method == "hare":
        winners = _hare_rounds(votes, seats, names, eligible, rounds)
    else:
        held = [0] * len(votes)
        for i, q in award_order(votes, seats, method, first, eligible):
            totals = {
                names[j]: _num(Fraction(votes[j]) / _divisor(method, held[j], first))
                for j in range(len(votes))
                if eligible[j]
            }
            div = _divisor(method, held[i], first)
            held[i] += 1
            winners.append(names[i])
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    totals=totals,
                    elected=(names[i],),
                    note=f"seat {len(winners)} to {names[i]}: {votes[i]} / {_num(div)} = {_num(q)}",
                )
            )
    allocation = {n: winners.count(n) for n in names}
    return CountResult(
        method=method,
        seats=seats,
        winners=tuple(winners),
        rounds=tuple(rounds),
        ballots=sum(votes),
        allocation=allocation,
        ties=(TIE_RULE,),
        tie_rule="more votes, then listed first",
    )


def _hare_rounds(
    votes: list[int], seats: int, names: Sequence[str], eligible: list[bool], rounds: list[Round]
) -> list[str]:
    full, extra = hare_split(votes, seats, eligible)
    total = sum(v for v, ok in zip(votes, eligible, strict=True) if ok)
    quota = Fraction(total, seats)
    winners = [names[i] for i, n in enumerate(full) for _ in range(n)]
    rounds.append(
        Round(
            number=len(rounds) + 1,
            totals={
                names[i]: _num(Fraction(votes[i]) / quota) for i in range(len(votes)) if eligible[i]
            },
            elected=tuple(dict.fromkeys(winners)),
            note=f"Hare quota {_num(quota)}: {len(winners)} seats by whole quotas",
        )
    )
    if extra:
        winners += [names[i] for i in extra]
        rounds.append(
            Round(
                number=len(rounds) + 1,
                totals={
                    names[i]: _num(Fraction(votes[i] * seats % total, seats))
                    for i in range(len(votes))
                    if eligible[i]
                },
                elected=tuple(names[i] for i in extra),
                note=f"{len(extra)} seats left over, to the largest remainders",
            )
        )
    return winners

"""Many counts at once (the clock closing a batch of elections, DESIGN.md 2.9).

`count_many(profiles, method, seats, seeds)` gives, for each profile, what
`count(profile, method, seats, seed=seed)` gives, or the `CountError` it raises. For plurality
the first choices of every profile are tallied in one NumPy pass (one `bincount` over all the
profiles' ballots), and each profile's round is then decided by `plurality.decide`, the step
`count_plurality` ends with: the rule (who wins, a tie, the note) is written once. A profile
the one pass does not take as it is (withdrawn candidates, weights past int64 or 2^53 in sum,
a candidate index out of range, or anything `count` would refuse) and every other method are
counted by `count` itself, one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dualpower.counting import candidate_limit, count
from dualpower.counting.irv import FLOAT_EXACT, first_continuing
from dualpower.counting.model import CountError, CountResult, Profile
from dualpower.counting.plurality import decide
from dualpower.counting.ties import DEFAULT_TIE_RULE, check_rule

ONE_PASS = ("plurality",)


def count_many(
    profiles: Sequence[Profile],
    method: str,
    seats: Sequence[int],
    seeds: Sequence[int],
    *,
    ties: str = DEFAULT_TIE_RULE,
) -> list[CountResult | CountError]:
    """`count(p, method, n, seed=s, ties=ties)` for each profile p with its seats n and seed s,
    in order; a count refused is its `CountError` in the list (not raised)."""
    if not len(profiles) == len(seats) == len(seeds):
        raise ValueError("count_many needs one seats and one seed per profile")
    out: list[CountResult | CountError | None] = [None] * len(profiles)
    taken = _one_pass(profiles, method, seats) if method in ONE_PASS and _known(ties) else []
    if taken:
        totals, counted = _tally(profiles, taken)
        for i, total, n in zip(taken, totals, counted, strict=True):
            if n > 0:  # else `count` refuses it ("no valid ballot"): it says so below
                out[i] = decide(profiles[i], method, seats[i], total, n, seed=seeds[i], ties=ties)
    for i, done in enumerate(out):
        if done is None:
            try:
                out[i] = count(profiles[i], method, seats[i], seed=seeds[i], ties=ties)
            except CountError as error:
                out[i] = error
    return [r for r in out if r is not None]


def _known(ties: str) -> bool:
    try:
        check_rule(ties)
    except CountError:
        return False  # `count` says so, for each profile
    return True


def _one_pass(profiles: Sequence[Profile], method: str, seats: Sequence[int]) -> list[int]:
    """The profiles the one pass counts exactly as `count` would: candidates named once, no
    one withdrawn, the seats within the candidates, int64 weights none negative and their sum
    exact in float64, rankings of candidate indices padded with -1."""
    taken = []
    for i, p in enumerate(profiles):
        nc = len(p.candidates)
        r, w = p.rankings, p.weights
        if (
            nc == 0
            or nc > candidate_limit(method)
            or p.withdrawn
            or not 1 <= seats[i] <= nc
            or w.dtype != np.int64
            or r.ndim != 2
            or r.dtype.kind != "i"
            or len(w) != r.shape[0]
            or len(set(p.candidates)) != nc
        ):
            continue
        if len(w) and (int(w.min()) < 0 or int(w.max()) * len(w) >= FLOAT_EXACT):
            continue
        if r.size and (int(r.min()) < -1 or int(r.max()) >= nc):
            continue
        taken.append(i)
    return taken


def _tally(profiles: Sequence[Profile], taken: list[int]) -> tuple[list[list[int]], list[int]]:
    """Each taken profile's first-choice totals (by candidate index) and how many ballots
    counted for a candidate, from one `bincount` over all their ballots."""
    sizes = [len(profiles[i].candidates) for i in taken]
    rows = [profiles[i].rankings.shape[0] for i in taken]
    width = max([profiles[i].rankings.shape[1] for i in taken] + [1])
    rankings = np.full((sum(rows), width), -1, dtype=np.int64)
    start = 0
    for i, n in zip(taken, rows, strict=True):
        r = profiles[i].rankings
        rankings[start : start + n, : r.shape[1]] = r
        start += n
    mask = np.ones(max(sizes) + 1, dtype=bool)
    mask[-1] = False  # the padding (-1) is nobody
    first = first_continuing(rankings, mask).astype(np.int64)
    offsets = np.cumsum([0, *sizes[:-1]], dtype=np.int64)
    keys = np.repeat(offsets, rows) + first
    weights = np.concatenate([profiles[i].weights for i in taken]).astype(np.float64)
    voted = first >= 0
    sums = np.bincount(keys[voted], weights=weights[voted], minlength=sum(sizes))
    flat: list[int] = sums.round().astype(np.int64).tolist()
    totals, at = [], 0
    for size in sizes:
        totals.append(flat[at : at + size])
        at += size
    return totals, [sum(t) for t in totals]

"""Plurality (first past the post), block voting and approval voting: one round each.

The rules (DESIGN.md section 3):

- plurality: each ballot is one vote for its first-ranked candidate; the `seats` candidates with
  most votes win (one seat: first past the post; more: the single non-transferable vote).
- block: each ballot is one vote for each of its first `seats` ranked candidates.
- approval: each ballot is one vote for every candidate it marks; order is ignored and a
  candidate marked twice counts once.

Withdrawn candidates get no vote (a plurality ballot then counts for its next choice). Winners
are listed by votes, most first; equal totals inside the winning set are listed by candidate
order. A tie at the last winning place is settled by the tie rule (`ties.py`): by a lot drawn
with `random.Random(seed)` (there is no earlier round to look back to), or by the candidates'
order under `order`; it is recorded in `ties`. Totals are exact (see `irv.exact_weights`).
"""

from __future__ import annotations

import numpy as np

from dualpower.counting.irv import (
    check_profile,
    continuing_mask,
    exact_weights,
    first_continuing,
    tally,
)
from dualpower.counting.model import CountError, CountResult, Profile, Round
from dualpower.counting.ties import DEFAULT_TIE_RULE, TieBreaker

METHODS = ("plurality", "block", "approval")


def count_plurality(
    profile: Profile,
    method: str,
    seats: int = 1,
    *,
    seed: int = 0,
    ties: str = DEFAULT_TIE_RULE,
) -> CountResult:
    """Count `profile` by `method` (one of METHODS) for `seats` winners."""
    if method not in METHODS:
        raise CountError(f"unknown method {method!r}")
    check_profile(profile)
    names = profile.candidates
    nc = len(names)
    standing = [c for c in range(nc) if c not in profile.withdrawn]
    if not 1 <= seats <= len(standing):
        raise CountError(f"seats must be between 1 and {len(standing)} candidates, not {seats}")
    valid = continuing_mask(nc, standing)
    weights = exact_weights(profile)
    first = tally(first_continuing(profile.rankings, valid), weights, nc)
    if method == "plurality":
        totals = first
    else:
        totals = _marks(profile.rankings, weights, valid, seats if method == "block" else None)
    return decide(profile, method, seats, totals, int(first.sum()), seed=seed, ties=ties)


def decide(
    profile: Profile,
    method: str,
    seats: int,
    totals: np.ndarray | list[int],
    counted: int,
    *,
    seed: int = 0,
    ties: str = DEFAULT_TIE_RULE,
) -> CountResult:
    """The count's one round from each candidate's votes (`totals`, by candidate index) and the
    ballots that counted for a candidate (`counted`): the winners, a tie settled by the tie rule,
    the note. `count_plurality` tallies one profile's totals; the batch count
    (`counting/batch.py`) tallies many profiles' at once, and each is decided here."""
    names = profile.candidates
    ballots = profile.ballots
    standing = [c for c in range(len(names)) if c not in profile.withdrawn]
    breaker = TieBreaker(ties, seed, names, profile.tie_order)
    if method == "plurality":
        per_ballot = "its first choice"
    else:
        per_ballot = f"each of its first {seats} choices" if method == "block" else "every mark"
    winners, tie = _top(totals, standing, seats, breaker)
    note = f"one vote for {per_ballot}; {', '.join(names[c] for c in winners)} elected"
    if tie:
        note += f" ({tie})"
    rnd = Round(
        number=1,
        totals={names[c]: int(totals[c]) for c in standing},
        elected=tuple(names[c] for c in winners),
        non_transferable=ballots - counted,
        note=note,
    )
    return CountResult(
        method=method,
        seats=seats,
        winners=tuple(names[c] for c in winners),
        rounds=(rnd,),
        ballots=ballots,
        seed=seed,
        ties=(tie,) if tie else (),
        tie_rule=breaker.rule,
    )


def _marks(
    rankings: np.ndarray, weights: np.ndarray, valid: np.ndarray, limit: int | None
) -> np.ndarray:
    """Votes per candidate when each ballot marks several (the first `limit`, or all)."""
    nc = valid.shape[0] - 1
    if rankings.size == 0:
        return np.zeros(nc, dtype=np.int64 if weights.dtype != object else object)
    rows = np.sort(rankings, axis=1) if limit is None else rankings
    ok = valid[rows]
    if limit is None:
        ok[:, 1:] &= rows[:, 1:] != rows[:, :-1]
    else:
        ok &= np.cumsum(ok, axis=1) <= limit
    w = np.broadcast_to(weights[:, None], rows.shape)
    if weights.dtype == object:
        out = np.zeros(nc, dtype=object)
        np.add.at(out, rows[ok], w[ok])
        return out
    votes = np.bincount(rows[ok], weights=w[ok], minlength=nc)
    return votes.round().astype(np.int64)


def _top(
    totals: np.ndarray | list[int], standing: list[int], seats: int, breaker: TieBreaker
) -> tuple[list[int], str | None]:
    names = breaker.names
    order = sorted(standing, key=lambda c: (-totals[c], c))
    cut = totals[order[seats - 1]]
    sure = [c for c in order if totals[c] > cut]
    tied = [c for c in order if totals[c] == cut]
    need = seats - len(sure)
    if need == len(tied):
        return sure + tied, None
    drawn = breaker.several(tied, need)
    how = f"by {breaker.source}" if breaker.rule == "order" else f"lot (seed {breaker.seed})"
    tie = (
        f"tie at {int(cut)} votes between {', '.join(names[c] for c in tied)}; "
        f"{how} elected {', '.join(names[c] for c in drawn)}"
    )
    return sure + drawn, tie

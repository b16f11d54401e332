"""Instant-runoff voting (the alternative vote), one winner, counted round by round.

The rule (DESIGN.md section 3):

1. Each ballot counts for its highest-ranked continuing candidate; a ballot with none left is
   exhausted (shown as `non_transferable`, cumulative).
2. A candidate with more than half of the votes of the continuing (non-exhausted) ballots is
   elected. So is the last continuing candidate.
3. Otherwise the candidate with the fewest votes is excluded and its ballots pass on. Candidates
   with no votes at all are excluded together in one round (it changes no other total).
4. A tie for fewest is broken by looking back: at the latest earlier round in which the tied
   candidates' totals differed, the one with fewest then is excluded. If they were equal in every
   round, a lot drawn with `random.Random(seed)` decides; each lot is recorded in `ties`.

Withdrawn candidates are excluded before the first round. Every ranked method here works on
the grouped ranking array of `Profile`, vectorised with NumPy.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from dualpower.counting.model import CountError, CountResult, Profile, Round


def continuing_mask(n_candidates: int, hopeful: Sequence[int] | np.ndarray) -> np.ndarray:
    """A boolean lookup of length n+1: index -1 (the padding) is never continuing."""
    mask = np.zeros(n_candidates + 1, dtype=bool)
    mask[np.asarray(hopeful, dtype=np.int64)] = True
    return mask


def first_continuing(rankings: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each row's highest-ranked candidate with `mask` True, or -1 if it has none."""
    n = rankings.shape[0]
    if n == 0 or rankings.shape[1] == 0:
        return np.full(n, -1, dtype=np.int32)
    ok = mask[rankings]
    pos = ok.argmax(axis=1)
    rows = np.arange(n)
    return np.where(ok[rows, pos], rankings[rows, pos], -1).astype(np.int32)


def tally(top: np.ndarray, weights: np.ndarray, n_candidates: int) -> np.ndarray:
    """Votes per candidate (int64) from each row's current candidate (-1: exhausted)."""
    return (
        np.bincount(top + 1, weights=weights, minlength=n_candidates + 1)[1:]
        .round()
        .astype(np.int64)
    )


def break_tie(
    tied: Sequence[int],
    history: Sequence[np.ndarray],
    rng: random.Random,
    names: Sequence[str],
    *,
    lowest: bool = True,
    tol: float = 0.0,
    what: str = "excluded",
    seed: int = 0,
) -> tuple[int, str | None]:
    """Pick one of `tied`: look back through `history` (latest first), then draw a lot.

    Returns the candidate and, when a lot decided, a line to record in `CountResult.ties`.
    """
    group = sorted(tied)
    for totals in reversed(history):
        vals = np.asarray([float(totals[c]) for c in group])
        target = vals.min() if lowest else vals.max()
        group = [c for c, v in zip(group, vals, strict=True) if abs(v - target) <= tol]
        if len(group) == 1:
            return group[0], None
    chosen = rng.choice(group)
    line = (
        f"tie between {', '.join(names[c] for c in group)} in every round; "
        f"lot (seed {seed}) {what} {names[chosen]}"
    )
    return chosen, line


def check_profile(profile: Profile) -> None:
    if not profile.candidates:
        raise CountError("the ballot file names no candidates")
    if profile.ballots <= 0:
        raise CountError("there are no ballots to count")


def count_irv(profile: Profile, *, seed: int = 0) -> CountResult:
    """Count `profile` by instant-runoff; see the module docstring for the rule."""
    check_profile(profile)
    names = profile.candidates
    nc = len(names)
    rankings, weights = profile.rankings, profile.weights.astype(np.float64)
    hopeful = [c for c in range(nc) if c not in profile.withdrawn]
    if not hopeful:
        raise CountError("every candidate has withdrawn")
    rng = random.Random(seed)
    ties: list[str] = []
    if profile.withdrawn or rankings.shape[1] == 0:
        top = first_continuing(rankings, continuing_mask(nc, hopeful))
    else:
        top = rankings[:, 0].astype(np.int32)
    # Rows grouped by their current candidate: an exclusion touches only the excluded's rows.
    order = np.argsort(top, kind="stable")
    bounds = np.searchsorted(top[order], np.arange(-1, nc + 1))
    members = {c: [order[bounds[c + 1] : bounds[c + 2]]] for c in range(nc)}
    totals = tally(top, weights, nc)
    history: list[np.ndarray] = []
    rounds: list[Round] = []
    prev: np.ndarray | None = None
    while True:
        active = int(totals[hopeful].sum())
        exhausted = profile.ballots - active
        transfers = {} if prev is None else _changes(prev, totals, hopeful, rounds, names)
        best = max(hopeful, key=lambda c: (totals[c], -c))
        shown = {names[c]: int(totals[c]) for c in hopeful}
        if 2 * totals[best] > active or len(hopeful) == 1:
            why = "the last continuing candidate" if len(hopeful) == 1 else "a majority"
            note = (
                f"{names[best]} elected: {why} ({int(totals[best])} of {active} continuing votes)"
            )
            rounds.append(
                Round(len(rounds) + 1, shown, (names[best],), (), transfers, exhausted, note)
            )
            return CountResult(
                method="irv",
                seats=1,
                winners=(names[best],),
                rounds=tuple(rounds),
                ballots=profile.ballots,
                quota=active // 2 + 1,
                seed=seed,
                ties=tuple(ties),
            )
        out, note = _losers(hopeful, totals, history, rng, names, seed, ties)
        history.append(totals)
        excluded = tuple(names[c] for c in out)
        rounds.append(Round(len(rounds) + 1, shown, (), excluded, transfers, exhausted, note))
        hopeful = [c for c in hopeful if c not in out]
        prev, totals = totals, _move(rankings, weights, members, out, hopeful, totals)


def _move(
    rankings: np.ndarray,
    weights: np.ndarray,
    members: dict[int, list[np.ndarray]],
    out: list[int],
    hopeful: list[int],
    totals: np.ndarray,
) -> np.ndarray:
    """Pass the ballots of the excluded candidates `out` on; return the new totals."""
    nc = totals.shape[0]
    rows = np.concatenate([part for c in out for part in members.pop(c)])
    new_top = first_continuing(rankings[rows], continuing_mask(nc, hopeful))
    totals = totals + tally(new_top, weights[rows], nc)
    totals[out] = 0
    order = np.argsort(new_top, kind="stable")
    bounds = np.searchsorted(new_top[order], np.arange(-1, nc + 1))
    for c in hopeful:
        if bounds[c + 2] > bounds[c + 1]:
            members[c].append(rows[order[bounds[c + 1] : bounds[c + 2]]])
    return totals


def _losers(
    hopeful: list[int],
    totals: np.ndarray,
    history: list[np.ndarray],
    rng: random.Random,
    names: Sequence[str],
    seed: int,
    ties: list[str],
) -> tuple[list[int], str]:
    zero = [c for c in hopeful if totals[c] == 0]
    if zero and len(zero) < len(hopeful):
        return zero, f"{', '.join(names[c] for c in zero)} excluded: no votes"
    low = min(int(totals[c]) for c in hopeful)
    tied = [c for c in hopeful if totals[c] == low]
    if len(tied) == 1:
        return tied, f"{names[tied[0]]} excluded: fewest votes ({low})"
    loser, lot = break_tie(tied, history, rng, names, seed=seed)
    if lot:
        ties.append(f"round {len(history) + 1}: {lot}")
        return [loser], f"{names[loser]} excluded by lot: {lot}"
    return [loser], f"{names[loser]} excluded: fewest votes ({low}), tie broken by earlier rounds"


def _changes(
    prev: np.ndarray,
    totals: np.ndarray,
    hopeful: list[int],
    rounds: list[Round],
    names: Sequence[str],
) -> dict[str, float | int]:
    moved: dict[str, float | int] = {names[c]: int(totals[c] - prev[c]) for c in hopeful}
    for name in rounds[-1].excluded:
        moved[name] = -int(prev[names.index(name)])
    return moved

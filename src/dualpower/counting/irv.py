"""Instant-runoff voting (the alternative vote), one winner, counted round by round.

The rule (DESIGN.md section 3):

1. Each ballot counts for its highest-ranked continuing candidate; a ballot with none left is
   exhausted (shown as `non_transferable`, cumulative).
2. A candidate with more than half of the votes of the continuing (non-exhausted) ballots is
   elected. So is the last continuing candidate.
3. Otherwise the candidate with the fewest votes is excluded and its ballots pass on. Candidates
   with no votes at all are excluded together in one round (it changes no other total).
4. A tie for fewest is broken by the tie rule (`ties.py`); by default by looking back: at the
   latest earlier round in which the tied candidates' totals differed, the one with fewest then
   is excluded. If they were equal in every round, a lot drawn with `random.Random(seed)`
   decides; each lot is recorded in `ties`.

Withdrawn candidates are excluded before the first round. Every ranked method here works on
the grouped ranking array of `Profile`, vectorised with NumPy. Totals are exact: float64 sums
of whole weights while the ballots number below 2^53 (every partial sum is then an exact
integer), else Python integers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dualpower.counting.model import CountError, CountResult, Profile, Round
from dualpower.counting.ties import DEFAULT_TIE_RULE, TieBreaker

FLOAT_EXACT = 2**53  # below this, float64 sums of whole numbers are exact


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


def next_continuing(
    rankings: np.ndarray, rows: np.ndarray, cols: np.ndarray, lookup: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each of `rows`, its first candidate at column `cols` or later with `lookup` True
    (a bool array of n + 1: index -1, the padding, is False), and that column; -1 and junk
    when none. Every candidate before the current one of a ballot has stopped continuing for
    good (elected, excluded or withdrawn), so a ballot moves on from where it stands instead
    of being read again from its top: only the few columns that are passed are read."""
    width = rankings.shape[1]
    flat = rankings.reshape(-1)
    pos = rows * width + cols  # where each one reads next, in the flat array
    last = pos - cols + (width - 1)  # the last column of its row
    found = np.full(len(rows), -1, dtype=np.int32)
    at = np.zeros(len(rows), dtype=np.int64)
    todo = np.flatnonzero(pos <= last)  # (not those already past their last column)
    pos, last = pos.take(todo), last.take(todo)
    while len(todo):
        here = flat.take(pos)
        hit = lookup.take(here)
        if hit.any():
            done = todo[hit]
            found[done] = here[hit]
            at[done] = pos[hit]
        more = here >= 0  # the padding (-1) ends a ranking
        more ^= hit
        more &= pos < last
        keep = np.flatnonzero(more)
        todo, pos, last = todo.take(keep), pos.take(keep), last.take(keep)
        pos += 1
    return found, at - rows * width


def exact_weights(profile: Profile) -> np.ndarray:
    """The weights to count with: float64 when every sum is exact in it, else Python ints."""
    if profile.ballots < FLOAT_EXACT:
        return profile.weights.astype(np.float64)
    return profile.weights.astype(object)


def tally(top: np.ndarray, weights: np.ndarray, n_candidates: int) -> np.ndarray:
    """Votes per candidate (int64, or Python ints for object `weights`) from each row's current
    candidate (-1: exhausted)."""
    if weights.dtype == object:
        out = np.zeros(n_candidates + 1, dtype=object)
        np.add.at(out, top + 1, weights)
        return out[1:]
    return (
        np.bincount(top + 1, weights=weights, minlength=n_candidates + 1)[1:]
        .round()
        .astype(np.int64)
    )


def check_profile(profile: Profile) -> None:
    """Refuse what no method can count: no candidates, a name twice, a negative weight, or no
    valid ballot (one that ranks at least one standing candidate)."""
    if not profile.candidates:
        raise CountError("the ballot file names no candidates")
    seen: set[str] = set()
    for name in profile.candidates:
        if name in seen:
            raise CountError(f"candidate name {name!r} given twice")
        seen.add(name)
    weights = profile.weights
    if len(weights) and (weights < 0).any():
        raise CountError("a ballot weight is negative")
    standing = [c for c in range(len(profile.candidates)) if c not in profile.withdrawn]
    if not standing:
        raise CountError("every candidate has withdrawn")
    if profile.ballots <= 0:
        raise CountError("there are no ballots to count")
    if profile.withdrawn or profile.rankings.shape[1] == 0:
        mask = continuing_mask(len(profile.candidates), standing)
        valid = first_continuing(profile.rankings, mask) >= 0
    else:  # rankings are packed to the left: a valid one has a first preference
        valid = profile.rankings[:, 0] >= 0
    if not (weights[valid] > 0).any():
        raise CountError("no valid ballot: none ranks a standing candidate")


def count_irv(profile: Profile, *, seed: int = 0, ties: str = DEFAULT_TIE_RULE) -> CountResult:
    """Count `profile` by instant-runoff; see the module docstring for the rule."""
    check_profile(profile)
    names = profile.candidates
    nc = len(names)
    rankings, weights = profile.rankings, exact_weights(profile)
    hopeful = [c for c in range(nc) if c not in profile.withdrawn]
    breaker = TieBreaker(ties, seed, names, profile.tie_order)
    lots: list[str] = []
    ballots = profile.ballots
    everyone = np.arange(len(weights))
    lookup = continuing_mask(nc, hopeful)
    if profile.withdrawn or rankings.shape[1] == 0:
        top, col = next_continuing(rankings, everyone, np.zeros(len(weights), np.int64), lookup)
    else:
        top, col = rankings[:, 0].astype(np.int32), np.zeros(len(weights), dtype=np.int64)
    totals = tally(top, weights, nc)
    history: list[list[int]] = []
    rounds: list[Round] = []
    prev: list[int] | None = None
    while True:
        now: list[int] = totals.tolist()  # Python ints (from int64 or object): fast, exact
        vals = [now[c] for c in hopeful]
        active = sum(vals)
        exhausted = ballots - active
        transfers = {} if prev is None else _changes(prev, now, hopeful, rounds, names)
        most = max(vals)
        best = hopeful[vals.index(most)]  # the first listed of the most
        shown: dict[str, float | int] = dict(zip([names[c] for c in hopeful], vals, strict=True))
        if 2 * now[best] > active or len(hopeful) == 1:
            why = "the last continuing candidate" if len(hopeful) == 1 else "a majority"
            note = f"{names[best]} elected: {why} ({now[best]} of {active} continuing votes)"
            rounds.append(
                Round(len(rounds) + 1, shown, (names[best],), (), transfers, exhausted, note)
            )
            return CountResult(
                method="irv",
                seats=1,
                winners=(names[best],),
                rounds=tuple(rounds),
                ballots=ballots,
                quota=active // 2 + 1,
                seed=seed,
                ties=tuple(lots),
                tie_rule=breaker.rule,
            )
        out, note = _losers(hopeful, now, history, breaker, lots)
        history.append(now)
        excluded = tuple(names[c] for c in out)
        rounds.append(Round(len(rounds) + 1, shown, (), excluded, transfers, exhausted, note))
        gone = set(out)
        hopeful = [c for c in hopeful if c not in gone]
        lookup[out] = False
        prev, totals = now, _move(rankings, weights, top, col, out, lookup, totals)


def _move(
    rankings: np.ndarray,
    weights: np.ndarray,
    top: np.ndarray,
    col: np.ndarray,
    out: list[int],
    lookup: np.ndarray,
    totals: np.ndarray,
) -> np.ndarray:
    """Pass the ballots of the excluded candidates `out` on (updating each ballot's current
    candidate `top` and its column `col` in place); return the new totals."""
    nc = totals.shape[0]
    held = top == out[0] if len(out) == 1 else np.isin(top, out)
    rows = np.flatnonzero(held)
    new_top, new_col = next_continuing(rankings, rows, col[rows] + 1, lookup)
    top[rows] = new_top
    col[rows] = new_col
    totals = totals + tally(new_top, weights[rows], nc)
    totals[out] = 0
    return totals


def _losers(
    hopeful: list[int],
    totals: list[int],
    history: list[list[int]],
    breaker: TieBreaker,
    ties: list[str],
) -> tuple[list[int], str]:
    names = breaker.names
    vals = [totals[c] for c in hopeful]
    low = min(vals)
    zero = [c for c, v in zip(hopeful, vals, strict=True) if v == 0] if low == 0 else []
    if zero and len(zero) < len(hopeful):
        return zero, f"{', '.join(names[c] for c in zero)} excluded: no votes"
    tied = [c for c, v in zip(hopeful, vals, strict=True) if v == low]
    if len(tied) == 1:
        return tied, f"{names[tied[0]]} excluded: fewest votes ({low})"
    loser, lot = breaker.pick(tied, history, lowest=True)
    if lot:
        ties.append(f"round {len(history) + 1}: {lot}")
        how = "by lot" if breaker.rule != "order" else "by the tie order"
        return [loser], f"{names[loser]} excluded {how}: {lot}"
    return [loser], f"{names[loser]} excluded: fewest votes ({low}), tie broken by earlier rounds"


def _changes(
    prev: list[int],
    totals: list[int],
    hopeful: list[int],
    rounds: list[Round],
    names: Sequence[str],
) -> dict[str, float | int]:
    moved: dict[str, float | int] = {names[c]: totals[c] - prev[c] for c in hopeful}
    for name in rounds[-1].excluded:
        moved[name] = -prev[names.index(name)]
    return moved

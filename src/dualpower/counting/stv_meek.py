"""Single transferable vote by Meek's method (Hill, Wichmann and Woodall, Computer Journal 1987).

The rule:

- Each candidate has a keep value: 1 while hopeful, 0 once excluded (or withdrawn), and in (0, 1]
  once elected. A ballot gives each candidate on it, in order, the keep value's share of what is
  left of it: `keep * left`, and passes `(1 - keep) * left` on. What passes beyond the last
  choice is the excess (exhausted votes).
- The quota is `(valid votes - excess) / (seats + 1)`, recomputed with every distribution.
- The keep value of each elected candidate is scaled by `quota / votes` and the ballots are
  distributed again, until every elected candidate holds the quota (within the tolerance).
- Then every hopeful candidate with more than the quota is elected; if none is, the hopeful
  candidate with fewest votes is excluded (keep value 0) and the iteration starts again.
- When the seats left equal the hopeful candidates left, they are all elected.

Precision (`precision="float"`, the default): IEEE 754 double (float64) throughout, vectorised
over the grouped rankings; it refuses elections of 2^53 ballots or more, whose weights float64
cannot hold exactly.
Iteration stops when every elected candidate is within `TOL * quota` of the quota
(`TOL = 1e-9`; at most `MAX_ITERATIONS` passes). When the elected hold every vote that has not
exhausted, their surplus can reach nobody and the quota would fall with their votes: the keep
values are then left as they are.
"More than the quota" means above `quota * (1 + TOL)`, and totals within `TOL * quota` of each
other are equal. Keep values stay in (0, 1]. A tie for exclusion is broken by looking back at
earlier rounds, then by a lot drawn with `random.Random(seed)`, recorded in `ties` (as in `irv`;
`ties="lot"` or `"order"` replace the look back, see `ties.py`).

`precision="exact"`: rational arithmetic (Python `Fraction`s and integers, any number of
ballots). Keep values are rounded up to a multiple of 10^-24 after each update (as Hill's
Algorithm 123 rounds them up, only finer), the iteration stops when every elected candidate is
within 10^-20 x quota of the quota or the keep values stop changing, and every decision compares
exact totals: only exactly equal totals tie. It is for small elections: at most
`EXACT_MAX_CANDIDATES` candidates and `EXACT_MAX_RANKINGS` distinct rankings. Where the float
count's every decision has a margin above its tolerance, both elect the same candidates in the
same order (a hypothesis property in tests/property/test_irv_agrees.py).

Speed: within one round only the elected candidates a ballot reaches before its first hopeful
candidate matter (excluded ones pass everything on, a hopeful keeps everything), so before
iterating the ballots are reduced to those short paths and grouped; the iteration then runs over
a few hundred groups instead of every distinct ranking.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from dualpower.counting.irv import FLOAT_EXACT, check_profile
from dualpower.counting.model import CountError, CountResult, Profile, Round
from dualpower.counting.ties import DEFAULT_TIE_RULE, TieBreaker

TOL = 1e-9
MAX_ITERATIONS = 100_000
FLOOR = 1e-300  # keeps keep values and divisors above zero
PRECISION = (
    f"float64; keep values iterated until each elected candidate is within {TOL:g} x quota "
    f"of the quota; totals within {TOL:g} x quota count as equal"
)
PRECISIONS = ("float", "exact")
EXACT_TOL = Fraction(1, 10**20)
EXACT_KEEP = 10**24  # keep values are rounded up to a multiple of 1 / EXACT_KEEP
EXACT_MAX_CANDIDATES = 200
EXACT_MAX_RANKINGS = 100_000
EXACT_PRECISION = (
    "exact (rational); keep values rounded up to 1e-24 and iterated until each elected "
    "candidate is within 1e-20 x quota of the quota; only equal totals tie"
)


class MeekCount:
    """The state of a Meek count: keep values, and the ballots as a padded index array."""

    def __init__(self, profile: Profile, seats: int):
        self.profile = profile
        self.seats = seats
        nc = len(profile.candidates)
        # Padding points at an extra "candidate" nc whose keep value is always 0; one more
        # padding column makes sure every row ends in it.
        self.index = np.full((profile.rankings.shape[0], profile.rankings.shape[1] + 1), nc)
        self.index[:, :-1] = np.where(profile.rankings < 0, nc, profile.rankings)
        self.weights = profile.weights.astype(np.float64)
        self.keep = np.ones(nc + 1)
        self.keep[nc] = 0.0
        for c in profile.withdrawn:
            self.keep[c] = 0.0
        self.total: Any = float(self.weights.sum())
        self.iterations = 0
        self.paths: np.ndarray = self.index
        self.path_weights: np.ndarray = self.weights

    def reduce(self, elected: list[int]) -> None:
        """Group the ballots by their path: the elected before the first hopeful, then it."""
        nc = self.keep.shape[0] - 1
        if not elected:  # every path is one candidate: the first hopeful (or nc: exhausted)
            hopeful = np.array([k > 0 for k in self.keep.tolist()], dtype=bool)
            ok = hopeful[self.index]
            col = ok.argmax(axis=1)
            rows = np.arange(len(col))
            first = np.where(ok[rows, col], self.index[rows, col], nc)
            sums = self._group_sums(first, nc + 1)
            present = np.flatnonzero(np.array([w != 0 for w in sums.tolist()], dtype=bool))
            self.paths = present.astype(np.intp)[:, None]
            self.path_weights = sums[present]
            return
        role = np.where(self.keep > 0, 2, 0).astype(np.int8)  # 2: ends the path
        role[np.asarray(elected, dtype=np.intp)] = 1
        role[nc] = 2
        r = role[self.index]
        n, width = r.shape
        end = np.argmax(r == 2, axis=1)
        passing = (r == 1) & (np.arange(width)[None, :] < end[:, None])
        lengths = passing.sum(axis=1)
        paths = np.full((n, int(lengths.max()) + 1), nc, dtype=np.intp)
        at_row, at_col = np.nonzero(passing)
        paths[at_row, (np.cumsum(passing, axis=1) - 1)[at_row, at_col]] = self.index[at_row, at_col]
        rows = np.arange(n)
        paths[rows, lengths] = self.index[rows, end]
        key: np.ndarray
        if (nc + 1) ** paths.shape[1] < 2**62:
            key = paths @ (nc + 1) ** np.arange(paths.shape[1], dtype=np.int64)
        else:
            key = np.ascontiguousarray(paths).view(np.dtype((np.void, paths.shape[1] * 8)))[:, 0]
        _, first, group = np.unique(key, return_index=True, return_inverse=True)
        self.paths = paths[first]
        self.path_weights = self._group_sums(group.ravel(), len(first))

    def _group_sums(self, group: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(group, weights=self.weights, minlength=n)

    def distribute(self) -> tuple[np.ndarray, float, float]:
        """One pass over the ballot paths: (votes per candidate, excess, quota)."""
        nc = self.keep.shape[0] - 1
        if self.paths.size == 0:
            return np.zeros(nc), self.total, 0.0
        k = self.keep[self.paths]
        left_after = np.cumprod(1.0 - k, axis=1)
        left_before = np.empty_like(left_after)
        left_before[:, 0] = 1.0
        left_before[:, 1:] = left_after[:, :-1]
        share = left_before * k * self.path_weights[:, None]
        votes = np.bincount(self.paths.ravel(), weights=share.ravel(), minlength=nc + 1)[:nc]
        excess = float(self.path_weights @ left_after[:, -1])
        return votes, excess, (self.total - excess) / (self.seats + 1)

    def converge(self, elected: list[int]) -> tuple[np.ndarray, float, float]:
        """Scale the elected candidates' keep values until each holds the quota.

        If after a pass no vote at all reaches a candidate who is not elected, what the elected
        pass on can only exhaust: the quota then falls as fast as their votes and has no fixed
        point above zero, so that pass is undone and the keep values stay as they were.
        """
        self.reduce(elected)
        votes, excess, quota = self.distribute()
        e = np.asarray(elected, dtype=np.intp)
        for _ in range(MAX_ITERATIONS):
            if not elected or quota <= 0:
                break
            over = votes[e] - quota
            settled = (np.abs(over) <= TOL * quota) | ((over < 0) & (self.keep[e] >= 1.0))
            if settled.all():
                break
            kept, last = self.keep[e].copy(), (votes, excess, quota)
            scaled = self.keep[e] * quota / np.maximum(votes[e], FLOOR)
            self.keep[e] = np.clip(scaled, FLOOR, 1.0)
            votes, excess, quota = self.distribute()
            if votes.sum() - votes[e].sum() <= 1e-12 * self.total:
                self.keep[e] = kept
                votes, excess, quota = last
                break
            self.iterations += 1
        return votes, excess, quota


class MeekExact(MeekCount):
    """The same count in rational arithmetic (`precision="exact"`; see the module docstring)."""

    def __init__(self, profile: Profile, seats: int):
        super().__init__(profile, seats)
        self.keep = np.array([Fraction(int(k)) for k in self.keep], dtype=object)
        self.weights = profile.weights.astype(object)
        self.path_weights = self.weights
        self.total = Fraction(profile.ballots)

    def _group_sums(self, group: np.ndarray, n: int) -> np.ndarray:
        sums = np.zeros(n, dtype=object)
        np.add.at(sums, group, self.weights)
        return sums

    def distribute(self) -> tuple[np.ndarray, Any, Any]:
        nc = self.keep.shape[0] - 1
        votes = [Fraction(0)] * (nc + 1)
        excess = Fraction(0)
        keep = self.keep.tolist()
        for path, weight in zip(self.paths.tolist(), self.path_weights.tolist(), strict=True):
            left = Fraction(weight)
            for c in path:
                k = keep[c]
                if k:
                    share = left * k
                    votes[c] += share
                    left -= share
                    if not left:
                        break
            excess += left
        out = np.empty(nc, dtype=object)
        out[:] = votes[:nc]
        return out, excess, (self.total - excess) / (self.seats + 1)

    def converge(self, elected: list[int]) -> tuple[np.ndarray, Any, Any]:
        self.reduce(elected)
        votes, excess, quota = self.distribute()
        for _ in range(MAX_ITERATIONS):
            if not elected or quota <= 0:
                break
            if all(
                abs(votes[c] - quota) <= EXACT_TOL * quota
                or (votes[c] < quota and self.keep[c] >= 1)
                for c in elected
            ):
                break
            kept, last = self.keep.copy(), (votes, excess, quota)
            for c in elected:
                if votes[c] > 0:
                    scaled = min(self.keep[c] * quota / votes[c], Fraction(1))
                    up = -(-scaled.numerator * EXACT_KEEP // scaled.denominator)
                    self.keep[c] = Fraction(max(up, 1), EXACT_KEEP)
            if all(self.keep[c] == kept[c] for c in elected):
                break  # a fixed point of the rounded update
            votes, excess, quota = self.distribute()
            if sum(votes) - sum(votes[c] for c in elected) <= 0:
                self.keep = kept
                votes, excess, quota = last
                break
            self.iterations += 1
        return votes, excess, quota


def meek_with_margin(
    profile: Profile,
    seats: int,
    *,
    seed: int = 0,
    ties: str = DEFAULT_TIE_RULE,
    precision: str = "float",
) -> tuple[CountResult, float]:
    """The count, and the smallest margin of any of its decisions as a share of the quota (the
    gap between the two lowest at an exclusion; the distance of any hopeful from the quota when
    someone is elected by it)."""
    check_profile(profile)
    names = profile.candidates
    hopeful = [c for c in range(len(names)) if c not in profile.withdrawn]
    if not 1 <= seats <= len(hopeful):
        raise CountError(f"seats must be between 1 and {len(hopeful)} candidates, not {seats}")
    if precision not in PRECISIONS:
        raise CountError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "float" and profile.ballots >= FLOAT_EXACT:
        raise CountError(
            "stv-meek counts in float64 at most 2^53 - 1 ballots; use --precision exact"
        )
    if precision == "exact" and (
        len(names) > EXACT_MAX_CANDIDATES or len(profile.weights) > EXACT_MAX_RANKINGS
    ):
        raise CountError(
            f"stv-meek --precision exact counts at most {EXACT_MAX_CANDIDATES} candidates and "
            f"{EXACT_MAX_RANKINGS} distinct rankings; use the float count"
        )
    meek = MeekCount(profile, seats) if precision == "float" else MeekExact(profile, seats)
    breaker = TieBreaker(ties, seed, names, profile.tie_order)
    elected: list[int] = []
    rounds: list[Round] = []
    history: list[np.ndarray] = []
    lots: list[str] = []
    margin = float("inf")
    prev: np.ndarray | None = None
    while True:
        votes, excess, quota = meek.converge(elected)
        if len(elected) == seats:
            break
        tol = TOL * quota if precision == "float" else 0
        if len(elected) + len(hopeful) <= seats:
            won = sorted(hopeful, key=lambda c: (-votes[c], c))
            note = "as many hopeful candidates as seats left: all elected"
            out: list[int] = []
        else:
            won = sorted(
                (c for c in hopeful if votes[c] > quota + tol), key=lambda c: (-votes[c], c)
            )
            note = f"above the quota {_text(quota)}" if won else ""
            out = [] if won else [_loser(hopeful, votes, history, breaker, tol, lots)]
            margin = min(margin, _margin(hopeful, votes, quota, won))
            if out:
                note = f"{names[out[0]]} excluded: fewest votes ({_text(votes[out[0]])})"
                if lots and lots[-1].startswith(f"round {len(rounds) + 1}:"):
                    note += " by lot" if breaker.rule != "order" else " by the tie order"
                meek.keep[out[0]] = 0 * meek.keep[out[0]]
        elected += won
        hopeful = [c for c in hopeful if c not in won and c not in out]
        rounds.append(_round(len(rounds) + 1, names, votes, excess, prev, won, out, note, meek))
        history.append(votes)
        prev = votes
    rounds.append(_round(len(rounds) + 1, names, votes, excess, prev, [], [], "final totals", meek))
    result = CountResult(
        method="stv-meek",
        seats=seats,
        winners=tuple(names[c] for c in elected),
        rounds=tuple(rounds),
        ballots=profile.ballots,
        quota=_shown(quota, 9),
        seed=seed,
        ties=tuple(lots),
        precision=PRECISION if precision == "float" else EXACT_PRECISION,
        tie_rule=breaker.rule,
    )
    return result, margin


def _shown(value: Any, places: int = 6) -> float | int:
    """A total for the JSON: an int when it is whole (exact for any size), else rounded."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return round(float(value), places)


def _text(value: Any) -> str:
    shown = _shown(value)
    return str(shown) if isinstance(shown, int) else f"{shown:.6f}"


def _margin(hopeful: list[int], votes: np.ndarray, quota: Any, won: list[int]) -> float:
    if quota <= 0:
        return 0.0
    if won:
        return float(min(abs(votes[c] - quota) for c in hopeful) / quota)
    low = sorted(votes[c] for c in hopeful)
    return float((low[1] - low[0]) / quota) if len(low) > 1 else float("inf")


def _loser(
    hopeful: list[int],
    votes: np.ndarray,
    history: list[np.ndarray],
    breaker: TieBreaker,
    tol: Any,
    ties: list[str],
) -> int:
    low = min(votes[c] for c in hopeful)
    tied = [c for c in hopeful if votes[c] - low <= tol]
    if len(tied) == 1:
        return tied[0]
    loser, lot = breaker.pick(tied, history, lowest=True, tol=tol)
    if lot:
        ties.append(f"round {len(history) + 1}: {lot}")
    return loser


def _round(
    number: int,
    names: tuple[str, ...],
    votes: np.ndarray,
    excess: float,
    prev: np.ndarray | None,
    won: list[int],
    out: list[int],
    note: str,
    meek: MeekCount,
) -> Round:
    shown = [c for c in range(len(names)) if meek.keep[c] > 0 or c in out]
    keep = ", ".join(
        f"{names[c]} {float(meek.keep[c]):.9f}"
        for c in shown
        if 0 < meek.keep[c] < 1 and c not in out
    )
    if keep:
        note = f"{note}; keep values: {keep}" if note else f"keep values: {keep}"
    return Round(
        number=number,
        totals={names[c]: _shown(votes[c]) for c in shown},
        elected=tuple(names[c] for c in won),
        excluded=tuple(names[c] for c in out),
        transfers={} if prev is None else {names[c]: _shown(votes[c] - prev[c]) for c in shown},
        non_transferable=_shown(excess),
        note=f"{note} (after {meek.iterations} iterations in all)",
    )

"""Single transferable vote by the Scottish Local Government Elections Order 2007 (SSI 2007/42,
schedule 1, rules 45 to 52).

- Rule 45-46: the quota is the number of valid ballots divided by seats + 1, ignoring the
  fraction, plus one (the Droop quota). A valid ballot ranks at least one standing candidate.
- Rule 47: a candidate whose votes equal or exceed the quota at any stage is elected.
- Rule 48: a surplus (votes above the quota) is transferred from all the ballot papers the
  candidate holds (weighted inclusive Gregory): each paper passes to its next continuing
  preference at the value surplus x (the paper's value when received) / (the candidate's total),
  truncated to five decimal places. Papers with no next preference are non-transferable; the
  elected candidate is left with exactly the quota. A candidate who reaches the quota exactly has
  no surplus and no stage is spent on it.
- Rule 49: when several surpluses wait, the largest is transferred first; equal surpluses go in
  order of the candidates' votes at the most recent earlier stage at which they differed, and by
  lot if they never did.
- Rule 50-51: when no surplus waits, the candidate with the fewest votes is excluded and all its
  papers pass on, in one stage, at the value at which it received them. A tie for fewest is
  broken by the most recent earlier stage at which the tied candidates differed (the fewest
  then is excluded), else by lot.
- Rule 52: when the continuing candidates are no more than the vacancies, they are all elected
  and no further transfer is made. The count also stops when every seat is filled.

Votes are fixed-point integers in units of 10^-5 (`SCALE`); no decision uses a float. They are
int64 while the largest product (valid ballots x 10^5 x 10^5, in a transfer value's numerator)
fits, else Python integers: exact for any number of ballots. A lot is drawn with
`random.Random(seed).choice` over the tied candidates in ballot-file order, and every draw is
recorded in `CountResult.ties`; `ties="lot"` or `"order"` replace the look back (`ties.py`).
Withdrawn candidates are skipped on every ballot.
Identical ballots always travel together, so the count works on the grouped rankings of the
`Profile`: each distinct ranking has a holder (or -1) and a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dualpower.counting.irv import check_profile, next_continuing
from dualpower.counting.model import INT64_MAX, CountError, CountResult, Profile, Round, exact_total
from dualpower.counting.ties import DEFAULT_TIE_RULE, TieBreaker

SCALE = 100_000
METHOD = "stv-scottish"


@dataclass
class _Stage:
    number: int
    totals: np.ndarray
    elected: list[int] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    transfers: np.ndarray | None = None
    non_transferable: int = 0
    note: str = ""


class _Count:
    """The state of one count: who holds each distinct ranking, at what value."""

    def __init__(self, profile: Profile, seats: int, seed: int, ties: str) -> None:
        self.names = profile.candidates
        self.n = len(profile.candidates)
        self.seats = seats
        self.seed = seed
        self.breaker = TieBreaker(ties, seed, self.names, profile.tie_order)
        self.ties: list[str] = []
        self.rankings = profile.rankings
        self.continuing = np.ones(self.n, dtype=bool)
        self.continuing[list(profile.withdrawn)] = False
        self.elected: list[int] = []
        self.pending: list[int] = []
        everyone = np.arange(len(profile.weights))
        self.col = np.zeros(len(everyone), dtype=np.int64)  # the column of each one's holder
        self.started = False
        if profile.withdrawn or self.rankings.shape[1] == 0:
            self.holder = self._next_holder(everyone)
        else:  # rankings are packed to the left: the first preference holds each
            self.holder = self.rankings[:, 0].astype(np.int64)
        self.started = True
        self.valid = exact_total(profile.weights[self.holder >= 0])
        # int64 while surplus x value (at most valid x SCALE x SCALE) fits; else Python ints
        self.dtype: type = np.int64 if self.valid * SCALE * SCALE < INT64_MAX else object
        self.weights = profile.weights.astype(self.dtype)
        self.value = np.full(len(self.weights), SCALE, dtype=self.dtype)
        self.quota = (self.valid // (seats + 1) + 1) * SCALE
        self.totals = np.zeros(self.n, dtype=self.dtype)
        self._credit(self.holder, self.weights * SCALE, self.totals)
        self.stages: list[_Stage] = []

    # --- moving papers ------------------------------------------------------------------

    def _next_holder(self, rows: np.ndarray) -> np.ndarray:
        """Each row's highest-ranked continuing candidate after its current one, or -1.

        Candidates ranked above the current holder are all elected, excluded or withdrawn
        (none of which ever continues again), so moving on from the holder's column equals
        scanning from the top.
        """
        lookup = np.append(self.continuing, False)  # index -1 (padding) is never continuing
        start = self.col[rows]
        if self.started:  # (the first time, from the first column)
            start += 1
        found, cols = next_continuing(self.rankings, rows, start, lookup)
        self.col[rows] = cols
        return found.astype(np.int64)

    def _credit(self, dest: np.ndarray, amounts: np.ndarray, into: np.ndarray) -> None:
        has = dest >= 0
        np.add.at(into, dest[has], amounts[has])

    def _move(self, source: int, revalue: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
        """Pass every paper `source` holds to its next preference; returns the credits."""
        rows = np.flatnonzero(self.holder == source)
        old = self.value[rows]
        new = old if revalue is None else revalue(old)
        dest = self._next_holder(rows)
        credits: np.ndarray = np.zeros(self.n, dtype=self.dtype)
        self._credit(dest, self.weights[rows] * new, credits)
        self.holder[rows] = dest
        self.value[rows] = np.where(dest >= 0, new, 0)
        return credits

    # --- stages ---------------------------------------------------------------------------

    def first_stage(self) -> None:
        stage = _Stage(1, self.totals.copy(), note="first preferences")
        self.stages.append(stage)
        self._elect_reaching_quota(stage)

    def transfer_surplus(self, c: int) -> None:
        total = int(self.totals[c])
        surplus = total - self.quota
        credits = self._move(c, lambda v: (surplus * v) // total)
        lost = surplus - int(credits.sum())
        credits[c] = -surplus
        self.totals += credits
        stage = self._stage(credits, lost, f"surplus of {self.names[c]} transferred")
        self._elect_reaching_quota(stage)

    def exclude(self, c: int, why: str) -> None:
        self.continuing[c] = False
        credits = self._move(c, None)
        lost = int(self.totals[c] - credits.sum())
        credits[c] = -int(self.totals[c])
        self.totals += credits
        stage = self._stage(credits, lost, f"{self.names[c]} excluded: {why}")
        stage.excluded.append(c)
        self._elect_reaching_quota(stage)

    def _stage(self, credits: np.ndarray, lost: int, note: str) -> _Stage:
        stage = _Stage(len(self.stages) + 1, self.totals.copy(), transfers=credits, note=note)
        stage.non_transferable = lost
        self.stages.append(stage)
        return stage

    def _elect_reaching_quota(self, stage: _Stage) -> None:
        hopeful = np.flatnonzero(self.continuing)
        reached: list[int] = hopeful[self.totals[hopeful] >= self.quota].tolist()
        for c in sorted(reached, key=lambda c: (-int(self.totals[c]), int(c))):
            if len(self.elected) == self.seats:
                break
            self.continuing[c] = False
            self.elected.append(int(c))
            stage.elected.append(int(c))
            if self.totals[c] > self.quota:
                self.pending.append(int(c))

    # --- choices --------------------------------------------------------------------------

    def next_surplus(self) -> int:
        largest = max(int(self.totals[c]) for c in self.pending)
        tied = [c for c in self.pending if self.totals[c] == largest]
        c = self._break_tie(tied, highest=True, what="surplus transferred first")
        self.pending.remove(c)
        return c

    def lowest(self) -> tuple[int, str]:
        hopeful = np.flatnonzero(self.continuing)
        totals = self.totals[hopeful]
        tied: list[int] = hopeful[totals == totals.min()].tolist()
        c = self._break_tie(tied, highest=False, what="excluded")
        return c, "lowest total" if len(tied) == 1 else "lowest total, tie broken"

    def _break_tie(self, tied: list[int], *, highest: bool, what: str) -> int:
        """Rules 49(2)-(3) and 51(2): look back at earlier stages, then draw lots (or the
        other tie rules of `ties.py`)."""
        if len(tied) == 1:
            return tied[0]
        history = [stage.totals for stage in self.stages[:-1]]
        chosen, line = self.breaker.pick(tied, history, lowest=not highest, what=what)
        if line is not None:
            self.ties.append(f"stage {len(self.stages) + 1}: {line}")
        return chosen

    # --- the whole count ------------------------------------------------------------------

    def run(self) -> None:
        self.first_stage()
        while len(self.elected) < self.seats:
            hopeful = np.flatnonzero(self.continuing)
            if len(hopeful) <= self.seats - len(self.elected):
                self.stages[-1].elected.extend(int(c) for c in hopeful)
                self.stages[-1].note += "; the remaining candidates fill the remaining seats"
                self.elected.extend(int(c) for c in hopeful)
                self.continuing[hopeful] = False
                break
            if self.pending:
                self.transfer_surplus(self.next_surplus())
            else:
                self.exclude(*self.lowest())

    def result(self) -> CountResult:
        rounds = tuple(self._round(stage) for stage in self.stages)
        return CountResult(
            method=METHOD,
            seats=self.seats,
            winners=tuple(self.names[c] for c in self.elected),
            rounds=rounds,
            ballots=self.valid,
            quota=self.quota // SCALE,
            seed=self.seed,
            ties=tuple(self.ties),
            precision="votes to 5 decimal places; transfer values truncated",
            tie_rule=self.breaker.rule,
        )

    def _round(self, stage: _Stage) -> Round:
        transfers: dict[str, float | int] = {}
        if stage.transfers is not None:
            moved = np.flatnonzero(stage.transfers != 0)
            values = _votes_list(stage.transfers[moved])
            transfers = {self.names[c]: v for c, v in zip(moved.tolist(), values, strict=True)}
        return Round(
            number=stage.number,
            totals=dict(zip(self.names, _votes_list(stage.totals), strict=True)),
            elected=tuple(self.names[c] for c in stage.elected),
            excluded=tuple(self.names[c] for c in stage.excluded),
            transfers=transfers,
            non_transferable=_votes(stage.non_transferable),
            note=stage.note,
        )


def _votes(fixed: int) -> float | int:
    """A fixed-point total as a number: an int when whole, else a float to 5 places."""
    whole, frac = divmod(fixed, SCALE)
    return whole if frac == 0 else round(fixed / SCALE, 5)


def _votes_list(fixed: np.ndarray) -> list[float | int]:
    """`_votes` of each of `fixed`, vectorised where float64 holds them exactly: below 2^40 the
    quotient by 10^5 is the correctly rounded double, the same as `round(fixed / SCALE, 5)`."""
    if fixed.dtype == object or not len(fixed) or int(np.abs(fixed).max()) >= 2**40:
        return [_votes(int(v)) for v in fixed]
    whole: list[int] = (fixed // SCALE).tolist()
    part: list[float] = (fixed / SCALE).tolist()
    exact: list[bool] = (fixed % SCALE == 0).tolist()
    return [w if e else f for w, f, e in zip(whole, part, exact, strict=True)]


def count_stv_scottish(
    profile: Profile, seats: int, *, seed: int = 0, ties: str = DEFAULT_TIE_RULE
) -> CountResult:
    """Count `profile` for `seats` seats by the Scottish rules of 2007 (see the module doc)."""
    check_profile(profile)
    standing = len(profile.candidates) - len(profile.withdrawn)
    if seats < 1:
        raise CountError("stv-scottish needs at least one seat")
    if seats > standing:
        raise CountError(f"{seats} seats but only {standing} candidates standing")
    count = _Count(profile, seats, seed, ties)
    if count.valid == 0:
        raise CountError("no valid ballots to count")
    count.run()
    return count.result()

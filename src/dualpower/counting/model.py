"""The counting contract shared by every method (DESIGN.md section 3).

A ranked `Profile` holds distinct rankings grouped with integer weights; a `PartyVotes` holds
list totals. `count()` (in `counting/__init__.py`) turns either into a frozen `CountResult` that
explains itself round by round and serialises to the JSON of the stable contract (DESIGN.md 4.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class BallotFileError(ValueError):
    """A ballot file that cannot be read; `line` is 1-based, or None for the whole file."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        self.line = line
        self.path = path
        where = f"{path}: " if path else ""
        at = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{at}{message}")


class CountError(ValueError):
    """Arguments a method cannot count with (no seats, more seats than candidates, ...)."""


@dataclass(frozen=True)
class Profile:
    """Ranked (or approval) ballots over `candidates`.

    `rankings` is an int32 array (n_distinct, max_len) of candidate indices, padded with -1;
    `weights` an int64 array (n_distinct,) of how many ballots carry each ranking.
    For approval, a row is the set of approved candidates (order irrelevant).
    """

    candidates: tuple[str, ...]
    rankings: np.ndarray
    weights: np.ndarray
    seats: int | None = None
    title: str = ""
    withdrawn: frozenset[int] = frozenset()
    parties: tuple[str | None, ...] | None = None

    @property
    def ballots(self) -> int:
        return int(self.weights.sum())


@dataclass(frozen=True)
class PartyVotes:
    """List totals for party-list methods: `parties[i]` got `votes[i]` valid votes."""

    parties: tuple[str, ...]
    votes: tuple[int, ...]

    @property
    def ballots(self) -> int:
        return sum(self.votes)


@dataclass(frozen=True)
class Round:
    """One round (stage) of a count.

    `totals` maps candidate (or party) name to its total after the round, as a plain number
    (exact: a Fraction-free float rendered from fixed point, or int). `elected`/`excluded` name
    who was elected or excluded in this round; `transfers` maps name to the votes it received;
    `note` says why (e.g. "surplus of X transferred", "X excluded: lowest total").
    """

    number: int
    totals: Mapping[str, float | int]
    elected: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    transfers: Mapping[str, float | int] = field(default_factory=dict)
    non_transferable: float | int = 0
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "totals": dict(self.totals),
            "elected": list(self.elected),
            "excluded": list(self.excluded),
            "transfers": dict(self.transfers),
            "non_transferable": self.non_transferable,
            "note": self.note,
        }


@dataclass(frozen=True)
class CountResult:
    method: str
    seats: int
    winners: tuple[str, ...]
    rounds: tuple[Round, ...]
    ballots: int
    quota: float | int | None = None
    allocation: dict[str, int] | None = None
    seed: int | None = None
    ties: tuple[str, ...] = ()
    precision: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "seats": self.seats,
            "winners": list(self.winners),
            "rounds": [r.to_json() for r in self.rounds],
            "ballots": self.ballots,
        }
        if self.quota is not None:
            out["quota"] = self.quota
        if self.allocation is not None:
            out["allocation"] = dict(self.allocation)
        if self.seed is not None:
            out["seed"] = self.seed
        if self.ties:
            out["ties"] = list(self.ties)
        if self.precision is not None:
            out["precision"] = self.precision
        return out

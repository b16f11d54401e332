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
    `weights` an int64 array (n_distinct,) of how many ballots carry each ranking, or an object
    array of Python ints when a weight or their sum does not fit in int64 (`weights_array`).
    For approval, a row is the set of approved candidates (order irrelevant).
    `tie_order` is the file's explicit tie-breaking order (a BLT `[tie ...]` line), earlier
    candidates favoured; None when the file gives none.
    """

    candidates: tuple[str, ...]
    rankings: np.ndarray
    weights: np.ndarray
    seats: int | None = None
    title: str = ""
    withdrawn: frozenset[int] = frozenset()
    parties: tuple[str | None, ...] | None = None
    tie_order: tuple[int, ...] | None = None

    @property
    def ballots(self) -> int:
        return exact_total(self.weights)


INT64_MAX = 2**63 - 1


def exact_total(weights: np.ndarray) -> int:
    """The sum of integer `weights` as a Python int: never wraps around, whatever the dtype."""
    if len(weights) == 0:
        return 0
    if weights.dtype != object:
        top = max(abs(int(weights.max())), abs(int(weights.min())))
        if top * len(weights) <= INT64_MAX:
            return int(weights.sum())
    return sum(int(w) for w in weights.tolist())


def weights_array(values: list[int] | np.ndarray) -> np.ndarray:
    """Whole-number weights as int64 when they and their sum fit, else as Python ints (object)."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        arr = values.astype(np.int64)
        if abs(exact_total(arr)) <= INT64_MAX:
            return arr
    ints = [int(v) for v in (values.tolist() if isinstance(values, np.ndarray) else values)]
    if all(-INT64_MAX <= v <= INT64_MAX for v in ints) and abs(sum(ints)) <= INT64_MAX:
        return np.array(ints, dtype=np.int64)
    out = np.empty(len(ints), dtype=object)
    out[:] = ints
    return out


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
    tie_rule: str | None = None

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
        if self.tie_rule is not None:
            out["tie_rule"] = self.tie_rule
        return out

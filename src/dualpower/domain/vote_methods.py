"""Vote methods: one registry (STYLE.md 14, DESIGN.md 3).

A method is one `VoteMethod`: its name, the shape of its ballot (a `ranking`, most preferred
first, or a set of `choices`), how many marks a ballot may carry, how its ballots are counted,
the upward rule of the road to a majority (domain/road.py) and whether it may fill an office.
Services (opening, casting, counting), the API's ballot body, the election page's ballot and
the office form all read it from here; a new method is a module that calls `register(...)`.

`referendum`, the yes/no ballot of a recall vote, is not a method among which a council
chooses: services/elections.py checks it apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dualpower.counting import count as engine_count
from dualpower.counting.batch import count_many as engine_count_many
from dualpower.counting.model import CountError, PartyVotes, Profile
from dualpower.counting.party_list import count_party_list
from dualpower.domain import errors
from dualpower.domain.model import Candidate

BallotShape = Literal["ranking", "choices"]
# How many candidates a ballot names: exactly one, up to the seats, or any number (at least one).
Marks = Literal["one", "seats", "any"]
# count(candidates in nomination order, ballots as candidate ids, seats, seed) -> the result as
# the log and the result page show it: at least "winners" (candidate ids as text, in order
# elected), "rounds", "ballots" (the engine's CountResult.to_json() shape).
Count = Callable[[Sequence[Candidate], Sequence[Sequence[int]], int, int], dict[str, Any]]
# Ballots grouped: each distinct ballot (candidate ids) with how many cast it.
Grouped = Sequence[tuple[Sequence[int], int]]
# count_many([(candidates, grouped ballots, seats, seed), ...]) -> for each, what `count` gives
# for those ballots, or the CountError it raises (the clock counts a batch of elections at once).
CountMany = Callable[
    [Sequence[tuple[Sequence[Candidate], Grouped, int, int]]], list[dict[str, Any] | CountError]
]


@dataclass(frozen=True)
class VoteMethod:
    name: str  # as stored in elections.method and councils.seat_method (at most 20 characters)
    label: str  # its English name; pages show pgettext("method", label)
    ballot: BallotShape
    marks: Marks
    count: Count
    road: str = "block"  # the upward rule of its seats (domain/road.py): block or a list rule
    fills_offices: bool = False  # may elect an official (one seat)
    one_seat: str | None = None  # the method of a one-seat by-election, if not this one
    count_many: CountMany | None = None  # many counts in one pass, the same results as `count`

    def check_ballot(self, choices: Sequence[int], candidate_ids: set[int], seats: int) -> None:
        """InvalidRequest unless `choices` is a ballot of this method among these candidates."""
        if any(c not in candidate_ids for c in choices):
            raise errors.InvalidRequest("a choice is not a candidate in this election")
        if len(set(choices)) != len(choices):
            raise errors.InvalidRequest("a candidate appears twice on the ballot")
        if not choices:
            raise errors.InvalidRequest("the ballot is empty")
        # One seat is one choice, whatever the method allows for more (issue 25); the pages
        # say these in the reader's language (web/i18n.py `translated`).
        one = self.marks == "one" or (self.marks == "seats" and seats == 1)
        if one and len(choices) != 1:
            raise errors.InvalidRequest("choose one candidate")
        if self.marks == "seats" and len(choices) > seats:
            raise errors.InvalidRequest(f"choose at most {seats} candidates")

    def body(self, choices: list[int] | None, ranking: list[int] | None) -> list[int]:
        """The list an API ballot body gives for this method: `ranking` or `choices`, not both."""
        given, other = (ranking, choices) if self.ballot == "ranking" else (choices, ranking)
        if given is None or other is not None:
            raise errors.InvalidRequest(
                f'a {self.name} ballot is {{"{self.ballot}": [candidate ids]}}'
            )
        return given


_REGISTRY: dict[str, VoteMethod] = {}


def register(method: VoteMethod) -> VoteMethod:
    """Add a method; a name already taken is refused (ValueError: a programming error)."""
    if method.name in _REGISTRY:
        raise ValueError(f"vote method {method.name!r} is registered already")
    if not 0 < len(method.name) <= 20:
        raise ValueError(f"a method's name is 1 to 20 characters, not {method.name!r}")
    _REGISTRY[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method (for tests that register one of their own)."""
    _REGISTRY.pop(name, None)


def find(name: str) -> VoteMethod | None:
    return _REGISTRY.get(name)


def get(name: str) -> VoteMethod:
    """The method called `name`; InvalidRequest naming the known ones otherwise."""
    method = _REGISTRY.get(name)
    if method is None:
        raise errors.InvalidRequest(f"unknown method {name!r}: one of {', '.join(_REGISTRY)}")
    return method


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def all_methods() -> tuple[VoteMethod, ...]:
    return tuple(_REGISTRY.values())


def for_offices() -> tuple[VoteMethod, ...]:
    return tuple(m for m in _REGISTRY.values() if m.fills_offices)


# ---------------------------------------------------------------- the counts


def _profile(
    candidates: Sequence[Candidate], ballots: Sequence[Sequence[int]], weights: np.ndarray
) -> Profile:
    """The engine's profile: the candidates by their ids as text, a ballot a row of the
    candidates' positions (padded with -1), each with its weight."""
    ids = [c.id for c in candidates]
    position = {cid: i for i, cid in enumerate(ids)}
    width = max((len(b) for b in ballots), default=1) or 1
    rankings = np.full((len(ballots), width), -1, dtype=np.int32)
    for row, ballot in enumerate(ballots):
        rankings[row, : len(ballot)] = [position[c] for c in ballot]
    return Profile(candidates=tuple(str(c) for c in ids), rankings=rankings, weights=weights)


def count_many_with_engine(
    items: Sequence[tuple[Sequence[Candidate], Grouped, int, int]], *, method: str
) -> list[dict[str, Any] | CountError]:
    """`_engine`'s count for many elections at once (counting/batch.py): each election's
    distinct ballots weighted by how many cast them, as the engine's profile holds them."""
    profiles = [
        _profile(
            candidates,
            [ballot for ballot, _ in grouped],
            np.array([n for _, n in grouped], dtype=np.int64),
        )
        for candidates, grouped, _, _ in items
    ]
    counted = engine_count_many(
        profiles, method, [seats for _, _, seats, _ in items], [seed for *_, seed in items]
    )
    return [r if isinstance(r, CountError) else r.to_json() for r in counted]


def _engine(method: str) -> Count:
    """Count by a method of the counting engine (counting/__init__.py `count`); the result
    names candidates by their ids as text."""

    def count_by_engine(
        candidates: Sequence[Candidate], ballots: Sequence[Sequence[int]], seats: int, seed: int
    ) -> dict[str, Any]:
        profile = _profile(candidates, ballots, np.ones(len(ballots), dtype=np.int64))
        return engine_count(profile, method, seats, seed=seed).to_json()

    return count_by_engine


def _engine_many(name: str) -> CountMany:
    def counted(
        items: Sequence[tuple[Sequence[Candidate], Grouped, int, int]],
    ) -> list[dict[str, Any] | CountError]:
        return count_many_with_engine(items, method=name)

    return counted


def _lists(method: str) -> Count:
    """Party lists, open: a ballot names one candidate; it counts for the candidate's faction
    (a candidate of no faction is a list alone); seats go to the lists by the method, and
    within a list to its candidates with the most votes (ties: the one nominated first)."""

    def count_lists(
        candidates: Sequence[Candidate], ballots: Sequence[Sequence[int]], seats: int, seed: int
    ) -> dict[str, Any]:
        personal = Counter(ballot[0] for ballot in ballots if ballot)
        lists: dict[str, list[Candidate]] = {}
        for c in candidates:  # nomination order
            key = f"faction {c.faction_id}" if c.faction_id is not None else f"candidate {c.id}"
            lists.setdefault(key, []).append(c)
        names_ = tuple(lists)
        votes = tuple(sum(personal[c.id] for c in lists[name]) for name in names_)
        counted = count_party_list(PartyVotes(names_, votes), seats, method)
        taken: Counter[str] = Counter()
        winners = []
        for name in counted.winners:  # lists in the order their seats were awarded
            ranked = sorted(lists[name], key=lambda c: -personal[c.id])  # stable: nomination order
            if taken[name] < len(ranked):
                winners.append(str(ranked[taken[name]].id))
                taken[name] += 1
        return counted.to_json() | {"winners": winners, "lists": counted.allocation}

    return count_lists


# ---------------------------------------------------------------- the methods of DESIGN.md 3

register(
    VoteMethod(
        "plurality",
        "plurality",
        "choices",
        "one",
        _engine("plurality"),
        fills_offices=True,
        count_many=_engine_many("plurality"),
    )
)
register(
    VoteMethod("block", "block vote", "choices", "seats", _engine("block"), one_seat="plurality")
)
register(
    VoteMethod(
        "approval", "approval voting", "choices", "any", _engine("approval"), fills_offices=True
    )
)
register(
    VoteMethod("irv", "the alternative vote", "ranking", "any", _engine("irv"), fills_offices=True)
)
for _name, _label in (
    ("stv-scottish", "the single transferable vote (Scottish rules)"),
    ("stv-meek", "the single transferable vote (Meek)"),
):
    register(VoteMethod(_name, _label, "ranking", "any", _engine(_name), road="dhondt"))
for _name, _label in (
    ("dhondt", "party lists, D'Hondt"),
    ("sainte-lague", "party lists, Sainte-Laguë"),
    ("hare", "party lists, Hare quota"),
):
    register(VoteMethod(_name, _label, "choices", "one", _lists(_name), road=_name))

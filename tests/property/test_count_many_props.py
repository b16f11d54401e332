"""Property: counting many profiles at once (counting/batch.py, the clock's batch) gives what
`count` gives for each, one by one: the same result to the last note, or the same refusal; and
the clock's batch count of elections (services/due.py `count_many`, ballots grouped) gives what
`count_election` gives for the same ballots listed one by one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.counting import METHODS, count
from dualpower.counting.batch import count_many
from dualpower.counting.model import CountError, Profile
from dualpower.domain.model import Candidate, Election
from dualpower.services import due
from dualpower.services.elections import count_election

NAMES = tuple("ABCDEFG")


@st.composite
def profiles(draw: st.DrawFn) -> tuple[Profile, int, int]:
    """A profile, its seats and its seed: mostly plain ones (what the clock counts), with
    ties, empty ballots, zero weights, withdrawn candidates, a [tie] order, weights past
    2^53 and seats out of range among them (what the one pass leaves to `count`)."""
    n = draw(st.integers(1, len(NAMES)))
    names = NAMES[:n] if draw(st.integers(0, 19)) else ("A",) * n  # a name twice, rarely
    width = draw(st.integers(0, n))
    rows = draw(  # rankings packed to the left, padded with -1 (the profile's contract)
        st.lists(
            st.lists(st.integers(0, n - 1), max_size=width, unique=True).map(
                lambda marks: marks + [-1] * (width - len(marks))
            ),
            min_size=0,
            max_size=12,
        )
    )
    rankings = np.array(rows, dtype=np.int32).reshape(len(rows), width)
    big = draw(st.integers(0, 9)) == 0
    weights = draw(
        st.lists(st.integers(0, 2**60 if big else 6), min_size=len(rows), max_size=len(rows))
    )
    withdrawn = frozenset(draw(st.sets(st.integers(0, n - 1), max_size=1)) if n > 1 else ())
    tie_order = tuple(draw(st.permutations(range(n)))) if draw(st.booleans()) else None
    profile = Profile(
        candidates=names,
        rankings=rankings,
        weights=np.array(weights, dtype=np.int64),
        withdrawn=withdrawn if draw(st.integers(0, 4)) == 0 else frozenset(),
        tie_order=tie_order,
    )
    return profile, draw(st.integers(0, n + 1)), draw(st.integers(0, 2**31 - 1))


def one_by_one(profile: Profile, method: str, seats: int, seed: int, ties: str) -> Any:
    try:
        return count(profile, method, seats, seed=seed, ties=ties).to_json()
    except CountError as error:
        return ("refused", str(error))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(profiles(), min_size=1, max_size=8),
    st.sampled_from(["plurality"] * 4 + list(METHODS)),
    st.sampled_from(["backward-then-lot", "lot", "order"]),
)
def test_count_many_is_count_one_by_one(drawn, method, ties):  # type: ignore[no-untyped-def]
    batch = count_many(
        [p for p, _, _ in drawn],
        method,
        [n for _, n, _ in drawn],
        [s for _, _, s in drawn],
        ties=ties,
    )
    got = [("refused", str(r)) if isinstance(r, CountError) else r.to_json() for r in batch]
    assert got == [one_by_one(p, method, n, s, ties) for p, n, s in drawn]


@st.composite
def elections(draw: st.DrawFn) -> tuple[Election, list[Candidate], list[list[int]], int]:
    """A plurality election as the clock closes it: its candidates (ids out of order), its
    ballots (one mark each) and its seed."""
    election_id = draw(st.integers(1, 10**6))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=6, unique=True))
    candidates = [Candidate(c, election_id, 10 * c, None) for c in ids]
    ballots = draw(st.lists(st.sampled_from(ids).map(lambda c: [c]), min_size=1, max_size=60))
    election = Election(
        id=election_id,
        federation_id=1,
        electorate_id=1,
        office_id=None,
        seats=draw(st.integers(1, 4)),
        method="plurality",
        is_secret=False,
        status="open",
        kind="general",
        opened_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return election, candidates, ballots, draw(st.integers(0, 2**31 - 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(elections(), min_size=1, max_size=10, unique_by=lambda d: d[0].id))
def test_the_clocks_batch_count_is_count_election(drawn):  # type: ignore[no-untyped-def]
    grouped = {
        e.id: [(list(choices), n) for choices, n in Counter(map(tuple, ballots)).items()]
        for e, _, ballots, _ in drawn
    }
    got = due.count_many(
        [e for e, _, _, _ in drawn],
        {e.id: cands for e, cands, _, _ in drawn},
        grouped,
        {e.id: seed for e, _, _, seed in drawn},
    )
    for e, cands, ballots, seed in drawn:
        assert got[e.id] == count_election(e, cands, ballots, seed=seed)

"""Instant-runoff: hand-counted cases, ties, and the 19 RCTab cases against two libraries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyrankvote
import pytest
from votekit.ballot import RankBallot
from votekit.elections.election_types.ranking.stv.stv import FastIRV
from votekit.pref_profile import RankProfile

from dualpower.counting import count
from dualpower.counting.model import CountError, Profile

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
IRV_US = sorted((SHARED / "data/irv-us").glob("*.blt"))

# The winners our count gives; each agrees with pyrankvote and VoteKit (checked below).
EXPECTED = {
    "2024_alaska_dominion": "Begich, Nick",
    "aliases_cdf_json": "Unused Display Name Candidate A",
    "aliases_ess_xlsx": "A",
    "clear_ballot_with_inline_comma": "Simone test Rede",
    "dominion_multi_file": "Aaron Peskin",
    "duplicate_test": "Kumquat",
    "excluded_test": "George Gervin",
    "hart_cedar_park_school_board": "Steve Carlson",
    "hart_travis_county_officers": "Michael Gottner",
    "skip_to_next_test": "B",
    "test_set_0_skipped_first_choice": "Candidate B Name",
    "test_set_1_exhaust_at_overvote": "Candidate B Name",
    "test_set_2_overvote_skip_to_next": "Candidate B Name",
    "test_set_3_skipped_choice_exhaust": "Candidate B Name",
    "test_set_4_skipped_choice_next": "Candidate B Name",
    "test_set_5_two_skipped_choice_exhaust": "Candidate B Name",
    "test_set_6_duplicate_exhaust": "Candidate B Name",
    "test_set_7_duplicate_skip_to_next": "Candidate A Name",
    "test_set_8_multi_cdf": "Candidate B Name",
}


def profile(
    names: str, rows: list[list[int]], weights: list[int], withdrawn: frozenset[int] = frozenset()
) -> Profile:
    width = max((len(r) for r in rows), default=0)
    ranks = np.full((len(rows), width), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        ranks[i, : len(r)] = r
    return Profile(tuple(names), ranks, np.asarray(weights, dtype=np.int64), withdrawn=withdrawn)


def rankings(p: Profile) -> list[tuple[list[str], int]]:
    return [
        ([p.candidates[c] for c in row if c >= 0 and c not in p.withdrawn], int(w))
        for row, w in zip(p.rankings, p.weights, strict=True)
    ]


def votekit_irv(p: Profile) -> str:
    ballots = [
        RankBallot(ranking=tuple(frozenset({n}) for n in r), weight=w) for r, w in rankings(p)
    ]
    election = FastIRV(RankProfile(ballots=ballots, candidates=p.candidates))
    (winner,) = election.get_elected()
    return next(iter(winner))


def pyrankvote_irv(p: Profile) -> str:
    cands = {n: pyrankvote.Candidate(n) for n in p.candidates}
    ballots = []
    for r, w in rankings(p):
        ballots += [pyrankvote.Ballot([cands[n] for n in r])] * w
    (winner,) = pyrankvote.instant_runoff_voting(list(cands.values()), ballots).get_winners()
    return winner.name


def test_all_files_are_covered() -> None:
    assert {f.stem for f in IRV_US} == set(EXPECTED)


@pytest.mark.parametrize("path", IRV_US, ids=[f.stem for f in IRV_US])
def test_rctab_cases(path: Path) -> None:
    from dualpower.counting.readers import read_profile

    p = read_profile(path)
    result = count(p, "irv")
    assert result.winners == (EXPECTED[path.stem],)
    assert result.winners[0] == votekit_irv(p) == pyrankvote_irv(p)
    last = result.rounds[-1]
    assert 2 * last.totals[result.winners[0]] > sum(last.totals.values())
    assert last.non_transferable + sum(last.totals.values()) == p.ballots


def test_majority_in_the_first_round() -> None:
    result = count(profile("AB", [[0], [1]], [6, 5]), "irv")
    assert result.winners == ("A",)
    assert len(result.rounds) == 1
    assert result.quota == 6


def test_transfers_and_exhausted_ballots_by_hand() -> None:
    # A 8; B 5; C>B 4; C 2 (exhausts); D>C 3.
    p = profile("ABCD", [[0], [1], [2, 1], [2], [3, 2]], [8, 5, 4, 2, 3])
    result = count(p, "irv")
    r1, r2, r3 = result.rounds
    assert r1.totals == {"A": 8, "B": 5, "C": 6, "D": 3} and r1.excluded == ("D",)
    assert r2.totals == {"A": 8, "B": 5, "C": 9} and r2.excluded == ("B",)
    assert r2.transfers == {"A": 0, "B": 0, "C": 3, "D": -3}
    # B's 5 ballots exhaust: A 8 of 17 continuing is no majority, so C (9) wins.
    assert r3.totals == {"A": 8, "C": 9} and r3.elected == ("C",)
    assert r3.non_transferable == 5
    assert result.winners == ("C",)


def test_zero_vote_candidates_are_excluded_together() -> None:
    p = profile("ABCDE", [[0], [1], [2, 0]], [5, 4, 3])
    result = count(p, "irv")
    assert set(result.rounds[0].excluded) == {"D", "E"}
    assert result.rounds[1].excluded == ("C",)
    assert result.winners == ("A",)
    assert result.ties == ()


def test_tie_for_last_broken_by_an_earlier_round() -> None:
    # Round 1: A 8, B 4, C 3, D 1 -> D out (to C). Round 2: B 4 = C 4; C had fewer in round 1.
    p = profile("ABCD", [[0], [1, 2], [2, 1], [3, 2]], [8, 4, 3, 1])
    result = count(p, "irv")
    assert result.rounds[1].totals == {"A": 8, "B": 4, "C": 4}
    assert result.rounds[1].excluded == ("C",)
    assert "earlier rounds" in result.rounds[1].note
    assert result.ties == ()
    assert result.winners == ("A",)


def test_tie_for_last_in_every_round_goes_to_a_seeded_lot() -> None:
    p = profile("ABC", [[0], [1, 0], [2, 1]], [5, 3, 3])
    outcomes = {count(p, "irv", seed=s).rounds[0].excluded for s in range(30)}
    assert outcomes == {("B",), ("C",)}
    result = count(p, "irv", seed=3)
    assert result == count(p, "irv", seed=3)
    assert len(result.ties) == 1 and "seed 3" in result.ties[0] and "round 1" in result.ties[0]
    # Whoever is drawn out, the other's ballots decide: B out -> A 8; C out -> B 6, A 5, B wins.
    expected = "A" if result.rounds[0].excluded == ("B",) else "B"
    assert result.winners == (expected,)


def test_withdrawn_candidate_is_skipped() -> None:
    p = profile("ABC", [[0, 1], [1], [2]], [5, 3, 4], withdrawn=frozenset({0}))
    result = count(p, "irv")
    assert "A" not in result.rounds[0].totals
    assert result.rounds[0].totals == {"B": 8, "C": 4}
    assert result.winners == ("B",)


def test_json_shape() -> None:
    out = count(profile("AB", [[0], [1]], [2, 1]), "irv").to_json()
    assert out["method"] == "irv" and out["seats"] == 1 and out["winners"] == ["A"]
    assert out["ballots"] == 3 and out["rounds"][0]["totals"] == {"A": 2, "B": 1}


def test_errors() -> None:
    p = profile("AB", [[0], [1]], [2, 1])
    with pytest.raises(CountError):
        count(p, "irv", 2)
    with pytest.raises(CountError):
        count(profile("AB", [[0]], [0]), "irv")


def test_next_continuing_moves_on_from_the_given_column() -> None:
    """Issue 26: a ballot moves on from its current column; the first continuing candidate at
    or after it, and its column, as a plain scan finds them (padding -1 ends a ranking, and a
    start past the last column finds none)."""
    from dualpower.counting.irv import next_continuing

    rng = np.random.default_rng(26)
    for _ in range(200):
        n, width = int(rng.integers(1, 9)), int(rng.integers(1, 7))
        rankings = np.full((40, width), -1, dtype=np.int32)
        for row in rankings:
            k = int(rng.integers(0, min(n, width) + 1))
            row[:k] = rng.permutation(n)[:k]
        lookup = np.append(rng.random(n) < 0.5, False)
        rows = np.flatnonzero(rng.random(40) < 0.6)
        cols = rng.integers(0, width + 2, len(rows))
        found, at = next_continuing(rankings, rows, cols, lookup)
        for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
            want = next(
                ((j, int(x)) for j, x in enumerate(rankings[r]) if j >= c and x >= 0 and lookup[x]),
                None,
            )
            if want is None:
                assert found[i] == -1
            else:
                assert (int(at[i]), int(found[i])) == want

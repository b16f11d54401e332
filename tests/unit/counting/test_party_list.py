"""Party-list seats: the official results of reference.json, thresholds, ties and the rounds."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from dualpower.counting import count
from dualpower.counting.model import CountError, PartyVotes
from dualpower.counting.party_list import allocate, count_party_list

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
REFERENCE = json.loads((SHARED / "data/party-list/reference.json").read_text())["cases"]


def _names(n: int) -> tuple[str, ...]:
    return tuple(f"P{i + 1}" for i in range(n))


@pytest.mark.parametrize("case", REFERENCE, ids=[c["name"] for c in REFERENCE])
def test_reference_allocation(case: dict) -> None:
    seats = allocate(
        case["votes"], case["seats"], case["method"], first_divisor=case.get("first_divisor", 1.0)
    )
    assert seats == case["expected"]


@pytest.mark.parametrize("case", REFERENCE, ids=[c["name"] for c in REFERENCE])
def test_reference_count(case: dict) -> None:
    pv = PartyVotes(_names(len(case["votes"])), tuple(case["votes"]))
    result = count(pv, case["method"], case["seats"], first_divisor=case.get("first_divisor", 1.0))
    assert list(result.allocation.values()) == case["expected"]
    assert len(result.winners) == case["seats"]
    assert len(result.rounds) == case["seats"]
    assert result.ballots == sum(case["votes"])
    if "expected_order_of_seats" in case:
        assert [int(w[1:]) for w in result.winners] == case["expected_order_of_seats"]


def test_reference_has_an_order_of_seats() -> None:
    assert any("expected_order_of_seats" in c for c in REFERENCE)


def test_dhondt_by_hand() -> None:
    # Quotients: A 100, 50, 33.3; B 80, 40; C 30. Seats: A, B, A, B(40) vs A(33.3) -> B.
    assert allocate([100, 80, 30], 4, "dhondt") == [2, 2, 0]
    assert allocate([100, 80, 30], 5, "dhondt") == [3, 2, 0]


def test_sainte_lague_favours_small_lists_more_than_dhondt() -> None:
    votes = [53, 24, 23]
    assert allocate(votes, 7, "dhondt") == [4, 2, 1]
    assert allocate(votes, 7, "sainte-lague") == [3, 2, 2]


def test_swedish_first_divisor_is_exact() -> None:
    # 12 / 1.2 = 10 exactly equals 30 / 3: a float 1.2 would make 12/1.2 = 10.000000000000002.
    # The tie goes to the list with more votes (30).
    assert allocate([30, 12], 2, "sainte-lague", first_divisor=1.2) == [2, 0]
    assert allocate([30, 12], 2, "sainte-lague", first_divisor="1.2") == [2, 0]
    assert allocate([30, 12], 2, "sainte-lague", first_divisor=Fraction(6, 5)) == [2, 0]
    assert allocate([30, 12], 2, "sainte-lague", first_divisor=1.19) == [1, 1]


def test_hare_largest_remainder_by_hand() -> None:
    # Quota 60/7: quotas 1.17, 2.33, 3.5 -> 1, 2, 3; the last seat to the largest remainder (C).
    assert allocate([10, 20, 30], 7, "hare") == [1, 2, 4]


def test_hare_alabama_paradox() -> None:
    # The textbook Alabama paradox: one more seat costs C a seat.
    assert allocate([6, 6, 2], 10, "hare") == [4, 4, 2]
    assert allocate([6, 6, 2], 11, "hare") == [5, 5, 1]


@pytest.mark.parametrize("method", ["dhondt", "sainte-lague", "hare"])
def test_ties_go_to_more_votes_then_lower_index(method: str) -> None:
    assert allocate([10, 10], 1, method) == [1, 0]
    assert allocate([5, 10, 10], 1, method) == [0, 1, 0]


def test_dhondt_tie_between_different_vote_totals() -> None:
    # Second seat: A's 40/2 = 20 equals B's 20/1; B has fewer votes, so A wins it.
    assert allocate([40, 20], 2, "dhondt") == [2, 0]
    result = count_party_list(PartyVotes(("A", "B"), (40, 20)), 2, "dhondt")
    assert result.winners == ("A", "A")
    assert result.ties


def test_threshold_excludes_lists_below_the_share() -> None:
    votes = [500, 300, 160, 40]  # D has exactly 4 %
    assert allocate(votes, 100, "sainte-lague", threshold=0.05)[3] == 0
    assert allocate(votes, 100, "sainte-lague")[3] == 4
    # Exactly at the threshold qualifies ("below" excludes).
    assert allocate(votes, 100, "sainte-lague", threshold=0.04)[3] == 4
    # The seats are shared among the qualifying lists only.
    assert sum(allocate(votes, 100, "hare", threshold=0.05)) == 100


def test_threshold_recorded_in_the_first_round() -> None:
    pv = PartyVotes(("A", "B", "C"), (900, 80, 20))
    result = count(pv, "dhondt", 3, threshold=0.05)
    assert result.rounds[0].excluded == ("C",)
    assert result.allocation == {"A": 3, "B": 0, "C": 0}
    assert len(result.rounds) == 4


def test_threshold_out_of_range() -> None:
    with pytest.raises(CountError):
        allocate([1, 2], 1, "dhondt", threshold=1.0)
    with pytest.raises(CountError):
        allocate([1, 2], 1, "dhondt", threshold=-0.1)


def test_rounds_explain_each_seat() -> None:
    result = count_party_list(PartyVotes(("A", "B"), (954048, 811169)), 3, "dhondt")
    assert [r.elected for r in result.rounds] == [("A",), ("B",), ("A",)]
    assert result.rounds[1].totals == {"A": 477024, "B": 811169}
    assert "811169 / 1" in result.rounds[1].note
    assert result.to_json()["allocation"] == {"A": 2, "B": 1}


def test_hare_rounds() -> None:
    result = count_party_list(PartyVotes(("A", "B", "C"), (10, 20, 30)), 7, "hare")
    assert result.winners == ("A", "B", "B", "C", "C", "C", "C")
    assert result.rounds[-1].elected == ("C",)
    assert result.allocation == {"A": 1, "B": 2, "C": 4}


def test_bad_input() -> None:
    with pytest.raises(CountError):
        allocate([1, 2], 1, "borda")
    with pytest.raises(CountError):
        allocate([1, -2], 1, "dhondt")
    with pytest.raises(CountError):
        allocate([0, 0], 1, "dhondt")
    with pytest.raises(CountError):
        allocate([1, 2], 1, "dhondt", first_divisor=1.4)
    with pytest.raises(CountError):
        allocate([1, 2], 1, "sainte-lague", first_divisor=0)
    assert allocate([1, 2], 0, "dhondt") == [0, 0]


def test_many_seats_sum_to_the_house() -> None:
    votes = [7919, 104729, 1299709, 15485863, 3]
    for method in ("dhondt", "sainte-lague", "hare"):
        assert sum(allocate(votes, 650, method)) == 650


def test_many_seats_jump_start_agrees_with_the_sequential_count() -> None:
    """Issue 26: above JUMP_SEATS the divisor methods start from the seats above a divisor;
    the allocation is the one the seat-by-seat count gives."""
    import random
    from fractions import Fraction

    from dualpower.counting.party_list import JUMP_SEATS, award_order

    rng = random.Random(26)
    for _ in range(60):
        votes = [rng.choice([0, rng.randint(0, 10 ** rng.randint(1, 6))]) for _ in range(5)]
        votes[0] += 1
        seats = rng.randint(JUMP_SEATS + 1, 2 * JUMP_SEATS)
        method = rng.choice(["dhondt", "sainte-lague"])
        first = rng.choice(["1", "1.2", "1.4", "7"]) if method == "sainte-lague" else "1"
        sequential = [0] * len(votes)
        for i, _q in award_order(votes, seats, method, Fraction(first), [True] * len(votes)):
            sequential[i] += 1
        assert allocate(votes, seats, method, first_divisor=first) == sequential


def test_a_hundred_million_seats_need_no_hundred_million_steps() -> None:
    got = allocate([10**7, 5 * 10**6, 3 * 10**6, 1], 10**8, "dhondt")
    assert got == [55555553, 27777776, 16666666, 5]
    assert sum(allocate([3, 2, 1], 10**8, "sainte-lague")) == 10**8

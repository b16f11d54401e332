"""Hand-worked counts for the Scottish STV rules of 2007 (rules 45-52)."""

from __future__ import annotations

import numpy as np
import pytest

from dualpower.counting.model import CountError, Profile
from dualpower.counting.stv_scottish import count_stv_scottish


def profile(candidates: str, *ballots: tuple[int, str], withdrawn: str = "") -> Profile:
    """`profile("ABCD", (30, "AB"), (20, "AC"))`: weights with rankings as letters."""
    names = tuple(candidates)
    width = max(len(r) for _, r in ballots)
    rows = np.full((len(ballots), width), -1, dtype=np.int32)
    for i, (_, ranking) in enumerate(ballots):
        rows[i, : len(ranking)] = [names.index(c) for c in ranking]
    weights = np.array([w for w, _ in ballots], dtype=np.int64)
    return Profile(names, rows, weights, withdrawn=frozenset(names.index(c) for c in withdrawn))


def test_majority_in_first_stage_ends_the_count() -> None:
    result = count_stv_scottish(profile("AB", (6, "A"), (4, "B")), 1)
    assert result.winners == ("A",)
    assert result.quota == 6  # floor(10 / 2) + 1
    assert len(result.rounds) == 1
    assert result.rounds[0].totals == {"A": 6, "B": 4}
    assert result.rounds[0].elected == ("A",)


def test_surplus_then_exclusion_worked_by_hand() -> None:
    # 100 valid ballots, 2 seats: quota 34. A's surplus of 16 passes at 16/50 = 0.32.
    p = profile("ABCD", (30, "AB"), (20, "AC"), (10, "B"), (25, "C"), (15, "DC"))
    result = count_stv_scottish(p, 2)
    assert result.quota == 34
    assert result.winners == ("A", "C")
    first, second, third = result.rounds
    assert first.totals == {"A": 50, "B": 10, "C": 25, "D": 15}
    assert second.totals == {"A": 34, "B": 19.6, "C": 31.4, "D": 15}
    assert second.transfers == {"A": -16, "B": 9.6, "C": 6.4}
    assert second.non_transferable == 0
    assert "surplus of A" in second.note
    assert third.excluded == ("D",)
    assert third.totals == {"A": 34, "B": 19.6, "C": 46.4, "D": 0}
    assert third.elected == ("C",)


def test_transfer_value_is_truncated_to_five_places() -> None:
    # quota floor(11 / 3) + 1 = 4; A's surplus 2 over 6 papers: 0.333333... -> 0.33333
    p = profile("ABCD", (6, "AB"), (1, "B"), (2, "C"), (2, "D"))
    result = count_stv_scottish(p, 2)
    second = result.rounds[1]
    assert second.totals["B"] == 2.99998  # 1 + 6 x 0.33333
    assert second.non_transferable == 0.00002  # the truncated remainder is lost


def test_surplus_of_a_transferred_paper_uses_its_received_value() -> None:
    # quota 26 (100 / 4 + 1). A's surplus 14 of 40: value 0.35 on each A paper.
    # 40 x 0.35 = 14 goes to B (16 -> 30): B's surplus 4 of 30 is transferred from all of
    # B's papers: first preferences at 4 x 1 / 30 = 0.13333, A's papers at
    # 4 x 0.35 / 30 = 0.04666.
    p = profile("ABCDE", (40, "ABC"), (16, "BD"), (20, "C"), (14, "D"), (10, "E"))
    result = count_stv_scottish(p, 3)
    assert result.quota == 26
    third = result.rounds[2]
    assert "surplus of B" in third.note
    assert third.transfers["C"] == pytest.approx(40 * 0.04666)
    assert third.transfers["D"] == pytest.approx(16 * 0.13333)
    assert third.totals["C"] == 21.8664
    assert third.totals["D"] == 16.13328
    assert third.totals["B"] == 26


def test_largest_surplus_is_transferred_first() -> None:
    # quota 21 (80 / 4 + 1): B (30) has a larger surplus than A (25)
    p = profile("ABCD", (25, "AC"), (30, "BD"), (15, "C"), (10, "D"))
    result = count_stv_scottish(p, 3)
    assert result.rounds[0].elected == ("B", "A")
    assert "surplus of B" in result.rounds[1].note
    assert "surplus of A" in result.rounds[2].note


def test_exact_quota_spends_no_stage_on_a_zero_surplus() -> None:
    # quota 11 (30 / 3 + 1): A has exactly the quota, so the next stage is an exclusion
    p = profile("ABCD", (11, "AB"), (9, "B"), (6, "C"), (4, "DC"))
    result = count_stv_scottish(p, 2)
    assert result.rounds[0].elected == ("A",)
    assert result.rounds[1].excluded == ("D",)
    assert result.rounds[1].totals == {"A": 11, "B": 9, "C": 10, "D": 0}
    assert result.winners == ("A", "C")


def test_last_vacancy_filled_below_quota_without_a_further_transfer() -> None:
    # quota 11 (30 / 3 + 1). Stage 2: A's surplus of 1 has no next preference. Stage 3: D is
    # excluded (its papers exhaust); stage 4: C. B is then the only continuing candidate for
    # the one vacancy: elected with 8 votes, and no stage is spent on it.
    p = profile("ABCD", (12, "A"), (8, "B"), (6, "C"), (4, "D"))
    result = count_stv_scottish(p, 2)
    assert result.quota == 11
    assert result.winners == ("A", "B")
    assert [r.excluded for r in result.rounds] == [(), (), ("D",), ("C",)]
    assert result.rounds[1].non_transferable == 1
    assert result.rounds[-1].elected == ("B",)
    assert result.rounds[-1].totals["B"] == 8
    assert "remaining seats" in result.rounds[-1].note


def test_rule_52_elects_when_candidates_equal_vacancies() -> None:
    p = profile("ABC", (5, "A"), (3, "B"), (2, "C"))
    result = count_stv_scottish(p, 3)
    assert set(result.winners) == {"A", "B", "C"}
    assert len(result.rounds) == 1


def test_exclusion_tie_broken_by_an_earlier_stage() -> None:
    # quota 15 (42 / 3 + 1). A's surplus 5 of 20 passes at 0.25: C rises from 5 to 6, level
    # with D. E (3) is excluded at stage 3; at stage 4 C and D tie at 6, but at stage 1 C had
    # fewer (5 against 6), so C is excluded. B is then elected by rule 52.
    p = profile("ABCDE", (4, "AC"), (16, "AB"), (8, "B"), (5, "C"), (6, "D"), (3, "E"))
    result = count_stv_scottish(p, 2)
    assert result.rounds[1].totals == {"A": 15, "B": 12, "C": 6, "D": 6, "E": 3}
    assert result.rounds[2].excluded == ("E",)
    assert result.rounds[3].excluded == ("C",)
    assert "tie broken" in result.rounds[3].note
    assert result.winners == ("A", "B")
    assert result.ties == ()


def test_tie_at_every_stage_is_drawn_by_lot_with_the_seed() -> None:
    p = profile("ABCD", (6, "AB"), (1, "B"), (2, "C"), (2, "D"))
    drawn = {count_stv_scottish(p, 2, seed=s).rounds[2].excluded for s in range(20)}
    assert drawn == {("C",), ("D",)}  # both outcomes occur over seeds
    again = count_stv_scottish(p, 2, seed=7)
    assert again == count_stv_scottish(p, 2, seed=7)
    assert again.seed == 7
    assert len(again.ties) == 1 and "tie between C, D in every round; lot" in again.ties[0]


def test_withdrawn_candidates_are_skipped() -> None:
    p = profile("ABC", (5, "AB"), (4, "B"), (3, "CB"), withdrawn="A")
    result = count_stv_scottish(p, 1)
    assert result.rounds[0].totals["A"] == 0
    assert result.rounds[0].totals["B"] == 9
    assert result.winners == ("B",)


@pytest.mark.parametrize("seats", [0, 5])
def test_impossible_seat_numbers_are_refused(seats: int) -> None:
    with pytest.raises(CountError):
        count_stv_scottish(profile("ABCD", (1, "A")), seats)


def test_result_serialises_with_quota_and_seed() -> None:
    out = count_stv_scottish(profile("AB", (6, "A"), (4, "B")), 1).to_json()
    assert out["method"] == "stv-scottish"
    assert out["winners"] == ["A"]
    assert out["quota"] == 6
    assert out["ballots"] == 10
    assert out["seed"] == 0

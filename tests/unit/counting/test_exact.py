"""Exact or refused: weights at 2^63 - 1, 2^63 and 10^30 (issue 26), refusals, tie rules, and
the exact Meek count, through `dualpower.counting.count` and the readers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from dualpower.counting import (
    MAX_CANDIDATES,
    MAX_MEEK_CANDIDATES,
    MAX_SEATS,
    BallotFileError,
    CountError,
    PartyVotes,
    Profile,
    count,
)
from dualpower.counting.model import weights_array
from dualpower.counting.readers import blt_candidates, parse_blt, parse_csv, parse_json
from dualpower.counting.stv_meek import meek_with_margin

HUGE = [2**63 - 1, 2**63, 10**30]
RANKED = ["plurality", "block", "approval", "irv", "stv-scottish", "stv-meek"]
# Only exact arithmetic tells these apart: A has w first preferences, B w - 1, C 2 that pass
# to B. Excluding C gives B w + 1 > w; in float64 near 2^63, w - 1, w and w + 1 are one number.
WINNER = {
    "plurality": "A",
    "block": "A",
    "approval": "B",
    "irv": "B",
    "stv-scottish": "B",
    "stv-meek": "B",
}


def huge_blt(w: int) -> bytes:
    return f'3 1\n{w} 1 0\n{w - 1} 2 0\n2 3 2 0\n0\n"A"\n"B"\n"C"\n'.encode()


@pytest.mark.parametrize("w", HUGE)
def test_the_readers_keep_every_weight_exactly(w: int) -> None:
    p = parse_blt(huge_blt(w))
    assert p.ballots == 2 * w + 1
    assert sorted(int(x) for x in p.weights.tolist()) == [2, w - 1, w]
    csv = parse_csv(f"weight,rank1,rank2\n{w},A\n{w - 1},B\n2,C,B\n")
    assert csv.ballots == 2 * w + 1
    doc = {
        "candidates": ["A", "B", "C"],
        "ballots": [
            {"ranking": ["A"], "weight": w},
            {"ranking": ["B"], "weight": w - 1},
            {"ranking": ["C", "B"], "weight": 2},
        ],
    }
    assert parse_json(json.dumps(doc)).ballots == 2 * w + 1


def test_identical_ballots_summing_past_int64_are_grouped_exactly() -> None:
    w = 2**62
    lines = "".join(f"{w} 1 2 0\n" for _ in range(5))
    p = parse_blt(f"2 1\n{lines}3 2 0\n0\nA\nB\n".encode())
    assert p.ballots == 5 * w + 3
    assert count(p, "irv").rounds[0].totals == {"A": 5 * w, "B": 3}


@pytest.mark.parametrize("w", HUGE)
@pytest.mark.parametrize("method", RANKED)
def test_every_ranked_method_is_exact_or_refuses(method: str, w: int) -> None:
    p = parse_blt(huge_blt(w))
    if method == "stv-meek":
        with pytest.raises(CountError, match="2\\^53"):
            count(p, method, 1)
        result = count(p, method, 1, precision="exact")
    else:
        result = count(p, method, 1)
    assert result.winners == (WINNER[method],)
    assert result.ballots == 2 * w + 1
    assert result.to_json()["ballots"] == 2 * w + 1


@pytest.mark.parametrize("w", HUGE)
def test_stv_scottish_quota_and_totals_are_exact(w: int) -> None:
    result = count(parse_blt(huge_blt(w)), "stv-scottish", 1)
    assert result.quota == (2 * w + 1) // 2 + 1
    assert result.rounds[0].totals == {"A": w, "B": w - 1, "C": 2}


@pytest.mark.parametrize("w", HUGE)
@pytest.mark.parametrize("method", ["dhondt", "sainte-lague", "hare"])
def test_party_lists_are_exact_with_huge_votes(method: str, w: int) -> None:
    result = count(PartyVotes(("X", "Y"), (w, w - 1)), method, 3)
    assert result.allocation == {"X": 2, "Y": 1}
    assert result.ballots == 2 * w - 1


def test_weights_array_keeps_int64_while_it_fits() -> None:
    assert weights_array([1, 2]).dtype == np.int64
    assert weights_array([2**62, 2**62]).dtype == object
    assert weights_array([10**30]).tolist() == [10**30]


# --- refusals ---------------------------------------------------------------------------


def test_a_candidate_name_given_twice_is_refused() -> None:
    with pytest.raises(BallotFileError, match="'Ann' given twice") as info:
        parse_blt(b'2 1\n1 1 0\n0\n"Ann"\n"Ann"\n')
    assert info.value.line == 5
    p = Profile(("Ann", "Ann"), np.array([[0]], dtype=np.int32), np.array([1]))
    for method in RANKED:
        with pytest.raises(CountError, match="given twice"):
            count(p, method, 1)


@pytest.mark.parametrize("method", RANKED)
def test_a_file_without_a_valid_ballot_is_refused_by_every_method(method: str) -> None:
    empty = parse_blt(b"2 1\n5 0\n3 0\n0\nA\nB\n")
    with pytest.raises(CountError, match="no valid ballot|no ballots"):
        count(empty, method, 1)
    withdrawn = parse_blt(b"2 1\n-1\n5 1 0\n0\nA\nB\n")
    with pytest.raises(CountError, match="no valid ballot"):
        count(withdrawn, method, 1)


def test_party_lists_without_votes_are_refused() -> None:
    with pytest.raises(CountError, match="no list has any votes"):
        count(PartyVotes(("X", "Y"), (0, 0)), "dhondt", 2)


def test_sizes_beyond_the_limits_are_refused() -> None:
    n = MAX_CANDIDATES + 1
    names = tuple(f"c{i}" for i in range(n))
    p = Profile(names, np.array([[0]], dtype=np.int32), np.array([1]))
    for method in ("irv", "stv-scottish"):
        with pytest.raises(CountError, match=f"at most {MAX_CANDIDATES:,} candidates"):
            count(p, method, 1)
    with pytest.raises(CountError, match=f"at most {MAX_MEEK_CANDIDATES} candidates"):
        count(p, "stv-meek", 1)
    meek = Profile(names[: MAX_MEEK_CANDIDATES + 1], p.rankings, p.weights)
    with pytest.raises(CountError, match=f"at most {MAX_MEEK_CANDIDATES} candidates"):
        count(meek, "stv-meek", 1)
    assert count(p, "plurality", 1).winners == ("c0",)  # one round: a higher limit
    with pytest.raises(CountError, match=f"at most {MAX_SEATS:,} seats"):
        count(PartyVotes(("X", "Y"), (10, 5)), "dhondt", 10**8)
    with pytest.raises(CountError, match="seats x lists"):
        count(PartyVotes(tuple(f"p{i}" for i in range(1000)), (1,) * 1000), "dhondt", 5000)


# --- tie rules ----------------------------------------------------------------------------

# A and B tie for last in the first round (3 each) but differed in no earlier round; C leads.
TIED = b"3 1\n3 1 0\n3 2 0\n5 3 0\n0\nA\nB\nC\n"


def test_tie_rule_order_excludes_the_candidate_listed_last() -> None:
    result = count(parse_blt(TIED), "irv", ties="order")
    assert result.rounds[0].excluded == ("B",)
    assert result.tie_rule == "order"
    assert "by the candidates' order" in result.ties[0]
    assert result.to_json()["tie_rule"] == "order"


def test_a_tie_line_in_the_file_gives_the_order() -> None:
    data = TIED.replace(b"3 1\n", b"3 1\n[tie 2 1 3]\n", 1)
    p = parse_blt(data)
    assert p.tie_order == (1, 0, 2)
    result = count(p, "irv", ties="order")
    assert result.rounds[0].excluded == ("A",)
    assert "the file's [tie] order" in result.ties[0]
    for bad in (b"[tie 2 1]", b"[tie 2 2 1]", b"[tie 4 1 2]", b"[rounding 3]", b"[tie 1 2 3"):
        with pytest.raises(BallotFileError, match="line 2"):
            parse_blt(TIED.replace(b"3 1\n", b"3 1\n" + bad + b"\n", 1))


def test_tie_rule_lot_skips_the_look_back_and_records_seed_and_rule() -> None:
    tie = parse_blt(TIED)
    outcomes = {count(tie, "irv", seed=s, ties="lot").rounds[0].excluded for s in range(20)}
    assert outcomes == {("A",), ("B",)}
    result = count(tie, "irv", seed=3, ties="lot")
    assert result.seed == 3 and result.tie_rule == "lot"
    assert "; lot (seed 3)" in result.ties[0]


def test_backward_looks_back_where_lot_does_not() -> None:
    # Round 1: A 5, B 4, C 3, D 1 -> D out, to C; round 2: B 4, C 4 tie, but C had fewer in
    # round 1, so the look back excludes C; a lot alone may exclude either.
    p = parse_blt(b"4 1\n5 1 0\n4 2 0\n3 3 0\n1 4 3 0\n0\nA\nB\nC\nD\n")
    result = count(p, "irv")
    assert result.rounds[1].excluded == ("C",)
    assert result.ties == ()
    assert {count(p, "irv", seed=s, ties="lot").rounds[1].excluded for s in range(20)} == {
        ("B",),
        ("C",),
    }
    assert count(p, "irv", ties="order").rounds[1].excluded == ("C",)
    assert count(p, "stv-scottish", 1).rounds[2].excluded == ("C",)


def test_ten_digit_weights_are_read_exactly() -> None:
    p = parse_blt(b"2 1\n3000000000 1 0\n4294967297 2 0\n0\nA\nB\n")
    assert sorted(p.weights.tolist()) == [3000000000, 4294967297]


def test_plurality_tie_by_order_and_an_unknown_rule() -> None:
    p = parse_blt(b"3 1\n2 1 0\n2 2 0\n2 3 0\n0\nA\nB\nC\n")
    assert count(p, "plurality", 2, ties="order").winners == ("A", "B")
    with pytest.raises(CountError, match="unknown tie rule"):
        count(p, "plurality", 1, ties="coin")


# --- exact Meek ---------------------------------------------------------------------------


def test_exact_meek_separates_what_float_calls_a_tie() -> None:
    # C has one vote fewer than B among 5 * 10^9: within float64's tolerance (1e-9 x quota,
    # 2.5 votes) they tie and a lot decides; the exact count excludes C and elects A.
    big = 10**9
    p = parse_blt(
        f"4 1\n{2 * big} 1 0\n{big + 1} 2 4 0\n{big} 3 2 0\n{big + 3} 4 1 0\n"
        "0\nA\nB\nC\nD\n".encode()
    )
    exact = count(p, "stv-meek", 1, precision="exact")
    assert exact.precision is not None and exact.precision.startswith("exact")
    assert exact.rounds[0].excluded == ("C",)
    assert exact.winners == ("A",) and exact.ties == ()
    floats = {count(p, "stv-meek", 1, seed=s).winners for s in range(12)}
    assert floats == {("A",), ("D",)}  # the lot decides the float count
    assert len(count(p, "stv-meek", 1).ties) == 1


def test_exact_meek_agrees_with_float_on_a_plain_election() -> None:
    p = parse_blt(b"4 2\n60 1 2 0\n20 1 3 0\n25 2 0\n30 3 0\n15 4 2 0\n0\nA\nB\nC\nD\n")
    exact, margin = meek_with_margin(p, 2, precision="exact")
    floats = count(p, "stv-meek", 2)
    assert exact.winners == floats.winners
    assert margin > 0
    assert exact.quota == pytest.approx(floats.quota)
    assert isinstance(Fraction(str(exact.quota)), Fraction)


def test_precision_is_for_stv_meek_only() -> None:
    p = parse_blt(TIED)
    with pytest.raises(CountError, match="only to stv-meek"):
        count(p, "irv", precision="exact")
    with pytest.raises(CountError, match="unknown precision"):
        count(p, "stv-meek", 1, precision="double")


def test_a_blt_header_beyond_the_limit_is_refused_before_the_ballots_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dualpower.counting.cli import main as tally_main

    # The ballots are malformed: a refusal from the header alone never reaches them.
    wide = tmp_path / "wide.blt"
    wide.write_text("# a comment\n\n100000 1\n1 1 x 0\n0\n")
    assert blt_candidates(wide) == 100_000
    assert blt_candidates(wide, "csv") is None
    assert blt_candidates(tmp_path / "absent.blt") is None
    for method, limit in (("irv", MAX_CANDIDATES), ("stv-meek", MAX_MEEK_CANDIDATES)):
        assert tally_main([str(wide), "--method", method, "--seats", "1"]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"dualpower tally: error: {method} counts at most {limit:,} candidates, not 100,000\n"
        )
    # Within the limit the file is read as before, and its bad line named.
    small = tmp_path / "small.blt"
    small.write_text("2 1\n1 1 x 0\n0\nA\nB\n")
    assert tally_main([str(small), "--method", "irv"]) == 2
    assert "line 2" in capsys.readouterr().err

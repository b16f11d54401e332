"""The vote methods' registry (domain/vote_methods.py): one entry per method, from which the
ballot's shape, its checks, the count and the road's upward rule are read."""

from __future__ import annotations

import pytest

from dualpower.domain import errors, road, vote_methods
from dualpower.domain.model import Candidate
from dualpower.domain.vote_methods import VoteMethod


def _c(cid: int, faction: int | None = None) -> Candidate:
    return Candidate(id=cid, election_id=1, member_id=100 + cid, faction_id=faction)


def test_the_methods_of_design_3_are_registered() -> None:
    assert vote_methods.names() == (
        "plurality",
        "block",
        "approval",
        "irv",
        "stv-scottish",
        "stv-meek",
        "dhondt",
        "sainte-lague",
        "hare",
    )
    assert [m.name for m in vote_methods.for_offices()] == ["plurality", "approval", "irv"]
    assert {m.name for m in vote_methods.all_methods() if m.ballot == "ranking"} == {
        "irv",
        "stv-scottish",
        "stv-meek",
    }


def test_an_unknown_method_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(errors.InvalidRequest, match="unknown method 'borda': one of plurality"):
        vote_methods.get("borda")
    assert vote_methods.find("borda") is None


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered already"):
        vote_methods.register(vote_methods.get("block"))


@pytest.mark.parametrize(
    ("method", "choices", "seats", "refusal"),
    [
        ("plurality", [1, 2], 1, "^choose one candidate$"),
        ("dhondt", [1, 2], 3, "^choose one candidate$"),
        ("block", [1, 2, 3], 2, "^choose at most 2 candidates$"),
        ("block", [1, 2], 1, "^choose one candidate$"),  # one seat: not "at most 1 choices"
        ("approval", [1, 2], 1, None),  # approval names as many as it approves, one seat or not
        ("approval", [], 1, "the ballot is empty"),
        ("irv", [1, 1], 1, "a candidate appears twice on the ballot"),
        ("stv-meek", [9], 2, "a choice is not a candidate in this election"),
    ],
)
def test_a_ballot_is_checked_by_its_method(
    method: str, choices: list[int], seats: int, refusal: str | None
) -> None:
    if refusal is None:
        vote_methods.get(method).check_ballot(choices, {1, 2, 3}, seats)
        return
    with pytest.raises(errors.InvalidRequest, match=refusal):
        vote_methods.get(method).check_ballot(choices, {1, 2, 3}, seats)


def test_a_ballot_body_gives_the_list_its_method_wants() -> None:
    assert vote_methods.get("irv").body(None, [2, 1]) == [2, 1]
    assert vote_methods.get("block").body([1, 2], None) == [1, 2]
    with pytest.raises(errors.InvalidRequest, match='a irv ballot is {"ranking"'):
        vote_methods.get("irv").body([1], None)
    with pytest.raises(errors.InvalidRequest, match='a approval ballot is {"choices"'):
        vote_methods.get("approval").body([1], [1])


def test_the_counts_name_candidates_by_id() -> None:
    cands = [_c(7, 1), _c(8, 1), _c(9, 2)]
    ballots = [[7], [7], [8], [9]]
    assert vote_methods.get("plurality").count(cands, ballots, 1, 0)["winners"] == ["7"]
    # open lists: faction 1 has 3 votes, faction 2 one; 7 leads faction 1
    lists = vote_methods.get("dhondt").count(cands, ballots, 2, 0)
    assert lists["winners"] == ["7", "8"] and lists["lists"] == {"faction 1": 2, "faction 2": 0}


def test_a_method_registered_later_is_found_everywhere_it_is_read() -> None:
    def count(cands, ballots, seats, seed):  # type: ignore[no-untyped-def]
        return {"winners": [str(cands[-1].id)], "rounds": [], "ballots": len(ballots)}

    method = VoteMethod("last-named", "the last named", "ranking", "any", count, road="hare")
    vote_methods.register(method)
    try:
        assert vote_methods.get("last-named") is method
        assert road.rule_for("last-named") == "hare"
        assert method.count([_c(1), _c(2)], [[1]], 1, 0)["winners"] == ["2"]
    finally:
        vote_methods.unregister("last-named")
    assert vote_methods.find("last-named") is None
    assert road.rule_for("last-named") == road.BLOCK

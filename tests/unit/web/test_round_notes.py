"""Issue 25, defect 7: a count's round notes, as the counting engine writes them, read in the
page's language; the English of a one-seat block count reads rightly too ("its first choice",
not "its first 1 choices"). The ballot's refusals by its method, with the plural in Russian."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dualpower.counting import count
from dualpower.counting.model import Profile
from dualpower.web.i18n import translated, using
from dualpower.web.round_notes import round_note

NAMES = ("Anna Popova", "Boris Orlov", "Vera Sorokin", "Ivan Tarasov", "Nina Belova")


def _notes(method: str, seats: int, ballots: list[list[int]]) -> list[str]:
    width = max(len(b) for b in ballots)
    rankings = np.full((len(ballots), width), -1, dtype=np.int32)
    for row, ballot in enumerate(ballots):
        rankings[row, : len(ballot)] = ballot
    profile = Profile(NAMES, rankings, np.ones(len(ballots), dtype=np.int64))
    return [r.note for r in count(profile, method, seats, seed=7).rounds if r.note]


CASES = {
    "block, one seat": ("block", 1, [[0], [0], [1]]),
    "block, two seats tied": ("block", 2, [[0, 1], [0, 2], [1, 2], [3]]),
    "plurality": ("plurality", 1, [[0], [1], [1]]),
    "stv": (
        "stv-scottish",
        2,
        [[0, 1]] * 6 + [[1, 2]] * 2 + [[2, 1]] * 2 + [[3, 4]] * 1 + [[4, 3]] * 1,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_note_of_the_engine_reads_in_russian(case: str) -> None:
    notes = _notes(*CASES[case])
    assert notes
    with using("ru"):
        said = [round_note(n) for n in notes]
    for note, russian in zip(notes, said, strict=True):
        for name in NAMES:
            russian = russian.replace(name, "")
        assert not re.search(r"[A-Za-z]{3,}", russian), f"{note!r} -> {russian!r}"


def test_a_one_seat_block_count_reads_rightly_in_english() -> None:
    (note,) = _notes("block", 1, [[0], [0], [1]])
    with using("en"):
        said = round_note(note)
    assert said == "one vote for its first choice; elected: Anna Popova"
    (two,) = _notes("block", 2, [[0, 1], [0, 1], [2]])
    with using("en"):
        assert (
            round_note(two)
            == "one vote for each of its first 2 choices; elected: Anna Popova, Boris Orlov"
        )


def test_a_note_no_pattern_knows_stays_as_written() -> None:
    with using("ru"):
        assert round_note("something new") == "something new"


@pytest.mark.parametrize(
    ("message", "russian"),
    [
        ("choose one candidate", "выберите одного кандидата"),
        ("choose at most 2 candidates", "выберите не более 2 кандидатов"),
        ("choose at most 21 candidates", "выберите не более 21 кандидата"),
        ("choose at most 5 candidates", "выберите не более 5 кандидатов"),
    ],
)
def test_a_ballots_refusal_in_russian(message: str, russian: str) -> None:
    with using("ru"):
        assert translated(message) == russian
    with using("en"):
        assert translated(message) == message

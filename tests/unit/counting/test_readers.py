"""Ballot file readers: BLT quirks and errors, CSV and JSON rankings, party totals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dualpower.counting.model import BallotFileError, Profile
from dualpower.counting.readers import parse_blt, read_party_votes, read_profile


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def as_dict(profile: Profile) -> dict[tuple[int, ...], int]:
    """{ranking: weight}, independent of the order of the grouped rows."""
    return {
        tuple(int(c) for c in row if c >= 0): int(w)
        for row, w in zip(profile.rankings, profile.weights, strict=True)
    }


def blt_error(text: str) -> BallotFileError:
    with pytest.raises(BallotFileError) as caught:
        parse_blt(text.encode())
    return caught.value


# --- BLT ---------------------------------------------------------------------------------------


def test_blt_groups_identical_rankings_and_reads_names_and_title(tmp_path: Path) -> None:
    text = (
        '3 2\n2 1 2 0\n1 3 0\n5 1 2 0\n1 2 1 3 0\n0\n"Alice"\n"Bob ""the builder"""\nCarol\n'
        '"Ward 1"'
    )
    profile = read_profile(write(tmp_path, "w.blt", text))
    assert profile.candidates == ("Alice", 'Bob "the builder"', "Carol")
    assert profile.seats == 2
    assert profile.title == "Ward 1"
    assert as_dict(profile) == {(0, 1): 7, (2,): 1, (1, 0, 2): 1}
    assert profile.ballots == 9
    assert profile.rankings.dtype == np.int32 and profile.weights.dtype == np.int64
    assert profile.rankings.shape == (3, 3)
    assert profile.parties is None


def test_blt_name_and_party_pairs_and_unquoted_title() -> None:
    text = '2 1\n3 1 0\n0\n"Ann" "Green Party"\n"Ben" "Independent"\nNorth Ward\n'
    profile = parse_blt(text.encode())
    assert profile.candidates == ("Ann", "Ben")
    assert profile.parties == ("Green Party", "Independent")
    assert profile.title == "North Ward"


def test_blt_trailing_space_inside_quotes_is_trimmed() -> None:
    profile = parse_blt(b'2 1\n1 1 0\n0\n"Lab ""Ann"" "\n"Ben"\n"T"')
    assert profile.candidates == ('Lab "Ann"', "Ben")


def test_blt_withdrawn_line_and_crlf() -> None:
    profile = parse_blt(b"3 1\r\n-2\r\n4 2 1 0\r\n0\r\nA\r\nB\r\nC\r\nT\r\n")
    assert profile.withdrawn == frozenset({1})
    assert as_dict(profile) == {(1, 0): 4}
    assert profile.candidates == ("A", "B", "C")


def test_blt_alternative_names_from_comments() -> None:
    text = (
        "2 1\n3 1 2 0\n0\n# ALTERNATIVE NAME 1: Ann Smith (Lab)\n"
        "# ALTERNATIVE NAME 2: Ben Jones (Scottish Unionist)\nCalton ward"
    )
    profile = parse_blt(text.encode())
    assert profile.candidates == ("Ann Smith", "Ben Jones")
    assert profile.parties == ("Lab", "Scottish Unionist")
    assert profile.title == "Calton ward"


def test_blt_quirks_on_the_exact_path() -> None:
    # comment, ballot id, skipped rank, repeated candidate (first counts), weight 0, blank line
    text = "3 1\n# a comment\n(b1) 2 1 - 2 0\n3 1 2 1 0\n\n0 3 0\n1 3 3 0\n0\nA\nB\nC\nT\n"
    profile = parse_blt(text.encode())
    assert as_dict(profile) == {(0, 1): 5, (2,): 1}


def test_blt_fast_and_exact_paths_agree() -> None:
    rng = np.random.default_rng(5)
    lines = [
        f"{rng.integers(1, 30)} " + " ".join(map(str, rng.permutation(12)[:k] + 1)) + " 0"
        for k in rng.integers(1, 13, 400)
    ]
    body = "\n".join(lines) + "\n0\n" + "\n".join(f"C{i}" for i in range(12)) + "\nT"
    fast = parse_blt(("12 3\n" + body).encode())
    exact = parse_blt(("12 3\n# force the line-by-line path\n" + body).encode())
    assert as_dict(fast) == as_dict(exact)
    assert fast.ballots == exact.ballots
    assert len(fast.weights) == len(as_dict(fast))  # grouped: no ranking twice


def test_blt_repeated_candidate_on_the_fast_path_keeps_the_first() -> None:
    profile = parse_blt(b"3 1\n1 1 2 1 3 0\n1 1 2 3 0\n0\nA\nB\nC\nT")
    assert as_dict(profile) == {(0, 1, 2): 2}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("3 1,\n1 1 0\n0\nA\nB\nC\nT", 1, "header"),
        ("three 1\n1 1 0\n0\nA\nB\nC\nT", 1, "header"),
        ("3 1\n1 1 0,\n0\nA\nB\nC\nT", 2, "end with 0"),
        ("3 1\n1 1 0\n2 1 4 0\n0\nA\nB\nC\nT", 3, "unknown candidate 4"),
        ("3 1\n1 1 0\nx 1 0\n0\nA\nB\nC\nT", 3, "whole number"),
        ("3 1\n1.5 1 0\n0\nA\nB\nC\nT", 2, "whole number"),
        ("3 1\n1 1=2 0\n0\nA\nB\nC\nT", 2, "equal rankings"),
        ("3 1\n1 1 0 2 0\n0\nA\nB\nC\nT", 2, "unknown candidate 0"),
        ("3 1\n1 1 0\n2 1 2 0", 3, "no end-of-ballots"),
        ("3 1\n1 1 0\n0\nA\nB", 6, "found 2"),
        ("3 1\n-4\n1 1 0\n0\nA\nB\nC\nT", 2, "withdrawn"),
        ('3 1\n1 1 0\n0\nA\n"B\nC\nT', 5, "unterminated"),
        ("3 1\n1 1 0\n0\nA\nB\nC\nT\nextra", 8, "after the title"),
    ],
)
def test_blt_errors_name_the_line(text: str, line: int, words: str) -> None:
    error = blt_error(text)
    assert error.line == line
    assert words in str(error)


def test_blt_missing_names_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "short.blt", "2 1\n1 1 0\n0\n")
    with pytest.raises(BallotFileError) as caught:
        read_profile(path)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: line 4: truncated file")


# --- formats -----------------------------------------------------------------------------------


def test_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    path = write(tmp_path, "ballots.txt", "2 1\n1 1 0\n0\nA\nB\nT\n")
    with pytest.raises(BallotFileError, match="unknown ballot format 'txt'"):
        read_profile(path)
    assert read_profile(path, format="blt").candidates == ("A", "B")


def test_missing_file_is_a_ballot_file_error(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError, match="cannot read"):
        read_profile(tmp_path / "nope.blt")


def test_csv_with_weight_header(tmp_path: Path) -> None:
    text = "weight,rank1,rank2\n3,Ann,Ben\n2,Ben,\n1,Ann,Ben\n# comment\n1,Cy,Cy\n"
    profile = read_profile(write(tmp_path, "b.csv", text))
    assert profile.candidates == ("Ann", "Ben", "Cy")
    assert as_dict(profile) == {(0, 1): 4, (1,): 2, (2,): 1}
    assert profile.seats is None


def test_csv_without_header_counts_each_row_once(tmp_path: Path) -> None:
    profile = read_profile(write(tmp_path, "b.csv", "Ann,Ben\nBen\n,Ann\n"))
    assert as_dict(profile) == {(0, 1): 1, (1,): 1, (0,): 1}


def test_csv_bad_weight_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError) as caught:
        read_profile(write(tmp_path, "b.csv", "weight,rank1\n2,Ann\nmany,Ben\n"))
    assert caught.value.line == 3


def test_json_ballots(tmp_path: Path) -> None:
    text = (
        '{"candidates": ["Ann", "Ben", "Cy"], "seats": 2, "title": "T", "ballots": ['
        '{"ranking": ["Ben", "Ann"], "weight": 4}, {"ranking": ["Cy"]},'
        '{"ranking": ["Ben", "Ann"]}]}'
    )
    profile = read_profile(write(tmp_path, "b.json", text))
    assert profile.candidates == ("Ann", "Ben", "Cy")
    assert profile.seats == 2 and profile.title == "T"
    assert as_dict(profile) == {(1, 0): 5, (2,): 1}


def test_json_unknown_candidate_and_syntax_errors(tmp_path: Path) -> None:
    bad_name = '{"candidates": ["Ann"], "ballots": [{"ranking": ["Zed"]}]}'
    with pytest.raises(BallotFileError, match="ballot 1: unknown candidate 'Zed'"):
        read_profile(write(tmp_path, "a.json", bad_name))
    with pytest.raises(BallotFileError) as caught:
        read_profile(write(tmp_path, "b.json", '{"candidates": ["Ann"],\n "ballots": [,]}'))
    assert caught.value.line == 2


# --- party totals --------------------------------------------------------------------------


def test_party_votes_with_and_without_header(tmp_path: Path) -> None:
    with_header = read_party_votes(write(tmp_path, "a.csv", "party,votes\nRed,120\nBlue,80\n"))
    assert with_header.parties == ("Red", "Blue")
    assert with_header.votes == (120, 80)
    bare = read_party_votes(write(tmp_path, "b.csv", "Red,120\n\nBlue,80"))
    assert bare == with_header


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("party,votes\nRed,12\nBlue,lots\n", 3, "whole number"),
        ("Red,12\nBlue,-3\n", 2, "whole number"),
        ("Red,12\nRed,3\n", 2, "twice"),
        ("Red,12,4\n", 1, "3 cells"),
    ],
)
def test_party_votes_bad_rows_name_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    with pytest.raises(BallotFileError) as caught:
        read_party_votes(write(tmp_path, "p.csv", text))
    assert caught.value.line == line
    assert words in str(caught.value)


def test_rankings_too_long_for_one_key_are_read_and_grouped_the_same() -> None:
    """Issue 26: 100 candidates (7 bits each) ranked 10 deep pass 62 bits: the vectorised
    reader then parses rows and groups them by several keys, as the line-by-line path does."""
    import random

    rng = random.Random(5)
    rankings = [rng.sample(range(1, 101), rng.randint(1, 10)) for _ in range(300)]
    rankings += rankings[:50]  # repeats, to be grouped
    body = "".join(f"{rng.randint(1, 3)} {' '.join(map(str, r))} 0\n" for r in rankings)
    names = "".join(f'"C{i}"\n' for i in range(100))
    fast = parse_blt(f"100 3\n{body}0\n{names}".encode())
    slow = parse_blt(f"100 3\n{body.replace(' 0', ' - 0')}0\n{names}".encode())  # exact path
    got = {tuple(r[r >= 0]): w for r, w in zip(fast.rankings, fast.weights.tolist(), strict=True)}
    want = {tuple(r[r >= 0]): w for r, w in zip(slow.rankings, slow.weights.tolist(), strict=True)}
    assert got == want and fast.ballots == slow.ballots
    assert fast.rankings.shape[1] == 10

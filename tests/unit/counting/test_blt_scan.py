"""The fast BLT reader (`counting/blt_scan.py`, issue 26) against the exact, line-by-line path:
on any file, the same profile (array for array, dtypes included) or the same error, naming the
same line; and the fast path really taken on clean files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualpower.counting import readers
from dualpower.counting.blt_scan import scan_ballots
from dualpower.counting.model import BallotFileError, Profile
from dualpower.counting.readers import parse_blt

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


def exact(data: bytes, monkeypatch: pytest.MonkeyPatch) -> Profile | BallotFileError:
    """`parse_blt` with the fast path switched off."""
    with monkeypatch.context() as patch:
        patch.setattr(readers, "scan_ballots", lambda *args: None)
        return outcome(data)


def outcome(data: bytes) -> Profile | BallotFileError:
    try:
        return parse_blt(data)
    except BallotFileError as exc:
        return exc


def assert_same(fast: Profile | BallotFileError, slow: Profile | BallotFileError) -> None:
    if isinstance(slow, BallotFileError) or isinstance(fast, BallotFileError):
        assert isinstance(fast, BallotFileError) and isinstance(slow, BallotFileError), (fast, slow)
        assert (str(fast), fast.line) == (str(slow), slow.line)
        return
    assert fast.rankings.dtype == slow.rankings.dtype == np.int32
    assert fast.weights.dtype == slow.weights.dtype
    assert fast.rankings.shape == slow.rankings.shape
    assert np.array_equal(fast.rankings, slow.rankings)
    assert fast.weights.tolist() == slow.weights.tolist()
    assert fast.rankings.flags.c_contiguous
    for field in ("candidates", "seats", "title", "withdrawn", "parties", "tie_order"):
        assert getattr(fast, field) == getattr(slow, field), field


def blt(n: int, lines: list[str], *, head: str = "") -> bytes:
    names = "".join(f'"C{i}"\n' for i in range(n))
    return f'{n} 2\n{head}{"".join(lines)}0\n{names}"Title"\n'.encode()


@st.composite
def clean_files(draw: st.DrawFn) -> tuple[int, list[str]]:
    """Ballot lines as most large files have them: whole-number weights, candidate numbers
    (repeats within a ballot allowed), ' 0' at the end; across the key layouts (4-bit slots,
    bytes, rows) and the widths that switch between them."""
    n = draw(st.sampled_from([1, 2, 3, 9, 12, 15, 16, 40, 255, 256, 2000]))
    longest = draw(st.sampled_from([1, 3, 7, 8, 14, 15, 20]))
    ranking = st.lists(st.integers(1, n), max_size=longest)
    weight = st.one_of(st.integers(1, 3), st.integers(1, 10**9 - 1))
    ballots = draw(st.lists(st.tuples(weight, ranking), min_size=1, max_size=40))
    lines = [" ".join(map(str, [w, *r, 0])) + "\n" for w, r in ballots]
    return n, lines


QUIRKS = [
    "# a comment\n", "\n", "  \n", "(b7) 1 1 0\n", "1 1 - 2 0\n", "1 1=2 0\n", "0 1 2 0\n",
    "1 0 1 0\n", "1 1 00\n", "1 01 0\n", "1 1 0 \n", " 1 1 0\n", "1  1 0\n", "1\t1 0\n",
    "1 1 0\r\n", "1 1\r2 0\n", "1 1 2\n", "1 99 0\n", "9999999999 1 0\n", "1 1 0,\n",
    "12345678901234567890 1 0\n", "1 1 2 1 0\n", "5 0\n", "x 1 0\n", "0\n",
]  # fmt: skip


@SETTINGS
@given(clean_files())
def test_clean_files_take_the_fast_path_and_agree(case: tuple[int, list[str]]) -> None:
    n, lines = case
    data = blt(n, lines)
    start = data.index(b"\n") + 1
    assert scan_ballots(data, start, start + len("".join(lines)), n) is not None
    with pytest.MonkeyPatch.context() as patch:
        assert_same(outcome(data), exact(data, patch))


@SETTINGS
@given(clean_files(), st.lists(st.tuples(st.integers(0, 40), st.sampled_from(QUIRKS)), max_size=3))
def test_unusual_lines_give_the_same_profile_or_error(
    case: tuple[int, list[str]], quirks: list[tuple[int, str]]
) -> None:
    n, lines = case
    for at, line in quirks:
        lines.insert(min(at, len(lines)), line)
    data = blt(max(n, 2), lines)
    with pytest.MonkeyPatch.context() as patch:
        assert_same(outcome(data), exact(data, patch))


@pytest.mark.parametrize(
    "data",
    [
        b"3 1\n-2\n2 1 2 0\n1 2 3 0\n0\nA\nB\nC\nT\n",  # a withdrawn candidate, still ranked
        b"3 1\n[tie 3 1 2]\n2 1 2 0\n0\nA\nB\nC\nT\n",  # a tie order line
        b"3 1\r\n2 1 2 0\r\n1 3 0\r\n0\r\nA\r\nB\r\nC\r\nT\r\n",  # CRLF
        b"3 1\n2\t1 2 0\n0\nA\nB\nC\nT\n",  # a tab
        b"3 1\n2 1 2 0\n  0  \nA\nB\nC\nT\n",  # a padded end line
        b"3 1\n2 1 2 0\n0\nA\nB\nC\n0\n",  # an unquoted title '0': a second lone-0 line
        b"3 1\n2 1 2 0\n0\n0\nB\nC\nT\n",  # a candidate named 0
        b"3 1\n5 0\n2 1 0\n0\nA\nB\nC\nT\n",  # an empty ranking
        b"3 1\n0\nA\nB\nC\nT\n",  # no ballots
        b"3 1\n1 1 2 1 3 2 0\n1 1 2 3 0\n0\nA\nB\nC\nT\n",  # a repeated candidate
        b"3 1\n1 1 2 0\n1 3 0",  # no end line
        b"3 1\n1 1 2\n0\nA\nB\nC\nT\n",  # a ballot without its 0
        b"3 1\n1 1 2 0\n1 4 0\n0\nA\nB\nC\nT\n",  # a candidate beyond the header
        b"3 1\n1 1 2 0\n1 1 0 2 0\n0\nA\nB\nC\nT\n",  # candidate 0
        b"3 1\n1 1 2 0\n1 1= 2 0\n0\nA\nB\nC\nT\n",  # equal ranks
        b"3 1\n1 1 2 0\n1 - 2 0\n0\nA\nB\nC\nT\n",  # a skipped rank
        b"3 1\n4611686018427387904 1 0\n4611686018427387904 2 0\n0\nA\nB\nC\nT\n",  # past 2^63
        b"3 1\n999999999 1 0\n999999999 1 0\n0\nA\nB\nC\nT\n",  # nine digits, on the fast path
        b"3 1\n1 1 2 0\n# a comment\n1 3 0\n0\nA\nB\nC\nT\n",
        b"3 1\n1 1 2 0\n\n1 3 0\n0\nA\nB\nC\nT\n",
        b"\xef\xbb\xbf3 1\n1 1 2 0\n0\nA\nB\nC\nT",  # a BOM, no newline at the end
    ],
)
def test_edge_cases_agree(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(outcome(data), exact(data, monkeypatch))


def test_many_pieces_are_read_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A section longer than one piece (`_CHUNK`), with a long ranking only in a later piece
    (the layout changes midway) and identical rankings across pieces."""
    import dualpower.counting.blt_scan as scan

    monkeypatch.setattr(scan, "_CHUNK", 64)
    rng = np.random.default_rng(3)
    lines = [f"{rng.integers(1, 4)} {' '.join(map(str, rng.permutation(12)[:3] + 1))} 0\n"]
    lines = lines * 20 + [f"1 {' '.join(map(str, range(1, 13)))} {' '.join('1' * 4)} 0\n"]
    data = blt(12, lines)
    assert_same(outcome(data), exact(data, monkeypatch))

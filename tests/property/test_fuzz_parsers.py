"""Parser fuzzing (issue 7 item 11): arbitrary bytes and text, and near-valid files built from
each format's own pieces, given to every reader of outside files. A reader either returns its
result or raises its documented error (BallotFileError, RollError, FoundingError) — never any
other exception, and never slowly (a deadline per example catches a hang)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualpower.counting.model import BallotFileError
from dualpower.counting.readers import parse_blt, parse_csv, parse_json, parse_party_votes
from dualpower.domain.errors import FoundingError, RollError
from dualpower.domain.roll import parse_roll
from dualpower.services.plans import plan_from_json

FUZZ = settings(
    max_examples=300,
    deadline=2000,  # milliseconds: a reader that hangs fails
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
    database=None,
)

# Pieces of each format, glued together at random: they reach deeper than random bytes.
BLT_TOKENS = ["0", "1", "2", "3", "-1", "-2", "10", "99999999999999999999", "=", "-", "(a1)",
              '"Alice"', '"Bob" "Party"', "Carol", "# ALTERNATIVE NAME 1: Ann (Reds)", "#",
              '"unterminated', '""', "3 1", "2 1", "1 1", "\t", " ", "1e3", "0x10", "\u00e9",
              "\x00", "\xff", ","]  # fmt: skip
CSV_TOKENS = ["weight", "rank1", "rank 1", "Alice", "Bob", "", "1", "0", "-1", "x", '"',
              '"a,b"', "#", "\u00e9", "\x00", "99999999999999999999999", " ", "party", "votes",
              "username", "name", "email", "unit", "a@b.c", "not an email"]  # fmt: skip


def _lines(tokens: list[str], sep: str) -> st.SearchStrategy[str]:
    line = st.lists(st.sampled_from(tokens), max_size=8).map(sep.join)
    ends = st.sampled_from(["\n", "\r\n", "\r"])
    return st.lists(st.tuples(line, ends), max_size=25).map(
        lambda rows: "".join(text + end for text, end in rows)
    )


BLT_TEXT = _lines(BLT_TOKENS, " ")
CSV_TEXT = _lines(CSV_TOKENS, ",")

JSON_KEYS = ["candidates", "seats", "title", "ballots", "ranking", "weight", "name",
             "sections", "factions", "councils", "units", "members", "short", "colour",
             "platform", "parent", "recall_rule", "recall_trigger_bp", "seat_method",
             "apportionment", "kind", "section", "council", "username", "unit",
             "other"]  # fmt: skip
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.sampled_from(["Alice", "Bob", "", "Reds", "unit", "vote", "stv-meek"])
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(JSON_KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)
JSON_TEXT = JSON_VALUES.map(json.dumps)
ANY_TEXT = st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1"))


def _only(error: type[Exception], read: Any, data: Any) -> None:
    try:
        read(data)
    except error as refused:
        assert str(refused), "the error says what is wrong"


@FUZZ
@given(data=st.binary(max_size=600) | BLT_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_blt_reader_raises_only_ballot_file_errors(data: bytes) -> None:
    _only(BallotFileError, parse_blt, data)


@FUZZ
@given(text=ANY_TEXT | CSV_TEXT)
def test_csv_ballot_reader_raises_only_ballot_file_errors(text: str) -> None:
    _only(BallotFileError, parse_csv, text)


@FUZZ
@given(text=ANY_TEXT | JSON_TEXT)
def test_json_ballot_reader_raises_only_ballot_file_errors(text: str) -> None:
    _only(BallotFileError, parse_json, text)


@FUZZ
@given(text=ANY_TEXT | CSV_TEXT)
def test_party_list_reader_raises_only_ballot_file_errors(text: str) -> None:
    _only(BallotFileError, parse_party_votes, text)


@FUZZ
@given(text=ANY_TEXT | CSV_TEXT)
def test_roll_reader_raises_only_roll_errors(text: str) -> None:
    _only(RollError, parse_roll, text)


@FUZZ
@given(text=ANY_TEXT | JSON_TEXT)
def test_founding_plan_reader_raises_only_founding_errors(text: str) -> None:
    _only(FoundingError, plan_from_json, text)


@FUZZ
@given(
    n=st.integers(min_value=0, max_value=10**12),
    seats=st.integers(min_value=0, max_value=10**12),
    body=BLT_TEXT,
)
def test_blt_headers_of_any_size_are_refused_or_read_quickly(n: int, seats: int, body: str) -> None:
    _only(BallotFileError, parse_blt, f"{n} {seats}\n{body}".encode())


BIG = "9" * 5000  # longer than Python's int() accepts from text (4300 digits)
DEEP = "[" * 100_000 + "]" * 100_000  # deeper than the JSON decoder's recursion


@pytest.mark.parametrize(
    ("read", "error", "data"),
    [
        (parse_blt, BallotFileError, b"100000000000 1\n0\n"),  # found by the fuzzer: a hang
        (parse_blt, BallotFileError, f"{BIG} 1\n0\n".encode()),
        (parse_blt, BallotFileError, f"2 {BIG}\n1 1 0\n0\nA\nB\n".encode()),
        (parse_blt, BallotFileError, f"2 1\n{BIG} 1 0\n0\nA\nB\n".encode()),
        (parse_blt, BallotFileError, "2 1\n1 \u00b2 0\n0\nA\nB\n".encode()),
        (parse_csv, BallotFileError, f"weight,a\n{BIG},x\n"),
        (parse_json, BallotFileError, '{"candidates": ["a"], "seats": ' + BIG + ', "ballots": []}'),
        (parse_json, BallotFileError, DEEP),
        (parse_party_votes, BallotFileError, f"a,{BIG}\n"),
        (parse_party_votes, BallotFileError, "a,1\nb,\u00b2\n"),
        (parse_roll, RollError, "\r0"),  # found by the fuzzer: csv.Error
        (plan_from_json, FoundingError, '{"name": "x", "sections": 5}'),
        (plan_from_json, FoundingError, DEEP),
    ],
)
def test_crashes_found_are_clear_errors_now(read: Any, error: type[Exception], data: Any) -> None:
    with pytest.raises(error):
        read(data)

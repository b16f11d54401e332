"""parse_roll (domain/roll.py): a roll file is all good or refused, naming the line."""

from __future__ import annotations

import pytest

from dualpower.domain.errors import RollError
from dualpower.domain.roll import RollEntry, parse_roll


def test_a_good_file() -> None:
    text = "username,name,unit\nanna.p,Anna Petrova,Forge\n\nivan_k, Ivan Kuznetsov ,\n"
    assert parse_roll(text) == [
        RollEntry(2, "anna.p", "Anna Petrova", "Forge"),
        RollEntry(4, "ivan_k", "Ivan Kuznetsov", None),
    ]


def test_columns_in_any_order_and_case() -> None:
    (entry,) = parse_roll("Name,USERNAME\nAnna,anna\n")
    assert (entry.username, entry.name, entry.unit) == ("anna", "Anna", None)


def test_quoted_names_with_commas() -> None:
    (entry,) = parse_roll('username,name\nanna,"Petrova, Anna"\n')
    assert entry.name == "Petrova, Anna"


def test_a_spreadsheet_byte_order_mark_is_ignored() -> None:
    (entry,) = parse_roll("\ufeffusername,name\nanna,Anna\n")
    assert entry.username == "anna"


def refusal(text: str) -> RollError:
    with pytest.raises(RollError) as info:
        parse_roll(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty"),
        ("username\nanna\n", 1, "name"),
        ("name,unit\nAnna,Forge\n", 1, "username"),
        ("username,name\n", 1, "no members"),
        ("username,name\nanna,Anna\nivan\n", 3, "columns"),
        ("username,name\nanna,Anna\nivan,Ivan,extra\n", 3, "columns"),
        ("username,name\nanna,Anna\nivan,\n", 3, "name is empty"),
        ("username,name\nanna,Anna\nbad name!,Bad\n", 3, "bad username"),
        ("username,name\nx,X\n", 2, "bad username"),
        ("username,name\nanna,Anna\nivan,Ivan\nanna,Anna Two\n", 4, "already on line 2"),
    ],
    ids=[
        "empty",
        "no-name-column",
        "no-username-column",
        "no-rows",
        "short-row",
        "long-row",
        "empty-name",
        "bad-username",
        "short-username",
        "duplicate",
    ],
)
def test_bad_files_name_the_line(text: str, line: int, words: str) -> None:
    error = refusal(text)
    assert error.line == line
    assert str(error).startswith(f"line {line}: ")
    assert words in str(error)

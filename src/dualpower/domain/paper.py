"""Sheets of votes on paper (DESIGN.md 2.9), as the electoral commission hands them in: a
meeting's paper ballots with the list of members who voted on paper, or a recall petition's
signature sheet. Read from a file (JSON or CSV) or a page's text boxes; any bad line refuses
the whole sheet, naming the line. Members are named by id or username, candidates by id.

Ballots, JSON: {"voters": [member, ...], "ballots": [[candidate, ...] or {"ranking": [...]}
or {"choices": [...]}, ...]}. CSV: a header `voter,ballot`; a row names a voter, a ballot
(candidate ids in order of preference, separated by spaces), or both; in an open election each
voter's ballot is on their row, in a secret one the two columns are two lists.
Signatures, JSON: {"members": [member, ...]} or [member, ...]; CSV: a header `member`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from dualpower.domain.errors import InvalidRequest

Member = int | str


@dataclass(frozen=True)
class BallotSheet:
    voters: list[Member]
    ballots: list[list[int]]


def _member(value: Any, where: str) -> Member:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise InvalidRequest(f"{where}: a member is named by id or username")
    return value if isinstance(value, int) else value.strip()


def _candidates(value: Any, where: str) -> list[int]:
    if isinstance(value, dict):
        keys = set(value) & {"ranking", "choices"}
        if len(keys) != 1 or len(value) != 1:
            raise InvalidRequest(
                f'{where}: a ballot is {{"ranking": [...]}} or {{"choices": [...]}}'
            )
        value = value[keys.pop()]
    if not isinstance(value, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in value
    ):
        raise InvalidRequest(f"{where}: a ballot lists candidate ids")
    return list(value)


def ballot_line(text: str, where: str) -> list[int]:
    """A ballot written as candidate ids separated by spaces or commas, first choice first."""
    tokens = text.replace(",", " ").split()
    if not all(t.isdigit() for t in tokens):
        raise InvalidRequest(f"{where}: a ballot lists candidate ids, not {text.strip()!r}")
    return [int(t) for t in tokens]


def member_lines(text: str) -> list[Member]:
    """Members one per line (or separated by commas or spaces): ids or usernames."""
    return [t for t in text.replace(",", " ").split() if t]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"not valid JSON: {error.msg} (line {error.lineno})") from None


def _is_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


def _rows(text: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header or any(h not in columns for h in header):
        raise InvalidRequest(f"the CSV's header is {','.join(columns)}, not {','.join(header)}")
    rows = []
    for row in reader:
        if None in row:
            raise InvalidRequest(f"line {reader.line_num}: more cells than the header names")
        rows.append({k.strip(): (v or "").strip() for k, v in row.items()})
    return rows


def ballot_sheet(text: str) -> BallotSheet:
    """A sheet of paper ballots from JSON or CSV."""
    if _is_json(text):
        data = _json(text)
        if not isinstance(data, dict) or set(data) != {"voters", "ballots"}:
            raise InvalidRequest('the JSON is {"voters": [...], "ballots": [...]}')
        if not isinstance(data["voters"], list) or not isinstance(data["ballots"], list):
            raise InvalidRequest('"voters" and "ballots" are lists')
        voters = [_member(v, f"voters[{i}]") for i, v in enumerate(data["voters"])]
        ballots = [_candidates(b, f"ballots[{i}]") for i, b in enumerate(data["ballots"])]
        return BallotSheet(voters, ballots)
    voters, ballots = [], []
    for n, row in enumerate(_rows(text, ("voter", "ballot")), start=2):
        if row.get("voter"):
            voters.append(_member(row["voter"], f"line {n}"))
        if row.get("ballot"):
            ballots.append(ballot_line(row["ballot"], f"line {n}"))
    return BallotSheet(voters, ballots)


def signature_sheet(text: str) -> list[Member]:
    """A sheet of signatures from JSON or CSV."""
    if _is_json(text):
        data = _json(text)
        if isinstance(data, dict) and set(data) == {"members"}:
            data = data["members"]
        if not isinstance(data, list):
            raise InvalidRequest('the JSON is {"members": [...]} or a list of members')
        return [_member(m, f"members[{i}]") for i, m in enumerate(data)]
    rows = _rows(text, ("member",))
    return [_member(r["member"], f"line {n}") for n, r in enumerate(rows, start=2) if r["member"]]

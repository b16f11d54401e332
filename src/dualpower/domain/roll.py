"""A roll file: the members of a base unit, one a row (DESIGN.md 1: a member is on the roll of
exactly one base unit at a time).

CSV with a header row. Required columns: `username`, `name`. Optional: `unit` (the unit's name or
id; when absent, every row goes to the unit named on the command line) and `email` (where
notifications are mailed, when SMTP is configured). Usernames are 2-80
characters of letters, digits, `.`, `_` and `-`. Any bad row refuses the whole file, naming its
line: nothing is imported from a file with an error.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from dualpower.domain.errors import RollError

USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
REQUIRED = ("username", "name")


@dataclass(frozen=True)
class RollEntry:
    line: int
    username: str
    name: str
    unit: str | None
    email: str | None = None


def _csv_lines(text: str) -> tuple[list[tuple[int, list[str]]], int]:
    """The rows with their line numbers, and the number of lines; RollError for bad CSV."""
    # Spreadsheets often save UTF-8 CSV with a byte-order mark; it is not part of the header.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise RollError(f"bad CSV: {error}", line=max(reader.line_num, 1)) from None
    return rows, reader.line_num


def parse_roll(text: str) -> list[RollEntry]:
    rows, last_line = _csv_lines(text)
    if not rows:
        raise RollError("the roll file is empty", line=1)
    header = [h.strip().lower() for h in rows[0][1]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RollError(f"the header lacks the column(s) {', '.join(missing)}", line=1)
    index = {name: header.index(name) for name in header}
    entries: list[RollEntry] = []
    seen: dict[str, int] = {}
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise RollError(f"expected {len(header)} columns, found {len(row)}", line=line)
        username = row[index["username"]].strip()
        name = row[index["name"]].strip()
        if not USERNAME.match(username):
            raise RollError(f"bad username {username!r}", line=line)
        if not name:
            raise RollError("the name is empty", line=line)
        if username in seen:
            raise RollError(f"username {username!r} is already on line {seen[username]}", line=line)
        seen[username] = line
        unit = row[index["unit"]].strip() if "unit" in index else None
        email = row[index["email"]].strip() if "email" in index else ""
        if email and not EMAIL.match(email):
            raise RollError(f"bad email address {email!r}", line=line)
        entries.append(RollEntry(line, username, name, unit or None, email or None))
    if not entries:
        raise RollError("the roll file has no members", line=last_line or 1)
    return entries

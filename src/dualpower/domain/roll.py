"""A roll file: the members of a base unit, one a row (DESIGN.md 1: a member is on the roll of
exactly one base unit at a time).

CSV with a header row. Required columns: `username`, `name`. Optional: `unit` (the unit's name or
id; when absent, every row goes to the unit named on the command line), `email` (where
notifications are mailed, when SMTP is configured) and `language` (`en` or `ru`: the language of
the member's invitation slip; empty or absent, the federation's). Usernames are 2-80
characters of letters, digits, `.`, `_` and `-`. Any bad row refuses the whole file, naming its
line: nothing is imported from a file with an error.

Every field is checked here, the same on both databases (the columns' lengths: name 200, e-mail
254, unit 200): no control characters, NUL, byte-order marks inside the text or direction
overrides, an e-mail address of the usual shape, no username twice. A refusal quotes at most the
first 40 characters of the value, so the message stays one short line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from dualpower.domain.errors import RollError

USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
REQUIRED = ("username", "name")
NAME_MAX, EMAIL_MAX, UNIT_MAX = 200, 254, 200
# The languages a member's invitation slip is printed in (the pages' languages, web/i18n.py).
LANGUAGES = ("en", "ru")
# Invisible characters that are not part of any name: the byte-order mark (U+FEFF) inside text,
# zero-width space and word joiner, and the bidirectional overrides and isolates.
_INVISIBLE = frozenset("\ufeff\u200b\u2060\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def show(value: str) -> str:
    """A value quoted for a one-line message: at most 40 characters, controls escaped."""
    return repr(value[:40]) + ("..." if len(value) > 40 else "")


def text_problem(value: str, what: str, most: int) -> str | None:
    """Why a field's text is refused, or None."""
    if len(value) > most:
        return f"the {what} has {len(value)} characters, at most {most}"
    for ch in value:
        if ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            return f"the {what} {show(value)} contains the character U+{ord(ch):04X}"
    return None


def email_problem(email: str) -> str | None:
    problem = text_problem(email, "e-mail address", EMAIL_MAX)
    if problem:
        return problem
    local = email.rpartition("@")[0]
    if not EMAIL.match(email) or len(local) > 64 or ".." in email or not email.isascii():
        return f"bad email address {show(email)}"
    return None


def check_member_fields(username: str, name: str, email: str | None) -> None:
    """RollError unless a member's username, name and e-mail address (if any) are acceptable."""
    if not USERNAME.match(username):
        raise RollError(f"bad username {show(username)}: 2-80 letters, digits, '.', '_' or '-'")
    if not name:
        raise RollError("the name is empty")
    problem = text_problem(name, "name", NAME_MAX) or (email_problem(email) if email else None)
    if problem:
        raise RollError(problem)


@dataclass(frozen=True)
class RollEntry:
    line: int
    username: str
    name: str
    unit: str | None
    email: str | None = None
    language: str | None = None  # None: the federation's


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
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise RollError(f"the header has the column {show(twice[0])} twice", line=1)
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
        unit = row[index["unit"]].strip() if "unit" in index else None
        email = row[index["email"]].strip() if "email" in index else ""
        try:
            check_member_fields(username, name, email or None)
        except RollError as error:
            raise RollError(str(error), line=line) from None
        problem = text_problem(unit, "unit", UNIT_MAX) if unit else None
        if problem:
            raise RollError(problem, line=line)
        language = row[index["language"]].strip().lower() if "language" in index else ""
        if language and language not in LANGUAGES:
            raise RollError(
                f"the language {show(language)} is not one of {', '.join(LANGUAGES)}", line=line
            )
        if username in seen:
            raise RollError(f"username {username!r} is already on line {seen[username]}", line=line)
        seen[username] = line
        entries.append(
            RollEntry(line, username, name, unit or None, email or None, language or None)
        )
    if not entries:
        raise RollError("the roll file has no members", line=last_line or 1)
    return entries

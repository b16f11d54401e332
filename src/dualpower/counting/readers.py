"""Ballot file readers: BLT, CSV and JSON rankings, and CSV party totals (DESIGN.md section 3).

Every reader returns a `Profile` whose identical rankings are grouped with summed weights, or
raises `BallotFileError` naming the 1-based line at fault. Files are UTF-8 (a BOM is ignored;
a file that is not UTF-8 is read as Latin-1).

BLT (the format of OpenSTV and the Electoral Reform Society)::

    4 2                 candidates seats
    -3                  optional: withdrawn candidates, as negative numbers
    12 1 2 0            weight, then candidate numbers (1-based) in order of preference, then 0
    7 3 0
    0                   end of ballots
    "Alice"             one name a line: quoted or not, quotes doubled inside ("" -> ")
    "Bob" "Party B"     a second quoted string on the line is the candidate's party
    Carol
    "Dave"
    "Title"             the title, quoted or not (may be missing)

Tolerated: blank lines, `#` comment lines, `\\r\\n` line ends, no newline at the end, weights of
zero (the line is dropped), a ballot identifier in parentheses before the weight, `-` for a
skipped rank (ignored), a candidate repeated within one ballot (the first occurrence counts),
a candidate withdrawn but still ranked (kept in the rankings; `Profile.withdrawn` says whom to
skip). Option lines after the header (and the withdrawn line), as in Droop: `[tie 3 1 2]` gives
the order that `--ties order` breaks ties by (every candidate once; earlier ones favoured).
Weights may be any whole number: they are kept as int64 while they and their sum fit, else as
Python integers (never wrapped around). When the file has no name lines, the names come from
comment lines `# ALTERNATIVE NAME i: Name (Party)` (as in Glasgow's 2007 files); the
parenthesised suffix is the party. Clean ballot lines (digits and single spaces, the common
case of large files) are read by the vectorised `blt_scan`; anything else line by line, with
the same result. Refused: a bad header, a weight that is not a whole number
(weights count ballots), equal rankings (`=`), a candidate number out of range, a candidate name
given twice, a ballot without its terminating `0`, anything else on a ballot line (such as a
trailing comma), a missing end line, missing names.

CSV rankings: one ballot a row, its cells the candidates' names in order of preference (empty
cells are skipped ranks). An optional first row is a header when its first cell is `weight`
(then every row starts with a whole-number weight) or `rank1`/`rank 1` (no weights). Lines
starting with `#` are comments. Candidates are numbered in order of first appearance.

JSON rankings: ``{"candidates": [names], "seats": N, "title": "...", "ballots":
[{"ranking": [names], "weight": n}, ...]}``; `seats`, `title` and `weight` (default 1) are
optional.

CSV party totals: rows `party,votes` (whole numbers); a first row whose votes cell is not a
number is a header.
"""

from __future__ import annotations

import functools
import mmap
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from dualpower.counting.blt_scan import scan_ballots
from dualpower.counting.grouping import dedupe, group_rankings
from dualpower.counting.model import BallotFileError, PartyVotes, Profile, weights_array

FORMATS = ("blt", "csv", "json")

_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")
_END_LINE = re.compile(rb"^[ \t]*0[ \t]*\r?$", re.MULTILINE)
_ALT_NAME = re.compile(r"^#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_PARTY_SUFFIX = re.compile(r"^(.*?)\s*\(([^()]*)\)$")

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def _refusing_oversize(parse: Callable[[_In], _Out]) -> Callable[[_In], _Out]:
    """A number too long for int() (over 4300 digits) or JSON nested too deeply for the decoder
    is a bad file too: BallotFileError, not Python's own error."""

    @functools.wraps(parse)
    def read(data: _In) -> _Out:
        try:
            return parse(data)
        except BallotFileError:
            raise
        except RecursionError:
            raise BallotFileError("the file is nested too deeply") from None
        except ValueError as exc:
            if "integer string conversion" not in str(exc):
                raise
            raise BallotFileError("a number in the file is too long") from None

    return read


def read_profile(path: str | Path, format: str | None = None) -> Profile:
    """Read a ranked ballot file; `format` is `blt`, `csv` or `json`, else guessed from the name."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise BallotFileError(f"unknown ballot format {fmt!r} (use one of {', '.join(FORMATS)})")
    try:
        data = _mapped(path) if fmt == "blt" else path.read_bytes()
    except OSError as exc:
        raise BallotFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if fmt == "blt" or isinstance(data, mmap.mmap):
            return parse_blt(data)
        return parse_csv(_decode(data)) if fmt == "csv" else parse_json(_decode(data))
    except BallotFileError as exc:
        if exc.path is None:
            raise BallotFileError(_bare(exc), exc.line, str(path)) from None
        raise
    finally:
        if isinstance(data, mmap.mmap):
            try:
                data.close()
            except BufferError:  # a view still held (by a traceback): the collector closes it
                pass


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, mapped into memory when it is a regular file: reading a large file
    into a fresh bytes object would cost a page fault and a copy every 4 KiB."""
    with path.open("rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # empty, a pipe, a device: read it
            return f.read()


def blt_candidates(path: str | Path, format: str | None = None) -> int | None:
    """The number of candidates in a BLT file's header, read from its first 64 KiB alone; None
    when the file is not BLT, cannot be read, or has no good header there (`read_profile` then
    says what is wrong)."""
    path = Path(path)
    if (format or path.suffix.lstrip(".")).lower() != "blt":
        return None
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    for line in head.removeprefix(b"\xef\xbb\xbf").split(b"\n")[:-1]:
        if line.strip() and not line.lstrip().startswith(b"#"):
            header = _HEADER.match(line)
            return None if header is None else int(header[1])
    return None


def read_party_votes(path: str | Path) -> PartyVotes:
    """Read a CSV of `party,votes` rows (header optional)."""
    path = Path(path)
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise BallotFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parse_party_votes(text)
    except BallotFileError as exc:
        raise BallotFileError(_bare(exc), exc.line, str(path)) from None


def _bare(exc: BallotFileError) -> str:
    msg = str(exc)
    prefix = f"line {exc.line}: " if exc.line is not None else ""
    return msg[len(prefix) :] if msg.startswith(prefix) else msg


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --- BLT -------------------------------------------------------------------------------------


@_refusing_oversize
def parse_blt(data: bytes | mmap.mmap) -> Profile:
    """Parse the bytes of a BLT file (see the module docstring)."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    lines_before = 0
    pos = 0
    header: re.Match[bytes] | None = None
    while pos < len(data):  # skip leading blank and comment lines
        nl = data.find(b"\n", pos)
        nl = len(data) if nl < 0 else nl
        line = data[pos:nl]
        lines_before += 1
        pos = nl + 1
        if line.strip() and not line.lstrip().startswith(b"#"):
            header = _HEADER.match(line)
            if header is None:
                shown = line.strip().decode("utf-8", "replace")[:60]
                raise BallotFileError(
                    f"bad header {shown!r}: expected 'candidates seats'", lines_before
                )
            break
    if header is None:
        raise BallotFileError("empty file: no header 'candidates seats'", lines_before or 1)
    n_cands, seats = int(header[1]), int(header[2])
    if n_cands < 1:
        raise BallotFileError("the header names no candidates", lines_before)
    withdrawn: set[int] = set()
    first_line = lines_before + 1
    nl = data.find(b"\n", pos)
    nl = len(data) if nl < 0 else nl
    if data[pos:nl].strip().startswith(b"-"):
        withdrawn = _withdrawn(data[pos:nl], n_cands, first_line)
        pos, first_line = nl + 1, first_line + 1
        nl = data.find(b"\n", pos)
        nl = len(data) if nl < 0 else nl
    tie_order: tuple[int, ...] | None = None
    while data[pos:nl].strip().startswith(b"["):  # option lines, as in Droop: [tie 3 1 2]
        tie_order = _option(data[pos:nl], n_cands, first_line, tie_order)
        pos, first_line = nl + 1, first_line + 1
        nl = data.find(b"\n", pos)
        nl = len(data) if nl < 0 else nl
    end, (rows, weights, grouped, repeats) = _ballots(data, pos, n_cands, first_line)
    try:
        names, parties, title = _names(_decode(data[end[1] :]), n_cands)
    except BallotFileError as exc:  # its line counts from the end line: make it absolute
        end_line = first_line + data[pos : end[0]].count(b"\n")
        raise BallotFileError(_bare(exc), end_line + (exc.line or 0)) from None
    return _profile(
        names,
        rows,
        weights,
        seats,
        title,
        withdrawn,
        parties,
        grouped=grouped,
        repeats=repeats,
        tie_order=tie_order,
    )


def _ballots(
    data: bytes | mmap.mmap, pos: int, n_cands: int, first_line: int
) -> tuple[tuple[int, int], tuple[np.ndarray, np.ndarray, bool, bool]]:
    """The end line, and the ballots before it: rows, weights, whether grouped already and
    whether a row may name a candidate twice. The fast path first (`blt_scan`), on the section
    up to the file's last lone-0 line; else the first end line and the exact path."""
    end = _last_end_line(data, pos)  # a big file's names are short: look from its end
    fast = None if end is None else scan_ballots(data, pos, end[0], n_cands)
    if fast is None:
        first_end = _end_line(data, pos)
        if first_end is None:
            last = data[:].count(b"\n") + (0 if data[-1:] == b"\n" else 1)
            raise BallotFileError("truncated file: no end-of-ballots line '0'", max(last, 1))
        if first_end != end:
            end = first_end
            fast = scan_ballots(data, pos, end[0], n_cands)
    assert end is not None
    if fast is None:
        rows, weights = _ballots_exact(data[pos : end[0]], n_cands, first_line)
        return end, (rows, weights, False, True)
    return end, (fast[0], fast[1], True, fast[2])


def _option(
    line: bytes, n_cands: int, line_no: int, before: tuple[int, ...] | None
) -> tuple[int, ...]:
    """A `[tie c1 c2 ...]` line: the tie-breaking order, earlier candidates favoured."""
    text = line.decode("utf-8", "replace").strip()
    if not text.endswith("]"):
        raise BallotFileError(f"unterminated option line {text[:60]!r}", line_no)
    words = text[1:-1].split()
    if not words or words[0].lower() != "tie":
        raise BallotFileError(
            f"unknown option line {text[:60]!r} (only [tie ...] is read)", line_no
        )
    if before is not None:
        raise BallotFileError("a second [tie ...] line", line_no)
    order: list[int] = []
    for tok in words[1:]:
        if not (tok.isascii() and tok.isdigit()) or not 1 <= int(tok) <= n_cands:
            raise BallotFileError(f"[tie ...]: not a candidate number: {tok!r}", line_no)
        if int(tok) - 1 in order:
            raise BallotFileError(f"[tie ...] names candidate {tok} twice", line_no)
        order.append(int(tok) - 1)
    if len(order) != n_cands:
        raise BallotFileError(
            f"[tie ...] must list all {n_cands} candidates, not {len(order)}", line_no
        )
    return tuple(order)


def _end_line(data: bytes | mmap.mmap, pos: int) -> tuple[int, int] | None:
    """Where the end-of-ballots line (a lone 0) starts and ends, searching from `pos`."""
    at = pos - 1  # the newline that ends the line before `pos` (a header at least)
    while True:
        at = data.find(b"\n0", at)
        if at < 0:
            match = _END_LINE.search(data, pos)  # a padded "  0" line, if any
            return None if match is None else (match.start(), match.end())
        stop = at + 2
        while stop < len(data) and data[stop] in b" \t\r":
            stop += 1
        if stop == len(data) or data[stop] == 10:
            return at + 1, stop
        at += 1


def _last_end_line(data: bytes | mmap.mmap, pos: int) -> tuple[int, int] | None:
    """Like `_end_line`, but the last lone-0 line of the file (not padded): where the fast
    path looks first, since it refuses a section holding another such line."""
    at = len(data)
    while True:
        at = data.rfind(b"\n0", pos - 1, at)
        if at < 0:
            return None
        stop = at + 2
        while stop < len(data) and data[stop] in b" \t\r":
            stop += 1
        if stop == len(data) or data[stop] == 10:
            return at + 1, stop


def _withdrawn(line: bytes, n_cands: int, line_no: int) -> set[int]:
    out: set[int] = set()
    for tok in line.split():
        try:
            value = int(tok)
        except ValueError:
            value = 0
        if value >= 0 or -value > n_cands:
            shown = tok.decode("utf-8", "replace")
            raise BallotFileError(f"bad withdrawn candidate {shown!r}", line_no)
        out.add(-value - 1)
    return out


def _ballots_exact(section: bytes, n_cands: int, first_line: int) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line parse: tolerates the quirks listed in the module docstring, else raises."""
    rankings: list[list[int]] = []
    weights: list[int] = []
    for offset, raw in enumerate(section.split(b"\n")):
        line_no = first_line + offset
        tokens = raw.decode("utf-8", "replace").split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if tokens[0].startswith("(") and tokens[0].endswith(")"):
            tokens = tokens[1:]
        weight = _weight(tokens[0] if tokens else "", line_no)
        ranking = _ranking(tokens[1:], n_cands, line_no)
        if weight:
            rankings.append(ranking)
            weights.append(weight)
    width = max((len(r) for r in rankings), default=1) or 1
    rows = np.full((len(rankings), width), -1, dtype=np.int32)
    for i, ranking in enumerate(rankings):
        rows[i, : len(ranking)] = ranking
    return rows, weights_array(weights)


def _weight(token: str, line_no: int) -> int:
    if not (token.isascii() and token.isdigit()):
        raise BallotFileError(
            f"ballot weight must be a whole number, got {token!r}" if token else "empty ballot",
            line_no,
        )
    return int(token)


def _ranking(tokens: Sequence[str], n_cands: int, line_no: int) -> list[int]:
    if not tokens or tokens[-1] != "0":
        raise BallotFileError("ballot line must end with 0", line_no)
    ranking: list[int] = []
    for tok in tokens[:-1]:
        if tok == "-":
            continue
        if "=" in tok:
            raise BallotFileError(f"equal rankings ({tok!r}) are not supported", line_no)
        if not (tok.isascii() and tok.isdigit()):
            raise BallotFileError(f"not a candidate number: {tok!r}", line_no)
        number = int(tok)
        if not 1 <= number <= n_cands:
            raise BallotFileError(
                f"unknown candidate {number} (candidates are numbered 1 to {n_cands})", line_no
            )
        if number - 1 not in ranking:
            ranking.append(number - 1)
    return ranking


def _names(text: str, n_cands: int) -> tuple[list[str], list[str | None], str]:
    """Names, parties and title from the text after the end line (line numbers in errors
    count from that line, as 0)."""
    entries: list[tuple[int, list[str]]] = []
    alternatives: dict[int, str] = {}
    last_line = 0
    for offset, raw in enumerate(text.split("\n")):
        line_no = offset  # offset 0 is the rest of the end line
        line = raw.strip()
        if not line:
            continue
        last_line = line_no
        if line.startswith("#"):
            alt = _ALT_NAME.match(line)
            if alt:
                alternatives[int(alt[1])] = alt[2]
            continue
        entries.append((line_no, _strings(line, line_no)))
    # (not a set of range(1, n + 1): a header may claim any number of candidates)
    named = len(alternatives) >= n_cands and all(i in alternatives for i in range(1, n_cands + 1))
    if len(entries) < n_cands and named:
        title = entries[0][1][0] if entries else ""
        if len(entries) > 1:
            raise BallotFileError("unexpected line after the title", entries[1][0])
        names, parties = [], []
        for i in range(1, n_cands + 1):
            split = _PARTY_SUFFIX.match(alternatives[i])
            names.append(split[1] if split else alternatives[i])
            parties.append(split[2].strip() if split else None)
        _distinct(names, [0] * n_cands)
        return names, list(parties), title
    if len(entries) < n_cands:
        raise BallotFileError(
            f"truncated file: {n_cands} candidate names expected, found {len(entries)}",
            last_line + 1,
        )
    if len(entries) > n_cands + 1:
        raise BallotFileError("unexpected line after the title", entries[n_cands + 1][0])
    for line_no, strings in entries[:n_cands]:
        if len(strings) > 2:
            raise BallotFileError("a name line holds at most a name and a party", line_no)
    names = [strings[0] for _, strings in entries[:n_cands]]
    _distinct(names, [line_no for line_no, _ in entries[:n_cands]])
    parties = [strings[1] if len(strings) > 1 else None for _, strings in entries[:n_cands]]
    title = " ".join(entries[n_cands][1]) if len(entries) > n_cands else ""
    return names, parties, title


def _distinct(names: Sequence[str], lines: Sequence[int]) -> None:
    """Refuse a name given twice: results are keyed by name, so one would be lost."""
    seen: set[str] = set()
    for name, line_no in zip(names, lines, strict=True):
        if name in seen:
            raise BallotFileError(f"candidate name {name!r} given twice", line_no or None)
        seen.add(name)


def _strings(line: str, line_no: int) -> list[str]:
    """A name line: one unquoted string, or quoted strings with CSV-style doubled quotes."""
    if not line.startswith('"'):
        return [line]
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i].isspace():
            i += 1
            continue
        if line[i] != '"':
            raise BallotFileError(f"text after a quoted string: {line[i:]!r}", line_no)
        chars: list[str] = []
        i += 1
        while True:
            if i >= len(line):
                raise BallotFileError("unterminated quoted string", line_no)
            if line[i] == '"':
                if line.startswith('""', i):
                    chars.append('"')
                    i += 2
                    continue
                i += 1
                break
            chars.append(line[i])
            i += 1
        out.append("".join(chars).strip())
    return out


def _profile(
    names: Sequence[str],
    rows: np.ndarray,
    weights: np.ndarray,
    seats: int | None,
    title: str,
    withdrawn: set[int],
    parties: Sequence[str | None] | None,
    *,
    grouped: bool = False,
    repeats: bool = True,
    tie_order: tuple[int, ...] | None = None,
) -> Profile:
    if not grouped:
        rows, weights = group_rankings(rows, weights)
    deduped = dedupe(rows) if repeats else rows
    if deduped is not rows:  # rankings may be shorter now: trim the padding
        rows, weights = group_rankings(deduped, weights)
        used = int((rows >= 0).sum(axis=1).max()) if len(rows) else 0
        rows = np.ascontiguousarray(rows[:, : max(used, 1)])
    has_party = parties is not None and any(p is not None for p in parties)
    return Profile(
        candidates=tuple(names),
        rankings=rows,
        weights=weights,
        seats=seats,
        title=title,
        withdrawn=frozenset(withdrawn),
        parties=tuple(parties) if has_party and parties is not None else None,
        tie_order=tie_order,
    )


# --- CSV and JSON rankings -------------------------------------------------------------------


@_refusing_oversize
def parse_csv(text: str) -> Profile:
    """Parse CSV rankings (see the module docstring)."""
    index: dict[str, int] = {}
    rankings: list[list[int]] = []
    weights: list[int] = []
    has_weight = False
    seen_row = False
    for line_no, row in _csv_rows(text):
        cells = [c.strip() for c in row]
        if not seen_row:
            seen_row = True
            head = cells[0].lower() if cells else ""
            if head in ("weight", "rank1", "rank 1"):
                has_weight = head == "weight"
                continue
        weight = 1
        if has_weight:
            weight = _weight(cells[0] if cells else "", line_no)
            cells = cells[1:]
        ranking: list[int] = []
        for name in cells:
            if name:
                number = index.setdefault(name, len(index))
                if number not in ranking:
                    ranking.append(number)
        if weight and ranking:
            rankings.append(ranking)
            weights.append(weight)
    if not index:
        raise BallotFileError("no ballots in the file")
    rows = np.full((len(rankings), max(len(r) for r in rankings)), -1, dtype=np.int32)
    for i, ranking in enumerate(rankings):
        rows[i, : len(ranking)] = ranking
    return _profile(list(index), rows, weights_array(weights), None, "", set(), None)


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    import csv  # here: a BLT count need not import it
    import io

    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            out.append((reader.line_num, row))
    except csv.Error as exc:
        raise BallotFileError(f"bad CSV: {exc}", reader.line_num) from None
    return out


@_refusing_oversize
def parse_json(text: str) -> Profile:
    """Parse JSON rankings (see the module docstring)."""
    import json

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BallotFileError(f"bad JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(doc, dict):
        raise BallotFileError("a JSON ballot file is an object with candidates and ballots")
    names = doc.get("candidates")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not names:
        raise BallotFileError('"candidates" must be a non-empty list of names')
    if len(set(names)) != len(names):
        raise BallotFileError('"candidates" lists a name twice')
    seats = doc.get("seats")
    if seats is not None and (not isinstance(seats, int) or isinstance(seats, bool) or seats < 1):
        raise BallotFileError('"seats" must be a positive whole number')
    ballots = doc.get("ballots")
    if not isinstance(ballots, list):
        raise BallotFileError('"ballots" must be a list')
    index = {name: i for i, name in enumerate(names)}
    rankings: list[list[int]] = []
    weights: list[int] = []
    for k, ballot in enumerate(ballots, start=1):
        ranking, weight = _json_ballot(ballot, index, k)
        if weight and ranking:
            rankings.append(ranking)
            weights.append(weight)
    width = max((len(r) for r in rankings), default=1)
    rows = np.full((len(rankings), width), -1, dtype=np.int32)
    for i, ranking in enumerate(rankings):
        rows[i, : len(ranking)] = ranking
    title = doc.get("title", "")
    return _profile(names, rows, weights_array(weights), seats, str(title), set(), None)


def _json_ballot(ballot: object, index: dict[str, int], k: int) -> tuple[list[int], int]:
    if not isinstance(ballot, dict) or not isinstance(ballot.get("ranking"), list):
        raise BallotFileError(f'ballot {k}: expected {{"ranking": [names], "weight": n}}')
    weight = ballot.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
        raise BallotFileError(f"ballot {k}: weight must be a whole number, got {weight!r}")
    ranking: list[int] = []
    for name in ballot["ranking"]:
        if not isinstance(name, str) or name not in index:
            raise BallotFileError(f"ballot {k}: unknown candidate {name!r}")
        if index[name] not in ranking:
            ranking.append(index[name])
    return ranking, weight


# --- party totals ----------------------------------------------------------------------------


@_refusing_oversize
def parse_party_votes(text: str) -> PartyVotes:
    """Parse `party,votes` rows (see the module docstring)."""
    parties: list[str] = []
    seen: set[str] = set()
    votes: list[int] = []
    for k, (line_no, row) in enumerate(_csv_rows(text)):
        cells = [c.strip() for c in row]
        while len(cells) > 2 and not cells[-1]:
            cells.pop()
        if len(cells) != 2:
            raise BallotFileError(f"expected 'party,votes', got {len(cells)} cells", line_no)
        party, count = cells
        if not (count.isascii() and count.isdigit()):
            if k == 0:
                continue  # a header row
            raise BallotFileError(f"votes must be a whole number, got {count!r}", line_no)
        if not party:
            raise BallotFileError("empty party name", line_no)
        if party in seen:
            raise BallotFileError(f"party {party!r} listed twice", line_no)
        seen.add(party)
        parties.append(party)
        votes.append(int(count))
    if not parties:
        raise BallotFileError("no party totals in the file")
    return PartyVotes(parties=tuple(parties), votes=tuple(votes))

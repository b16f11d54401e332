"""The fast reader of a BLT file's ballot lines: the clean, common case, vectorised with NumPy.

Most large BLT files hold ballot lines `weight c1 ... ck 0`: digits and single spaces, one
line a ballot. `scan_ballots` reads such a section in a few passes over its bytes, a piece of
about 256 KiB at a time (no Python loop over lines), and groups identical rankings as it goes:
each ranking is packed into one integer key (a candidate a slot, its number in slot j), the keys
are sorted once, and only the distinct ones are unpacked into rows. Keys order rankings exactly
as `readers.group_rankings` does, so the profile is the same array for array.

It returns None as soon as anything is unusual: a comment, a blank or padded line, `-`, `=`, a
ballot identifier, a weight of 0, a candidate 0 or beyond the header's number, a number of more
than nine digits, a line not ending in ` 0`. `readers.parse_blt` then reads the section line by
line (the exact path): the same profile, or an error naming the line.
"""

from __future__ import annotations

import numpy as np

from dualpower.counting.grouping import group_rankings, sum_by_key

_CHUNK = 1 << 18  # bytes parsed at a time: the arrays of one piece stay in the CPU's cache
_NIBBLES = 15  # n <= 15: a ranking of up to 14 candidates packs into 4-bit slots of one key
_BYTES = 255  # n <= 255: a ranking of up to 7 candidates packs into the bytes of one key
_LO4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_LO8 = np.uint64(0x00FF00FF00FF00FF)
_LO16 = np.uint64(0x0000FFFF0000FFFF)
_LO32 = np.uint64(0x00000000FFFFFFFF)
_HIGH7 = np.uint64(0x00FFFFFFFFFFFFFF)


def scan_ballots(
    data: bytes, start: int, stop: int, n_cands: int
) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """The ballot lines `data[start:stop]` (whole lines) read and grouped: distinct rankings
    (int32 rows of 0-based candidates, padded with -1, sorted by key), their summed weights
    (int64) and whether a row may repeat a candidate (then `readers` dedupes); None when the
    section is not clean (see the module docstring)."""
    if data.find(b"\r", start, stop) >= 0 or data.find(b"\t", start, stop) >= 0:
        data = data[start:stop].replace(b"\r\n", b"\n").replace(b"\t", b" ")
        if b"\r" in data:
            return None  # a lone carriage return: the exact path reads it as a space
        start, stop = 0, len(data)
    if start >= stop:
        return np.full((0, 1), -1, dtype=np.int32), np.zeros(0, dtype=np.int64), False
    if data[stop - 1] != 10:
        data, start, stop = data[start:stop] + b"\n", 0, stop - start + 1
    mode = "nibble" if n_cands <= _NIBBLES else "byte" if n_cands <= _BYTES else "rows"
    try:
        parts = _scan(data, start, stop, n_cands, mode)
    except _TooLong:  # a ranking too long for one key: parse again into rows
        mode = "rows"
        parts = _scan(data, start, stop, n_cands, mode)
    if parts is None:
        return None
    keys, weights, width = parts
    if mode == "rows":  # pieces of rows, each as wide as its longest ranking
        rows = np.full((sum(len(k) for k in keys), max(width, 1)), -1, dtype=np.int32)
        at = 0
        for part in keys:
            rows[at : at + len(part), : part.shape[1]] = part
            at += len(part)
        grouped, sums = group_rankings(rows, np.concatenate(weights))
        return grouped, sums, True
    uniq, sums = sum_by_key(np.concatenate(keys), np.concatenate(weights))
    rows, repeats = _unpack(uniq, mode, width)
    return rows, sums, repeats


class _TooLong(Exception):
    """A ranking longer than the key layout of `mode` holds."""


def _scan(
    data: bytes, start: int, stop: int, n_cands: int, mode: str
) -> tuple[list[np.ndarray], list[np.ndarray], int] | None:
    keys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    width = 0
    whole = np.frombuffer(data, np.uint8)
    while start < stop:
        end = data.find(b"\n", min(start + _CHUNK, stop - 1), stop) + 1
        lines = _lines(whole[start:end], n_cands)
        if lines is None:
            return None
        tokens, first, count = lines
        w = int(count.max()) - 2
        limit = 14 if mode == "nibble" else 7 if mode == "byte" else w
        if w > limit:
            raise _TooLong
        keys.append(_pack(tokens, first, count, mode, max(w, 1)))
        weights.append(tokens.take(first).astype(np.int64))
        width = max(width, w)
        start = end
    return keys, weights, width


def _lines(buf: np.ndarray, n_cands: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Lines `weight c1 .. ck 0\\n` (whole lines): every token's value, the index of each
    line's first token and each line's number of tokens; None if anything is unusual."""
    if len(buf) < 4 or buf.max() > 57:  # 57: '9'
        return None
    sep = buf < 48  # with the check below: a space or a newline
    newline = buf == 10
    n_lines = np.count_nonzero(newline)
    if n_lines + np.count_nonzero(buf == 32) != np.count_nonzero(sep):
        return None
    if sep[0] or (sep[1:] & sep[:-1]).any():  # a blank line, padding, or two spaces
        return None
    zero = buf == 48
    if zero[0] and sep[1]:  # a weight of 0 (first line of the piece)
        return None
    ends_well = zero[1:-1] & (buf[:-2] == 32)  # '... 0\n': the terminator, after a token
    if newline[1] or (newline[2:] & ~ends_well).any():
        return None
    if np.count_nonzero(zero[1:-1] & sep[:-2] & sep[2:]) != n_lines:
        return None  # a 0 that is not a terminator: a weight of 0 or candidate 0
    values = _values(buf, sep)
    if values is None:
        return None
    at = np.flatnonzero(sep)
    tokens = values.take(at)
    last = np.flatnonzero(tokens == 0)
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    count = last - first + 1
    if int(tokens.max()) > n_cands:  # a weight may pass n; a candidate may not
        candidates = tokens.copy()
        candidates[first] = 0
        if int(candidates.max()) > n_cands:
            return None
    return tokens, first, count


def _values(buf: np.ndarray, sep: np.ndarray) -> np.ndarray | None:
    """At index i + 1, the value of the number whose last digit is at i (elsewhere: junk)."""
    digit = ~sep
    runs = [digit]  # runs[k][j]: bytes j .. j + k are all digits
    while True:
        longer = runs[-1][:-1] & digit[len(runs) :]
        if not longer.any():
            break
        if len(runs) == 9:  # ten digits or more: the exact path reads it (int64 is enough)
            return None
        runs.append(longer)
    places = len(runs)
    dtype = np.uint8 if places <= 2 else np.uint16 if places <= 4 else np.uint32
    digits = (buf - np.uint8(48)) * digit
    out = np.zeros(len(buf) + 1, dtype=dtype)
    out[1:] = digits
    for k in range(1, places):
        term = (digits[:-k] * runs[k]).astype(dtype) * dtype(10**k)
        np.add(out[1 + k :], term, out=out[1 + k :])
    return out


def _pack(
    tokens: np.ndarray, first: np.ndarray, count: np.ndarray, mode: str, width: int
) -> np.ndarray:
    """Each line's ranking as one int64 key (slot j holds its candidate j, 1-based, 0 empty),
    or in `rows` mode as a row of 0-based candidates padded with -1."""
    n_lines = len(first)
    slots = 16 if mode != "rows" else width + 2
    # Line i's candidates go to row i + 1 from column 0, its terminator (0) after them, and its
    # weight to the last column of row i (cleared below): one scatter places every token.
    # (a running sum: one more each token, and a jump at each line's first token)
    step = np.ones(len(tokens), dtype=np.int64)
    step[0] = slots - 1
    step[first[1:]] = slots + 1 - count[:-1]
    where = np.cumsum(step)
    grid = np.zeros((n_lines + 1) * slots, dtype=np.uint8 if mode != "rows" else np.int32)
    grid[where] = tokens
    table = grid.reshape(n_lines + 1, slots)[1:]
    if mode == "rows":
        rows: np.ndarray = table[:, :width] - 1
        return rows
    words = table.view(np.uint64)
    if mode == "byte":
        return words[:, 0].view(np.int64)
    low = _squeeze(words[:, 0])
    high = _squeeze(words[:, 1] & _HIGH7)
    keys: np.ndarray = (low | (high << np.uint64(32))).view(np.int64)
    return keys


def _squeeze(x: np.ndarray) -> np.ndarray:
    """Eight bytes of values below 16 into the eight low nibbles, in order."""
    x = (x | (x >> np.uint64(4))) & _LO8
    x = (x | (x >> np.uint64(8))) & _LO16
    out: np.ndarray = (x | (x >> np.uint64(16))) & _LO32
    return out


def _spread(x: np.ndarray) -> np.ndarray:
    """The inverse of `_squeeze`: eight nibbles into the low halves of eight bytes."""
    x = (x | (x << np.uint64(16))) & _LO16
    x = (x | (x << np.uint64(8))) & _LO8
    out: np.ndarray = (x | (x << np.uint64(4))) & _LO4
    return out


def _unpack(keys: np.ndarray, mode: str, width: int) -> tuple[np.ndarray, bool]:
    """Rows of 0-based candidates (padded with -1) from distinct keys, and whether any row
    names a candidate twice."""
    width = max(width, 1)
    if mode == "byte":
        table = keys.view(np.uint8).reshape(len(keys), 8)
        rows = table[:, :width].astype(np.int32)
        rows -= 1
        return rows, True
    words = np.empty((len(keys), 2), dtype=np.uint64)
    unsigned = keys.view(np.uint64)
    words[:, 0] = _spread(unsigned & _LO32)
    words[:, 1] = _spread(unsigned >> np.uint64(32))
    table = words.view(np.uint8)
    rows = table[:, :width].astype(np.int32)
    rows -= 1
    return rows, _repeats(table)


def _repeats(table: np.ndarray) -> bool:
    """Whether a row of candidate numbers below 16 (0: empty) names one twice: the bits
    1 << c of a row are then fewer than its candidates."""
    if len(table) == 0:
        return False
    bits = np.left_shift(np.uint16(1), table, dtype=np.uint16) & np.uint16(0xFFFE)
    quads = bits.view(np.uint64)
    seen = quads[:, 0] | quads[:, 1] | quads[:, 2] | quads[:, 3]
    seen |= seen >> np.uint64(32)
    seen |= seen >> np.uint64(16)
    seen &= np.uint64(0xFFFF)
    filled = (table != 0).view(np.uint64)
    named = np.bitwise_count(filled[:, 0]) + np.bitwise_count(filled[:, 1])
    return bool((np.bitwise_count(seen) != named).any())

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

from typing import TYPE_CHECKING

import numpy as np

from dualpower.counting.grouping import group_rankings, sum_by_key
from dualpower.counting.model import INT64_MAX

if TYPE_CHECKING:
    import mmap

_CHUNK = 1 << 18  # bytes parsed at a time: the arrays of one piece stay in the CPU's cache
_BLOCK = 1 << 16  # distinct keys unpacked at a time
_NIBBLES = 15  # n <= 15: a ranking of up to 14 candidates packs into 4-bit slots of one key
_BYTES = 255  # n <= 255: a ranking of up to 7 candidates packs into the bytes of one key
_LO4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_LO8 = np.uint64(0x00FF00FF00FF00FF)
_LO16 = np.uint64(0x0000FFFF0000FFFF)
_LO32 = np.uint64(0x00000000FFFFFFFF)
_HIGH7 = np.uint64(0x00FFFFFFFFFFFFFF)


def scan_ballots(
    data: bytes | mmap.mmap, start: int, stop: int, n_cands: int
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
    _raise_mmap_threshold()
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
        grouped, sums = group_rankings(rows, np.concatenate(weights).astype(np.int64))
        return grouped, sums, True
    uniq, sums = _sum(np.concatenate(keys), weights)
    rows, repeats = _unpack(uniq, mode, width)
    return rows, sums, repeats


def _sum(keys: np.ndarray, weights: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, sorted, with their summed weights: by run lengths when every line has
    the same weight (as in a file of one line per ballot), without a weight array."""
    one = int(weights[0][0])
    if all(int(w.min()) == one == int(w.max()) for w in weights) and one * len(keys) <= INT64_MAX:
        keys.sort()
        starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
        runs = np.diff(starts, append=len(keys))
        return keys[starts], runs * one
    return sum_by_key(keys, np.concatenate(weights).astype(np.int64))


def _raise_mmap_threshold() -> None:
    """Free one 4 MiB block: glibc's malloc then serves blocks below that size from its heap
    and keeps them for reuse (its threshold follows the largest mapped block freed, mallopt(3)),
    where each fresh mapping of a piece's arrays, below it, would cost a page fault every 4 KiB
    (half the reader's faults, a fifth of its time). Elsewhere, one untouched allocation."""
    block = np.empty(_NUDGE, dtype=np.uint8)
    del block


_NUDGE = 1 << 22


class _TooLong(Exception):
    """A ranking longer than the key layout of `mode` holds."""


class _Work:
    """Scratch arrays reused from piece to piece: fresh ones would cost the process a page
    fault for every 4 KiB they span, each time."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def __call__(self, name: str, size: int, dtype: type) -> np.ndarray:
        have = self.arrays.get(name)
        if have is None or len(have) < size or have.dtype != dtype:
            have = self.arrays[name] = np.empty(size + size // 4 + 64, dtype=dtype)
        return have[:size]


def _scan(
    data: bytes | mmap.mmap, start: int, stop: int, n_cands: int, mode: str
) -> tuple[list[np.ndarray], list[np.ndarray], int] | None:
    keys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    width = 0
    whole = np.frombuffer(data, np.uint8)
    work = _Work()
    while start < stop:
        end = data.find(b"\n", min(start + _CHUNK, stop - 1), stop) + 1
        lines = _lines(whole[start:end], n_cands, work)
        if lines is None:
            return None
        tokens, first, count = lines
        w = int(count.max()) - 2
        limit = 14 if mode == "nibble" else 7 if mode == "byte" else w
        if w > limit:
            raise _TooLong
        keys.append(_pack(tokens, first, count, mode, max(w, 1), work))
        weights.append(tokens.take(first))
        width = max(width, w)
        start = end
    return keys, weights, width


def _lines(
    buf: np.ndarray, n_cands: int, work: _Work
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Lines `weight c1 .. ck 0\\n` (whole lines): every token's value, the index of each
    line's first token and each line's number of tokens; None if anything is unusual."""
    size = len(buf)
    if size < 4 or buf.max() > 57:  # 57: '9'
        return None
    sep = np.less(buf, 48, out=work("sep", size, np.bool_))  # (checked next) space, newline
    newline = np.equal(buf, 10, out=work("newline", size, np.bool_))
    scratch = work("scratch", size, np.bool_)
    n_lines = np.count_nonzero(newline)
    spaces = np.count_nonzero(np.equal(buf, 32, out=scratch))
    if n_lines + spaces != np.count_nonzero(sep):
        return None
    if sep[0] or np.logical_and(sep[1:], sep[:-1], out=scratch[1:]).any():
        return None  # a blank line, padding, or two spaces
    zero = np.equal(buf, 48, out=work("zero", size, np.bool_))
    if zero[0] and sep[1]:  # a weight of 0 (first line of the piece)
        return None
    odd = np.equal(buf[:-2], 32, out=scratch[2:])
    odd &= zero[1:-1]  # '... 0\n': the terminator, after a token
    np.greater(newline[2:], odd, out=odd)  # a newline not so preceded
    if newline[1] or odd.any():
        return None
    alone = np.logical_and(zero[1:-1], sep[:-2], out=scratch[2:])
    alone &= sep[2:]
    if np.count_nonzero(alone) != n_lines:
        return None  # a 0 that is not a terminator: a weight of 0 or candidate 0
    values = _values(buf, sep, work)
    if values is None:
        return None
    at = np.flatnonzero(sep)
    tokens = values.take(at, out=work("tokens", len(at), values.dtype.type))
    last = np.flatnonzero(np.equal(tokens, 0, out=work("ends", len(at), np.bool_)))
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


def _values(buf: np.ndarray, sep: np.ndarray, work: _Work) -> np.ndarray | None:
    """At index i + 1, the value of the number whose last digit is at i (elsewhere: junk)."""
    size = len(buf)
    digit = np.logical_not(sep, out=work("digit", size, np.bool_))
    runs = [digit]  # runs[k][j]: bytes j .. j + k are all digits
    longer = np.logical_and(digit[:-1], digit[1:], out=work("run", size - 1, np.bool_))
    while longer.any():
        if len(runs) == 9:  # ten digits or more: the exact path reads it (int64 is enough)
            return None
        runs.append(longer)
        longer = runs[-1][:-1] & digit[len(runs) :]
    places = len(runs)
    dtype = np.uint8 if places <= 2 else np.uint16 if places <= 4 else np.uint32
    digits = np.subtract(buf, np.uint8(48), out=work("digits", size, np.uint8))
    digits *= digit
    out = work(f"values{places}", size + 1, dtype)
    out[0] = 0
    out[1:] = digits
    for k in range(1, places):
        term = (digits[:-k] * runs[k]).astype(dtype) * dtype(10**k)
        np.add(out[1 + k :], term, out=out[1 + k :])
    return out


def _pack(
    tokens: np.ndarray, first: np.ndarray, count: np.ndarray, mode: str, width: int, work: _Work
) -> np.ndarray:
    """Each line's ranking as one int64 key (slot j holds its candidate j, 1-based, 0 empty),
    or in `rows` mode as a row of 0-based candidates padded with -1."""
    n_lines = len(first)
    slots = 16 if mode != "rows" else width + 2
    # Line i's candidates go to row i + 1 from column 0, its terminator (0) after them, and its
    # weight to the last column of row i (cleared below): one scatter places every token.
    # (a running sum: one more each token, and a jump at each line's first token)
    where = work("where", len(tokens), np.int64)
    where.fill(1)
    where[0] = slots - 1
    where[first[1:]] = slots + 1 - count[:-1]
    np.cumsum(where, out=where)
    grid = work(f"grid-{mode}", (n_lines + 1) * slots, np.uint8 if mode != "rows" else np.int32)
    grid.fill(0)
    grid[where] = tokens
    table = grid.reshape(n_lines + 1, slots)[1:]
    if mode == "rows":
        rows: np.ndarray = table[:, :width] - 1
        return rows
    words = table.view(np.uint64)
    if mode == "byte":
        return words[:, 0].view(np.int64).copy()
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
    names a candidate twice; a block of keys at a time (small temporary arrays)."""
    rows = np.empty((len(keys), max(width, 1)), dtype=np.int32)
    repeats = mode == "byte"  # (only 4-bit slots are checked here)
    for at in range(0, len(keys), _BLOCK):
        part = keys[at : at + _BLOCK]
        if mode == "byte":
            table = part.view(np.uint8).reshape(len(part), 8)
        else:
            words = np.empty((len(part), 2), dtype=np.uint64)
            unsigned = part.view(np.uint64)
            words[:, 0] = _spread(unsigned & _LO32)
            words[:, 1] = _spread(unsigned >> np.uint64(32))
            table = words.view(np.uint8)
            repeats = repeats or _repeats(table)
        rows[at : at + len(part)] = table[:, : rows.shape[1]]
    rows -= 1
    return rows, repeats


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

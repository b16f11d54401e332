"""Grouping identical rankings, summing their weights (DESIGN.md section 3).

A ranking (0-based candidates, padded with -1) is packed into one int64 key, slot j holding its
candidate j plus one in `bits` bits (a longer one into several keys); sorting the keys groups
identical rankings, and the distinct ones come out in key order. Every reader groups this way,
so a profile does not depend on which reader, or which path of the BLT reader, built it.
Weights are summed exactly: int64 while the sums fit, else Python integers.
"""

from __future__ import annotations

import numpy as np

from dualpower.counting.model import INT64_MAX, weights_array


def group_rankings(rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical rows of `rows` (padded with -1), summing their weights."""
    keep = weights > 0
    if not keep.all():
        rows, weights = rows[keep], weights[keep]
    width = max(rows.shape[1], 1)
    weights = weights_array(weights)
    if len(rows) == 0:
        return rows.reshape(0, width).astype(np.int32), weights
    bits = key_bits(int(rows.max()) + 1)
    if bits * width > 62:
        return _group_wide(rows, weights, bits)
    keys = np.zeros(len(rows), dtype=np.int64)
    for j in range(width):
        keys |= (rows[:, j].astype(np.int64) + 1) << (bits * j)
    keys, sums = sum_by_key(keys, weights)
    return decode_keys(keys, bits, width), sums


def _group_wide(rows: np.ndarray, weights: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """`group_rankings` for rows too long for one int64 key: several keys, sorted together."""
    per = 62 // bits
    words = []
    for lo in range(0, rows.shape[1], per):
        key = np.zeros(len(rows), dtype=np.int64)
        for j in range(lo, min(lo + per, rows.shape[1])):
            key |= (rows[:, j].astype(np.int64) + 1) << (bits * (j - lo))
        words.append(key)
    order = np.lexsort(words[::-1])
    new = np.zeros(len(rows), dtype=bool)
    new[0] = True
    for key in words:
        ranked = key[order]
        new[1:] |= ranked[1:] != ranked[:-1]
    starts = np.flatnonzero(new)
    narrow = weights.dtype != object and int(weights.max()) * len(weights) <= INT64_MAX
    sums = np.add.reduceat(weights[order] if narrow else weights.astype(object)[order], starts)
    return np.ascontiguousarray(rows[order[starts]], dtype=np.int32), weights_array(sums)


def dedupe(rows: np.ndarray) -> np.ndarray:
    """Keep the first occurrence of a candidate repeated within one ranking."""
    if rows.shape[1] < 2 or len(rows) == 0:
        return rows
    if int(rows.max()) < 62:
        seen = np.zeros(len(rows), dtype=np.int64)
        dup = np.zeros(len(rows), dtype=bool)
        for j in range(rows.shape[1]):
            bit = np.left_shift(np.int64(2), rows[:, j])  # -1 (padding) -> bit 0, ignored
            dup |= (seen & bit) > 1
            seen |= bit
    else:
        srt = np.sort(rows, axis=1)
        dup = ((srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)).any(axis=1)
    if not dup.any():
        return rows
    rows = rows.copy()
    for i in np.flatnonzero(dup):
        kept: list[int] = []
        for c in rows[i]:
            if c >= 0 and int(c) not in kept:
                kept.append(int(c))
        rows[i] = -1
        rows[i, : len(kept)] = kept
    return rows


def key_bits(n_cands: int) -> int:
    """Bits for one candidate number (1..n, 0 for padding) in a ranking's key."""
    return max(int(n_cands).bit_length(), 1)


def decode_keys(keys: np.ndarray, bits: int, width: int) -> np.ndarray:
    """Rows of candidate indices (padded with -1) from keys holding c_j + 1 in slot j."""
    rows = np.empty((len(keys), width), dtype=np.int32)
    mask = (1 << bits) - 1
    for j in range(width):
        rows[:, j] = (keys >> (bits * j)) & mask
    rows -= 1
    return rows


def sum_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) with the summed weights of each."""
    if len(keys) == 0:
        return keys, weights
    if weights.dtype == object or int(weights.max()) * len(weights) > INT64_MAX:
        order = np.argsort(keys, kind="stable")  # sums that may not fit in int64: Python ints
        keys, wide = keys[order], weights.astype(object)[order]
        starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
        return keys[starts], weights_array(np.add.reduceat(wide, starts))
    if weights.min() == weights.max():  # one weight (often 1): count each key's run
        keys = np.sort(keys)
        starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
        runs = np.diff(starts, append=len(keys))
        return keys[starts], runs * weights[0]
    top = int(weights.max()) + 1
    if int(keys.max()) < 2**62 // top:
        packed = np.sort(keys * top + weights)  # one sort of plain integers: fast
        keys, weights = np.divmod(packed, top)
    else:
        order = np.argsort(keys, kind="stable")
        keys, weights = keys[order], weights[order]
    starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
    return keys[starts], np.add.reduceat(weights, starts)

"""Panels drawn by lot (DESIGN.md 2.4a): a seeded, published draw that anyone can repeat.

The algorithm, exactly (so it can be re-implemented in any language):

1. `inputs` are the eligible member ids, without duplicates, sorted ascending. They are
   published with the seed.
2. A stream of numbers: the k-th number (k = 0, 1, 2, ...) is the first 8 bytes, big-endian, of
   SHA-256 over the ASCII text `"{seed}:{k}"`.
3. `uniform(n)`: take the next number x of the stream; with limit = 2**64 - (2**64 mod n), a number
   x >= limit is skipped (so no index is favoured), else the answer is x mod n.
4. Fisher-Yates from the end: for i = len(inputs) - 1 down to 1, j = uniform(i + 1), swap the
   items at i and j.
5. The panel is the first `size` items of the shuffled list (all of them when fewer).

No database, no clock: the same seed and inputs give the same panel everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator

ALGORITHM = "sha256-fisher-yates-v1"

# The first panel of a report is seeded by the hash of the audit entry this many places after the
# report's own `report.open` entry (DESIGN.md 2.11): a value that did not exist when the report
# was filed and that the acts logged after it fix, not the server at the moment of the draw.
SEED_AFTER = 5
_SPACE = 2**64


def new_seed() -> str:
    """A fresh seed for a draw: 128 bits from the operating system, as 32 hex digits."""
    return secrets.token_hex(16)


def inputs_of(eligible: Iterable[int]) -> list[int]:
    """The published inputs: the eligible ids, once each, in ascending order."""
    return sorted(set(eligible))


def _stream(seed: str) -> Iterator[int]:
    k = 0
    while True:
        digest = hashlib.sha256(f"{seed}:{k}".encode("ascii")).digest()
        yield int.from_bytes(digest[:8], "big")
        k += 1


def _uniform(stream: Iterator[int], n: int) -> int:
    limit = _SPACE - (_SPACE % n)
    while True:
        x = next(stream)
        if x < limit:
            return x % n


def shuffle(seed: str, inputs: list[int]) -> list[int]:
    """The inputs in the order the seed gives them (steps 2-4)."""
    items = list(inputs)
    stream = _stream(seed)
    for i in range(len(items) - 1, 0, -1):
        j = _uniform(stream, i + 1)
        items[i], items[j] = items[j], items[i]
    return items


def draw(seed: str, eligible: Iterable[int], size: int) -> list[int]:
    """The panel: the first `size` of the seeded shuffle of the sorted eligible ids."""
    if size < 1:
        raise ValueError("a panel has at least one member")
    return shuffle(seed, inputs_of(eligible))[:size]


def panel_inputs(
    eligible: Iterable[int], parties: Iterable[int], earlier: Iterable[int], size: int
) -> list[int]:
    """The inputs of a draw: the eligible members but the parties to the report; members of
    earlier panels of the same report too, as long as enough others remain to fill the panel."""
    pool = set(eligible) - set(parties)
    fresh = pool - set(earlier)
    return inputs_of(fresh if len(fresh) >= size else pool)


def repeats(seed: str, inputs: list[int], size: int, panel: list[int]) -> bool:
    """Does re-running the published draw give the recorded panel? (The inputs must already be
    in their published form: sorted, without duplicates.)"""
    return inputs == inputs_of(inputs) and draw(seed, inputs, size) == list(panel)


HOW_TO_REPEAT = """import hashlib

def draw(seed, inputs, size):
    items = sorted(set(inputs))
    k = 0
    def uniform(n):
        nonlocal k
        limit = 2**64 - (2**64 % n)
        while True:
            x = int.from_bytes(hashlib.sha256(f"{seed}:{k}".encode()).digest()[:8], "big")
            k += 1
            if x < limit:
                return x % n
    for i in range(len(items) - 1, 0, -1):
        j = uniform(i + 1)
        items[i], items[j] = items[j], items[i]
    return items[:size]
"""

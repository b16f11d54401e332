"""The Merkle tree head over the audit log: RFC 9162 (Certificate Transparency v2), section 2.1.

    MTH({})        = SHA-256()                              (the empty string)
    MTH({d0})      = SHA-256(0x00 || d0)                    (a leaf)
    MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
                     where k is the largest power of two smaller than n

A leaf of the log is an entry's canonical JSON, its entry_hash included (`Entry.leaf()`).

`MerkleAccumulator` computes the same root as entries stream in, keeping only the roots of the
perfect subtrees the leaves so far decompose into (one per 1-bit of the size, O(log n)): the
RFC's split always puts the largest perfect subtree on the left, so the root is those subtree
roots folded from right to left. pymerkle 7 hashes the same way (the tests cross-check it), but
it keeps every leaf in memory; verification streams, so the fold is written out here.
`frontier` / `from_frontier` save and restore that stack, so the sequencer extends the tree
batch after batch without reading the log again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class TreeHead(NamedTuple):
    """A published tree head: the root (hex) over the first `size` entries."""

    size: int
    root: str


class MerkleAccumulator:
    """RFC 9162 tree hash of a growing list of leaves, in O(log n) memory."""

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, root of a perfect subtree), left first

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        """Add one leaf (its data; it is hashed with the 0x00 prefix here)."""
        self.append_hash(leaf_hash(leaf))

    def append_hash(self, digest: bytes) -> None:
        """Add one leaf given as its leaf hash already."""
        height, node = 0, digest
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            node = node_hash(left, node)
            height += 1
        self._stack.append((height, node))
        self._size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node

    def head(self) -> TreeHead:
        return TreeHead(self._size, self.root().hex())


def tree_head(leaves: Iterable[bytes]) -> TreeHead:
    """(size, root hex) of the RFC 9162 tree over `leaves`."""
    acc = MerkleAccumulator()
    for leaf in leaves:
        acc.append(leaf)
    return acc.head()


def frontier(acc: MerkleAccumulator) -> list[list[int | str]]:
    """The accumulator's state as JSON: [height, root hex] of each perfect subtree, left first."""
    return [[height, node.hex()] for height, node in acc._stack]


def from_frontier(size: int, state: Sequence[Sequence[int | str]]) -> MerkleAccumulator:
    """An accumulator resumed from `frontier()` output after `size` leaves.

    The heights must be the 1-bits of `size`, highest first: a frontier is checked, not trusted.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"a tree size must be a whole number >= 0, not {size!r}")
    heights = [h for h in range(size.bit_length() - 1, -1, -1) if size >> h & 1]
    try:
        stack = [(int(height), bytes.fromhex(str(node))) for height, node in state]
    except (TypeError, ValueError):
        raise ValueError("a frontier is a list of [height, root hex] pairs") from None
    if [h for h, _ in stack] != heights:
        raise ValueError(f"the frontier does not describe a tree of {size} leaves")
    if any(len(node) != 32 for _, node in stack):
        raise ValueError("frontier roots must be SHA-256 hashes (64 hex digits)")
    acc = MerkleAccumulator()
    acc._stack = stack
    acc._size = size
    return acc

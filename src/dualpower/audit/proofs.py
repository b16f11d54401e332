"""Inclusion and consistency proofs over the audit log's Merkle tree (RFC 9162 sections 2.1.3
and 2.1.4, which restate RFC 6962 sections 2.1.1 and 2.1.2).

An inclusion proof shows that one entry is leaf `index` of the tree of `size` leaves whose root a
client holds: the sibling subtree roots along the way up, PATH(m, D[n]):

    PATH(0, {d0})  = {}
    PATH(m, D[n])  = PATH(m, D[0:k]) : MTH(D[k:n])        for m < k
                   = PATH(m - k, D[k:n]) : MTH(D[0:k])    for m >= k

A consistency proof shows that the tree of `second` leaves extends the tree of `first` leaves
(the log only grew): PROOF(m, D[n]) = SUBPROOF(m, D[n], true), with

    SUBPROOF(m, D[m], true)  = {}
    SUBPROOF(m, D[m], false) = {MTH(D[m])}
    SUBPROOF(m, D[n], b)     = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])        for m <= k
                             = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  for m > k

where k is the largest power of two smaller than n. Proofs are built from the leaf hashes of the
first n entries; the verifiers are the RFC 9162 algorithms (2.1.3.2 and 2.1.4.2), which need no
leaves at all, only the proof and the roots the client already holds.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from dualpower.audit.merkle import EMPTY_ROOT, node_hash


class ProofError(ValueError):
    """A proof was asked for sizes or an index that do not exist."""


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(hashes: Sequence[bytes], lo: int = 0, hi: int | None = None) -> bytes:
    """MTH over the leaves whose leaf hashes are hashes[lo:hi]."""
    hi = len(hashes) if hi is None else hi
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[lo]
    k = _split(n)
    return node_hash(subtree_root(hashes, lo, lo + k), subtree_root(hashes, lo + k, hi))


def inclusion_proof(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) for the tree over `hashes` (the leaf hashes of its n leaves)."""
    n = len(hashes)
    if not 0 <= index < n:
        raise ProofError(f"leaf {index} is not in a tree of {n} leaves")
    path: list[bytes] = []
    lo, hi, m = 0, n, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(subtree_root(hashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree_root(hashes, lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()  # the RFC lists the path from the leaf up
    return path


def consistency_proof(hashes: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(first, D[n]) for the tree over `hashes` (n leaves), 0 <= first <= n."""
    n = len(hashes)
    if not 0 <= first <= n:
        raise ProofError(f"a tree of {first} leaves is not a prefix of a tree of {n} leaves")
    if first in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, n, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(subtree_root(hashes, lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(hashes, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(subtree_root(hashes, lo, hi))
    proof.reverse()
    return proof


def _equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` leads to from the leaf hash `leaf` at `index` (RFC 9162 2.1.3.2);
    ProofError if the proof has the wrong shape for that index and size."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves with `root`."""
    try:
        return _equal(root_from_inclusion(leaf, index, size, proof), root)
    except ProofError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether the tree of `second` leaves with `second_root` extends the tree of `first`
    leaves with `first_root` (RFC 9162 2.1.4.2)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and _equal(first_root, second_root)
    if first == 0:  # every tree extends the empty one
        return not proof and _equal(first_root, EMPTY_ROOT)
    path = list(proof)
    if not path:
        return False
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and _equal(fr, first_root) and _equal(sr, second_root)

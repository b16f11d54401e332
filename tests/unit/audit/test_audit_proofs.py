"""Merkle hashing and proofs against the Certificate Transparency test vectors (RFC 6962 / RFC
9162; the 8-leaf data set of the CT reference implementation's merkle_tree tests) and against a
reference written here straight from the RFC's recursive definitions (audit/merkle.py,
audit/proofs.py)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.audit.merkle import EMPTY_ROOT, leaf_hash, tree_head
from dualpower.audit.proofs import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    root_from_inclusion,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]

# The root of the tree over the first n leaves, n = 1..8.
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# (leaf index, tree size, audit path), leaf index from 0.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

# (first size, second size, consistency proof).
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


# A reference written from RFC 6962 section 2.1 as literally as possible: recursion over lists of
# leaf data, nothing shared with the code under test but hashlib.


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def hexes(items: list[bytes]) -> list[str]:
    return [h.hex() for h in items]


def hashes(n: int, leaves: list[bytes] = LEAVES) -> list[bytes]:
    return [leaf_hash(x) for x in leaves[:n]]


# --- the vectors, by the reference and by the code under test ---------------------------------


def test_the_reference_reproduces_every_ct_vector() -> None:
    assert ref_mth([]).hex() == EMPTY
    assert [ref_mth(LEAVES[:n]).hex() for n in range(1, 9)] == ROOTS
    for index, size, path in INCLUSION:
        assert hexes(ref_path(index, LEAVES[:size])) == path
    for first, second, proof in CONSISTENCY:
        assert hexes(ref_proof(first, LEAVES[:second])) == proof


def test_tree_heads_match_the_ct_roots_for_every_prefix() -> None:
    assert EMPTY_ROOT.hex() == EMPTY and tree_head([]).root == EMPTY
    for n in range(1, 9):
        assert tree_head(LEAVES[:n]).root == ROOTS[n - 1]
        assert subtree_root(hashes(n)).hex() == ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_ct_vectors(index: int, size: int, path: list[str]) -> None:
    assert hexes(inclusion_proof(hashes(size), index)) == path
    proof = [bytes.fromhex(p) for p in path]
    root = bytes.fromhex(ROOTS[size - 1])
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_ct_vectors(first: int, second: int, proof: list[str]) -> None:
    assert hexes(consistency_proof(hashes(second), first)) == proof
    old, new = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert verify_consistency(first, second, old, new, [bytes.fromhex(p) for p in proof])


def test_every_proof_of_the_eight_leaf_tree_agrees_with_the_reference() -> None:
    for n in range(1, 9):
        root = bytes.fromhex(ROOTS[n - 1])
        for m in range(n):
            proof = inclusion_proof(hashes(n), m)
            assert proof == ref_path(m, LEAVES[:n])
            assert verify_inclusion(leaf_hash(LEAVES[m]), m, n, proof, root)
            # the wrong leaf, the wrong index, the wrong root: refused
            other = leaf_hash(LEAVES[(m + 1) % 8] + b"x")
            assert not verify_inclusion(other, m, n, proof, root)
            if n > 1:
                assert not verify_inclusion(leaf_hash(LEAVES[m]), (m + 1) % n, n, proof, root)
            assert not verify_inclusion(leaf_hash(LEAVES[m]), m, n, proof, bytes(32))
        for m in range(1, n + 1):
            proof = consistency_proof(hashes(n), m)
            assert proof == ref_proof(m, LEAVES[:n])
            old = bytes.fromhex(ROOTS[m - 1])
            assert verify_consistency(m, n, old, root, proof)
            if m < n:  # a different old tree is not extended by this one
                assert not verify_consistency(m, n, bytes.fromhex(ROOTS[n - 1]), root, proof)
                assert not verify_consistency(m, n, old, bytes(32), proof)


# --- beyond eight leaves: random trees, every index, tampered proofs ---------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=6), min_size=1, max_size=40), st.data())
def test_proofs_agree_with_the_reference_on_random_trees(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    hs = [leaf_hash(x) for x in leaves]
    root = ref_mth(leaves)
    assert subtree_root(hs) == root
    m = data.draw(st.integers(0, n - 1))
    path = inclusion_proof(hs, m)
    assert path == ref_path(m, leaves)
    assert root_from_inclusion(hs[m], m, n, path) == root
    first = data.draw(st.integers(0, n))
    proof = consistency_proof(hs, first)
    assert proof == (ref_proof(first, leaves) if 0 < first else [])
    assert verify_consistency(first, n, ref_mth(leaves[:first]), root, proof)
    if proof:  # flip one bit of one node: refused
        i = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not verify_consistency(first, n, ref_mth(leaves[:first]), root, bad)
        assert not verify_consistency(first, n, ref_mth(leaves[:first]), root, proof[:-1])
        assert not verify_consistency(first, n, ref_mth(leaves[:first]), root, proof + [root])
    if path:
        bad = list(path)
        bad[0] = bytes(32)
        assert not verify_inclusion(hs[m], m, n, bad, root)
        assert not verify_inclusion(hs[m], m, n, path[:-1], root)
        assert not verify_inclusion(hs[m], m, n, path + [root], root)


def test_a_log_that_was_rewritten_is_not_consistent_with_its_old_head() -> None:
    old = LEAVES[:5]
    new = LEAVES[:2] + [b"forged"] + LEAVES[3:8]
    hs = [leaf_hash(x) for x in new]
    proof = consistency_proof(hs, 5)
    assert not verify_consistency(5, 8, ref_mth(old), ref_mth(new), proof)


def test_impossible_requests_are_refused() -> None:
    with pytest.raises(ProofError):
        inclusion_proof(hashes(3), 3)
    with pytest.raises(ProofError):
        inclusion_proof([], 0)
    with pytest.raises(ProofError):
        consistency_proof(hashes(3), 4)
    assert not verify_inclusion(leaf_hash(b""), 3, 3, [], EMPTY_ROOT)
    assert not verify_consistency(4, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(2, 3, EMPTY_ROOT, EMPTY_ROOT, [])  # empty proof for m < n
    assert verify_consistency(0, 3, EMPTY_ROOT, bytes.fromhex(ROOTS[2]), [])
    assert not verify_consistency(3, 3, bytes.fromhex(ROOTS[2]), bytes.fromhex(ROOTS[1]), [])

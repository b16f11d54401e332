"""RFC 9162 Merkle tree hash (audit/merkle.py; DESIGN.md 2.8)."""

from __future__ import annotations

import hashlib
import json

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.audit.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    TreeHead,
    from_frontier,
    frontier,
    leaf_hash,
    node_hash,
    tree_head,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written straight from the definition."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def test_the_empty_tree_is_the_hash_of_the_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_head([]) == TreeHead(0, EMPTY_ROOT.hex())
    assert MerkleAccumulator().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_carry_their_domain_prefix() -> None:
    assert leaf_hash(b"a") == sha(b"\x00a")
    assert node_hash(b"L" * 32, b"R" * 32) == sha(b"\x01" + b"L" * 32 + b"R" * 32)
    # a leaf can never pass for a node: the same bytes hash differently
    assert leaf_hash(b"L" * 32 + b"R" * 32) != node_hash(b"L" * 32, b"R" * 32)


def test_small_trees_by_hand() -> None:
    a, b, c, d, e = (bytes([x]) for x in b"abcde")
    la, lb, lc, ld, le = (sha(b"\x00" + x) for x in (a, b, c, d, e))
    ab = sha(b"\x01" + la + lb)
    cd = sha(b"\x01" + lc + ld)
    assert tree_head([a]).root == la.hex()
    assert tree_head([a, b]).root == ab.hex()
    # three leaves: split at 2, so ((a b) c), not (a (b c))
    assert tree_head([a, b, c]).root == sha(b"\x01" + ab + lc).hex()
    assert tree_head([a, b, c, d]).root == sha(b"\x01" + ab + cd).hex()
    # five: the perfect four on the left, e alone on the right
    abcd = sha(b"\x01" + ab + cd)
    assert tree_head([a, b, c, d, e]) == TreeHead(5, sha(b"\x01" + abcd + le).hex())


# Published Certificate Transparency test vectors (the 8-leaf tree of the CT and Trillian test
# suites): leaf i's data and the root over the first n leaves.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("n", range(1, 9))
def test_certificate_transparency_vectors(n: int) -> None:
    assert tree_head(CT_LEAVES[:n]) == TreeHead(n, CT_ROOTS[n - 1])
    assert mth(CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=200))
def test_accumulator_equals_the_recursive_definition(leaves: list[bytes]) -> None:
    acc = MerkleAccumulator()
    for n, leaf in enumerate(leaves):
        assert acc.size == n
        assert acc.root() == mth(leaves[:n])
        acc.append(leaf)
    assert acc.head() == TreeHead(len(leaves), mth(leaves).hex())


def test_every_size_up_to_200_matches_the_definition() -> None:
    leaves = [n.to_bytes(2, "big") for n in range(200)]
    acc = MerkleAccumulator()
    for n in range(201):
        assert acc.root() == mth(leaves[:n]), n
        if n < 200:
            acc.append(leaves[n])


def test_append_hash_is_append_of_the_leaf() -> None:
    by_data, by_hash = MerkleAccumulator(), MerkleAccumulator()
    for n in range(13):
        by_data.append(bytes([n]))
        by_hash.append_hash(leaf_hash(bytes([n])))
    assert by_data.head() == by_hash.head()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 9, 64, 100])
def test_pymerkle_agrees(n: int) -> None:
    # pymerkle 7 implements the same RFC 9162 hashing; an independent cross-check
    leaves = [f"entry {i}".encode() for i in range(n)]
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        tree.append_entry(leaf)
    assert tree.get_root().hex() == tree_head(leaves).root


def test_tree_head_reads_a_generator_once() -> None:
    head = tree_head(f"{i}".encode() for i in range(100_000))
    assert head.size == 100_000
    assert head.root == mth([f"{i}".encode() for i in range(100_000)]).hex()


def test_changing_one_leaf_changes_the_root() -> None:
    leaves = [bytes([i]) for i in range(10)]
    before = tree_head(leaves).root
    leaves[6] = b"x"
    assert tree_head(leaves).root != before


@pytest.mark.parametrize("cut", [0, 1, 5, 8, 13, 64, 99])
def test_a_saved_frontier_continues_the_same_tree(cut: int) -> None:
    leaves = [f"entry {i}".encode() for i in range(100)]
    first = MerkleAccumulator()
    for leaf in leaves[:cut]:
        first.append(leaf)
    saved = json.loads(json.dumps(frontier(first)))  # it is stored as JSON
    assert len(saved) == bin(cut).count("1")
    resumed = from_frontier(cut, saved)
    assert resumed.head() == first.head()
    for leaf in leaves[cut:]:
        resumed.append(leaf)
    assert resumed.head() == TreeHead(100, mth(leaves).hex())


@pytest.mark.parametrize(
    "size, roots, message",
    [
        (3, [[1, "00" * 32]], "does not describe a tree of 3 leaves"),
        (2, [[0, "00" * 32], [0, "00" * 32]], "does not describe a tree of 2 leaves"),
        (1, [[0, "zz" * 32]], "pairs"),
        (1, [[0, "00" * 31]], "64 hex digits"),
        (-1, [], "whole number"),
    ],
)
def test_a_bad_frontier_is_refused(size: int, roots: list[list[int | str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_frontier(size, roots)

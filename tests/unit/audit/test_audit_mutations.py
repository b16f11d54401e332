"""Mutation trials on a small log (DESIGN.md 2.8, issue 7 item 4): every rewrite, insertion,
drop and reordering of an entry, at every position, is detected, both when the forger leaves
the chain as it is and when they re-hash everything after the change. The re-hashed forgeries
pass the chain checks by construction; the published tree head catches them, and a client that
kept an older head catches even a forger who also rewrote the heads (consistency proof)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from dualpower.audit.chain import GENESIS, Draft, Entry, chain
from dualpower.audit.merkle import leaf_hash, tree_head
from dualpower.audit.proofs import consistency_proof, verify_consistency
from dualpower.audit.verify import verify

N = 7


def draft(i: int) -> Draft:
    return Draft(
        f"test.act{'abcdefghij'[i % 10]}",
        {"n": i, "member": 100 + i, "choices": [i, i + 1]},
        f"member:{100 + i}",
        i % 3 == 0,
        f"2024-05-0{1 + i % 9}T12:00:0{i % 10}+00:00",
    )


DRAFTS = [draft(i) for i in range(N)]
LOG = chain(DRAFTS)
HEAD = tree_head(e.leaf() for e in LOG)
ALL_HEADS = [tree_head(e.leaf() for e in LOG[:n]) for n in range(N + 1)]
EXTRA = Draft("test.forged", {"n": 999}, "member:999", False, "2024-05-01T13:00:00+00:00")


def drafts_of(entries: list[Entry]) -> list[Draft]:
    return [Draft(e.act, e.payload, e.actor, e.is_operator, e.recorded_at) for e in entries]


def rechain(entries: list[Entry]) -> list[Entry]:
    """What a careful forger does: number and hash everything again."""
    return chain(drafts_of(entries))


FIELD_REWRITES: dict[str, Callable[[Entry], Entry]] = {
    "payload": lambda e: dataclasses.replace(e, payload=e.payload | {"n": e.payload["n"] + 1}),
    "choices": lambda e: dataclasses.replace(e, payload=e.payload | {"choices": [9]}),
    "act": lambda e: dataclasses.replace(e, act="test.other"),
    "actor": lambda e: dataclasses.replace(e, actor="member:1"),
    "is_operator": lambda e: dataclasses.replace(e, is_operator=not e.is_operator),
    "recorded_at": lambda e: dataclasses.replace(e, recorded_at="2023-01-01T00:00:00+00:00"),
    "prev_hash": lambda e: dataclasses.replace(e, prev_hash="ab" * 32),
    "entry_hash": lambda e: dataclasses.replace(e, entry_hash="cd" * 32),
}


def forgeries() -> list[tuple[str, list[Entry]]]:
    """(name, forged log) for every mutation at every position, naive and re-hashed."""
    out: list[tuple[str, list[Entry]]] = []
    for i in range(N):
        for field, rewrite in FIELD_REWRITES.items():
            forged = list(LOG)
            forged[i] = rewrite(LOG[i])
            out.append((f"rewrite {field} of {i}", forged))
            if field not in ("prev_hash", "entry_hash"):
                out.append((f"rewrite {field} of {i}, re-hashed", rechain(forged)))
        # insertion: a new entry before entry i (appending at the end is the log growing)
        prev = LOG[i - 1].entry_hash if i else GENESIS
        sealed = chain([EXTRA], prev, i)[0]
        out.append((f"insert at {i}", LOG[:i] + [sealed] + LOG[i:]))
        shifted = LOG[:i] + [sealed] + [dataclasses.replace(e, seq=e.seq + 1) for e in LOG[i:]]
        out.append((f"insert at {i}, renumbered", shifted))
        out.append((f"insert at {i}, re-hashed", rechain(LOG[:i] + [sealed] + LOG[i:])))
        # drop
        out.append((f"drop {i}", LOG[:i] + LOG[i + 1 :]))
        out.append((f"drop {i}, re-hashed", rechain(LOG[:i] + LOG[i + 1 :])))
        # reorder: swap with the next one
        if i + 1 < N:
            swapped = LOG[:i] + [LOG[i + 1], LOG[i]] + LOG[i + 2 :]
            out.append((f"swap {i} and {i + 1}", swapped))
            out.append((f"swap {i} and {i + 1}, re-hashed", rechain(swapped)))
    out.append(("reverse", LOG[::-1]))
    out.append(("reverse, re-hashed", rechain(LOG[::-1])))
    return out


FORGERIES = forgeries()


def test_the_untouched_log_passes() -> None:
    assert verify(LOG, [HEAD]).ok
    assert verify(LOG, ALL_HEADS).ok
    assert len(FORGERIES) > 20 * N


@pytest.mark.parametrize("heads", [[HEAD], ALL_HEADS], ids=["last head", "every head"])
def test_every_forgery_is_detected(heads: list[Any]) -> None:
    missed = [name for name, forged in FORGERIES if verify(forged, heads).ok]
    assert missed == [], f"undetected: {missed}"  # 100 %


def test_the_chain_alone_catches_every_forgery_that_was_not_re_hashed() -> None:
    # (dropping the last entry leaves a valid shorter chain: only a head can tell)
    naive = [(n, f) for n, f in FORGERIES if "re-hashed" not in n and n != f"drop {N - 1}"]
    missed = [name for name, forged in naive if verify(forged).ok]
    assert missed == []
    assert verify(LOG[:-1]).ok and not verify(LOG[:-1], [HEAD]).ok
    # ... and the re-hashed ones are exactly what the published head is for
    assert all(verify(f).ok for n, f in FORGERIES if "re-hashed" in n)


def test_a_client_holding_an_old_head_catches_a_forger_who_rewrote_the_heads_too() -> None:
    """The forger re-hashes the log and publishes fresh heads over it; a member kept the head
    of size N. The log then grows by two entries; the member asks for a consistency proof from
    their head to the new one, and it does not hold."""
    old_root = bytes.fromhex(HEAD.root)
    caught = 0
    rehashed = [(n, f) for n, f in FORGERIES if "re-hashed" in n]
    for _, forged in rehashed:
        grown = chain([EXTRA, EXTRA], forged[-1].entry_hash, len(forged))
        log = forged + grown
        hashes = [leaf_hash(e.leaf()) for e in log]
        new = tree_head(e.leaf() for e in log)
        assert verify(log, [new]).ok  # the forged log is self-consistent
        proof = consistency_proof(hashes, N) if N <= len(log) else []
        if not verify_consistency(N, len(log), old_root, bytes.fromhex(new.root), proof):
            caught += 1
    assert caught == len(rehashed)
    # the honest log, grown the same way, passes the same check
    grown = LOG + chain([EXTRA, EXTRA], LOG[-1].entry_hash, N)
    hashes = [leaf_hash(e.leaf()) for e in grown]
    new = tree_head(e.leaf() for e in grown)
    assert verify_consistency(
        N, N + 2, old_root, bytes.fromhex(new.root), consistency_proof(hashes, N)
    )

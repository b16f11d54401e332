"""Check the audit log (DESIGN.md 2.8): nothing rewritten, inserted, dropped or reordered.

Entries are read in order, once, and checked one by one:

1. its `seq` is the next number (a gap: an entry was dropped; a repeat or a step back: an entry
   was inserted or the log reordered);
2. its content hashes to its `entry_hash` (else it was rewritten);
3. its `prev_hash` is the hash of the entry before it, GENESIS for entry 0 (else an entry before
   it was rewritten, inserted or dropped and the rest re-hashed).

A chain re-hashed from some point on passes 1-3; the published tree heads catch it: a head of
size k must equal the RFC 9162 root over the first k entries, and a head larger than the log
means entries were dropped from its end. The first failure is reported, naming its entry.

A verification that passed can be resumed on the log's later entries (`since=` its report's
`verified`): the checks above, chained from the last entry's hash and the Merkle frontier it
ended with, over the entries and heads added since. It trusts what it checked before: a full
verification (from entry 0) is still what catches a later rewrite of an earlier entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dualpower.audit.chain import GENESIS, Entry
from dualpower.audit.merkle import MerkleAccumulator, from_frontier, frontier


@dataclass(frozen=True)
class Verified:
    """Where a verification that passed ended: the entries it checked (`size`), the last one's
    hash, the Merkle frontier after them and every head it checked (size, root), smallest
    first."""

    size: int
    prev_hash: str
    frontier: tuple[tuple[int, str], ...]
    heads: tuple[tuple[int, str], ...]

    def resumes(self, heads: Sequence[tuple[int, str]]) -> bool:
        """Whether `heads` (all published now) extend those checked: the same ones first, then
        only larger ones. Else a head was dropped, rewritten or published for entries already
        checked, and only a verification from entry 0 can judge it."""
        now = _heads(heads)
        checked = len(self.heads)
        return tuple(now[:checked]) == self.heads and all(s >= self.size for s, _ in now[checked:])


@dataclass(frozen=True)
class VerifyReport:
    """`size` and `root`: the entries read before the check stopped (all of them when ok);
    `verified`: where to resume from (when ok)."""

    ok: bool
    size: int
    root: str
    first_bad: int | None
    reason: str
    verified: Verified | None = field(default=None, compare=False, repr=False)


class _Bad(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


def _name(entry: Entry) -> str:
    return f"entry {entry.seq} ({entry.act})"


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}..{last}"


def _check_entry(entry: Entry, expected_seq: int, prev_hash: str) -> None:
    if entry.seq != expected_seq:
        if isinstance(entry.seq, int) and entry.seq > expected_seq:
            after = f"follows entry {expected_seq - 1}" if expected_seq else "starts the log"
            raise _Bad(
                expected_seq,
                f"{_span(expected_seq, entry.seq - 1)} missing or out of order: "
                f"{_name(entry)} {after}",
            )
        raise _Bad(
            expected_seq,
            f"{_name(entry)} found where entry {expected_seq} belongs (inserted or out of order)",
        )
    try:
        computed = entry.computed_hash()
    except (TypeError, ValueError) as exc:
        raise _Bad(entry.seq, f"{_name(entry)}: malformed: {exc}") from None
    if computed != entry.entry_hash:
        raise _Bad(entry.seq, f"{_name(entry)}: content does not match its hash")
    if entry.prev_hash != prev_hash:
        before = f"the hash of entry {entry.seq - 1}" if entry.seq else "the genesis hash"
        raise _Bad(
            entry.seq,
            f"{_name(entry)}: prev_hash is not {before} "
            "(an entry before it was rewritten, inserted or dropped)",
        )


def _heads(heads: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    return sorted((int(size), root.lower()) for size, root in heads)


def verify(
    entries: Iterable[Entry],
    heads: Sequence[tuple[int, str]] = (),
    *,
    since: Verified | None = None,
) -> VerifyReport:
    """Check `entries` (in seq order), and the published tree `heads` (size, root hex) on them.
    `since`: resume a verification that passed; `entries` start at its size, `heads` are all
    those published (`since.resumes(heads)` must hold)."""
    every = _heads(heads)
    pending = list(every)  # _check_heads takes them off as it checks them
    acc = MerkleAccumulator()
    prev_hash, last_good = GENESIS, 0  # last_good: entries covered by the last matching head
    if since is not None:
        if not since.resumes(every):
            raise ValueError("the published heads do not extend those checked: verify from 0")
        pending = every[len(since.heads) :]
        acc = from_frontier(since.size, since.frontier)
        prev_hash = since.prev_hash
        last_good = since.heads[-1][0] if since.heads else 0
    try:
        last_good = _check_heads(acc, pending, last_good)
        for entry in entries:
            _check_entry(entry, acc.size, prev_hash)
            acc.append(entry.leaf())
            prev_hash = entry.entry_hash
            last_good = _check_heads(acc, pending, last_good)
    except _Bad as bad:
        return VerifyReport(False, acc.size, acc.root().hex(), bad.seq, bad.reason)
    if pending:
        size, _ = pending[-1]
        return VerifyReport(
            False,
            acc.size,
            acc.root().hex(),
            acc.size,
            f"{_span(acc.size, size - 1)} dropped: the log has {acc.size} entries "
            f"but a tree head of size {size} was published",
        )
    root = acc.root().hex()
    state = tuple((int(h), str(node)) for h, node in frontier(acc))
    verified = Verified(acc.size, prev_hash, state, tuple(every))
    return VerifyReport(
        True, acc.size, root, None, f"{acc.size} entries intact, root {root}", verified
    )


def _check_heads(acc: MerkleAccumulator, pending: list[tuple[int, str]], last_good: int) -> int:
    """Compare the heads of the current size; return the size covered by matching heads."""
    while pending and pending[0][0] <= acc.size:
        size, root = pending.pop(0)
        if size < 0:
            raise _Bad(0, f"a tree head of negative size {size} was published")
        if root != acc.root().hex():
            raise _Bad(last_good, _head_mismatch(size, last_good))
        last_good = size
    return last_good


def _head_mismatch(size: int, last_good: int) -> str:
    if size == 0:
        return "the tree head published for size 0 is not the root of the empty tree"
    if size == last_good:
        return f"two different tree heads were published for size {size}"
    return (
        f"the first {size} entries do not match the tree head published for them: "
        f"{_span(last_good, size - 1)} rewritten, or entries inserted or dropped among them"
    )

"""Reading and verifying the audit log (DESIGN.md 2.8), and the proofs a member's client asks
for: that an entry is in the tree of a head it holds (inclusion), and that a later head extends
an earlier one, i.e. the log only grew (consistency); RFC 9162 section 2.1, audit/proofs.py.

A proof is computed from the stored entries of one snapshot; the client checks it against the
roots it kept itself, so a server that rewrote its log cannot produce one that holds."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

from dualpower.audit.merkle import TreeHead, leaf_hash
from dualpower.audit.proofs import consistency_proof, inclusion_proof, subtree_root
from dualpower.audit.verify import Verified, VerifyReport, verify
from dualpower.domain.errors import InvalidRequest
from dualpower.store.audit import LogRead, Unsealed, reading
from dualpower.store.db import Database
from dualpower.store.sequencer import sequence, settle
from dualpower.store.uow import utcnow

# An act's entry is sealed by the sequencer within a second of its commit while a server runs
# (store/sequencer.py); one still unsealed after this long was written behind its back, or no
# sealer has run since (a server that stopped before sealing: the next act seals it).
SEALED_WITHIN = timedelta(seconds=60)


def verify_log(
    engine: Database, *, now: datetime | None = None, since: Verified | None = None
) -> VerifyReport:
    """Check every sealed entry against its hash, its predecessor and the published heads, and
    that no entry waits unsealed longer than SEALED_WITHIN. It only reads: sealing is the
    sequencer's alone (it waits for this process's own sealer to finish, nothing more).
    `since`: the `verified` of an earlier report that passed: check only the entries and heads
    added after it (from entry 0 when the heads do not extend those it checked)."""
    settle(engine)
    with reading(engine, read_only=True) as log:  # one snapshot of both tables
        heads = log.heads()
        if since is not None and not since.resumes(heads):
            since = None
        with closing(log.entries(since.size if since else 0)) as entries:  # may stop early
            report = verify(entries, heads, since=since)
        waiting = log.oldest_unsealed()
    covered = heads[-1].size if heads else 0
    if report.ok and report.size > covered:
        # The sequencer publishes a head in the transaction that seals a batch, so a sealed
        # entry beyond the last head was written behind its back.
        span = (
            f"entry {covered}"
            if report.size == covered + 1
            else (f"entries {covered}..{report.size - 1}")
        )
        return VerifyReport(
            False,
            report.size,
            report.root,
            covered,
            f"{span} inserted: no published tree head covers them (the last covers {covered})",
        )
    if report.ok and waiting is not None:
        return _unsealed(report, waiting, now or utcnow()) or report
    return report


def _unsealed(report: VerifyReport, waiting: Unsealed, now: datetime) -> VerifyReport | None:
    try:
        age = now - datetime.fromisoformat(waiting.recorded_at)
    except (TypeError, ValueError):
        age = SEALED_WITHIN * 2  # not a time the unit of work writes: not one of its entries
    if age <= SEALED_WITHIN:
        return None
    return VerifyReport(
        False,
        report.size,
        report.root,
        report.size,
        f"an entry ({waiting.act}, row {waiting.id}, recorded at {waiting.recorded_at}) is "
        f"still unsealed after more than {int(SEALED_WITHIN.total_seconds())} seconds: written "
        "behind the sequencer's back, or no server has run since it was recorded (the next "
        "act seals it)",
    )


def head(engine: Database) -> TreeHead:
    sequence(engine)
    with reading(engine) as log:
        heads = log.heads()
    return heads[-1] if heads else TreeHead(0, verify([]).root)


def entries(engine: Database, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    sequence(engine)
    with reading(engine) as log:
        return [e.to_dict() for e in log.entries(start, end)]


def heads(engine: Database, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    """Published tree heads (checkpoints) with start <= size < end, smallest first."""
    sequence(engine)
    with reading(engine) as log:
        published = log.published(start, end)
    return [{"size": h.size, "root": h.root, "recorded_at": h.recorded_at} for h in published]


def _size(log: LogRead, size: int | None) -> int:
    latest = log.latest_size()
    if size is None:
        return latest
    if size > latest:
        raise InvalidRequest(f"the log has {latest} entries under its latest head, not {size}")
    return size


def _leaf_hashes(log: LogRead, size: int) -> list[bytes]:
    return [leaf_hash(e.leaf()) for e in log.entries(0, size)]


def inclusion(engine: Database, seq: int, size: int | None = None) -> dict[str, Any]:
    """Entry `seq`, its leaf hash and its audit path to the root of the tree of `size` entries
    (default: the latest head)."""
    sequence(engine)
    with reading(engine, snapshot=True) as log:  # the size and the entries from one snapshot
        size = _size(log, size)
        if not 0 <= seq < size:
            raise InvalidRequest(f"entry {seq} is not in a tree of {size} entries")
        hashes = _leaf_hashes(log, size)
        entry = next(log.entries(seq, seq + 1))
    return {
        "seq": seq,
        "size": size,
        "root": subtree_root(hashes).hex(),
        "leaf_hash": hashes[seq].hex(),
        "entry": entry.to_dict(),
        "proof": [p.hex() for p in inclusion_proof(hashes, seq)],
    }


def consistency(engine: Database, first: int, second: int | None = None) -> dict[str, Any]:
    """The proof that the tree of `second` entries (default: the latest head) extends the tree
    of its first `first` entries."""
    sequence(engine)
    with reading(engine, snapshot=True) as log:
        second = _size(log, second)
        if not 0 <= first <= second:
            raise InvalidRequest(f"first ({first}) must be between 0 and second ({second})")
        hashes = _leaf_hashes(log, second)
    return {
        "first": first,
        "second": second,
        "first_root": subtree_root(hashes[:first]).hex(),
        "second_root": subtree_root(hashes).hex(),
        "proof": [p.hex() for p in consistency_proof(hashes, first)],
    }

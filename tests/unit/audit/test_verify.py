"""Verification of the audit log (audit/verify.py; DESIGN.md 2.8)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from dualpower.audit.chain import GENESIS, Draft, Entry, chain, seal
from dualpower.audit.merkle import EMPTY_ROOT, tree_head
from dualpower.audit.verify import verify

ACTS = ["member.verify", "election.open", "ballot.cast", "recall.open", "recall.sign"]


def drafts(n: int) -> list[Draft]:
    return [
        Draft(ACTS[i % len(ACTS)], {"n": i}, f"m-{i % 7}", i % 11 == 0,
              f"1917-03-{1 + i % 28:02d}T10:00:00+00:00")
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def log() -> list[Entry]:
    return chain(drafts(60))


def head(entries: list[Entry], size: int) -> tuple[int, str]:
    return tree_head(e.leaf() for e in entries[:size])


def test_an_intact_log_passes(log: list[Entry]) -> None:
    report = verify(log, [head(log, 10), head(log, 33), head(log, 60)])
    assert report.ok
    assert report.first_bad is None
    assert (report.size, report.root) == head(log, 60)
    assert "60 entries intact" in report.reason


def test_an_empty_log_passes_and_has_the_empty_root() -> None:
    report = verify([], [(0, EMPTY_ROOT.hex())])
    assert report.ok and report.size == 0 and report.root == EMPTY_ROOT.hex()


def test_a_rewritten_entry_is_named(log: list[Entry]) -> None:
    log[41] = dataclasses.replace(log[41], payload={"n": 999})
    report = verify(log)
    assert not report.ok
    assert report.first_bad == 41
    assert report.reason == "entry 41 (election.open): content does not match its hash"
    assert report.size == 41


def test_a_rewritten_and_rehashed_entry_breaks_the_next_link(log: list[Entry]) -> None:
    log[41] = seal(Draft("recall.open", {"n": 999}, None, True, log[41].recorded_at), 41,
                   log[41].prev_hash)  # fmt: skip
    report = verify(log)
    assert report.first_bad == 42
    assert report.reason.startswith("entry 42 (ballot.cast): prev_hash is not the hash of entry 41")


def test_a_rewritten_tail_rehashed_throughout_is_caught_by_a_published_head(
    log: list[Entry],
) -> None:
    published = [head(log, 20), head(log, 50)]
    forged = log[:45] + chain(
        [
            Draft("motion.adopt", {"forged": i}, None, True, "1917-04-18T00:00:00Z")
            for i in range(15)
        ],
        log[44].entry_hash,
        start_seq=45,
    )
    assert verify(forged).ok  # the chain alone cannot see it
    report = verify(forged, published)
    assert not report.ok
    assert report.first_bad == 20  # somewhere after the last head that still matches
    assert "the first 50 entries do not match the tree head" in report.reason
    assert "entries 20..49" in report.reason


def test_an_inserted_entry_is_named(log: list[Entry]) -> None:
    extra = seal(Draft("recall.sign", {"n": "extra"}, "m-1", False, log[30].recorded_at), 30,
                 log[29].entry_hash)  # fmt: skip
    report = verify(log[:30] + [extra] + log[30:])
    assert report.first_bad == 31
    assert (
        report.reason
        == "entry 30 (member.verify) found where entry 31 belongs (inserted or out of order)"
    )


def test_an_inserted_entry_with_the_rest_renumbered_is_named(log: list[Entry]) -> None:
    extra = seal(Draft("recall.sign", {"n": "extra"}, "m-1", False, log[30].recorded_at), 30,
                 log[29].entry_hash)  # fmt: skip
    renumbered = [dataclasses.replace(e, seq=e.seq + 1) for e in log[30:]]
    report = verify(log[:30] + [extra] + renumbered)
    assert report.first_bad == 31
    assert report.reason == "entry 31 (member.verify): content does not match its hash"


def test_an_entry_dropped_in_the_middle_is_named(log: list[Entry]) -> None:
    report = verify(log[:17] + log[18:])
    assert report.first_bad == 17
    assert (
        report.reason == "entry 17 missing or out of order: entry 18 (recall.open) follows entry 16"
    )


def test_several_entries_dropped_in_the_middle(log: list[Entry]) -> None:
    report = verify(log[:17] + log[25:])
    assert report.first_bad == 17
    assert report.reason.startswith("entries 17..24 missing or out of order")


def test_a_dropped_first_entry(log: list[Entry]) -> None:
    report = verify(log[1:])
    assert report.first_bad == 0
    assert (
        report.reason == "entry 0 missing or out of order: entry 1 (election.open) starts the log"
    )


def test_a_dropped_tail_is_caught_by_a_published_head(log: list[Entry]) -> None:
    published = [head(log, 60)]
    assert verify(log[:55]).ok  # a shorter chain is a valid chain
    report = verify(log[:55], published)
    assert not report.ok
    assert report.first_bad == 55
    assert report.reason == (
        "entries 55..59 dropped: the log has 55 entries but a tree head of size 60 was published"
    )


def test_two_entries_swapped_are_named(log: list[Entry]) -> None:
    log[12], log[13] = log[13], log[12]
    report = verify(log)
    assert report.first_bad == 12
    assert (
        report.reason == "entry 12 missing or out of order: entry 13 (recall.open) follows entry 11"
    )


def test_reordered_entries_renumbered_break_the_chain(log: list[Entry]) -> None:
    swapped = log[:12] + [
        dataclasses.replace(log[13], seq=12),
        dataclasses.replace(log[12], seq=13),
    ]
    report = verify(swapped + log[14:])
    assert report.first_bad == 12
    assert report.reason == "entry 12 (recall.open): content does not match its hash"


def test_a_wrong_genesis_link_is_named() -> None:
    (first,) = chain(drafts(1), start_prev="11" * 32)
    report = verify([first])
    assert report.first_bad == 0
    assert "prev_hash is not the genesis hash" in report.reason


def test_a_malformed_entry_is_named_not_raised(log: list[Entry]) -> None:
    log[5] = dataclasses.replace(log[5], act="Not An Act")
    report = verify(log)
    assert report.first_bad == 5
    assert report.reason.startswith("entry 5 (Not An Act): malformed: act must be named")


def test_two_different_heads_for_one_size(log: list[Entry]) -> None:
    report = verify(log, [head(log, 10), (10, "ab" * 32)])
    assert report.first_bad == 10
    assert "two different tree heads were published for size 10" in report.reason


def test_heads_are_compared_whatever_their_order_and_hex_case(log: list[Entry]) -> None:
    h30, h10 = head(log, 30), head(log, 10)
    assert verify(log, [(h30[0], h30[1].upper()), h10]).ok


def test_verify_streams_its_entries(log: list[Entry]) -> None:
    seen: list[int] = []

    def stream() -> Iterator[Entry]:
        for e in log:
            seen.append(e.seq)
            yield e

    assert verify(stream()).ok
    assert seen == list(range(60))


def test_verify_stops_at_the_first_bad_entry(log: list[Entry]) -> None:
    log[3] = dataclasses.replace(log[3], actor="someone else")
    log[40] = dataclasses.replace(log[40], actor="someone else")
    assert verify(log).first_bad == 3


def test_a_large_log_verifies_in_reasonable_time() -> None:
    entries = chain(drafts(20_000))
    started = time.perf_counter()
    report = verify(iter(entries), [head(entries, 20_000)])
    assert report.ok and report.size == 20_000
    assert time.perf_counter() - started < 10  # about 0.3 s here; 100k entries stay near 2 s


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS == "0" * 64


# -- resuming a verification that passed (`since=`) ----------------------------------------------


def test_a_resumed_verification_reports_what_a_full_one_does(log: list[Entry]) -> None:
    first = verify(log[:25], [head(log, 10), head(log, 25)])
    assert first.ok and first.verified is not None and first.verified.size == 25
    heads = [head(log, 10), head(log, 25), head(log, 40), head(log, 60)]
    resumed = verify(log[25:], heads, since=first.verified)
    assert resumed == verify(log, heads)
    assert resumed.ok and (resumed.size, resumed.root) == head(log, 60)


def test_a_resumed_verification_reads_only_the_new_entries(log: list[Entry]) -> None:
    first = verify(log[:30], [head(log, 30)])
    seen: list[int] = []

    def stream() -> Iterator[Entry]:
        for e in log[30:]:
            seen.append(e.seq)
            yield e

    assert first.verified is not None
    assert verify(stream(), [head(log, 30), head(log, 60)], since=first.verified).ok
    assert seen == list(range(30, 60))


def test_a_resumed_verification_names_a_bad_new_entry(log: list[Entry]) -> None:
    first = verify(log[:30], [head(log, 30)])
    log[41] = dataclasses.replace(log[41], payload={"n": 999})
    assert first.verified is not None
    report = verify(log[30:], [head(log, 30)], since=first.verified)
    assert (report.ok, report.first_bad) == (False, 41)
    assert report.reason == "entry 41 (election.open): content does not match its hash"


def test_a_resumed_verification_chains_from_the_last_verified_hash(log: list[Entry]) -> None:
    first = verify(log[:30], [head(log, 30)])
    forged = chain(
        [
            Draft("motion.adopt", {"forged": i}, None, True, "1917-04-18T00:00:00Z")
            for i in range(5)
        ],
        "ab" * 32,
        start_seq=30,
    )
    assert first.verified is not None
    report = verify(forged, [head(log, 30)], since=first.verified)
    assert report.first_bad == 30 and "prev_hash is not the hash of entry 29" in report.reason


def test_a_new_head_over_old_entries_or_a_dropped_one_does_not_resume(log: list[Entry]) -> None:
    first = verify(log[:30], [head(log, 10), head(log, 30)])
    assert first.verified is not None
    assert first.verified.resumes([head(log, 10), head(log, 30), head(log, 50)])
    assert not first.verified.resumes([head(log, 10), head(log, 20), head(log, 30)])
    assert not first.verified.resumes([head(log, 30)])
    assert not first.verified.resumes([head(log, 10), (30, "ab" * 32)])
    with pytest.raises(ValueError):
        verify(log[30:], [head(log, 30)], since=first.verified)

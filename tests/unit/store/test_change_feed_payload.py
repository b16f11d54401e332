"""The change feed's notification (store/change_feed.py, issue 24): the topics an act's events
concern (domain/live.py), each once, under PostgreSQL's payload limit, with the sender's token;
and what a process does with one it receives."""

from __future__ import annotations

from collections.abc import Sequence

from dualpower.domain.discussion import CommentPosted
from dualpower.domain.events import BallotCast, DeputyRecalled, PetitionChanged
from dualpower.domain.live import Wake, topics
from dualpower.store.change_feed import PAYLOAD_LIMIT, ChangeFeed, decode, encode


def test_events_name_their_topics() -> None:
    assert topics(BallotCast(12)) == [("election", 12)]
    assert topics(PetitionChanged(5, "open", 3, 7)) == [("recall", 5)]
    assert topics(DeputyRecalled(1, 2, ())) == [("council", None)]
    assert topics(CommentPosted(9, "motion", 4)) == [("comments:motion", 4)]
    assert topics(object()) == []


def test_a_payload_names_each_topic_once_with_the_senders_token() -> None:
    wakes: list[Wake] = [("election", 12), ("election", 12), ("recall", 5), ("election", 3)]
    payload = encode("tok", wakes)
    assert payload == "tok election:12 election:3 recall:5"
    token, decoded = decode(payload)
    assert token == "tok"
    assert sorted(decoded, key=str) == sorted(set(wakes), key=str)


def test_a_kind_woken_whole_is_named_once() -> None:
    payload = encode("tok", [("council", 4), ("council", None), ("comments:motion", 7)])
    assert decode(payload) == ("tok", [("comments:motion", 7), ("council", None)])


def test_too_many_topics_for_one_payload_wake_their_kinds_whole() -> None:
    wakes: list[Wake] = [("election", i) for i in range(2000)] + [("recall", 1)]
    payload = encode("tok", wakes)
    assert len(payload.encode()) <= PAYLOAD_LIMIT
    assert decode(payload) == ("tok", [("election", None), ("recall", None)])


def test_a_word_that_is_no_topic_is_skipped() -> None:
    assert decode("tok election:x :3 recall:4 nothing") == ("tok", [("recall", 4)])


class _Streams:
    def __init__(self) -> None:
        self.woken: list[Wake] = []
        self.everything = 0

    def wake_many(self, wakes: Sequence[Wake]) -> None:
        self.woken.extend(wakes)

    def wake_everything(self) -> None:
        self.everything += 1


def test_a_process_skips_its_own_notifications_and_wakes_on_others() -> None:
    feed, streams = ChangeFeed(None, token="mine"), _Streams()
    feed._targets.append(streams)
    feed._received(encode("mine", [("election", 1)]))
    assert (streams.woken, feed.own, feed.received) == ([], 1, 0)
    feed._received(encode("theirs", [("election", 1), ("council", None)]))
    assert streams.woken == [("council", None), ("election", 1)]
    assert (feed.own, feed.received) == (1, 1)


def test_the_stop_wakes_a_listening_thread_blocked_on_a_quiet_connection() -> None:
    """`unlisten` does not wait for a poll to end: the listening thread waits on its connection
    and on the stop's socket together, with no timeout, so only the stop can end that wait."""
    import socket
    import threading

    from dualpower.store.change_feed import _Stop

    stop, again = _Stop(), _Stop()
    quiet, other = socket.socketpair()  # nothing is sent on `quiet` until the end
    answers: list[bool] = []
    waiter = threading.Thread(target=lambda: answers.append(stop.wait_for(quiet.fileno())))
    try:
        waiter.start()
        assert not answers  # blocked: the connection has nothing to read
        stop.set()
        waiter.join(30)
        assert not waiter.is_alive() and answers == [False]
        other.send(b"notice")  # a connection with something to read is said so at once
        assert again.wait_for(quiet.fileno()) is True
    finally:
        stop.close()
        again.close()
        quiet.close()
        other.close()

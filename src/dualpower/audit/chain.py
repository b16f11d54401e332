"""The hash chain of acts (DESIGN.md 2.8).

Every act is an entry; entry n commits to entry n-1 through `prev_hash`, the first to GENESIS:

    entry_hash = SHA-256 hex of canonical_json({"seq", "act", "payload", "actor",
                                                "is_operator", "recorded_at", "prev_hash"})

so changing any field of any entry, or inserting, dropping or reordering entries, breaks the
chain at that point. `seq` counts from 0 with no gaps; `act` is named `collection.verb`;
`recorded_at` is an ISO 8601 UTC timestamp string.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dualpower.audit.canonical import canonical_json

GENESIS = "00" * 32
ACT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _check_fields(body: dict[str, Any]) -> None:
    """Raise ValueError (or TypeError) naming the first field an entry may not hold."""
    seq, act, payload, actor = body["seq"], body["act"], body["payload"], body["actor"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError(f"seq must be a whole number >= 0, not {seq!r}")
    if not isinstance(act, str) or not ACT_NAME.match(act):
        raise ValueError(f"act must be named collection.verb (e.g. recall.sign), not {act!r}")
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    if actor is not None and not isinstance(actor, str):
        raise TypeError(f"actor must be a string or None, not {actor!r}")
    if not isinstance(body["is_operator"], bool):
        raise TypeError(f"is_operator must be a bool, not {body['is_operator']!r}")
    _check_utc(body["recorded_at"])
    prev_hash = body["prev_hash"]
    if not isinstance(prev_hash, str) or not _HEX64.match(prev_hash):
        raise ValueError(f"prev_hash must be 64 lowercase hex digits, not {prev_hash!r}")


def _check_utc(recorded_at: object) -> None:
    if not isinstance(recorded_at, str):
        raise TypeError(f"recorded_at must be an ISO 8601 string, not {recorded_at!r}")
    try:
        moment = datetime.fromisoformat(recorded_at)
    except ValueError:
        raise ValueError(f"recorded_at is not an ISO 8601 timestamp: {recorded_at!r}") from None
    if moment.utcoffset() != timedelta(0):
        raise ValueError(f"recorded_at must be in UTC, not {recorded_at!r}")


def entry_hash(
    seq: int,
    act: str,
    payload: dict[str, Any],
    actor: str | None,
    is_operator: bool,
    recorded_at: str,
    prev_hash: str,
) -> str:
    """SHA-256 hex over the canonical JSON of the entry's fields (all but its own hash)."""
    body = {
        "seq": seq,
        "act": act,
        "payload": payload,
        "actor": actor,
        "is_operator": is_operator,
        "recorded_at": recorded_at,
        "prev_hash": prev_hash,
    }
    _check_fields(body)
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class Draft:
    """An act waiting for its place in the chain (the sequencer gives it seq and prev_hash)."""

    act: str
    payload: dict[str, Any]
    actor: str | None
    is_operator: bool
    recorded_at: str


@dataclass(frozen=True)
class Entry:
    """One sealed entry of the log."""

    seq: int
    act: str
    payload: dict[str, Any]
    actor: str | None
    is_operator: bool
    recorded_at: str
    prev_hash: str
    entry_hash: str

    def computed_hash(self) -> str:
        """The hash its content calls for (equal to `entry_hash` unless it was rewritten)."""
        body = self.to_dict()
        del body["entry_hash"]
        return entry_hash(**body)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "act": self.act,
            "payload": self.payload,
            "actor": self.actor,
            "is_operator": self.is_operator,
            "recorded_at": self.recorded_at,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(**{name: data[name] for name in ENTRY_FIELDS})

    def leaf(self) -> bytes:
        """The bytes this entry contributes to the Merkle tree: its canonical JSON with its hash."""
        return canonical_json(self.to_dict())


ENTRY_FIELDS = (
    "seq",
    "act",
    "payload",
    "actor",
    "is_operator",
    "recorded_at",
    "prev_hash",
    "entry_hash",
)


def seal(draft: Draft, seq: int, prev_hash: str) -> Entry:
    """Give `draft` its place: entry `seq`, following the entry whose hash is `prev_hash`."""
    body = {"seq": seq, **vars(draft), "prev_hash": prev_hash}
    return Entry(**body, entry_hash=entry_hash(**body))


def iter_chain(
    drafts: Iterable[Draft], start_prev: str = GENESIS, start_seq: int = 0
) -> Iterator[Entry]:
    """Seal drafts one after another, continuing a log whose last entry is start_seq - 1."""
    prev, seq = start_prev, start_seq
    for draft in drafts:
        entry = seal(draft, seq, prev)
        yield entry
        prev, seq = entry.entry_hash, seq + 1


def chain(drafts: Iterable[Draft], start_prev: str = GENESIS, start_seq: int = 0) -> list[Entry]:
    """`iter_chain` as a list: the sequencer's batch, ready to store."""
    return list(iter_chain(drafts, start_prev, start_seq))

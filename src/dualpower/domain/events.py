"""Events: what happened, in the past tense, published after commit (live updates and mail
hang off them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notified:
    """Members were told something: in-app rows are written already; mail may follow."""

    member_ids: tuple[int, ...]
    kind: str
    subject: str
    link: str


@dataclass(frozen=True)
class PetitionChanged:
    """A petition's count or status changed (for live pages)."""

    petition_id: int
    status: str
    signatures: int
    threshold: int


@dataclass(frozen=True)
class DeputyRecalled:
    mandate_id: int
    holder_id: int
    ended_mandate_ids: tuple[int, ...]


@dataclass(frozen=True)
class BallotCast:
    """Someone voted (no who, no what: for live participation counts)."""

    election_id: int


@dataclass(frozen=True)
class CompositionChanged:
    """A mandate in the council started or ended (for live pages of its seats)."""

    council_id: int

"""Pydantic models at the edge (STYLE.md convention 12): `XxxCreate` in, `XxxPublic` out.

The shapes of DESIGN.md 4.1 are a stable contract: fields may be added, never removed or renamed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dualpower.audit.chain import Entry

# A password as a member types it: argon2 hashes any length, the limit keeps the work bounded.
Password = Annotated[str, Field(min_length=1, max_length=1000)]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=80)
    password: Password


class TokenPublic(BaseModel):
    token: str


class ElectorateRef(BaseModel):
    """Who elects a seat: a base unit's members (kind "unit", the unit's id) or a lower
    council's deputies (kind "council", that council's id)."""

    kind: Literal["unit", "council"]
    id: int


class MandatePublic(BaseModel):
    id: int
    holder_id: int
    holder_name: str
    holder_username: str
    faction: str | None
    electorate: ElectorateRef | None


class MandateDetailPublic(MandatePublic):
    council_id: int
    seat_no: int
    started_at: datetime
    is_active: bool
    ended_at: datetime | None
    end_reason: str | None


class MePublic(BaseModel):
    id: int
    username: str
    name: str
    unit_id: int | None
    mandates: list[MandatePublic]


class MemberPublic(BaseModel):
    id: int
    username: str
    name: str


class CouncilPublic(BaseModel):
    id: int
    name: str
    parent_id: int | None
    seats: int


class CouncilDetailPublic(CouncilPublic):
    filled: int
    composition: dict[str, int] = Field(description="Filled seats by faction name.")
    majority: str | None = Field(description="The faction with more than half the filled seats.")


class CandidatePublic(BaseModel):
    id: int
    name: str
    faction: str | None


class ElectionPublic(BaseModel):
    id: int
    electorate: ElectorateRef | None
    seats: int
    method: str
    is_secret: bool
    status: str
    kind: str = "general"  # founding, general, by, office or recall
    council_id: int | None = None  # the council whose seats (or office) it fills
    council_name: str | None = None
    unit_id: int | None = None  # the base unit whose members elect, if they do
    unit_name: str | None = None
    opened_at: datetime | None = None
    closes_at: datetime | None = None  # or earlier, only when every elector has voted
    closed_at: datetime | None = None


class ElectionDetailPublic(ElectionPublic):
    council_id: int | None
    kind: Literal["founding", "general", "by", "office", "recall"]
    office_id: int | None = None
    opened_at: datetime
    nominations_close_at: datetime | None = None  # candidacies until then, ballots after
    closes_at: datetime | None = None  # or earlier, only when every elector has voted
    closed_at: datetime | None
    candidates: list[CandidatePublic]


class ResultPublic(BaseModel):
    """The count of a closed election. `winners` are candidate ids in order elected; each round
    names candidates by their id as text (see `candidates`)."""

    election_id: int
    method: str
    seats: int
    ballots: int
    quota: float | None
    winners: list[int]
    elected: list[CandidatePublic]
    rounds: list[dict[str, Any]]
    candidates: list[CandidatePublic]
    seed: int | None
    yes: int | None = Field(None, description="A recall vote: ballots to recall.")
    no: int | None = Field(None, description="A recall vote: ballots to keep.")
    superseded_by: int | None = Field(
        None,
        description="A by-election closed uncounted because this general election of its "
        "electorate closed first and gave its seat.",
    )
    withdrawn: list[CandidatePublic] = Field(
        default_factory=list,
        description="Candidates counted as if never nominated: at the close they were no "
        "longer electors (e.g. recalled from the seat below that made them eligible).",
    )


class BallotCreate(BaseModel):
    """`ranking` (candidate ids, most preferred first) for irv and stv-*; `choices` (candidate
    ids) for plurality, block and approval."""

    model_config = ConfigDict(extra="forbid")
    ranking: list[int] | None = None
    choices: list[int] | None = None


class ReceiptPublic(BaseModel):
    receipt: str


class PublishedBallot(BaseModel):
    """A ballot as published at the close, in receipt order: its choices (candidate ids; for
    a recall vote 1 to recall, 0 to keep) and `named`, their names. A secret ballot names no
    voter; an open ballot names its voter (`voter_id`, `voter_name`)."""

    receipt: str
    choices: list[int]
    named: list[str]
    voter_id: int | None
    voter_name: str | None


class AuditHeadPublic(BaseModel):
    size: int
    root: str


class AuditEntryPublic(Entry):
    # An entry as the chain holds it (audit/chain.py): the API shows every field its hash
    # covers, so that a client can check it; the fields are listed once, there.
    pass


class CandidateCreate(BaseModel):
    """Stand in an open election of your own electorate, for a faction or none."""

    model_config = ConfigDict(extra="forbid")
    faction_id: int | None = None


class CandidateCreated(BaseModel):
    id: int


class GeneralElectionCreate(BaseModel):
    """A general election of the seats one electorate holds in the council; the method and
    secrecy default to the council's seat method and standing orders, the windows are its
    standing orders'."""

    model_config = ConfigDict(extra="forbid")

    electorate: ElectorateRef
    method: str | None = Field(default=None, max_length=20)
    is_secret: bool | None = None


class ElectionCreated(BaseModel):
    id: int


class RecallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mandate_id: int


PetitionStatus = Literal["open", "vote_open", "recalled", "rejected"]


class PetitionPublic(BaseModel):
    """A recall petition. `signatures` counts those of people who are electors now;
    `threshold` is what decides it (direct recall) or opens the recall vote (recall by vote).
    `status` is open, vote_open, recalled or rejected."""

    id: int
    mandate_id: int | None
    office_term_id: int | None = None
    status: PetitionStatus
    signatures: int
    threshold: int
    vote_election_id: int | None
    by_election_id: int | None


class PetitionListed(BaseModel):
    """A recall petition in a list: against a deputy's mandate (`mandate_id`) or an official's
    office term (`office_term_id`), whose holder, in which council (the one the deputy sits in,
    or the official's). Its count: `GET /recalls/{id}`."""

    id: int
    status: PetitionStatus
    opened_at: datetime
    mandate_id: int | None
    office_term_id: int | None
    holder_id: int
    holder_name: str
    council_id: int


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to: int | None = Field(
        default=None, ge=1, description="The newest notification id you have seen; omit for all."
    )


class MarkedPublic(BaseModel):
    marked: int


class NotificationPublic(BaseModel):
    id: int
    kind: str
    subject: str
    link: str
    created_at: str
    is_read: bool

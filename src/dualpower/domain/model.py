"""The concepts of DESIGN.md section 1 as plain dataclasses (no I/O, no framework).

The store maps rows to these; services change state through them. Datetimes are timezone-aware
UTC and end in `_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ElectorateKind = Literal["unit", "council"]
RecallRule = Literal["direct", "vote"]
EndReason = Literal["recalled", "resigned", "transferred", "replaced", "cascade"]

DEFAULT_SECTIONS = ("workers", "soldiers", "peasants", "agricultural workers")
UNIT_KINDS = ("factory", "company", "village", "workshop", "neighbourhood", "other")


@dataclass
class Federation:
    id: int
    name: str
    founded_at: datetime
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    is_demo: bool = False
    currency: str = "XXX"  # ISO 4217; amounts are in its minor unit (XXX: none named)
    language: str = "en"  # its members' language, unless a member has their own


@dataclass
class Faction:
    id: int
    federation_id: int
    name: str
    short: str
    colour: str
    platform: str = ""


@dataclass
class Council:
    id: int
    federation_id: int
    name: str
    parent_id: int | None
    recall_rule: RecallRule = "direct"
    recall_trigger_bp: int = 2000  # trigger share for recall by vote, in basis points (20 %)
    seat_method: str = "block"
    apportionment: dict[str, Any] = field(default_factory=dict)
    pay_cap_scope: str = "federation"  # whose median wage caps stipends: or "territory"
    verified_only: bool = False  # only verified members vote, stand and sign (DESIGN.md 2.10)

    @property
    def is_chief(self) -> bool:
        return self.parent_id is None


@dataclass
class BaseUnit:
    id: int
    federation_id: int
    council_id: int
    name: str
    kind: str
    section: str


@dataclass
class Member:
    id: int
    federation_id: int
    username: str
    display_name: str
    is_verified: bool = False
    language: str | None = None  # their own language (invitation slips); None: the federation's


@dataclass(kw_only=True)
class Stretch:
    """A stretch of time someone holds a place (on a roll, in a seat, in an office): it starts,
    and may end for a reason (recalled, transferred, ...); active while it has not ended."""

    start_at: datetime
    end_at: datetime | None = None
    end_reason: str | None = None

    @property
    def is_active(self) -> bool:
        return self.end_at is None


@dataclass
class Membership(Stretch):
    """One stretch of a member on one unit's roll; a transfer ends one and starts the next."""

    id: int
    member_id: int
    unit_id: int


@dataclass
class Electorate:
    """Who elects a council's seats: a base unit's members, or a lower council's deputies."""

    id: int
    council_id: int
    kind: ElectorateKind
    unit_id: int | None
    source_council_id: int | None
    seats: int

    @property
    def source_id(self) -> int:
        source = self.unit_id if self.kind == "unit" else self.source_council_id
        assert source is not None
        return source


@dataclass
class Mandate(Stretch):
    id: int
    council_id: int
    electorate_id: int
    seat_no: int
    holder_id: int
    faction_id: int | None
    election_id: int
    depends_on_id: int | None = None  # the lower-council mandate a delegate holds


@dataclass
class Office:
    id: int
    council_id: int
    name: str
    capabilities: tuple[str, ...]
    stipend: int = 0  # in the federation's smallest currency unit, per month


@dataclass
class Election:
    id: int
    federation_id: int
    electorate_id: int | None
    office_id: int | None
    seats: int
    method: str
    is_secret: bool
    status: Literal["open", "closed", "published"]
    kind: Literal["founding", "general", "by", "recall"]
    opened_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    seat_no: int | None = None  # a by-election fills one vacated seat
    nominations_close_at: datetime | None = None  # ballots are taken after it (DESIGN.md 2.9)


@dataclass
class Candidate:
    id: int
    election_id: int
    member_id: int
    faction_id: int | None


@dataclass
class RecallPetition:
    """Against a mandate, or (office_term_id) against an official's term; exactly one."""

    id: int
    mandate_id: int | None
    opened_by: int
    opened_at: datetime
    status: Literal["open", "vote_open", "recalled", "rejected"]
    decided_at: datetime | None = None
    vote_election_id: int | None = None
    by_election_id: int | None = None
    office_term_id: int | None = None


@dataclass
class Notification:
    id: int
    member_id: int
    kind: str
    subject: str
    link: str
    created_at: datetime
    read_at: datetime | None = None

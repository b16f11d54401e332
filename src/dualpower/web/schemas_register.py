"""Schemas of the dual power register and the alignment of forces (DESIGN.md 4.1 shapes kept:
`GET /directives` items have id, authority, title, issued_on; the binding answer has binding
and because)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

StanceKind = Literal["endorse", "support_conditionally", "countermand"]


class DirectivePublic(BaseModel):
    id: int
    authority: str
    title: str
    issued_on: date  # as the source gives it: Old Style when is_old_style
    is_old_style: bool
    issued_on_new_style: date


class StancePublic(BaseModel):
    id: int
    council_id: int
    council: str
    kind: StanceKind
    conditions: str
    counter_order: str
    decided_at: datetime
    is_current: bool
    superseded_by: int | None


class CouncilStancesPublic(BaseModel):
    council_id: int
    council: str
    current: StancePublic
    history: list[StancePublic]


class DirectiveDetailPublic(DirectivePublic):
    authority_id: int
    text: str
    source: str
    stances: list[CouncilStancesPublic]


class BecausePublic(BaseModel):
    council_id: int
    council: str
    stance: Literal["countermand"]
    stance_id: int
    on: date
    on_old_style: date | None


class BindingPublic(BaseModel):
    binding: bool
    because: list[BecausePublic]
    council_id: int | None


class AuthorityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    council_id: int
    description: str = Field(default="", max_length=5000)
    formed_on: date | None = None
    is_old_style: bool = False
    own_council_id: int | None = None


class AuthorityPublic(BaseModel):
    id: int
    name: str
    council_id: int | None
    formed_on: date | None
    is_old_style: bool


class DirectiveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    authority_id: int
    council_id: int
    title: str = Field(min_length=1, max_length=300)
    issued_on: date
    is_old_style: bool = False
    text: str = Field(default="", max_length=20000)
    source: str = Field(default="", max_length=500)


class StanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    council_id: int
    kind: StanceKind
    conditions: str = Field(default="", max_length=5000)
    counter_order: str = Field(default="", max_length=20000)


class Created(BaseModel):
    id: int


class CouncilAlignmentPublic(BaseModel):
    id: int
    name: str
    parent_id: int | None
    seats: int
    filled: int
    composition: dict[str, int]
    majority: str | None
    popular_base: dict[str, int]
    majority_changes: list[dict[str, object]]


class FederationAlignmentPublic(BaseModel):
    filled: int
    composition: dict[str, int]
    majority: str | None
    popular_base: dict[str, int]


class AlignmentPublic(BaseModel):
    councils: list[CouncilAlignmentPublic]
    federation: FederationAlignmentPublic
    colours: dict[str, str]


class SeatToWin(BaseModel):
    unit_id: int
    unit: str
    seat_no: int
    mandate_id: int | None
    holder: str | None
    faction: str | None


class CouncilWins(BaseModel):
    council_id: int
    council: str
    seats_to_win: int
    seats: list[SeatToWin]


class RoadPublic(BaseModel):
    faction: str
    exists: bool
    cost: int | None
    target: int
    seats: int
    holds: dict[str, int]
    wins: list[CouncilWins]

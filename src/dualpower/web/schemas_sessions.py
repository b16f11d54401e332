"""Schemas of motions, sessions, instructions and initiatives (extending DESIGN.md 4.1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualpower.domain.motions import Majority

Position = Literal["yes", "no", "abstain"]


class MotionCreate(BaseModel):
    """A motion put in a base unit (`unit_id`: the caller's own) or a council (`council_id`:
    one the caller sits in). `parent_id` makes it an amendment of that motion."""

    model_config = ConfigDict(extra="forbid")
    unit_id: int | None = None
    council_id: int | None = None
    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=20000)
    majority: Majority = "simple"
    parent_id: int | None = None
    is_secret: bool = False

    @model_validator(mode="after")
    def one_place(self) -> MotionCreate:
        if (self.unit_id is None) == (self.council_id is None):
            raise ValueError("give exactly one of unit_id and council_id")
        if not self.title.strip() or not self.text.strip():
            raise ValueError("title and text must not be blank")
        return self


class Created(BaseModel):
    id: int


class VoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: Position


class VoteCast(BaseModel):
    motion_id: int
    position: Position
    receipt: str | None = Field(None, description="Only for a secret vote: check it later.")


class DecisionPublic(BaseModel):
    motion_id: int
    status: Literal["adopted", "rejected"]
    yes: int
    no: int
    abstain: int
    seats: int
    rule: str


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    agenda: list[int] = Field(default_factory=list, description="Motion ids of the council.")


class AgendaItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motion_id: int


class InstructionCreate(BaseModel):
    """An instruction motion of a unit's assembly (`unit_id`) or a lower council
    (`council_id`) for its deputies on `motion_id`; it takes force when adopted."""

    model_config = ConfigDict(extra="forbid")
    unit_id: int | None = None
    council_id: int | None = None
    motion_id: int
    position: Position

    @model_validator(mode="after")
    def one_place(self) -> InstructionCreate:
        if (self.unit_id is None) == (self.council_id is None):
            raise ValueError("give exactly one of unit_id and council_id")
        return self


class TakeUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: int

"""Schemas of a session's speakers' list and stewards (extending DESIGN.md 4.1)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.speakers import MAX_LIMIT, MAX_STEWARD_POSTS


class FloorRequest(BaseModel):
    """Ask for the floor on an agenda item (`motion_id`; by default the current item)."""

    model_config = ConfigDict(extra="forbid")
    motion_id: int | None = None


class FloorGive(BaseModel):
    """Give the floor to the next speaker on an item (by default the current item)."""

    model_config = ConfigDict(extra="forbid")
    motion_id: int | None = None


class SpeechLimit(BaseModel):
    """The time limit per speech for the session, in seconds (0 or null: none)."""

    model_config = ConfigDict(extra="forbid")
    seconds: int | None = Field(default=None, ge=0, le=MAX_LIMIT)


class StewardPostsCreate(BaseModel):
    """Open the election of this many steward posts for the session."""

    model_config = ConfigDict(extra="forbid")
    posts: int = Field(default=1, ge=1, le=MAX_STEWARD_POSTS)


class Speech(BaseModel):
    id: int


class StewardElections(BaseModel):
    elections: list[int]


class StewardTerm(BaseModel):
    term_id: int

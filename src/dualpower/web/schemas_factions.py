"""Bodies and answers of faction registration (DESIGN.md 2.10)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FactionCreate(BaseModel):
    name: str = Field(max_length=200)
    short: str = Field(max_length=20)
    colour: str = Field(max_length=7, description="#rgb or #rrggbb")


class FactionCreated(BaseModel):
    id: int


class FactionJoined(BaseModel):
    faction_id: int
    member_id: int

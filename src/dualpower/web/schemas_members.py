"""Schemas of members getting in and of their credentials (DESIGN.md 2.10)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dualpower.web.schemas import Password


class JoinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100)
    password: Password


class ResetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    who: str = Field(min_length=1, max_length=254, description="A username or e-mail address.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: Password
    new: Password


class CredentialPublic(BaseModel):
    id: int
    kind: Literal["api", "session"]
    created_at: datetime
    expires_at: datetime
    is_current: bool
    is_operator_set: bool


class Ended(BaseModel):
    ended: int

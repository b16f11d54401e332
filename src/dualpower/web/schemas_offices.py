"""Schemas of offices and pay (DESIGN.md 4.1: `GET /councils/{id}/offices`, `GET /pay`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain import vote_methods
from dualpower.domain.motions import Majority

MAX_MONEY = 10**12


class OfficePublic(BaseModel):
    """An office of a council: its holder now (null when vacant), its monthly stipend in the
    federation's smallest currency unit, and what it lets its holder do."""

    id: int
    name: str
    holder_id: int | None
    stipend: int
    capabilities: list[str]
    holder_name: str | None = None
    term_id: int | None = None
    since: datetime | None = None


class StipendPublic(BaseModel):
    office_id: int
    holder_id: int | None
    amount: int
    office_name: str
    council_id: int
    council_name: str
    holder_name: str | None
    cap: int | None = Field(description="The cap of this office's council.")


class CouncilCapPublic(BaseModel):
    id: int
    name: str
    scope: Literal["federation", "territory"]
    cap: int | None


class PayPublic(BaseModel):
    """Every office's stipend and the cap: the federation's median wage (null while no wage
    is reported). A council may cap by its own territory's median: see `councils`."""

    currency: str = Field(
        default="XXX",
        description="ISO 4217 code of every amount here, each in its minor unit (kopecks, "
        "cents): 12050 with RUB is 120.50 roubles. XXX: the federation names no currency.",
    )
    cap: int | None
    stipends: list[StipendPublic]
    councils: list[CouncilCapPublic]
    wages_reported: int
    units_reporting: int


class StipendMotionCreate(BaseModel):
    """A stipend motion: the council is asked to set the office's monthly stipend to `amount`."""

    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=0, le=MAX_MONEY)
    majority: Majority = "simple"


class WageLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: int
    amount: int = Field(ge=0, le=MAX_MONEY)


class WageReport(BaseModel):
    """A unit's whole report: it replaces the unit's previous one."""

    model_config = ConfigDict(extra="forbid")
    wages: list[WageLine] = Field(max_length=100_000)


class WageReportPublic(BaseModel):
    unit_id: int
    reported: int
    cap: int


class VerificationSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_verified: bool = True


class VerificationPublic(BaseModel):
    member_id: int
    is_verified: bool


def _office_methods(schema: dict[str, Any]) -> None:
    """The methods registered when the schema is made (domain/vote_methods.py)."""
    schema["enum"] = [m.name for m in vote_methods.for_offices()]


class OfficeElectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(
        "plurality",
        max_length=20,
        description="A vote method that may fill an office (domain/vote_methods.py).",
        json_schema_extra=_office_methods,
    )
    is_secret: bool = False
    closes_at: datetime | None = None


class CreatedPublic(BaseModel):
    id: int


class TermPublic(BaseModel):
    id: int
    office_id: int
    holder_id: int
    mandate_id: int | None
    election_id: int
    start_at: datetime


class OfficePetitionPublic(BaseModel):
    id: int
    office_term_id: int | None
    status: str
    signatures: int
    threshold: int
    vote_election_id: int | None
    by_election_id: int | None

"""Shapes of the directory listings and of /me's richer answer (issue 25)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from dualpower.web.schemas import MePublic


class UnitListedPublic(BaseModel):
    id: int
    name: str
    kind: str
    section: str
    council_id: int
    members: int  # on the roll now


class FactionListedPublic(BaseModel):
    id: int
    name: str
    short: str
    colour: str
    seats: int  # held now, in all councils


class UnitRef(BaseModel):
    id: int
    name: str
    kind: str


class OpenElectionRef(BaseModel):
    id: int
    kind: str
    council_id: int | None
    unit_id: int | None
    closes_at: datetime | None


class MotionToVotePublic(BaseModel):
    id: int
    title: str
    session_id: int | None
    must_register: bool  # register attendance at the session first


class PetitionToSignPublic(BaseModel):
    id: int
    holder_name: str
    signatures: int
    threshold: int


class SessionSeatPublic(BaseModel):
    id: int
    title: str
    status: str
    council_id: int
    is_registered: bool


class ReportToDecidePublic(BaseModel):
    id: int
    subject_kind: str


class CanDoNowPublic(BaseModel):
    """What the member can do now: elections and votes to cast, petitions to sign, sessions to
    sit in, reports to decide as a member of their panel."""

    elections: list[OpenElectionRef]
    motions: list[MotionToVotePublic]
    petitions: list[PetitionToSignPublic]
    sessions: list[SessionSeatPublic]
    reports: list[ReportToDecidePublic]


class MeDetailPublic(MePublic):
    unit: UnitRef | None
    can_do_now: CanDoNowPublic

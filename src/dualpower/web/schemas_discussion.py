"""Pydantic models of the discussion API (DESIGN.md 4.1: comments, reports, decisions;
extended with edits, report kinds and platforms)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.discussion import MAX_REASON, MAX_TEXT


class SubjectRef(BaseModel):
    kind: Literal["motion", "initiative", "directive", "recall"]
    id: int


class CommentCreate(BaseModel):
    """`faction_id`: sign as the faction's official statement (its deputies only);
    `parent_id`: reply to a comment of the same discussion."""

    model_config = ConfigDict(extra="forbid")
    subject: SubjectRef
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    parent_id: int | None = None
    faction_id: int | None = None


class CommentEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class CreatedPublic(BaseModel):
    id: int


class RevisionPublic(BaseModel):
    revision: int
    text: str | None
    written_at: datetime


class CommentPublic(BaseModel):
    """`text` is null when a panel hid the comment (`hidden_by_report` names its report)."""

    id: int
    subject: SubjectRef
    parent_id: int | None
    depth: int
    author_id: int
    author_name: str
    faction_id: int | None
    faction: str | None
    text: str | None
    is_hidden: bool
    hidden_by_report: int | None
    created_at: datetime
    edited_at: datetime | None


class CommentDetailPublic(CommentPublic):
    revisions: list[RevisionPublic]


class ReportCreate(BaseModel):
    """Report a text (`comment_id`), a false roll entry (`member_id`), or conduct in a session
    (`session_id`, with `member_id` for who disrupted it)."""

    model_config = ConfigDict(extra="forbid")
    comment_id: int | None = None
    member_id: int | None = None
    session_id: int | None = None
    reason: str = Field(min_length=1, max_length=MAX_REASON)


_WAITING = (
    "The panel is drawn once the public log holds the entry `seed_entry` (DESIGN.md 2.11: the"
    " hash of the entry a set number of places after the report's own is the seed); until then"
    ' `draw_status` is "waiting", `panel` empty and `seed` null.'
)


class ReportOpenedPublic(BaseModel):
    id: int
    panel: list[int] = Field(
        description="Member ids drawn by lot, in the order drawn; empty while waiting."
    )
    seed: str | None = Field(
        description="The draw's seed; with `inputs` (GET) anyone can repeat it. Null while the"
        " draw waits for its seed entry."
    )
    draw_status: Literal["waiting", "drawn"] = Field("drawn", description=_WAITING)
    seed_entry: int | None = Field(
        None, description="While waiting: the log position whose entry's hash will be the seed."
    )


class DrawPublic(BaseModel):
    round: int
    seed: str
    algorithm: str
    inputs: list[int]
    panel: list[int]
    drawn_at: datetime
    deadline_at: datetime
    repeats: bool
    counts: dict[str, int]
    voted: int


class ReportPublic(BaseModel):
    id: int
    subject: dict[str, int | str | None]
    reporter_id: int
    reported_id: int | None
    reason: str
    status: Literal["open", "decided"]
    decision: str | None
    decided_at: datetime | None
    majority: int
    round: int = Field(description="The current draw's round; 0 while waiting for the seed.")
    panel: list[int]
    seed: str | None
    inputs: list[int] = Field(description="Sorted ids of the eligible members (parties left out).")
    algorithm: str
    deadline_at: datetime | None
    draw_status: Literal["waiting", "drawn"] = Field(description=_WAITING)
    seed_entry: int | None = Field(
        description="While waiting: the log position whose entry's hash will be the seed."
    )
    draws: list[DrawPublic]


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["hide", "suspend", "refer", "dismiss"]


class DecisionPublic(ReportPublic):
    pass


class PlatformCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class PlatformPublic(BaseModel):
    faction_id: int
    faction: str
    version: int
    title: str
    text: str
    published_by: int
    published_at: datetime
    is_demo: bool


class VersionPublic(BaseModel):
    version: int

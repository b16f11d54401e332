"""Bodies and answers of votes on paper (services/paper.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualpower.services.paper import MAX_SHEET

MemberRef = int | str  # a member's id or username


class PaperBallot(BaseModel):
    """One paper ballot: `ranking` (candidate ids, first choice first) for irv and stv-*,
    `choices` (candidate ids) for the others; a recall vote's is `{"choices": [1]}` to recall,
    `[0]` to keep."""

    model_config = ConfigDict(extra="forbid")
    ranking: list[int] | None = Field(default=None, max_length=200)
    choices: list[int] | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_list(self) -> PaperBallot:
        if (self.ranking is None) == (self.choices is None):
            raise ValueError('a ballot is {"ranking": [...]} or {"choices": [...]}')
        return self

    @property
    def candidates(self) -> list[int]:
        return self.ranking if self.ranking is not None else (self.choices or [])


class PaperBallotsCreate(BaseModel):
    """A meeting's paper ballots: the members who voted on paper (ids or usernames), and their
    ballots, as many. In an open election the i-th ballot is the i-th voter's; in a secret one
    the two lists are not linked (the ballots are stored shuffled, with no voter)."""

    model_config = ConfigDict(extra="forbid")
    voters: list[MemberRef] = Field(min_length=1, max_length=MAX_SHEET)
    ballots: list[PaperBallot] = Field(min_length=1, max_length=MAX_SHEET)


class PaperBallotsEntered(BaseModel):
    """The sheet as entered: its ballots' receipts, in the order given (to hand out or post)."""

    election_id: int
    ballots: int
    receipts: list[str]


class PaperSignaturesCreate(BaseModel):
    """A recall petition's paper signature sheet: the members who signed (ids or usernames)."""

    model_config = ConfigDict(extra="forbid")
    members: list[MemberRef] = Field(min_length=1, max_length=MAX_SHEET)


class PaperEnterer(BaseModel):
    id: int
    name: str


class PaperDeskPublic(BaseModel):
    """Who enters a vote's paper sheets now (the electoral commission of `council_id`: the
    deputies holding an office with `run_election` there; while none holds it, every deputy of
    the council), and how many votes or signatures were entered on paper so far."""

    council_id: int
    council_name: str
    enterers: list[PaperEnterer]
    on_paper: int

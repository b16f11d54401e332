"""Votes on paper (DESIGN.md 2.9): which participations and recall signatures the electoral
commission entered from a meeting's paper ballots and signature sheets, and who entered them.

A row here marks a participation (or a signature) as given on paper; its absence, online. The
participation roll's key (one row per member and election) and the signatures' key (one per
member and petition) keep the two ways apart: nobody votes or signs both ways. A paper vote
marks only that the member took part; a secret election's paper ballots carry no voter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKeyConstraint,
    Table,
    func,
    select,
)

from dualpower.store import repositories
from dualpower.store.tables import _at, _fk, metadata, participations, recall_signatures

paper_votes = Table(
    "paper_votes",
    metadata,
    _fk("election_id", "elections.id", primary_key=True),
    _fk("member_id", "members.id", primary_key=True),
    _fk("entered_by", "members.id"),
    _at("entered_at"),
    ForeignKeyConstraint(
        ["election_id", "member_id"],
        ["participations.election_id", "participations.member_id"],
        ondelete="CASCADE",
    ),
)

paper_signatures = Table(
    "paper_signatures",
    metadata,
    _fk("petition_id", "recall_petitions.id", primary_key=True),
    _fk("member_id", "members.id", primary_key=True),
    _fk("entered_by", "members.id"),
    _at("entered_at"),
    # A signature withdrawn takes its paper mark with it.
    ForeignKeyConstraint(
        ["petition_id", "member_id"],
        ["recall_signatures.petition_id", "recall_signatures.member_id"],
        ondelete="CASCADE",
    ),
)


class PaperRepo:
    def __init__(self, conn: Any):
        self.conn = conn

    def add_votes(
        self, election_id: int, member_ids: Sequence[int], entered_by: int, at: datetime
    ) -> None:
        rows = [
            {"election_id": election_id, "member_id": m, "entered_by": entered_by, "entered_at": at}
            for m in member_ids
        ]
        if rows:
            self.conn.execute(paper_votes.insert(), rows)

    def add_signatures(
        self, petition_id: int, member_ids: Sequence[int], entered_by: int, at: datetime
    ) -> None:
        rows = [
            {"petition_id": petition_id, "member_id": m, "entered_by": entered_by, "entered_at": at}
            for m in member_ids
        ]
        if rows:
            self.conn.execute(paper_signatures.insert(), rows)

    def took_part(self, election_id: int, member_ids: Sequence[int]) -> dict[int, int | None]:
        """Of these members, those who have voted in the election: member -> who entered their
        paper vote (None: they voted online)."""
        p, pv = participations, paper_votes
        query = (
            select(p.c.member_id, pv.c.entered_by)
            .select_from(
                p.outerjoin(
                    pv, (pv.c.election_id == p.c.election_id) & (pv.c.member_id == p.c.member_id)
                )
            )
            .where(p.c.election_id == election_id, p.c.member_id.in_(list(member_ids)))
        )
        return {int(m): e for m, e in self.conn.execute(query)}

    def signed(self, petition_id: int, member_ids: Sequence[int]) -> dict[int, int | None]:
        """Of these members, those who have signed the petition: member -> who entered their
        paper signature (None: they signed online)."""
        s, ps = recall_signatures, paper_signatures
        query = (
            select(s.c.member_id, ps.c.entered_by)
            .select_from(
                s.outerjoin(
                    ps, (ps.c.petition_id == s.c.petition_id) & (ps.c.member_id == s.c.member_id)
                )
            )
            .where(s.c.petition_id == petition_id, s.c.member_id.in_(list(member_ids)))
        )
        return {int(m): e for m, e in self.conn.execute(query)}

    def votes_count(self, election_id: int) -> int:
        query = select(func.count()).where(paper_votes.c.election_id == election_id)
        return int(self.conn.execute(query).scalar_one())

    def vote_of(self, election_id: int, member_id: int) -> int | None:
        """Who entered this member's paper vote; None if they did not vote on paper."""
        pv = paper_votes
        query = select(pv.c.entered_by).where(
            pv.c.election_id == election_id, pv.c.member_id == member_id
        )
        entered_by: int | None = self.conn.execute(query).scalar()
        return entered_by

    def signatures_count(self, petition_id: int) -> int:
        query = select(func.count()).where(paper_signatures.c.petition_id == petition_id)
        return int(self.conn.execute(query).scalar_one())

    def signature_of(self, petition_id: int, member_id: int) -> int | None:
        ps = paper_signatures
        query = select(ps.c.entered_by).where(
            ps.c.petition_id == petition_id, ps.c.member_id == member_id
        )
        entered_by: int | None = self.conn.execute(query).scalar()
        return entered_by


repositories.REPOSITORIES["paper"] = PaperRepo

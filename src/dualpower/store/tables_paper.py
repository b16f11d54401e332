"""Votes on paper (DESIGN.md 2.9): which participations and recall signatures the electoral
commission entered from a meeting's paper ballots and signature sheets, and who entered them.

A row here marks a participation (or a signature) as given on paper; its absence, online. The
participation roll's key (one row per member and election) and the signatures' key (one per
member and petition) keep the two ways apart: nobody votes or signs both ways. A paper vote
marks only that the member took part; a secret election's paper ballots carry no voter.

A founding election's paper ballots may be entered by the operator, while no commission exists
(the bootstrap, DESIGN.md 2.4): that row has no `entered_by` and `is_operator` set, one or the
other (migration 0032_h20p).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    exists,
    false,
    func,
    select,
)

from dualpower.store import repositories
from dualpower.store.repositories import OnConnection
from dualpower.store.tables import (
    _at,
    _fk,
    elections,
    participations,
    per_member,
    recall_signatures,
)
from dualpower.store.typed import tuples

paper_votes = per_member(
    "paper_votes",
    "election_id",
    "elections.id",
    _fk("entered_by", "members.id", nullable=True),  # none: the operator's (founding only)
    _at("entered_at"),
    Column("is_operator", Boolean, nullable=False, default=False, server_default=false()),
    CheckConstraint(
        "(entered_by IS NOT NULL AND NOT is_operator) OR (entered_by IS NULL AND is_operator)",
        name="entered_by",
    ),
    ForeignKeyConstraint(
        ["election_id", "member_id"],
        ["participations.election_id", "participations.member_id"],
        ondelete="CASCADE",
    ),
)

paper_signatures = per_member(
    "paper_signatures",
    "petition_id",
    "recall_petitions.id",
    _fk("entered_by", "members.id"),
    _at("entered_at"),
    # A signature withdrawn takes its paper mark with it.
    ForeignKeyConstraint(
        ["petition_id", "member_id"],
        ["recall_signatures.petition_id", "recall_signatures.member_id"],
        ondelete="CASCADE",
    ),
)


BY_OPERATOR: Final = "operator"  # who entered a paper vote, when no member did


class PaperRepo(OnConnection):
    def add_votes(
        self, election_id: int, member_ids: Sequence[int], entered_by: int | None, at: datetime
    ) -> None:
        """Mark these members' votes as entered on paper by `entered_by`, or (None) by the
        operator."""
        by: dict[str, Any] = {
            "entered_by": entered_by,
            "is_operator": entered_by is None,
            "entered_at": at,
        }
        rows = [{"election_id": election_id, "member_id": m} | by for m in member_ids]
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

    def took_part(self, election_id: int, member_ids: Sequence[int]) -> dict[int, int | str | None]:
        """Of these members, those who have voted in the election: member -> who entered their
        paper vote (a member's id, or BY_OPERATOR; None: they voted online)."""
        p, pv = participations, paper_votes
        query = (
            select(p.c.member_id, pv.c.entered_by, pv.c.is_operator)
            .select_from(
                p.outerjoin(
                    pv, (pv.c.election_id == p.c.election_id) & (pv.c.member_id == p.c.member_id)
                )
            )
            .where(p.c.election_id == election_id, p.c.member_id.in_(list(member_ids)))
        )
        return {int(m): BY_OPERATOR if op else e for m, e, op in tuples(self.conn.execute(query))}

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
        return {int(m): e for m, e in tuples(self.conn.execute(query))}

    def votes_count(self, election_id: int) -> int:
        query = select(func.count()).where(paper_votes.c.election_id == election_id)
        return int(self.conn.execute(query).scalar_one())

    def vote_of(self, election_id: int, member_id: int) -> int | str | None:
        """Who entered this member's paper vote (a member's id, or BY_OPERATOR); None if they
        did not vote on paper."""
        pv = paper_votes
        query = select(pv.c.entered_by, pv.c.is_operator).where(
            pv.c.election_id == election_id, pv.c.member_id == member_id
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return BY_OPERATOR if row.is_operator else int(row.entered_by)

    def operator_votes_outside_founding(self) -> list[tuple[int, str]]:
        """(election, kind) of every election not a founding one with paper votes the operator
        entered (`dualpower check`), by id."""
        pv, e = paper_votes, elections
        query = (
            select(e.c.id, e.c.kind)
            .where(
                e.c.kind != "founding",
                exists().where(pv.c.election_id == e.c.id, pv.c.is_operator),
            )
            .order_by(e.c.id)
        )
        return [(int(i), str(k)) for i, k in tuples(self.conn.execute(query))]

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

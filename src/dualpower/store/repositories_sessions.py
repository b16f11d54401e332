"""Repositories of sessions, motions, roll-calls, instructions, breaches and initiatives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update

from dualpower.domain.cycle import (
    DEFAULT_NOMINATIONS_SECONDS,
    DEFAULT_SESSION_VOTE_SECONDS,
    DEFAULT_VOTING_SECONDS,
)
from dualpower.domain.initiatives import DEFAULT_THRESHOLD_BP, Initiative
from dualpower.domain.motions import Breach, Instruction, Motion, Tally
from dualpower.domain.sessions import DEFAULT_ASSEMBLY_QUORUM_BP, Session
from dualpower.store import repositories as r
from dualpower.store import tables as t
from dualpower.store import tables_sessions as ts
from dualpower.store.repositories import OnConnection
from dualpower.store.typed import tuples


class StandingOrdersRepo(OnConnection):
    def _row(self, council_id: int | None, unit_id: int | None) -> Any:
        so = ts.standing_orders
        where = so.c.council_id == council_id if council_id else so.c.unit_id == unit_id
        return self.conn.execute(select(so).where(where)).first()

    def of(self, *, council_id: int | None = None, unit_id: int | None = None) -> dict[str, Any]:
        return self._orders(self._row(council_id, unit_id))

    def of_councils(self, council_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The standing orders of several councils, in one statement."""
        so = ts.standing_orders
        ids = sorted(set(council_ids))
        rows = {
            row.council_id: row
            for row in self.conn.execute(select(so).where(so.c.council_id.in_(ids)))
        }
        return {c: self._orders(rows.get(c)) for c in ids}

    @staticmethod
    def _orders(row: Any) -> dict[str, Any]:
        return {
            "allows_secret_votes": bool(row.allows_secret_votes) if row else False,
            "initiative_threshold_bp": row.initiative_threshold_bp if row else DEFAULT_THRESHOLD_BP,
            "assembly_quorum_bp": row.assembly_quorum_bp if row else DEFAULT_ASSEMBLY_QUORUM_BP,
            "nominations_seconds": (row.nominations_seconds if row else None)
            or DEFAULT_NOMINATIONS_SECONDS,
            "voting_seconds": (row.voting_seconds if row else None) or DEFAULT_VOTING_SECONDS,
            "secret_elections": bool(row.secret_elections) if row else False,
            "session_vote_seconds": (row.session_vote_seconds if row else None)
            or DEFAULT_SESSION_VOTE_SECONDS,
        }

    def put(
        self, *, council_id: int | None = None, unit_id: int | None = None, **values: Any
    ) -> None:
        so = ts.standing_orders
        row = self._row(council_id, unit_id)
        if row is None:
            self.conn.execute(insert(so).values(council_id=council_id, unit_id=unit_id, **values))
        else:
            self.conn.execute(update(so).where(so.c.id == row.id).values(**values))


class SessionRepo(r._Repo[Session]):
    table, model = ts.sessions, Session

    def of_council(self, council_id: int) -> list[Session]:
        return self.list(self.table.c.council_id == council_id, order_by=self.table.c.id.desc())

    def upcoming(self, council_id: int) -> Session | None:
        """The council's next session: the earliest not yet closed."""
        found = self.list(self.table.c.council_id == council_id, self.table.c.status != "closed")
        return found[0] if found else None

    def add_item(self, session_id: int, motion_id: int) -> None:
        self.conn.execute(
            insert(ts.agenda_items).values(session_id=session_id, motion_id=motion_id)
        )

    def agenda(self, session_id: int) -> list[int]:
        ai = ts.agenda_items
        query = select(ai.c.motion_id).where(ai.c.session_id == session_id).order_by(ai.c.id)
        return list(self.conn.execute(query).scalars())

    def sessions_of_motion(self, motion_id: int) -> list[int]:
        ai = ts.agenda_items
        return list(
            self.conn.execute(select(ai.c.session_id).where(ai.c.motion_id == motion_id)).scalars()
        )

    def attend(self, session_id: int, member_id: int, at: datetime) -> None:
        self.conn.execute(
            insert(ts.attendance).values(
                session_id=session_id, member_id=member_id, registered_at=at
            )
        )

    def present(self, session_id: int) -> list[int]:
        at = ts.attendance
        query = (
            select(at.c.member_id)
            .where(at.c.session_id == session_id)
            .order_by(at.c.registered_at, at.c.member_id)
        )
        return list(self.conn.execute(query).scalars())


class MotionRepo(r._Repo[Motion]):
    table, model = ts.motions, Motion

    def claim_voting(self, motion_id: int) -> Motion | None:
        """The motion, its row locked, or None when another process holds it (SKIP LOCKED)."""
        query = select(self.table).where(self.table.c.id == motion_id)
        row = self.conn.execute(query.with_for_update(skip_locked=True)).first()
        return r.to_domain(Motion, row) if row else None

    def voting(self) -> list[Motion]:
        """Motions whose vote is open, by id."""
        return self.list(self.table.c.status == "voting")

    def voting_ids(self) -> list[int]:
        """Motions whose vote is open, oldest vote first."""
        m = self.table
        query = select(m.c.id).where(m.c.status == "voting").order_by(m.c.vote_opened_at, m.c.id)
        return list(self.conn.execute(query).scalars())

    def amendments(self, motion_id: int) -> list[Motion]:
        return self.list(self.table.c.parent_id == motion_id)

    def decide(self, motion_id: int, status: str, at: datetime, tally: Tally, seats: int) -> bool:
        result = self.conn.execute(
            update(self.table)
            .where(self.table.c.id == motion_id, self.table.c.status == "voting")
            .values(
                status=status,
                decided_at=at,
                yes=tally.yes,
                no=tally.no,
                abstain=tally.abstain,
                seats=seats,
            )
        )
        return result.rowcount == 1

    def waiting_for_agenda(self, council_id: int) -> list[Motion]:
        """Initiatives put to the council that are on no agenda yet."""
        ai = ts.agenda_items
        on_agenda = select(ai.c.motion_id)
        return self.list(
            self.table.c.council_id == council_id,
            self.table.c.initiative_id.is_not(None),
            self.table.c.status == "draft",
            self.table.c.id.not_in(on_agenda),
        )

    # Roll-call votes
    def add_vote(self, motion_id: int, member_id: int, position: str, at: datetime) -> None:
        self.conn.execute(
            insert(ts.motion_votes).values(
                motion_id=motion_id, member_id=member_id, position=position, cast_at=at
            )
        )

    def votes(self, motion_id: int) -> dict[int, str]:
        mv = ts.motion_votes
        query = select(mv.c.member_id, mv.c.position).where(mv.c.motion_id == motion_id)
        return {member: position for member, position in tuples(self.conn.execute(query))}

    def roll_call(self, motion_id: int) -> list[tuple[int, str, str]]:
        """(member id, display name, position) of each roll-call vote, by member id."""
        mv, me = ts.motion_votes, t.members
        query = (
            select(mv.c.member_id, me.c.display_name, mv.c.position)
            .join(me, me.c.id == mv.c.member_id)
            .where(mv.c.motion_id == motion_id)
            .order_by(mv.c.member_id)
        )
        return [(int(m), name, p) for m, name, p in tuples(self.conn.execute(query))]

    def decided_rows(self) -> list[dict[str, Any]]:
        """Every adopted or rejected motion's row, by id (the roll-call export)."""
        mo = self.table
        query = select(mo).where(mo.c.status.in_(("adopted", "rejected"))).order_by(mo.c.id)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    # Secret votes
    def add_secret(self, motion_id: int, member_id: int, receipt: str, position: str) -> None:
        self.conn.execute(
            insert(ts.motion_participations).values(motion_id=motion_id, member_id=member_id)
        )
        self.conn.execute(
            insert(ts.motion_ballots).values(
                receipt=receipt, motion_id=motion_id, position=position
            )
        )

    def participants(self, motion_id: int) -> set[int]:
        mp = ts.motion_participations
        return set(
            self.conn.execute(select(mp.c.member_id).where(mp.c.motion_id == motion_id)).scalars()
        )

    def secret_ballot_rows(self, motion_id: int) -> list[dict[str, Any]]:
        """The secret vote's ballot rows, whole."""
        return r.rows_where(
            self.conn, ts.motion_ballots, ts.motion_ballots.c.motion_id == motion_id
        )

    def rewrite_secret_ballots(self, motion_id: int, rows: list[dict[str, Any]]) -> None:
        """Write the secret vote's ballots anew as `rows`, in their order."""
        mb = ts.motion_ballots
        r.rewrite_rows(self.conn, mb, mb.c.motion_id == motion_id, rows)

    def secret_ballots(self, motion_id: int) -> list[dict[str, str]]:
        mb = ts.motion_ballots
        query = (
            select(mb.c.receipt, mb.c.position)
            .where(mb.c.motion_id == motion_id)
            .order_by(mb.c.receipt)
        )
        return [{"receipt": rc, "position": p} for rc, p in tuples(self.conn.execute(query))]

    def tally(self, motion: Motion) -> Tally:
        if motion.is_secret:
            positions = [b["position"] for b in self.secret_ballots(motion.id)]
        else:
            positions = list(self.votes(motion.id).values())
        counts = Counter(positions)
        return Tally(counts["yes"], counts["no"], counts["abstain"])


class InstructionRepo(r._Repo[Instruction]):
    table, model = ts.instructions, Instruction

    def on_motion(self, motion_id: int) -> list[Instruction]:
        return self.list(self.table.c.motion_id == motion_id)


class BreachRepo(r._Repo[Breach]):
    table, model = ts.breaches, Breach

    def of_instruction(self, instruction_id: int) -> list[Breach]:
        return self.list(self.table.c.instruction_id == instruction_id)

    def on_motion(self, motion_id: int) -> list[Breach]:
        ins = ts.instructions
        ids = select(ins.c.id).where(ins.c.motion_id == motion_id)
        return self.list(self.table.c.instruction_id.in_(ids))


class InitiativeRepo(r._Repo[Initiative]):
    table, model = ts.initiatives, Initiative

    def add_support(self, **values: Any) -> None:
        self.conn.execute(insert(ts.initiative_supports).values(**values))

    def supports(self, initiative_id: int) -> list[Any]:
        return self._of(ts.initiative_supports, initiative_id)

    def add_step(self, **values: Any) -> None:
        self.conn.execute(insert(ts.initiative_steps).values(**values))

    def steps(self, initiative_id: int) -> list[Any]:
        return self._of(ts.initiative_steps, initiative_id)

    def _of(self, table: Table, initiative_id: int) -> list[Any]:
        """The initiative's rows in `table` (its supports, its steps), in the order written."""
        query = select(table).where(table.c.initiative_id == initiative_id)
        return list(self.conn.execute(query.order_by(table.c.id)))

    def all_steps(self) -> list[Any]:
        return list(self.conn.execute(select(ts.initiative_steps)))

    def motions_of(self, initiative_id: int) -> list[Motion]:
        m = ts.motions
        query = select(m).where(m.c.initiative_id == initiative_id).order_by(m.c.id)
        return [r.to_domain(Motion, row) for row in self.conn.execute(query)]


def count_rows(conn: Any, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)


r.REPOSITORIES["standing_orders"] = StandingOrdersRepo
r.REPOSITORIES["sessions"] = SessionRepo
r.REPOSITORIES["motions"] = MotionRepo
r.REPOSITORIES["instructions"] = InstructionRepo
r.REPOSITORIES["breaches"] = BreachRepo
r.REPOSITORIES["initiatives"] = InitiativeRepo

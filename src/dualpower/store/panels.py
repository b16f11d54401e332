"""The panels' repository (DESIGN.md 2.4a, services/panels.py): reports, their draws by lot and
the panel seats' votes, as plain dict rows (the tables are in store/tables_discussion.py), and
the two reads of the audit log a first draw's seed comes from."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, update

from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store import tables_discussion as d
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.typed import tuples


def _row(row: Any) -> dict[str, Any]:
    return {k: as_utc(v) for k, v in row._mapping.items()}


class LatestDraw(NamedTuple):
    round: int
    panel: list[int]


class PanelRepo(OnConnection):
    """Reports, draws and panel votes, on the unit of work's connection."""

    def add_report(self, **values: Any) -> int:
        return self._insert(d.reports, **values)

    def report(self, report_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The report (its row locked until commit with `lock`), or None."""
        query = select(d.reports).where(d.reports.c.id == report_id)
        row = self.conn.execute(query.with_for_update() if lock else query).first()
        return _row(row) if row else None

    def lock_open(self, report_id: int) -> dict[str, Any] | None:
        """The report, its row locked, while it is open; None once decided."""
        r = d.reports
        query = select(r).where(r.c.id == report_id, r.c.status == "open").with_for_update()
        row = self.conn.execute(query).first()
        return _row(row) if row else None

    def reported_since(self, reporter_id: int, since: datetime) -> int:
        """How many reports the member filed after `since`."""
        r = d.reports
        query = select(func.count()).select_from(r)
        query = query.where(r.c.reporter_id == reporter_id, r.c.opened_at > since)
        return int(self.conn.execute(query).scalar_one())

    def open_reports(self) -> list[dict[str, Any]]:
        """The open reports, by id."""
        query = select(d.reports).where(d.reports.c.status == "open").order_by(d.reports.c.id)
        return [_row(row) for row in self.conn.execute(query)]

    def waiting(self) -> list[dict[str, Any]]:
        """The open reports whose first panel is not drawn yet, by id."""
        r, rd = d.reports, d.report_draws
        query = select(r).where(r.c.status == "open", r.c.id.not_in(select(rd.c.report_id)))
        return [_row(row) for row in self.conn.execute(query.order_by(r.c.id))]

    def decide(self, report_id: int, **values: Any) -> int:
        """Decide an open report; how many rows changed (0 when it was decided already)."""
        r = d.reports
        query = update(r).where(r.c.id == report_id, r.c.status == "open").values(**values)
        return int(self.conn.execute(query).rowcount)

    def add_draw(self, **values: Any) -> None:
        self.conn.execute(insert(d.report_draws).values(**values))

    def draws(self, report_id: int) -> list[dict[str, Any]]:
        """The report's draws, first round first."""
        rd = d.report_draws
        query = select(rd).where(rd.c.report_id == report_id).order_by(rd.c.round)
        return [_row(row) for row in self.conn.execute(query)]

    def open_with_latest_draw(self) -> list[tuple[int, str, LatestDraw | None]]:
        """(id, subject kind, latest draw or None) of every open report, by id."""
        r, rd = d.reports, d.report_draws
        query = select(r.c.id, r.c.subject_kind).where(r.c.status == "open").order_by(r.c.id)
        out: list[tuple[int, str, LatestDraw | None]] = []
        for report_id, kind in tuples(self.conn.execute(query)):
            latest = (
                select(rd.c.round, rd.c.panel)
                .where(rd.c.report_id == report_id)
                .order_by(rd.c.round.desc())
                .limit(1)
            )
            draw = self.conn.execute(latest).first()
            found = LatestDraw(int(draw.round), list(draw.panel)) if draw else None
            out.append((int(report_id), str(kind), found))
        return out

    def add_vote(self, **values: Any) -> None:
        self.conn.execute(insert(d.panel_votes).values(**values))

    def votes(self, report_id: int, round_: int) -> list[dict[str, Any]]:
        """The votes of the report's panel of this round."""
        pv = d.panel_votes
        query = select(pv).where(pv.c.report_id == report_id, pv.c.round == round_)
        order = (pv.c.report_id, pv.c.round, pv.c.member_id)
        return [_row(row) for row in self.conn.execute(query.order_by(*order))]

    def has_voted(self, report_id: int, round_: int, member_id: int) -> bool:
        pv = d.panel_votes.c
        query = select(pv.member_id).where(
            pv.report_id == report_id, pv.round == round_, pv.member_id == member_id
        )
        return self.conn.execute(query).first() is not None

    def comment(self, comment_id: int) -> dict[str, Any] | None:
        """A comment reported (its author, its subject), or None."""
        query = select(d.comments).where(d.comments.c.id == comment_id)
        row = self.conn.execute(query).first()
        return _row(row) if row else None

    def hide_comment(self, comment_id: int) -> None:
        c = d.comments
        self.conn.execute(update(c).where(c.c.id == comment_id).values(is_hidden=True))

    def add_suspension(self, **values: Any) -> None:
        self.conn.execute(insert(d.suspensions).values(**values))

    def open_entry(self, report_id: int) -> tuple[int | None, str] | None:
        """(seq or None while unsealed, payload) of the report's `report.open` entry, or None.
        The payload is canonical JSON with sorted keys: it begins with the report's number, or
        with the pool and then the number."""
        log = t.audit_log.c
        query = select(log.seq, log.payload).where(
            log.act == "report.open",
            log.payload.like(f'{{"report":{report_id},%')
            | log.payload.like(f'{{"pool":[%],"report":{report_id},%'),
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return (None if row.seq is None else int(row.seq)), str(row.payload)

    def sealed_hash(self, seq: int) -> str | None:
        """The hash of the log's entry at `seq`, once sealed; else None."""
        log = t.audit_log.c
        row = self.conn.execute(select(log.entry_hash).where(log.seq == seq)).first()
        return None if row is None or row.entry_hash is None else str(row.entry_hash)


repositories.REPOSITORIES["panels"] = PanelRepo

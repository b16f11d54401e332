"""Tables of discussion and of order kept by the members (DESIGN.md 2.4a, 2.7a).

A comment's subject is (kind, id) without a foreign key: motions, initiatives, directives and
recall petitions live in other topics' tables, and the service checks the subject exists.
Once-only rules are constraints: one revision number per comment, one version number per
platform, one draw per report and round, one vote per panel member and round, one suspension
per decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import SchemaItem

from dualpower.store import repositories
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.tables import Id, _at, _fk, _numbered, entity, metadata, table


def _kind_and_id(name: str, length: int, *kinds: str, index: str = "") -> tuple[SchemaItem, ...]:
    """What a row points at in one of several tables: `<name>_kind` (one of `kinds`) and
    `<name>_id`, with no foreign key; `index`: the name of an index over the two."""
    kind, key = f"{name}_kind", f"{name}_id"
    named = ", ".join(f"'{k}'" for k in kinds)
    items: tuple[SchemaItem, ...] = (
        Column(kind, String(length), nullable=False),
        Column(key, Id, nullable=False),
        CheckConstraint(f"{kind} IN ({named})", name=kind),
    )
    return items + ((Index(index, kind, key),) if index else ())


comments = entity(
    "comments",
    *_kind_and_id(
        "subject", 20, "motion", "initiative", "directive", "recall", index="ix_comments_subject"
    ),
    _fk("author_id", "members.id", index=True),
    _fk("faction_id", "factions.id", nullable=True),
    _fk("parent_id", "comments.id", nullable=True),
    Column("text", Text, nullable=False),
    _at("created_at"),
    _at("edited_at", nullable=True),
    Column("is_hidden", Boolean, nullable=False, default=False),
)

comment_revisions = entity(
    "comment_revisions",
    *_numbered("comment_id", "comments.id", "revision_no"),
    Column("text", Text, nullable=False),
    _at("written_at"),
)

platforms = entity(
    "platforms",
    *_numbered("faction_id", "factions.id", "version"),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    _fk("published_by", "members.id"),
    _at("published_at"),
    Column("is_demo", Boolean, nullable=False, default=False),
)

reports = entity(
    "reports",
    *_kind_and_id("subject", 10, "comment", "roll", "session", index="ix_reports_subject"),
    _fk("reporter_id", "members.id", index=True),
    _fk("reported_id", "members.id", nullable=True),
    Column("reason", Text, nullable=False),
    *_kind_and_id("scope", 10, "unit", "council"),
    Column("panel_size", Integer, nullable=False),
    _at("opened_at"),
    Column("status", String(10), nullable=False, default="open"),
    Column("decision", String(10), nullable=True),
    Column("decided_round", Integer, nullable=True),
    _at("decided_at", nullable=True),
    CheckConstraint("status IN ('open', 'decided')", name="status"),
    CheckConstraint(
        "decision IS NULL OR decision IN ('hide', 'suspend', 'refer', 'dismiss')", name="decision"
    ),
    CheckConstraint("panel_size >= 1", name="panel_size"),
)

# Every draw of a report's panel: the first at the report, one more each time a panel runs out
# of time. `inputs` are the sorted eligible ids, `panel` the drawn ids (domain/lot.py).
report_draws = entity(
    "report_draws",
    *_numbered("report_id", "reports.id", "round"),
    Column("seed", String(64), nullable=False),
    Column("algorithm", String(40), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("panel", JSON, nullable=False),
    _at("drawn_at"),
    _at("deadline_at"),
)

panel_votes = table(
    "panel_votes",
    _fk("report_id", "reports.id", primary_key=True),
    Column("round", Integer, primary_key=True),
    _fk("member_id", "members.id", primary_key=True),
    Column("decision", String(10), nullable=False),
    _at("voted_at"),
    CheckConstraint("decision IN ('hide', 'suspend', 'refer', 'dismiss')", name="decision"),
)

suspensions = entity(
    "suspensions",
    _fk("member_id", "members.id", index=True),
    _at("start_at"),
    _at("until_at"),
    _fk("report_id", "reports.id", unique=True),
)


def _row(row: Any) -> dict[str, Any]:
    return {k: as_utc(v) for k, v in row._mapping.items()}


class DiscussionRepo(OnConnection):
    """Plain dict rows for the discussion tables, on the unit of work's connection."""

    def add(self, table: Table, **values: Any) -> int:
        return self._insert(table, **values)

    def one(self, table: Table, *where: Any, lock: bool = False) -> dict[str, Any] | None:
        query = select(table).where(*where)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _row(row) if row else None

    def all(self, table: Table, *where: Any, order_by: Any = None) -> list[dict[str, Any]]:
        order = order_by if order_by is not None else list(table.primary_key.columns)
        query = select(table).where(*where).order_by(*([order] if order_by is not None else order))
        return [_row(r) for r in self.conn.execute(query)]

    def count(self, table: Table, *where: Any) -> int:
        query = select(func.count()).select_from(table).where(*where)
        return int(self.conn.execute(query).scalar_one())

    def set(self, table: Table, *where: Any, **values: Any) -> int:
        return int(self.conn.execute(table.update().where(*where).values(**values)).rowcount)

    def subject(self, table_name: str, subject_id: int) -> dict[str, Any] | None:
        """The row of a discussion's subject in another topic's table (its values as stored),
        or None. `TopicMissing` when that table is not in this code's schema, or not yet in
        the database (the topic's migration is not applied): read in a savepoint, so the
        failed read spoils nothing."""
        table = metadata.tables.get(table_name)
        if table is None:
            raise TopicMissing(table_name, declared=False)
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(select(table).where(table.c.id == subject_id)).first()
        except DBAPIError:
            raise TopicMissing(table_name, declared=True) from None
        return dict(row._mapping) if row is not None else None

    def comment(self, comment_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """A comment's row; `lock`: held until commit (an edit against a concurrent one)."""
        return self.one(comments, comments.c.id == comment_id, lock=lock)

    def comments_since(self, author_id: int, since: datetime) -> int:
        """How many comments the author posted after `since` (the posting rate limit)."""
        c = comments.c
        return self.count(comments, c.author_id == author_id, c.created_at > since)

    def revisions_of(self, comment_id: int) -> int:
        return self.count(comment_revisions, comment_revisions.c.comment_id == comment_id)

    def set_comment_text(self, comment_id: int, text: str, edited_at: datetime) -> None:
        self.set(comments, comments.c.id == comment_id, text=text, edited_at=edited_at)

    def platform_versions(self, faction_id: int) -> int:
        return self.count(platforms, platforms.c.faction_id == faction_id)

    def suspensions_ending_after(self, member_id: int, at: datetime) -> list[dict[str, Any]]:
        """The member's suspensions that end after `at` (those begun and not yet begun)."""
        s = suspensions.c
        return self.all(suspensions, s.member_id == member_id, s.until_at > at)


class TopicMissing(LookupError):
    """A topic's table is not in the schema (`declared` False: its code is not installed) or
    not in the database (`declared` True: its migration is not applied)."""

    def __init__(self, table_name: str, *, declared: bool):
        super().__init__(table_name)
        self.table_name, self.declared = table_name, declared


repositories.REPOSITORIES["discussion"] = DiscussionRepo

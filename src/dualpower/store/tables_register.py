"""Tables of the dual power register (DESIGN.md 2.6): authorities, directives, stances.

Stances are append-only in content: a council's new stance on a directive gets the next
`version` and the previous one is marked `superseded_by` it, in the same transaction. The unique
(directive, council, version) key makes two concurrent stances on the same previous one collide
(one wins, the other is refused), and the partial unique index allows one current stance per
directive and council.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)

from dualpower.domain.register import Stance
from dualpower.store import repositories
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.tables import _at, _fk, _unique_where, entity

authorities = entity(
    "authorities",
    _fk("federation_id", "federations.id"),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("formed_on", Date, nullable=True),
    Column("is_old_style", Boolean, nullable=False, default=False),
    # An authority that is one of our own councils (the Petrograd Soviet issuing Order No. 1).
    _fk("council_id", "councils.id", nullable=True),
    _at("recorded_at"),
    UniqueConstraint("federation_id", "name"),
)

directives = entity(
    "directives",
    _fk("authority_id", "authorities.id", index=True),
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("source", String(500), nullable=False, default=""),
    Column("issued_on", Date, nullable=False),  # as given; Old Style when is_old_style
    Column("is_old_style", Boolean, nullable=False, default=False),
    _fk("recorded_by_council_id", "councils.id", nullable=True),
    _at("recorded_at"),
)

stances = entity(
    "stances",
    _fk("directive_id", "directives.id"),
    _fk("council_id", "councils.id"),
    Column("version", Integer, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("conditions", Text, nullable=False, default=""),
    Column("counter_order", Text, nullable=False, default=""),
    _at("decided_at"),
    _fk("decided_by", "members.id", nullable=True),  # the secretary; NULL for an operator act
    Column("is_operator", Boolean, nullable=False, default=False),
    _fk("superseded_by", "stances.id", nullable=True),
    CheckConstraint("kind IN ('endorse', 'support_conditionally', 'countermand')", name="kind"),
    CheckConstraint("version >= 1", name="version"),
    UniqueConstraint("directive_id", "council_id", "version", name="uq_stances_version"),
    _unique_where(
        "uq_stances_one_current", "directive_id", "council_id", where="superseded_by IS NULL"
    ),
)


def _stance(row: Any) -> Stance:
    return Stance(
        id=row.id,
        directive_id=row.directive_id,
        council_id=row.council_id,
        kind=row.kind,
        decided_at=as_utc(row.decided_at),
        conditions=row.conditions,
        counter_order=row.counter_order,
        superseded_by=row.superseded_by,
    )


class RegisterRepo(OnConnection):
    """Authorities, directives and stances, as plain dicts (directives) and Stance objects."""

    def add_authority(self, **values: Any) -> int:
        return self._insert(authorities, **values)

    def authorities(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(authorities).order_by(authorities.c.id))
        return [dict(r._mapping) for r in rows]

    def authority(self, authority_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(authorities).where(authorities.c.id == authority_id)).first()
        return dict(row._mapping) if row else None

    def add_directive(self, **values: Any) -> int:
        return self._insert(directives, **values)

    def directives(self) -> list[dict[str, Any]]:
        query = (
            select(directives, authorities.c.name.label("authority"))
            .join(authorities, authorities.c.id == directives.c.authority_id)
            .order_by(directives.c.issued_on, directives.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def directive(self, directive_id: int) -> dict[str, Any] | None:
        return next((d for d in self.directives() if d["id"] == directive_id), None)

    def lock_directive(self, directive_id: int) -> bool:
        """Lock the directive's row until commit, so stances on it are taken one after another
        (PostgreSQL; SQLite's writers are serial already). False if there is no such directive."""
        query = select(directives.c.id).where(directives.c.id == directive_id).with_for_update()
        return self.conn.execute(query).first() is not None

    def stances(self, directive_id: int | None = None) -> list[Stance]:
        query = select(stances).order_by(stances.c.decided_at, stances.c.id)
        if directive_id is not None:
            query = query.where(stances.c.directive_id == directive_id)
        return [_stance(r) for r in self.conn.execute(query)]

    def stance_rows(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(stances).order_by(stances.c.id))
        return [dict(r._mapping) for r in rows]

    def current_stance(self, directive_id: int, council_id: int) -> Stance | None:
        query = select(stances).where(
            stances.c.directive_id == directive_id,
            stances.c.council_id == council_id,
            stances.c.superseded_by.is_(None),
        )
        row = self.conn.execute(query).first()
        return _stance(row) if row else None

    def next_version(self, directive_id: int, council_id: int) -> int:
        query = select(func.coalesce(func.max(stances.c.version), 0)).where(
            stances.c.directive_id == directive_id, stances.c.council_id == council_id
        )
        return int(self.conn.execute(query).scalar_one()) + 1

    def add_stance(self, previous: Stance | None, **values: Any) -> int:
        """Insert the new stance, then mark the previous one superseded by it. The previous is
        first moved off the 'current' index by pointing at itself for the instant in between."""
        if previous is not None:
            marked = self.conn.execute(
                update(stances)
                .where(stances.c.id == previous.id, stances.c.superseded_by.is_(None))
                .values(superseded_by=previous.id)
            )
            if marked.rowcount != 1:
                return 0
        new_id = self._insert(stances, **values)
        if previous is not None:
            self.conn.execute(
                update(stances).where(stances.c.id == previous.id).values(superseded_by=new_id)
            )
        return new_id

    def last_decided_at(self) -> datetime | None:
        found: datetime | None = self.conn.execute(select(func.max(stances.c.decided_at))).scalar()
        return as_utc(found)


repositories.REPOSITORIES["register"] = RegisterRepo

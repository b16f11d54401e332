"""store/pipeline.py: statements sent together give each its own rows, in order, as SQLAlchemy
would (literals bound, values by attribute and in `_mapping`), on SQLite and PostgreSQL; a
statement that fails raises SQLAlchemy's error (the group commit retries on DBAPIError) and the
transaction rolls back, the connection staying usable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from dualpower.store import tables as t
from dualpower.store.pipeline import together
from factories import Small


def test_each_statement_gets_its_rows_in_order(federation: Small) -> None:
    forge = federation.members["forge1"]
    members = t.members
    with federation.system.uow() as uow:
        named, counted, written = together(
            uow.conn,
            [
                (select(members.c.id, members.c.username).where(members.c.id == forge), {}),
                (select(func.count()).select_from(members).where(members.c.id <= 3), {}),
                (
                    text("UPDATE members SET display_name = :name WHERE id = :id"),
                    {"name": "Renamed", "id": forge},
                ),
            ],
        )
        assert [(row.id, row.username) for row in named] == [(forge, "forge1")]
        assert named[0]._mapping["username"] == "forge1"
        assert [tuple(row._mapping.values()) for row in counted] == [(3,)]
        assert written == []
        uow.commit()
    with federation.system.reader() as uow:
        shown = uow.conn.execute(select(members.c.display_name).where(members.c.id == forge))
        assert shown.scalar_one() == "Renamed"


def test_a_failing_statement_raises_sqlalchemys_error_and_rolls_back(federation: Small) -> None:
    forge, mill = federation.members["forge1"], federation.members["mill1"]
    rename = text("UPDATE members SET display_name = :name WHERE id = :id")
    with federation.system.uow() as uow, pytest.raises(IntegrityError):
        together(
            uow.conn,
            [
                (rename, {"name": "Not kept", "id": mill}),
                (text("UPDATE members SET username = 'mill1' WHERE id = :id"), {"id": forge}),
            ],
        )
    with federation.system.uow() as uow:  # a connection of the same pool, usable
        (names,) = together(
            uow.conn, [(select(t.members.c.display_name).where(t.members.c.id == mill), {})]
        )
    assert names[0].display_name != "Not kept"

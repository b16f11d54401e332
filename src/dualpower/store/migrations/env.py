from __future__ import annotations

from alembic import context

from dualpower.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch migrations rebuild tables that others reference: foreign keys are checked once
        # at the end instead of on every intermediate DROP TABLE (the pragma is a no-op inside a
        # transaction, so it goes straight to the driver before Alembic begins one).
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()
        if is_sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    connection.commit()
    if is_sqlite:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")

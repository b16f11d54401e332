"""Secret ballots keep no order of casting (DESIGN.md 2.8), in elections and in secret votes on
motions alike.

A ballot row has no time and no sequential id, but the database keeps orders of its own: SQLite
numbers every row (rowid) in the order written, PostgreSQL lays rows out in that order (ctid) and
stamps each with the transaction that wrote it (xmin). The participation roll row and the ballot
row of one voter are written by the same transaction, one after the other, so those hidden orders
would link them. At the close, in the closing transaction, the election's ballots are therefore
written anew in a random order: afterwards they all carry the closing transaction and an order
drawn by lot. (Before the close, and in the database files' free space until PostgreSQL's VACUUM
or SQLite's page reuse, the old rows can still be read by someone with access to the server's
disk: SECURITY.md.)
"""

from __future__ import annotations

from dualpower.services import chance
from dualpower.store.uow import UnitOfWork


def unlink_ballots(uow: UnitOfWork, election_id: int) -> None:
    """Rewrite a secret election's ballots in random order (within the caller's transaction)."""
    rows = uow.elections.ballot_rows(election_id)
    if any(row["voter_id"] is not None for row in rows):
        raise ValueError("an open ballot carries its voter: only secret ballots are rewritten")
    chance.shuffle(rows)
    uow.elections.rewrite_ballots(election_id, rows)  # one row a statement, in this order


def unlink_motion_ballots(uow: UnitOfWork, motion_id: int) -> list[dict[str, str]]:
    """Rewrite a secret vote's ballots on a motion in random order, as `unlink_ballots` does an
    election's (within the closing transaction); returns them in that order, for the log."""
    rows = uow.motions.secret_ballot_rows(motion_id)
    chance.shuffle(rows)
    uow.motions.rewrite_secret_ballots(motion_id, rows)  # one row a statement, in this order
    return [{"receipt": row["receipt"], "position": row["position"]} for row in rows]

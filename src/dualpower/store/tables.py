"""The schema: SQLAlchemy Core tables, portable between SQLite and PostgreSQL.

Uniqueness rules are constraints here, not only Python checks (a check-then-insert lets two
concurrent requests both pass): one active mandate per seat, one active roll entry per member,
one vote per member and question, one chief council per federation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.sql.schema import SchemaItem

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

Id = Integer().with_variant(BigInteger(), "postgresql")


def _pk() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def table(name: str, *items: SchemaItem) -> Table:
    """A table of the one schema: `metadata`, whose convention names its constraints."""
    return Table(name, metadata, *items)


def entity(name: str, *items: SchemaItem) -> Table:
    """A table of things with an identity of their own: a surrogate `id` is its key, first."""
    return table(name, _pk(), *items)


def _fk(name: str, target: str, nullable: bool = False, **kw: Any) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=nullable, **kw)


def _at(name: str, nullable: bool = False) -> Column[datetime]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def per_member(name: str, of: str, target: str, *items: SchemaItem, **member: Any) -> Table:
    """A table of one row per member and `of` (an election, a petition, a motion ...): the two
    are its key, so nobody is in it twice for the same thing. `member`: more of member_id's."""
    return table(
        name,
        _fk(of, target, primary_key=True),
        _fk("member_id", "members.id", primary_key=True, **member),
        *items,
    )


def motion_kind(name: str, *items: SchemaItem, later: Sequence[SchemaItem] = ()) -> Table:
    """A kind of motion: what an adopted motion of this kind changes, keyed by the motion, and
    when the adoption applied it (`repositories.MotionKindRows`; None until then). `later`:
    columns a later migration added, after applied_at as in the database."""
    motion = _fk("motion_id", "motions.id", primary_key=True)
    return table(name, motion, *items, _at("applied_at", nullable=True), *later)


def _numbered(of: str, target: str, number: str) -> tuple[SchemaItem, ...]:
    """The `number`-th row of its `of` (a comment's revision, a faction's platform version, a
    report's draw): at most one row for each `of` and `number`."""
    parent = _fk(of, target, index=True)
    return parent, Column(number, Integer, nullable=False), UniqueConstraint(of, number)


def _sha256(name: str, *args: Any, nullable: bool = False, **kw: Any) -> Column[str]:
    """A SHA-256 in hex: of a token or a code (never stored in clear), an entry, a tree."""
    return Column(name, String(64), *args, nullable=nullable, **kw)


def _token_key() -> Column[str]:
    """The key of a row that belongs to one login token, and goes when the token goes."""
    token = ForeignKey("auth_tokens.token_hash", ondelete="CASCADE")
    return _sha256("token_hash", token, primary_key=True)


def _unique_where(name: str, *cols: str, where: str) -> Index:
    """A unique index over the rows that meet `where`: a partial index, the same on both."""
    condition = text(where)
    return Index(name, *cols, unique=True, sqlite_where=condition, postgresql_where=condition)


def _in_force(unique: str, *cols: str, reason: int) -> tuple[SchemaItem, ...]:
    """A term: in force from start_at until end_at (None: still in force), why it ended (at
    most `reason` characters), and the index `unique`: one row in force for each `cols`."""
    return (
        _at("start_at"),
        _at("end_at", nullable=True),
        Column("end_reason", String(reason), nullable=True),
        _unique_where(unique, *cols, where="end_at IS NULL"),
    )


federations = entity(
    "federations",
    Column("name", String(200), nullable=False),
    _at("founded_at"),
    Column("sections", JSON, nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    # ISO 4217; every amount is in its minor unit (XXX: no currency named)
    Column("currency", String(3), nullable=False, default="XXX", server_default="XXX"),
    # its members' language (en, ru) unless a member has their own (migration 0030_h21)
    Column("language", String(8), nullable=False, default="en", server_default="en"),
)

factions = entity(
    "factions",
    _fk("federation_id", "federations.id"),
    Column("name", String(200), nullable=False),
    Column("short", String(20), nullable=False),
    Column("colour", String(20), nullable=False),
    Column("platform", Text, nullable=False, default=""),
    UniqueConstraint("federation_id", "name"),
)

councils = entity(
    "councils",
    _fk("federation_id", "federations.id"),
    Column("name", String(200), nullable=False),
    _fk("parent_id", "councils.id", nullable=True, index=True),  # a council's children
    Column("recall_rule", String(10), nullable=False, default="direct"),
    Column("recall_trigger_bp", Integer, nullable=False, default=2000),
    Column("seat_method", String(20), nullable=False, default="block"),
    Column("apportionment", JSON, nullable=False),
    # Whose median wage caps this council's stipends (DESIGN.md 2.4; domain/offices.py).
    Column(
        "pay_cap_scope",
        String(10),
        nullable=False,
        default="federation",
        server_default="federation",
    ),
    # Only members verified by the credentials committee vote, stand and sign for its seats
    # (DESIGN.md 2.10); a standing order, set by motion (domain/standing_orders.py).
    Column("verified_only", Boolean, nullable=False, default=False, server_default=false()),
    CheckConstraint("recall_rule IN ('direct', 'vote')", name="recall_rule"),
    CheckConstraint("pay_cap_scope IN ('federation', 'territory')", name="pay_cap_scope"),
    CheckConstraint("recall_trigger_bp > 0 AND recall_trigger_bp <= 10000", name="trigger"),
    _unique_where("uq_councils_one_chief", "federation_id", where="parent_id IS NULL"),
    # A council's name is its own in the federation (DESIGN.md 2.10): two acts adding the same
    # name at once cannot both commit (services/structure.py).
    Index("uq_councils_name", "federation_id", "name", unique=True),
)

base_units = entity(
    "base_units",
    _fk("federation_id", "federations.id"),
    _fk("council_id", "councils.id", index=True),  # a council's units
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("section", String(60), nullable=False),
    UniqueConstraint("federation_id", "name"),
)

members = entity(
    "members",
    _fk("federation_id", "federations.id"),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("email", String(254), nullable=True),
    Column("is_verified", Boolean, nullable=False, default=False),
    _at("joined_at"),
    Column("language", String(8), nullable=True),  # None: the federation's
)

memberships = entity(
    "memberships",
    _fk("member_id", "members.id", index=True),
    _fk("unit_id", "base_units.id", index=True),
    *_in_force("uq_memberships_one_unit", "member_id", reason=40),
)

electorates = entity(
    "electorates",
    _fk("council_id", "councils.id", index=True),
    Column("kind", String(10), nullable=False),
    _fk("unit_id", "base_units.id", nullable=True, unique=True),
    _fk("source_council_id", "councils.id", nullable=True, unique=True),
    Column("seats", Integer, nullable=False),
    CheckConstraint(
        "(kind = 'unit' AND unit_id IS NOT NULL AND source_council_id IS NULL) OR "
        "(kind = 'council' AND source_council_id IS NOT NULL AND unit_id IS NULL)",
        name="source",
    ),
    CheckConstraint("seats >= 0", name="seats"),
)

elections = entity(
    "elections",
    _fk("federation_id", "federations.id"),
    _fk("electorate_id", "electorates.id", nullable=True, index=True),
    _fk("office_id", "offices.id", nullable=True),
    Column("seats", Integer, nullable=False),
    Column("seat_no", Integer, nullable=True),
    Column("method", String(20), nullable=False),
    Column("is_secret", Boolean, nullable=False, default=False),
    Column("status", String(10), nullable=False, default="open"),
    Column("kind", String(10), nullable=False, default="general"),
    _at("opened_at"),
    _at("closes_at", nullable=True),
    _at("closed_at", nullable=True),
    _at("nominations_close_at", nullable=True),
    Column("result", JSON, nullable=True),
    Index("ix_elections_due", "status", "closes_at"),
    CheckConstraint("status IN ('open', 'closed', 'published')", name="status"),
    CheckConstraint("kind IN ('founding', 'general', 'by', 'recall')", name="kind"),
    CheckConstraint("seats >= 1", name="seats"),
)

candidates = entity(
    "candidates",
    _fk("election_id", "elections.id", index=True),
    _fk("member_id", "members.id"),
    _fk("faction_id", "factions.id", nullable=True),
    UniqueConstraint("election_id", "member_id"),
)

# Who took part: one row per member and election; the unique constraint stops double voting.
participations = per_member("participations", "election_id", "elections.id")

# A ballot row carries no time and no sequential id: its key is the random receipt code.
# voter_id is set only for open ballots.
ballots = table(
    "ballots",
    Column("receipt", String(40), primary_key=True),
    _fk("election_id", "elections.id"),  # looked up by uq_ballots_election_id
    Column("choices", JSON, nullable=False),
    _fk("voter_id", "members.id", nullable=True),
    UniqueConstraint("election_id", "voter_id"),
)

mandates = entity(
    "mandates",
    _fk("council_id", "councils.id", index=True),
    _fk("electorate_id", "electorates.id", index=True),
    Column("seat_no", Integer, nullable=False),
    _fk("holder_id", "members.id", index=True),
    _fk("faction_id", "factions.id", nullable=True),
    _fk("election_id", "elections.id"),
    *_in_force("uq_mandates_one_per_seat", "electorate_id", "seat_no", reason=20),
    _fk("depends_on_id", "mandates.id", nullable=True, index=True),
)

offices = entity(
    "offices",
    _fk("council_id", "councils.id", index=True),
    Column("name", String(100), nullable=False),
    Column("capabilities", JSON, nullable=False),
    Column("stipend", Integer, nullable=False, default=0),
    UniqueConstraint("council_id", "name"),
    CheckConstraint("stipend >= 0", name="stipend"),
)

office_terms = entity(
    "office_terms",
    _fk("office_id", "offices.id", index=True),
    _fk("holder_id", "members.id", index=True),
    _fk("mandate_id", "mandates.id", nullable=True, index=True),
    _fk("election_id", "elections.id"),
    *_in_force("uq_office_terms_one_holder", "office_id", reason=20),
)

# A recall petition against a mandate or an office term (exactly one of them). At most one is
# undecided per target; signatures are rows keyed by (petition, member), so nobody signs twice.
recall_petitions = entity(
    "recall_petitions",
    _fk("mandate_id", "mandates.id", nullable=True, index=True),
    _fk("office_term_id", "office_terms.id", nullable=True, index=True),
    _fk("opened_by", "members.id"),
    _at("opened_at"),
    Column("status", String(10), nullable=False, default="open"),
    _at("decided_at", nullable=True),
    _fk("vote_election_id", "elections.id", nullable=True),
    _fk("by_election_id", "elections.id", nullable=True),
    CheckConstraint("status IN ('open', 'vote_open', 'recalled', 'rejected')", name="status"),
    CheckConstraint(
        "(mandate_id IS NOT NULL AND office_term_id IS NULL) OR "
        "(mandate_id IS NULL AND office_term_id IS NOT NULL)",
        name="target",
    ),
    _unique_where(
        "uq_recall_petitions_one_undecided", "mandate_id", where="status IN ('open', 'vote_open')"
    ),
    _unique_where(
        "uq_recall_petitions_one_undecided_term",
        "office_term_id",
        where="status IN ('open', 'vote_open')",
    ),
)

recall_signatures = per_member(
    "recall_signatures", "petition_id", "recall_petitions.id", _at("signed_at")
)

notifications = entity(
    "notifications",
    _fk("member_id", "members.id", index=True),
    Column("kind", String(40), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("link", String(200), nullable=False),
    _at("created_at"),
    _at("read_at", nullable=True),
    # Mail follows the row (mail.py): claimed by a mailer for a while, then mailed (or found
    # to have nothing to send). The rows still to mail are the few under the partial index.
    _at("mail_claimed_at", nullable=True),
    _at("mailed_at", nullable=True),
    Index(
        "ix_notifications_to_mail",
        "id",
        sqlite_where=text("mailed_at IS NULL"),
        postgresql_where=text("mailed_at IS NULL"),
    ),
)

# Bearer tokens and page sessions: only a SHA-256 of the token is stored.
auth_tokens = entity(
    "auth_tokens",
    _fk("member_id", "members.id", index=True),
    _sha256("token_hash", unique=True),
    Column("kind", String(10), nullable=False),
    Column("csrf_token", String(64), nullable=True),
    _at("created_at"),
    _at("expires_at"),
    CheckConstraint("kind IN ('api', 'session')", name="kind"),
)

# The audit log: written in the act's transaction with seq/prev_hash/entry_hash NULL; the
# sequencer sets those once, just after commit. Triggers refuse every other UPDATE and DELETE.
audit_log = entity(
    "audit_log",
    Column("seq", BigInteger, nullable=True, unique=True),
    Column("act", String(60), nullable=False),
    Column("payload", Text, nullable=False),
    Column("actor", String(80), nullable=True),
    Column("is_operator", Boolean, nullable=False, default=False),
    Column("recorded_at", String(40), nullable=False),
    _sha256("prev_hash", nullable=True),
    _sha256("entry_hash", nullable=True),
)

audit_heads = entity(
    "audit_heads",
    Column("size", BigInteger, nullable=False, unique=True),
    _sha256("root"),
    Column("frontier", JSON, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

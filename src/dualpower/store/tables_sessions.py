"""Councils at work: sessions, motions and roll-calls, instructions and breaches, initiatives.

Uniqueness rules are constraints (DESIGN.md 2.8 and issue 5): one attendance row per member and
session, one roll-call vote per voter and motion (and, for a secret vote, one participation row
with an unlinked ballot), one instruction per electorate and motion, one breach per instruction
and deputy, one step of an initiative's path per council (so its threshold is crossed once).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from dualpower.store.tables import _at, _fk, _unique_where, entity, per_member, table

POSITIONS = "('yes', 'no', 'abstain')"

# A council's or a unit's standing orders for this topic (defaults apply when no row exists).
standing_orders = entity(
    "standing_orders",
    _fk("council_id", "councils.id", nullable=True, unique=True),
    _fk("unit_id", "base_units.id", nullable=True, unique=True),
    Column("allows_secret_votes", Boolean, nullable=False, default=False),
    Column("initiative_threshold_bp", Integer, nullable=False, default=1000),
    Column("assembly_quorum_bp", Integer, nullable=False, default=1000),
    Column("nominations_seconds", Integer, nullable=True),
    Column("voting_seconds", Integer, nullable=True),
    Column("secret_elections", Boolean, nullable=True),
    Column("session_vote_seconds", Integer, nullable=True),
    CheckConstraint("(council_id IS NULL) <> (unit_id IS NULL)", name="owner"),
    CheckConstraint("nominations_seconds IS NULL OR nominations_seconds > 0", name="windows"),
    CheckConstraint("voting_seconds IS NULL OR voting_seconds > 0", name="voting"),
    CheckConstraint(
        "session_vote_seconds IS NULL OR session_vote_seconds > 0", name="session_vote"
    ),
    CheckConstraint(
        "initiative_threshold_bp > 0 AND initiative_threshold_bp <= 10000", name="threshold"
    ),
    CheckConstraint("assembly_quorum_bp > 0 AND assembly_quorum_bp <= 10000", name="quorum"),
)

sessions = entity(
    "sessions",
    _fk("council_id", "councils.id", index=True),
    Column("title", String(300), nullable=False),
    _fk("convened_by", "members.id"),
    _at("convened_at"),
    _at("opened_at", nullable=True),
    _at("closed_at", nullable=True),
    Column("status", String(10), nullable=False, default="convened"),
    CheckConstraint("status IN ('convened', 'open', 'closed')", name="status"),
)

# Initiatives come before motions: a motion may name the initiative it carries.
initiatives = entity(
    "initiatives",
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    _fk("origin_unit_id", "base_units.id"),
    _fk("started_by", "members.id"),
    _at("started_at"),
)

motions = entity(
    "motions",
    _fk("unit_id", "base_units.id", nullable=True, index=True),
    _fk("council_id", "councils.id", nullable=True, index=True),
    _fk("author_id", "members.id", nullable=True),  # NULL: put by the initiative rule itself
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("majority", String(12), nullable=False, default="simple"),
    Column("status", String(10), nullable=False, default="draft"),
    _fk("parent_id", "motions.id", nullable=True, index=True),
    _fk("initiative_id", "initiatives.id", nullable=True, index=True),
    # An instruction motion: if adopted, the electorate's deputies must vote this way there.
    _fk("instructs_motion_id", "motions.id", nullable=True),
    Column("instructs_position", String(8), nullable=True),
    Column("is_secret", Boolean, nullable=False, default=False),
    _fk("session_id", "sessions.id", nullable=True),  # where the vote was held
    _fk("vote_called_by", "members.id", nullable=True),
    _at("created_at"),
    _at("vote_opened_at", nullable=True),
    _at("decided_at", nullable=True),
    Column("yes", Integer, nullable=True),
    Column("no", Integer, nullable=True),
    Column("abstain", Integer, nullable=True),
    Column("seats", Integer, nullable=True),  # filled seats (or the roll) at the decision
    CheckConstraint("(unit_id IS NULL) <> (council_id IS NULL)", name="place"),
    CheckConstraint("majority IN ('simple', 'absolute', 'two_thirds')", name="majority"),
    CheckConstraint("status IN ('draft', 'voting', 'adopted', 'rejected')", name="status"),
    CheckConstraint(
        f"instructs_position IS NULL OR instructs_position IN {POSITIONS}", name="instructs"
    ),
)

agenda_items = entity(
    "agenda_items",
    _fk("session_id", "sessions.id", index=True),
    _fk("motion_id", "motions.id", index=True),
    UniqueConstraint("session_id", "motion_id"),
)

attendance = per_member("attendance", "session_id", "sessions.id", _at("registered_at"))

# Roll-call votes: public, one per voter and motion.
motion_votes = per_member(
    "motion_votes",
    "motion_id",
    "motions.id",
    Column("position", String(8), nullable=False),
    _at("cast_at"),
    CheckConstraint(f"position IN {POSITIONS}", name="position"),
)

# Secret votes (only where standing orders allow): who took part, and ballots with no voter,
# no time and no sequential id (the key is a random receipt), as for secret elections.
motion_participations = per_member("motion_participations", "motion_id", "motions.id")

motion_ballots = table(
    "motion_ballots",
    Column("receipt", String(40), primary_key=True),
    _fk("motion_id", "motions.id", index=True),
    Column("position", String(8), nullable=False),
    CheckConstraint(f"position IN {POSITIONS}", name="position"),
)

instructions = entity(
    "instructions",
    _fk("electorate_id", "electorates.id", index=True),
    _fk("motion_id", "motions.id", index=True),  # the motion the deputies are told about
    Column("position", String(8), nullable=False),
    _fk("adopted_by_motion_id", "motions.id"),
    _at("adopted_at"),
    UniqueConstraint("electorate_id", "motion_id"),
    CheckConstraint(f"position IN {POSITIONS}", name="position"),
)

breaches = entity(
    "breaches",
    _fk("instruction_id", "instructions.id", index=True),
    _fk("mandate_id", "mandates.id", index=True),
    _fk("member_id", "members.id", index=True),
    Column("position_cast", String(8), nullable=False),
    _at("recorded_at"),
    UniqueConstraint("instruction_id", "member_id"),
)

# Who has adopted an initiative: a base unit (its assembly) or a council (its session).
initiative_supports = entity(
    "initiative_supports",
    _fk("initiative_id", "initiatives.id", index=True),
    _fk("unit_id", "base_units.id", nullable=True),
    _fk("council_id", "councils.id", nullable=True),
    _fk("motion_id", "motions.id"),
    _at("adopted_at"),
    CheckConstraint("(unit_id IS NULL) <> (council_id IS NULL)", name="supporter"),
    _unique_where(
        "uq_initiative_supports_unit", "initiative_id", "unit_id", where="unit_id IS NOT NULL"
    ),
    _unique_where(
        "uq_initiative_supports_council",
        "initiative_id",
        "council_id",
        where="council_id IS NOT NULL",
    ),
)

# The path: the councils whose threshold the initiative crossed, each once.
initiative_steps = entity(
    "initiative_steps",
    _fk("initiative_id", "initiatives.id", index=True),
    _fk("council_id", "councils.id"),
    _fk("motion_id", "motions.id"),  # the motion put on that council's agenda
    Column("support", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    _at("reached_at"),
    UniqueConstraint("initiative_id", "council_id"),
)

from dualpower.store import repositories_sessions  # noqa: E402,F401  (registers repositories)

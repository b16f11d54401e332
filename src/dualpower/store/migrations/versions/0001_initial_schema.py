"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_heads",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_heads")),
        sa.UniqueConstraint("size", name=op.f("uq_audit_heads_size")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("act", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("entry_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    op.create_table(
        "federations",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("founded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federations")),
    )
    op.create_table(
        "councils",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "parent_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column("recall_rule", sa.String(length=10), nullable=False),
        sa.Column("recall_trigger_bp", sa.Integer(), nullable=False),
        sa.Column("seat_method", sa.String(length=20), nullable=False),
        sa.Column("apportionment", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "recall_rule IN ('direct', 'vote')", name=op.f("ck_councils_recall_rule")
        ),
        sa.CheckConstraint(
            "recall_trigger_bp > 0 AND recall_trigger_bp <= 10000", name=op.f("ck_councils_trigger")
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_councils_federation_id_federations"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["councils.id"], name=op.f("fk_councils_parent_id_councils")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_councils")),
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.create_index(
            "uq_councils_one_chief",
            ["federation_id"],
            unique=True,
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        )

    op.create_table(
        "factions",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short", sa.String(length=20), nullable=False),
        sa.Column("colour", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_factions_federation_id_federations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factions")),
        sa.UniqueConstraint("federation_id", "name", name=op.f("uq_factions_federation_id")),
    )
    op.create_table(
        "members",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"], ["federations.id"], name=op.f("fk_members_federation_id_federations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("username", name=op.f("uq_members_username")),
    )
    op.create_table(
        "auth_tokens",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('api', 'session')", name=op.f("ck_auth_tokens_kind")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_auth_tokens_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_tokens_member_id"), ["member_id"], unique=False)

    op.create_table(
        "base_units",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("section", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_base_units_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_base_units_federation_id_federations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_units")),
        sa.UniqueConstraint("federation_id", "name", name=op.f("uq_base_units_federation_id")),
    )
    op.create_table(
        "offices",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("stipend", sa.Integer(), nullable=False),
        sa.CheckConstraint("stipend >= 0", name=op.f("ck_offices_stipend")),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_offices_council_id_councils")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offices")),
        sa.UniqueConstraint("council_id", "name", name=op.f("uq_offices_council_id")),
    )
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offices_council_id"), ["council_id"], unique=False)

    op.create_table(
        "electorates",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column(
            "unit_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column(
            "source_council_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=True,
        ),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'unit' AND unit_id IS NOT NULL AND source_council_id IS NULL) OR (kind = 'council' AND source_council_id IS NOT NULL AND unit_id IS NULL)",
            name=op.f("ck_electorates_source"),
        ),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_electorates_seats")),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_electorates_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["source_council_id"],
            ["councils.id"],
            name=op.f("fk_electorates_source_council_id_councils"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["base_units.id"], name=op.f("fk_electorates_unit_id_base_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_electorates")),
        sa.UniqueConstraint("source_council_id", name=op.f("uq_electorates_source_council_id")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_electorates_unit_id")),
    )
    with op.batch_alter_table("electorates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_electorates_council_id"), ["council_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "unit_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_memberships_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["base_units.id"], name=op.f("fk_memberships_unit_id_base_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "uq_memberships_one_unit",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )

    op.create_table(
        "elections",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "electorate_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column(
            "office_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("is_secret", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.CheckConstraint("kind IN ('founding', 'general', 'by')", name=op.f("ck_elections_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'published')", name=op.f("ck_elections_status")
        ),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_elections_seats")),
        sa.ForeignKeyConstraint(
            ["electorate_id"],
            ["electorates.id"],
            name=op.f("fk_elections_electorate_id_electorates"),
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_elections_federation_id_federations"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_elections_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
    )
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_elections_electorate_id"), ["electorate_id"], unique=False
        )

    op.create_table(
        "ballots",
        sa.Column("receipt", sa.String(length=40), nullable=False),
        sa.Column(
            "election_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column(
            "voter_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_ballots_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"], ["members.id"], name=op.f("fk_ballots_voter_id_members")
        ),
        sa.PrimaryKeyConstraint("receipt", name=op.f("pk_ballots")),
        sa.UniqueConstraint("election_id", "voter_id", name=op.f("uq_ballots_election_id")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_election_id"), ["election_id"], unique=False)

    op.create_table(
        "candidates",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "election_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "faction_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_candidates_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["faction_id"], ["factions.id"], name=op.f("fk_candidates_faction_id_factions")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_candidates_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("election_id", "member_id", name=op.f("uq_candidates_election_id")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidates_election_id"), ["election_id"], unique=False
        )

    op.create_table(
        "mandates",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "electorate_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column("seat_no", sa.Integer(), nullable=False),
        sa.Column(
            "holder_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "faction_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column(
            "election_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column(
            "depends_on_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_mandates_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"], ["mandates.id"], name=op.f("fk_mandates_depends_on_id_mandates")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_mandates_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["electorate_id"],
            ["electorates.id"],
            name=op.f("fk_mandates_electorate_id_electorates"),
        ),
        sa.ForeignKeyConstraint(
            ["faction_id"], ["factions.id"], name=op.f("fk_mandates_faction_id_factions")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["members.id"], name=op.f("fk_mandates_holder_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandates")),
    )
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mandates_council_id"), ["council_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mandates_depends_on_id"), ["depends_on_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mandates_electorate_id"), ["electorate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mandates_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            "uq_mandates_one_per_seat",
            ["electorate_id", "seat_no"],
            unique=True,
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )

    op.create_table(
        "participations",
        sa.Column(
            "election_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_participations_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_participations_member_id_members")
        ),
        sa.PrimaryKeyConstraint("election_id", "member_id", name=op.f("pk_participations")),
    )
    op.create_table(
        "office_terms",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "office_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "holder_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "mandate_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column(
            "election_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_office_terms_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["members.id"], name=op.f("fk_office_terms_holder_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_office_terms_mandate_id_mandates")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_office_terms_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_terms")),
    )
    with op.batch_alter_table("office_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_terms_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_office_terms_mandate_id"), ["mandate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_office_terms_office_id"), ["office_id"], unique=False)
        batch_op.create_index(
            "uq_office_terms_one_holder",
            ["office_id"],
            unique=True,
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("office_terms", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_office_terms_one_holder",
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_office_terms_office_id"))
        batch_op.drop_index(batch_op.f("ix_office_terms_mandate_id"))
        batch_op.drop_index(batch_op.f("ix_office_terms_holder_id"))

    op.drop_table("office_terms")
    op.drop_table("participations")
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mandates_one_per_seat",
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_mandates_holder_id"))
        batch_op.drop_index(batch_op.f("ix_mandates_electorate_id"))
        batch_op.drop_index(batch_op.f("ix_mandates_depends_on_id"))
        batch_op.drop_index(batch_op.f("ix_mandates_council_id"))

    op.drop_table("mandates")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_election_id"))

    op.drop_table("candidates")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_election_id"))

    op.drop_table("ballots")
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elections_electorate_id"))

    op.drop_table("elections")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_memberships_one_unit",
            sqlite_where=sa.text("end_at IS NULL"),
            postgresql_where=sa.text("end_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_memberships_unit_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_member_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("electorates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_electorates_council_id"))

    op.drop_table("electorates")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offices_council_id"))

    op.drop_table("offices")
    op.drop_table("base_units")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_member_id"))

    op.drop_table("auth_tokens")
    op.drop_table("members")
    op.drop_table("factions")
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_councils_one_chief",
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        )

    op.drop_table("councils")
    op.drop_table("federations")
    op.drop_table("audit_log")
    op.drop_table("audit_heads")

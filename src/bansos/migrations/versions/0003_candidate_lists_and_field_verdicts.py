"""candidate lists and field verdicts

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bansos.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidate_lists",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("eligible_count", sa.Integer(), nullable=False),
        sa.Column("excluded_count", sa.Integer(), nullable=False),
        sa.Column("total_benefit", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status in ('draft', 'submitted', 'approved', 'rejected')",
            name=op.f("ck_candidate_lists_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_lists")),
    )
    with op.batch_alter_table("candidate_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_lists_program_code"), ["program_code"], unique=False
        )

    op.create_table(
        "candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("list_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("benefit", sa.BigInteger(), nullable=False),
        sa.Column("rule_reason", sa.String(length=40), nullable=False),
        sa.Column("rule_benefit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_candidates_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["candidate_lists.id"], name=op.f("fk_candidates_list_id_candidate_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("list_id", "household_id", name="uq_candidates_list_household"),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index("ix_candidates_list_region", ["list_id", "region_code"], unique=False)

    op.create_table(
        "field_verdicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("verdict", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "verdict in ('verified', 'moved', 'deceased', 'not_found', 'wrong_data')",
            name=op.f("ck_field_verdicts_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_field_verdicts_candidate_id_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_verdicts")),
    )
    with op.batch_alter_table("field_verdicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_verdicts_candidate_id"), ["candidate_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("field_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_verdicts_candidate_id"))

    op.drop_table("field_verdicts")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index("ix_candidates_list_region")

    op.drop_table("candidates")
    with op.batch_alter_table("candidate_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_lists_program_code"))

    op.drop_table("candidate_lists")

"""match runs and their review queue, lists built from a run, the field officer role

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bansos.db import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_OLD = "role in ('admin', 'operator', 'approver', 'auditor')"
ROLES_NEW = "role in ('admin', 'operator', 'approver', 'auditor', 'field_officer')"


def upgrade() -> None:
    op.create_table(
        "match_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_runs")),
    )
    op.create_table(
        "match_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_id", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("review_state", sa.String(length=10), nullable=False),
        sa.Column("reviewed_by", sa.String(length=80), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "review_state in ('', 'pending', 'accepted', 'rejected')",
            name=op.f("ck_match_results_review_state"),
        ),
        sa.CheckConstraint(
            "status in ('exact', 'fuzzy', 'ambiguous', 'not_found', 'deceased', 'invalid_nik')",
            name=op.f("ck_match_results_status"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_match_results_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["match_runs.id"], name=op.f("fk_match_results_run_id_match_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_results")),
        sa.UniqueConstraint("run_id", "row_id", name="uq_match_results_run_row"),
    )
    with op.batch_alter_table("match_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_results_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_match_results_run_review", ["run_id", "review_state"], unique=False
        )

    with op.batch_alter_table("candidate_lists", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "match_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_lists_match_run_id_match_runs"),
            "match_runs",
            ["match_run_id"],
            ["id"],
        )

    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_NEW)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_OLD)
    with op.batch_alter_table("candidate_lists", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_lists_match_run_id_match_runs"), type_="foreignkey"
        )
        batch_op.drop_column("match_run_id")

    with op.batch_alter_table("match_results", schema=None) as batch_op:
        batch_op.drop_index("ix_match_results_run_review")
        batch_op.drop_index(batch_op.f("ix_match_results_person_id"))

    op.drop_table("match_results")
    op.drop_table("match_runs")

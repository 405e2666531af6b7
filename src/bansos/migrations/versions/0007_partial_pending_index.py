"""ledger_transfers.pending_id: a partial unique index instead of a unique constraint

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("pending_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_transfers_pending_id", type_="unique")
    op.create_index(
        "uq_ledger_transfers_pending_id",
        "ledger_transfers",
        ["pending_id"],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_ledger_transfers_pending_id", table_name="ledger_transfers")
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ledger_transfers_pending_id", ["pending_id"])

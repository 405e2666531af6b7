"""payout channels, payouts and payout events

Revision ID: 0010
Revises: 0009

The ledger needs no change: the new account kind (``payout_clearing``) and transfer codes are
integers without a check constraint.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bansos.db import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payout_channels",
        sa.Column("id", _id(), nullable=False),
        sa.Column("household_id", _id(), nullable=False),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("account_enc", sa.LargeBinary(), nullable=True),
        sa.Column("account_index", sa.LargeBinary(length=16), nullable=True),
        sa.Column("account_mask", sa.String(length=40), nullable=False),
        sa.Column("bank_code", sa.String(length=8), nullable=False),
        sa.Column("holder_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("name_match", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("review_note", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind in ('wallet', 'emoney', 'bank')", name=op.f("ck_payout_channels_kind")
        ),
        sa.CheckConstraint(
            "status in ('verified', 'review', 'rejected')", name=op.f("ck_payout_channels_status")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_payout_channels_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_channels")),
        sa.UniqueConstraint("household_id", "program_code", name="uq_payout_channels_household"),
    )
    with op.batch_alter_table("payout_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payout_channels_account_index"), ["account_index"], unique=False
        )

    op.create_table(
        "payouts",
        sa.Column("id", _id(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("household_id", _id(), nullable=True),
        sa.Column("cycle_id", _id(), nullable=True),
        sa.Column("settlement_id", _id(), nullable=True),
        sa.Column("channel_id", _id(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("destination_enc", sa.LargeBinary(), nullable=False),
        sa.Column("destination_mask", sa.String(length=60), nullable=False),
        sa.Column("pending_transfer_id", _id(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("last_code", sa.String(length=40), nullable=False),
        sa.Column("last_message", sa.String(length=200), nullable=False),
        sa.Column("provider_reference", sa.String(length=64), nullable=False),
        sa.Column("next_check_at", UTCDateTime(), nullable=True),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "purpose in ('disbursement', 'settlement')", name=op.f("ck_payouts_purpose")
        ),
        sa.CheckConstraint(
            "status in ('queued', 'sending', 'sent', 'pending', 'confirmed', 'failed', "
            "'returned', 'review')",
            name=op.f("ck_payouts_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payouts_amount_positive")),
        sa.CheckConstraint("attempt >= 1", name=op.f("ck_payouts_attempt_positive")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["payout_channels.id"],
            name=op.f("fk_payouts_channel_id_payout_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_payouts_cycle_id_cycles")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_payouts_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["pending_transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_payouts_pending_transfer_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_payouts_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("reference", name=op.f("uq_payouts_reference")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index("ix_payouts_due", ["status", "next_check_at"], unique=False)

    op.create_table(
        "payout_events",
        sa.Column("id", _id(), nullable=False),
        sa.Column("payout_id", _id(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_payout_events_payout_id_payouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_events")),
    )
    with op.batch_alter_table("payout_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_events_payout_id"), ["payout_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payout_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_events_payout_id"))
    op.drop_table("payout_events")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index("ix_payouts_due")
    op.drop_table("payouts")
    with op.batch_alter_table("payout_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_channels_account_index"))
    op.drop_table("payout_channels")

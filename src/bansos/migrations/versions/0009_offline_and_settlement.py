"""offline records, settlements, device offline limit

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bansos.db import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("bank_account", sa.String(length=34), nullable=False),
        sa.Column("bank_account_name", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status in ('instructed', 'paid', 'failed')", name=op.f("ck_settlements_status")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_settlements_amount_positive")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_settlements_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_settlements_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint(
            "merchant_id", "program_code", "business_date", name="uq_settlements_per_day"
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_settlements_reference")),
    )
    op.create_table(
        "offline_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column(
            "redemption_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("honored", sa.BigInteger(), nullable=False),
        sa.Column("shortfall", sa.BigInteger(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("synced_by", sa.String(length=80), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status in ('accepted', 'conflict', 'rejected')", name=op.f("ck_offline_records_status")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["merchant_devices.id"],
            name=op.f("fk_offline_records_device_id_merchant_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_offline_records_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_records")),
        sa.UniqueConstraint("device_id", "seq", name="uq_offline_records_device_seq"),
    )
    with op.batch_alter_table("offline_records", schema=None) as batch_op:
        batch_op.create_index("ix_offline_records_flagged", ["status", "id"], unique=False)

    with op.batch_alter_table("merchant_devices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "offline_exposure_limit",
                sa.BigInteger(),
                nullable=False,
                server_default=sa.text("2000000"),
            )
        )

    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "settlement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_redemptions_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_redemptions_settlement_id_settlements"),
            "settlements",
            ["settlement_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_redemptions_settlement_id_settlements"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_redemptions_settlement_id"))
        batch_op.drop_column("settlement_id")

    with op.batch_alter_table("merchant_devices", schema=None) as batch_op:
        batch_op.drop_column("offline_exposure_limit")

    with op.batch_alter_table("offline_records", schema=None) as batch_op:
        batch_op.drop_index("ix_offline_records_flagged")

    op.drop_table("offline_records")
    op.drop_table("settlements")

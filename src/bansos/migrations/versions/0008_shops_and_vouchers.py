"""partner shops, devices, issuer keys, credentials, PINs, claim codes, redemptions

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bansos.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_OLD = "role in ('admin', 'operator', 'approver', 'auditor', 'field_officer')"
ROLES_NEW = "role in ('admin', 'operator', 'approver', 'auditor', 'field_officer', 'merchant')"
MERCHANT = "(role = 'merchant') = (merchant_id IS NOT NULL)"


def upgrade() -> None:
    op.create_table(
        "issuer_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kid", sa.LargeBinary(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=4), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rotated_at", UTCDateTime(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("purpose in ('sign', 'pin')", name=op.f("ck_issuer_keys_purpose")),
        sa.CheckConstraint(
            "status in ('active', 'verify_only', 'retired')", name=op.f("ck_issuer_keys_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_issuer_keys_kid")),
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("owner_name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("bank_account", sa.String(length=34), nullable=False),
        sa.Column("bank_account_name", sa.String(length=120), nullable=False),
        sa.Column("nmid", sa.String(length=20), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind in ('e_warong', 'warung', 'bank_agent')", name=op.f("ck_merchants_kind")
        ),
        sa.CheckConstraint(
            "status in ('pending', 'active', 'suspended', 'rejected')",
            name=op.f("ck_merchants_status"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_merchants_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
        sa.UniqueConstraint("nmid", name=op.f("uq_merchants_nmid")),
    )
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchants_region_code"), ["region_code"], unique=False)

    op.create_table(
        "claim_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_claim_codes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_claim_codes_digest")),
    )
    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_codes_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "credentials",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cti", sa.LargeBinary(length=8), nullable=False),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("subject", sa.LargeBinary(length=10), nullable=False),
        sa.Column("programs", sa.String(length=200), nullable=False),
        sa.Column("kid", sa.LargeBinary(length=8), nullable=False),
        sa.Column("qr_text", sa.Text(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status in ('active', 'revoked', 'replaced')", name=op.f("ck_credentials_status")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_credentials_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("cti", name=op.f("uq_credentials_cti")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credentials_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credentials_revoked_at"), ["revoked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_credentials_subject"), ["subject"], unique=False)

    op.create_table(
        "merchant_devices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "status in ('active', 'revoked')", name=op.f("ck_merchant_devices_status")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_devices_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_devices")),
        sa.UniqueConstraint("public_key", name=op.f("uq_merchant_devices_public_key")),
    )
    with op.batch_alter_table("merchant_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merchant_devices_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "recipient_pins",
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("verifier", sa.LargeBinary(length=32), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_recipient_pins_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_recipient_pins")),
    )
    op.create_table(
        "redemptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("request_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "credential_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "claim_code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("program_code", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("categories", sa.String(length=300), nullable=False),
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("device_time", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "channel in ('qr', 'claim_code', 'qris')", name=op.f("ck_redemptions_channel")
        ),
        sa.CheckConstraint("mode in ('online', 'offline')", name=op.f("ck_redemptions_mode")),
        sa.CheckConstraint(
            "(channel = 'qris') = (device_id IS NULL)", name=op.f("ck_redemptions_device")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_redemptions_amount_positive")),
        sa.ForeignKeyConstraint(
            ["claim_code_id"],
            ["claim_codes.id"],
            name=op.f("fk_redemptions_claim_code_id_claim_codes"),
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_redemptions_credential_id_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["merchant_devices.id"],
            name=op.f("fk_redemptions_device_id_merchant_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_redemptions_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_redemptions_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_redemptions_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint("key", name=op.f("uq_redemptions_key")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemptions_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_redemptions_merchant_id"), ["merchant_id"], unique=False
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_merchant_id_merchants"), "merchants", ["merchant_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_NEW)
        batch_op.create_check_constraint("merchant", MERCHANT)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_merchant"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_OLD)
        batch_op.drop_constraint(batch_op.f("fk_users_merchant_id_merchants"), type_="foreignkey")
        batch_op.drop_column("merchant_id")

    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemptions_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_redemptions_household_id"))

    op.drop_table("redemptions")
    op.drop_table("recipient_pins")
    with op.batch_alter_table("merchant_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_devices_merchant_id"))

    op.drop_table("merchant_devices")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_subject"))
        batch_op.drop_index(batch_op.f("ix_credentials_revoked_at"))
        batch_op.drop_index(batch_op.f("ix_credentials_household_id"))

    op.drop_table("credentials")
    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_codes_household_id"))

    op.drop_table("claim_codes")
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchants_region_code"))

    op.drop_table("merchants")
    op.drop_table("issuer_keys")

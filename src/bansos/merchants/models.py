"""Partner shops and their registered POS devices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    #: The district (kecamatan, 6 digits) the shop is in: recipients look for shops near them.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    bank_code: Mapped[str] = mapped_column(String(20))
    bank_account: Mapped[str] = mapped_column(String(34))
    bank_account_name: Mapped[str] = mapped_column(String(120))
    #: The QRIS National Merchant ID on the shop's sticker, if it has one.
    nmid: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: Program code -> the spending categories the shop may sell under that program.
    categories: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("status in ('pending', 'active', 'suspended', 'rejected')", name="status"),
        CheckConstraint("kind in ('e_warong', 'warung', 'bank_agent')", name="kind"),
    )


class Device(Base):
    """A POS (phone, tablet) of a shop. It holds its own Ed25519 key pair; we keep only the
    public key, and everything the device sends (requests, offline records) is signed."""

    __tablename__ = "merchant_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: The most the device may hold in offline redemptions not yet synced (rupiah); past it the
    #: POS must go online, like a card terminal's floor limit.
    offline_exposure_limit: Mapped[int] = mapped_column(BigInteger, default=2_000_000)
    registered_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (CheckConstraint("status in ('active', 'revoked')", name="status"),)


class Settlement(Base):
    """One payout instruction: what a shop is owed for one program and one business day, moved
    from its payable to settlement clearing, with the list of redemptions it pays."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    program_code: Mapped[str] = mapped_column(String(32))
    business_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    redemptions: Mapped[int] = mapped_column()
    bank_code: Mapped[str] = mapped_column(String(20))
    bank_account: Mapped[str] = mapped_column(String(34))
    bank_account_name: Mapped[str] = mapped_column(String(120))
    #: The reference the bank transfer carries (and the statement shows).
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"))
    status: Mapped[str] = mapped_column(String(10), default="instructed")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        UniqueConstraint(
            "merchant_id", "program_code", "business_date", name="uq_settlements_per_day"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status in ('instructed', 'paid', 'failed')", name="status"),
    )

"""Issuer keys, QR credentials, PINs, claim codes and redemptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime


class IssuerKey(Base):
    """An Ed25519 key that signs credentials and receipts. The private half is stored
    encrypted under the master key; the public half is published for offline verifiers."""

    __tablename__ = "issuer_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kid: Mapped[bytes] = mapped_column(LargeBinary(8), unique=True)
    #: "sign" (Ed25519: credentials and receipts) or "pin" (X25519: PIN blocks are sealed to it)
    purpose: Mapped[str] = mapped_column(String(4), default="sign")
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: active (signs) -> verify_only (rotated out; its cards stay valid) -> retired (trusted
    #: for nothing: compromised or withdrawn).
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("status in ('active', 'verify_only', 'retired')", name="status"),
        CheckConstraint("purpose in ('sign', 'pin')", name="purpose"),
    )


class Credential(Base):
    """One issued QR card. Revoking it (a lost card) puts its ``cti`` on the revocation list."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cti: Mapped[bytes] = mapped_column(LargeBinary(8), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    subject: Mapped[bytes] = mapped_column(LargeBinary(10), index=True)
    programs: Mapped[str] = mapped_column(String(200))
    kid: Mapped[bytes] = mapped_column(LargeBinary(8))
    #: The QR text itself (it holds no personal data), so a card can be printed again.
    qr_text: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="active")
    issued_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("status in ('active', 'revoked', 'replaced')", name="status"),
    )


class RecipientPin(Base):
    """The household's 6-digit PIN as a keyed verifier (see ``vouchers.pin``), and its
    wrong-try counter."""

    __tablename__ = "recipient_pins"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    verifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    failed: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ClaimCode(Base):
    """A single-use code for a feature phone, sent by SMS; stored only as a keyed digest."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    program_code: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Redemption(Base):
    """Aid taken at a partner shop: the ledger transfer wallet -> merchant payable, and the
    signed receipt. ``key`` is the device's idempotency key; ``request_digest`` refuses the
    same key reused for a different request."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    request_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    #: The shop's device; none when the recipient paid by scanning the shop's QRIS.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("merchant_devices.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))
    claim_code_id: Mapped[int | None] = mapped_column(ForeignKey("claim_codes.id"))
    program_code: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    categories: Mapped[str] = mapped_column(String(300))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"))
    channel: Mapped[str] = mapped_column(String(12))
    mode: Mapped[str] = mapped_column(String(8), default="online")
    receipt: Mapped[str] = mapped_column(Text)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: For offline redemptions: when the device recorded it.
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The payout instruction that paid the shop for it (daily settlement).
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("channel in ('qr', 'claim_code', 'qris')", name="channel"),
        CheckConstraint("mode in ('online', 'offline')", name="mode"),
        CheckConstraint("(channel = 'qris') = (device_id IS NULL)", name="device"),
    )


class OfflineRecord(Base):
    """A redemption a POS recorded without signal, as it was synced: the device's signed record
    and what became of it. Unique per (device, sequence number), so a batch sent twice changes
    nothing; nothing sent is ever dropped: a refused or conflicting record stays here, flagged,
    with its evidence, for staff."""

    __tablename__ = "offline_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("merchant_devices.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: accepted (paid in full), conflict (paid in part or not at all: flagged), rejected
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(60), default="")
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"))
    honored: Mapped[int] = mapped_column(BigInteger, default=0)
    shortfall: Mapped[int] = mapped_column(BigInteger, default=0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    synced_by: Mapped[str] = mapped_column(String(80))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_offline_records_device_seq"),
        CheckConstraint("status in ('accepted', 'conflict', 'rejected')", name="status"),
        Index("ix_offline_records_flagged", "status", "id"),
    )

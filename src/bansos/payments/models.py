"""Payout channels (where a household's aid goes), payouts (one external payment each, with its
state) and the payout events (the append-only log of everything that happened to a payout).

Account numbers and holder names are personal data: stored encrypted (AES-GCM, ``FieldCipher``),
shown masked, and an account number is also kept as a keyed blind index so that one e-wallet
number registered for many households can be found without decrypting anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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

CHANNEL_KINDS = ("wallet", "emoney", "bank")
CHANNEL_STATUSES = ("verified", "review", "rejected")
PAYOUT_PURPOSES = ("disbursement", "settlement")
#: ``queued`` (reserved in the ledger, not yet sent) -> ``sending`` (committed just before the
#: call) -> ``confirmed`` | ``failed`` | ``sent`` (outcome unknown: ask the status) |
#: ``pending`` (the provider is still working on it) | ``review`` (a person must decide).
#: ``returned``: confirmed, then sent back by the provider (a closed account, say).
PAYOUT_STATUSES = (
    "queued", "sending", "sent", "pending", "confirmed", "failed", "returned", "review",
)  # fmt: skip
#: The states the worker still acts on.
OPEN_STATUSES = ("queued", "sending", "sent", "pending")
#: AES-GCM associated data of ``Payout.destination_enc`` (a JSON of account number, bank code,
#: holder name and note): a ciphertext cannot be moved into another column unnoticed.
DESTINATION_CONTEXT = b"payout-destination"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class PayoutChannel(Base):
    """How one household receives one program's aid: its program wallet (the default, spent at
    partner shops), an e-wallet number, or a bank account. A channel other than the wallet is
    used only once ``verified``: its account answered the inquiry as active and the holder's
    name matched the registry, or an approver accepted the mismatch."""

    __tablename__ = "payout_channels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    program_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    #: The configured provider's name (``Provider.name``); empty for the wallet.
    provider: Mapped[str] = mapped_column(String(32), default="")
    account_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    account_index: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True)
    account_mask: Mapped[str] = mapped_column(String(40), default="")
    #: Bank transfers: the beneficiary bank's BI code.
    bank_code: Mapped[str] = mapped_column(String(8), default="")
    #: The holder name the account inquiry returned (a bank transfer must carry it).
    holder_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: How that name compared with the registry (``channels.compare_names``).
    name_match: Mapped[str] = mapped_column(String(12), default="")
    status: Mapped[str] = mapped_column(String(10))
    #: Why the check put it in review (name mismatch, account shared with another household).
    review_note: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("household_id", "program_code", name="uq_payout_channels_household"),
        CheckConstraint(f"kind in ({_in(CHANNEL_KINDS)})", name="kind"),
        CheckConstraint(f"status in ({_in(CHANNEL_STATUSES)})", name="status"),
    )


class Payout(Base):
    """One payment out of our books to a provider, under one reference for its whole life.

    ``reference`` is derived, never drawn: ``D<cycle>-<household>`` for a cycle's payout to a
    household, ``S<settlement>`` for a shop's settlement. At most 16 characters of
    ``[A-Za-z0-9-]``, so it survives MT940's 16-character customer reference unharmed. A
    resend after a crash therefore carries the same reference, and a provider that booked the
    first one refuses it as a duplicate.
    """

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    purpose: Mapped[str] = mapped_column(String(12))
    program_code: Mapped[str] = mapped_column(String(32))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("payout_channels.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    #: The destination as sent (account number, bank code, holder name), encrypted: a later
    #: change of the channel never redirects a payout already on its way.
    destination_enc: Mapped[bytes] = mapped_column(LargeBinary)
    destination_mask: Mapped[str] = mapped_column(String(60))
    #: The two-phase ledger transfer that holds the money while the payout is in flight.
    pending_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    status: Mapped[str] = mapped_column(String(10))
    #: ``rails.Payout.attempt``: raised only when the provider provably never received it.
    attempt: Mapped[int] = mapped_column(default=1)
    #: The provider's responseCode, or our problem code when the call could not be made.
    last_code: Mapped[str] = mapped_column(String(40), default="")
    last_message: Mapped[str] = mapped_column(String(200), default="")
    provider_reference: Mapped[str] = mapped_column(String(64), default="")
    #: When the worker next acts on it (send, or ask the status); None once resolved.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Status inquiries made since the last send (the backoff grows with it).
    checks: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: When the latest attempt was committed as ``sending`` (before the call left).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"status in ({_in(PAYOUT_STATUSES)})", name="status"),
        CheckConstraint(f"purpose in ({_in(PAYOUT_PURPOSES)})", name="purpose"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        # What the worker looks for: open payouts that are due.
        Index("ix_payouts_due", "status", "next_check_at"),
    )


class PayoutEvent(Base):
    """One thing that happened to a payout: queued, sent, an answer, a status, a resend, the
    ledger's post or void. Insert only: the audit trail of every payout, whoever acted."""

    __tablename__ = "payout_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    event: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(default=1)
    #: ``codes.Outcome`` of a call, when the event is one.
    outcome: Mapped[str] = mapped_column(String(10), default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(80), default="")

"""Double-entry accounts and transfers, after TigerBeetle's data model.

An account keeps four running totals (debits and credits, pending and posted), updated in the
same transaction as the transfer that moves them. A transfer is immutable: it debits one account
and credits another by a positive whole number of rupiah, under a unique key that makes every
retry return the first result. Two-phase transfers reserve funds (``pending``) and are later
posted or voided by a second transfer that names the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime

#: The ledger of Indonesian rupiah (ISO 4217 numeric code), the only one for now: a transfer
#: between accounts of different ledgers is refused.
IDR = 360

# Account flags (TigerBeetle's names).
DEBITS_MUST_NOT_EXCEED_CREDITS = 1
CREDITS_MUST_NOT_EXCEED_DEBITS = 2

# Transfer flags.
PENDING = 1
POST_PENDING = 2
VOID_PENDING = 4

#: What an account is for. ``state_budget`` is the source of all money (the APBN allocation);
#: it is the only account that may go negative, and its negative balance is the money put in.
ACCOUNT_KINDS = {
    "state_budget": 1,
    "program_budget": 2,
    "program_pool": 3,
    "recipient_wallet": 4,
    "merchant_payable": 5,
    "settlement_clearing": 6,
    "expired_returned": 7,
    #: Money handed to one payout provider (owner ``rail:<provider>``, per program): pending
    #: while a payout is in flight, posted once the provider confirms it. Restricted: only a
    #: return from the provider debits it, and never beyond what it received.
    "payout_clearing": 8,
}
#: What a transfer does.
TRANSFER_CODES = {
    "allocation": 1,  # state budget -> program budget (the budget cap of a period)
    "funding": 2,  # program budget -> program pool (a cycle is funded)
    "disbursement": 3,  # program pool -> recipient wallet
    "adjustment": 4,  # a late addition or correction, with a reason and an approver
    "expiry_return": 5,  # recipient wallet -> program pool (unspent after the expiry rule)
    "redemption": 6,  # recipient wallet -> merchant payable
    "settlement": 7,  # merchant payable -> settlement clearing
    "payout": 8,  # recipient wallet -> payout clearing (bank or e-wallet payout), two-phase
    "settlement_payout": 9,  # settlement clearing -> payout clearing (a shop's bank transfer)
}


class Account(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ledger: Mapped[int] = mapped_column(default=IDR)
    kind: Mapped[int] = mapped_column()
    flags: Mapped[int] = mapped_column(default=0)
    #: Which program's money (empty for the state budget and settlement accounts).
    program_code: Mapped[str] = mapped_column(String(32), default="")
    #: Whose account: ``household:<id>``, ``merchant:<id>``, ``program:<code>`` ...
    owner: Mapped[str] = mapped_column(String(64))
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        Index(
            "uq_ledger_accounts_kind_program_owner", "kind", "program_code", "owner", unique=True
        ),
        CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 "
            "AND credits_posted >= 0",
            name="totals_not_negative",
        ),
    )


class Transfer(Base):
    __tablename__ = "ledger_transfers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The idempotency key: a retry with the same key returns the first result.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    ledger: Mapped[int] = mapped_column(default=IDR)
    code: Mapped[int] = mapped_column()
    flags: Mapped[int] = mapped_column(default=0)
    #: For a post or void: the pending transfer it resolves (at most one each).
    pending_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    #: For a pending transfer: when it lapses if neither posted nor voided.
    timeout_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The business object it belongs to: ``cycle:12``, ``redemption:77`` ...
    ref: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        # Unique among the rows that have one: a partial index leaves out the NULLs of the
        # ordinary transfers, which cost a third of the insert time of a disbursement.
        Index(
            "uq_ledger_transfers_pending_id",
            "pending_id",
            unique=True,
            sqlite_where=text("pending_id IS NOT NULL"),
            postgresql_where=text("pending_id IS NOT NULL"),
        ),
    )

"""Programs as stored: the validated definition, its digest and version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime


class ProgramRecord(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(10))
    budget_cap: Mapped[int] = mapped_column(BigInteger)
    #: The whole validated definition (``ProgramDefinition.canonical()``).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    #: Starts at 1; a changed definition loaded again becomes the next version.
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint("unit in ('household', 'person')", name="unit"),
        CheckConstraint("period in ('monthly', 'quarterly', 'one_off')", name="period"),
        CheckConstraint("budget_cap > 0", name="budget_cap"),
    )


CYCLE_STATUSES = ("draft", "computed", "submitted", "approved", "rejected", "funded",
                  "disbursing", "disbursed", "closed")  # fmt: skip


class Cycle(Base):
    """One program period paid: draft -> computed -> submitted -> approved -> funded ->
    disbursing -> disbursed -> closed (or rejected)."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_code: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    list_id: Mapped[int] = mapped_column(ForeignKey("candidate_lists.id"))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    recipients: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_recipients: Mapped[int] = mapped_column(default=0)
    #: Entitlements are paid in id order: every one up to this id is paid (moved forward in the
    #: same transaction as each chunk's transfers, so it never claims more than was paid).
    paid_through: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_total: Mapped[int] = mapped_column(BigInteger, default=0)
    #: SHA-256 over the entitlements, recorded at submission and checked at approval.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_by: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(
            "status in ('draft', 'computed', 'submitted', 'approved', 'rejected', 'funded', "
            "'disbursing', 'disbursed', 'closed')",
            name="status",
        ),
        UniqueConstraint("program_code", "period", "list_id", name="uq_cycles_program_period_list"),
    )


class Entitlement(Base):
    """What one household is owed in one cycle (paid once its id is at most the cycle's
    ``paid_through``)."""

    __tablename__ = "entitlements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    wallet_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"))

    __table_args__ = (
        UniqueConstraint("cycle_id", "household_id", name="uq_entitlements_cycle_household"),
        Index("ix_entitlements_cycle_id", "cycle_id", "id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

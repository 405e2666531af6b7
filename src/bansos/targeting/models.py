"""Candidate lists: one per program and period, built, submitted, and approved by another user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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

STATUSES = ("draft", "submitted", "approved", "rejected")


class CandidateList(Base):
    __tablename__ = "candidate_lists"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_code: Mapped[str] = mapped_column(String(32), index=True)
    program_version: Mapped[int] = mapped_column()
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    eligible_count: Mapped[int] = mapped_column(default=0)
    excluded_count: Mapped[int] = mapped_column(default=0)
    total_benefit: Mapped[int] = mapped_column(BigInteger, default=0)
    #: SHA-256 over the candidates, recorded at submission and checked again at approval.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_by: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status in ('draft', 'submitted', 'approved', 'rejected')", name="status"),
    )


class Candidate(Base):
    """One household on a list: eligible with its benefit, or excluded with the reason."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("candidate_lists.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    eligible: Mapped[bool] = mapped_column()
    #: Empty when eligible; otherwise a code such as ``excluded.not_eligible``.
    reason: Mapped[str] = mapped_column(String(40), default="")
    benefit: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What the rules decided, before any field verdict: a later "verified" restores it.
    rule_reason: Mapped[str] = mapped_column(String(40), default="")
    rule_benefit: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        UniqueConstraint("list_id", "household_id", name="uq_candidates_list_household"),
        Index("ix_candidates_list_region", "list_id", "region_code"),
    )


VERDICTS = ("verified", "moved", "deceased", "not_found", "wrong_data")


class FieldVerdict(Base):
    """A field officer's finding about one candidate (verifikasi dan validasi). Rows are only
    inserted: the candidate's current state follows the latest verdict (``verified`` restores
    what the rules decided), and the history stays."""

    __tablename__ = "field_verdicts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    officer: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint(
            "verdict in ('verified', 'moved', 'deceased', 'not_found', 'wrong_data')",
            name="verdict",
        ),
    )

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
    #: The match run whose proposals the list was built from; None: the whole registry.
    match_run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id"))

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


MATCH_STATUSES = ("exact", "fuzzy", "ambiguous", "not_found", "deceased", "invalid_nik")


class MatchRun(Base):
    """One run of ``targeting match`` over a proposals file, with the model it trained."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(default=0)
    #: Rows per status, as JSON: ``{"exact": 120, "fuzzy": 14, ...}``.
    counts: Mapped[str] = mapped_column(Text, default="{}")
    #: The Splink model (settings and trained m/u parameters) as JSON: the run can be
    #: explained and repeated, or the model loaded into Splink's Spark backend.
    model: Mapped[str] = mapped_column(Text, default="{}")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


REVIEW_STATES = ("", "pending", "accepted", "rejected")


class MatchResult(Base):
    """What one proposal row resolved to. Ambiguous rows wait in the review queue
    (``review_state`` pending) until a person decides between the candidates."""

    __tablename__ = "match_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"))
    row_id: Mapped[str] = mapped_column(String(40))
    line: Mapped[int] = mapped_column()
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    probability: Mapped[float] = mapped_column(default=0.0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: Best candidates as JSON ``[[person_id, probability], ...]``, for the reviewer.
    candidates: Mapped[str] = mapped_column(Text, default="[]")
    review_state: Mapped[str] = mapped_column(String(10), default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("run_id", "row_id", name="uq_match_results_run_row"),
        Index("ix_match_results_run_review", "run_id", "review_state"),
        CheckConstraint(
            "status in ('exact', 'fuzzy', 'ambiguous', 'not_found', 'deceased', 'invalid_nik')",
            name="status",
        ),
        CheckConstraint(
            "review_state in ('', 'pending', 'accepted', 'rejected')", name="review_state"
        ),
    )

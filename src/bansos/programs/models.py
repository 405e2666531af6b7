"""Programs as stored: the validated definition, its digest and version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, String
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

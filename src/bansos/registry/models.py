"""Tables of the civil and social registries: regions, households (KK) and people (NIK)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime


class Region(Base):
    """Kemendagri administrative codes: province (2 digits), regency/city (4), district (6)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)  # 1 province, 2 regency/city, 3 district
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code"), index=True
    )

    __table_args__ = (CheckConstraint("level in (1, 2, 3)", name="level"),)


class Household(Base):
    """A family card (KK). The KK number is stored encrypted and found by its blind index."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kk_enc: Mapped[bytes] = mapped_column(LargeBinary)
    kk_index: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    kk_mask: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    welfare_decile: Mapped[int | None] = mapped_column(SmallInteger)
    #: Further social-registry attributes, typed by ``household_attribute_defs``.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    social_digest: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    social_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (CheckConstraint("welfare_decile between 1 and 10", name="welfare_decile"),)


class Person(Base):
    """A civil-registry person. Names stay in clear for matching; NIK is encrypted."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    nik_enc: Mapped[bytes] = mapped_column(LargeBinary)
    nik_index: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    nik_mask: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_place: Mapped[str] = mapped_column(String(120), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relationship: Mapped[str] = mapped_column(String(10))
    #: District of the current address (the shard key at national scale).
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    address: Mapped[str] = mapped_column(Text, default="")
    occupation: Mapped[str] = mapped_column(String(120), default="")
    death_date: Mapped[date | None] = mapped_column(Date)
    #: Comma-separated data-quality flags, e.g. ``nik_birth_date_mismatch``.
    quality_flags: Mapped[str] = mapped_column(String(200), default="")
    #: Keyed digests of the normalised record and of the row exactly as last read: the second
    #: lets a re-import skip unchanged rows before checking them, the first tells a real change
    #: from a mere change of spelling ("L" for "M").
    row_digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    source_digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint("sex in ('M', 'F')", name="sex"),
        CheckConstraint(
            "relationship in ('head', 'spouse', 'child', 'parent', 'other')", name="relationship"
        ),
        Index("ix_people_region_code_birth_date", "region_code", "birth_date"),
    )


class HouseholdAttributeDef(Base):
    """The declared type of each extra social-registry column, fixed on first import."""

    __tablename__ = "household_attribute_defs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    type: Mapped[str] = mapped_column(String(10))  # int, bool, date, text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (CheckConstraint("type in ('int', 'bool', 'date', 'text')", name="type"),)


class ImportRun(Base):
    """One run of a registry import: who, which file, and what it did."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # civil, social
    filename: Mapped[str] = mapped_column(String(400))
    file_sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    newly_deceased: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

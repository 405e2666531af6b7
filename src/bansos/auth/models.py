"""Staff accounts and their sessions (bearer tokens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime

ROLES = ("admin", "operator", "approver", "auditor", "field_officer", "merchant")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    #: For the ``merchant`` role: the shop this user works for (and only that shop).
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint(
            "role in ('admin', 'operator', 'approver', 'auditor', 'field_officer', 'merchant')",
            name="role",
        ),
        CheckConstraint("(role = 'merchant') = (merchant_id IS NOT NULL)", name="merchant"),
    )


class StaffSession(Base):
    """A login. Only the SHA-256 of the token is stored: a leaked table cannot log anyone in."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

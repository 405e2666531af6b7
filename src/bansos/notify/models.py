"""The notification outbox: messages written in the same transaction as what they announce,
sent later by the SMS/e-mail worker (a crash never loses one nor sends one that did not happen).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bansos.core.clock import now
from bansos.db import Base, BigId, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Who: ``household:<id>`` (the worker finds the phone number of its head).
    recipient: Mapped[str] = mapped_column(String(64))
    #: What kind of message: ``credited`` ...; the text is composed when sent, in the
    #: recipient's language, from ``kind`` and ``payload``.
    kind: Mapped[str] = mapped_column(String(32))
    #: JSON: amount, program, how to claim...
    payload: Mapped[str] = mapped_column(Text)
    #: Unique: the same event never makes two messages.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("status in ('pending', 'sent', 'failed')", name="status"),
        Index("ix_notifications_status_id", "status", "id"),
    )

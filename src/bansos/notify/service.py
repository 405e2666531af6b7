"""Putting messages in the outbox (sending them is the SMS work of a later issue)."""

from __future__ import annotations

from sqlalchemy import Select, literal, select, true
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.db import UTCDateTime, insert_or_skip
from bansos.notify.models import Notification


def enqueue_from(session: Session, kind: str, rows: Select[str, str, str]) -> int:
    """One message per row of ``rows`` (``recipient, payload JSON, dedupe key``), in one
    INSERT ... SELECT; rows whose dedupe key is already in the outbox are skipped."""
    src = rows.subquery()
    recipient, payload, key = src.c[0], src.c[1], src.c[2]
    fresh = select(
        recipient, literal(kind), payload, key, literal("pending"), literal(now(), UTCDateTime())
    ).where(true())
    result = session.execute(
        insert_or_skip(session, Notification, ["dedupe_key"]).from_select(
            ["recipient", "kind", "payload", "dedupe_key", "status", "created_at"], fresh
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def enqueue(session: Session, kind: str, recipient: str, payload: str, dedupe_key: str) -> None:
    """One message (skipped if its dedupe key is already in the outbox)."""
    session.execute(
        insert_or_skip(session, Notification, ["dedupe_key"]).values(
            recipient=recipient, kind=kind, payload=payload, dedupe_key=dedupe_key,
            status="pending", created_at=now(),
        )
    )  # fmt: skip

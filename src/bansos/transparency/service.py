"""Recording audit events (insert only; nothing here updates or deletes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bansos.transparency.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str = "",
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor, action=action, object_type=object_type, object_id=object_id, details=details
    )
    session.add(event)
    return event

"""Writing audit events. Reads of personal data are recorded as well as writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.audit.models import AuditEvent
from api.auth import Principal


def record(
    db: Session,
    actor: Principal | str,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    result: str = "ok",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the current unit of work (committed with it)."""
    event = AuditEvent(
        actor=actor if isinstance(actor, str) else actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=detail or None,
    )
    db.add(event)
    return event


def record_denied(db: Session, actor: Principal, action: str, object_type: str, object_id: Any) -> None:
    """Denials are written in their own transaction so the rollback of the request keeps them."""
    bind = db.get_bind()
    with Session(bind=bind) as own:
        own.add(
            AuditEvent(
                actor=actor.label,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                result="denied",
            )
        )
        own.commit()

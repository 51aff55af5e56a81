"""Writing audit events. Reads of personal data are recorded as well as writes, and refusals too."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.audit.models import AuditEvent
from api.auth import Principal
from api.errors import Forbidden

READ = "read"


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


def record_read(
    db: Session, actor: Principal | str, object_type: str, object_id: Any = None, **detail: Any
) -> None:
    """A read of personal data. Lists name whose data they showed in `inburgeraars` (ids).

    The caller commits: a GET route commits for this event alone.
    """
    record(db, actor, READ, object_type, object_id, **detail)


def record_denied(db: Session, actor: Principal, action: str, object_type: str, object_id: Any) -> None:
    """Denials are written in their own transaction so the rollback of the request keeps them."""
    bind = db.get_bind()
    with Session(bind=bind) as own:
        own.add(
            AuditEvent(
                actor=actor.label,
                action=action,
                object_type=object_type,
                object_id=None if object_id is None else str(object_id),
                result="denied",
            )
        )
        own.commit()


def require_role(
    db: Session, actor: Principal, *roles: str, action: str, object_type: str, object_id: Any = None
) -> None:
    """`actor.require(*roles)`, with a refusal written to the audit log before the 403."""
    try:
        actor.require(*roles)
    except Forbidden:
        record_denied(db, actor, action, object_type, object_id)
        raise

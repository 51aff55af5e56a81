"""Escalations and tasks for klantmanagers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, Forbidden, NotFound
from api.inbox.models import Escalation, EscalationStatus, Task
from api.people.models import Inburgeraar, Role


def open_task(
    db: Session,
    kind: str,
    *,
    inburgeraar: Inburgeraar | None = None,
    appointment_id: int | None = None,
    conversation_id: int | None = None,
    detail: str | None = None,
) -> Task:
    """Open a follow-up task for the person's klantmanager (unassigned when they have none)."""
    task = Task(
        kind=kind,
        inburgeraar_id=inburgeraar.id if inburgeraar else None,
        assignee_id=inburgeraar.klantmanager_id if inburgeraar else None,
        appointment_id=appointment_id,
        conversation_id=conversation_id,
        detail=detail,
    )
    db.add(task)
    db.flush()
    return task


def active_escalation(db: Session, conversation_id: int) -> Escalation | None:
    return db.scalar(
        select(Escalation)
        .where(
            Escalation.conversation_id == conversation_id,
            Escalation.status.in_([EscalationStatus.open, EscalationStatus.claimed]),
        )
        .order_by(Escalation.id.desc())
        .limit(1)
    )


def open_escalation(
    db: Session,
    conversation_id: int,
    *,
    inburgeraar_id: int | None,
    reason: str,
    urgent: bool = False,
    summary: str | None = None,
) -> Escalation:
    """Hand the conversation to a human. An open escalation is reused (made urgent if needed)."""
    current = active_escalation(db, conversation_id)
    if current is not None:
        current.urgent = current.urgent or urgent
        if summary:
            current.summary = summary if not current.summary else f"{current.summary}\n{summary}"
        db.flush()
        return current
    escalation = Escalation(
        conversation_id=conversation_id,
        inburgeraar_id=inburgeraar_id,
        reason=reason,
        urgent=urgent,
        summary=summary,
    )
    db.add(escalation)
    db.flush()
    return escalation


def _owned(db: Session, actor: Principal, escalation_id: int) -> Escalation:
    escalation = db.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    if actor.role == Role.klantmanager:
        person = db.get(Inburgeraar, escalation.inburgeraar_id) if escalation.inburgeraar_id else None
        if person is None or person.klantmanager_id != actor.staff_id:
            audit.record_denied(db, actor, "update", "escalation", escalation_id)
            raise Forbidden("this conversation is not in your caseload")
    elif not actor.is_admin:
        raise Forbidden("only klantmanagers handle conversations")
    return escalation


def claim(db: Session, actor: Principal, escalation_id: int) -> Escalation:
    escalation = _owned(db, actor, escalation_id)
    if escalation.status == EscalationStatus.resolved:
        raise Conflict("this escalation is already resolved", code="resolved")
    escalation.status = EscalationStatus.claimed
    escalation.assignee_id = actor.staff_id
    escalation.claimed_at = utcnow()
    audit.record(db, actor, "claim", "escalation", escalation.id)
    return escalation


def resolve(db: Session, actor: Principal, escalation_id: int) -> Escalation:
    """Close the escalation; the bot answers the person again from the next message on."""
    escalation = _owned(db, actor, escalation_id)
    escalation.status = EscalationStatus.resolved
    escalation.resolved_at = utcnow()
    if escalation.assignee_id is None:
        escalation.assignee_id = actor.staff_id
    audit.record(db, actor, "resolve", "escalation", escalation.id)
    return escalation

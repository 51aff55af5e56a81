"""The klantmanager's work lists: escalated conversations and follow-up tasks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, Forbidden, NotFound
from api.inbox.models import Escalation, EscalationStatus, Task
from api.people.models import Inburgeraar, Role, Staff

TASK_OPEN, TASK_DONE = "open", "done"


@dataclass(frozen=True)
class QueueItem:
    escalation: Escalation
    person: Inburgeraar | None
    assignee: Staff | None


def escalation_queue(db: Session, actor: Principal) -> list[QueueItem]:
    """Open and claimed escalations of the caseload: urgent first, then the oldest first."""
    actor.require(Role.klantmanager)
    query = (
        select(Escalation, Inburgeraar, Staff)
        .outerjoin(Inburgeraar, Inburgeraar.id == Escalation.inburgeraar_id)
        .outerjoin(Staff, Staff.id == Escalation.assignee_id)
        .where(Escalation.status.in_([EscalationStatus.open, EscalationStatus.claimed]))
        .order_by(Escalation.urgent.desc(), Escalation.created_at, Escalation.id)
    )
    if not actor.is_admin:
        query = query.where(Inburgeraar.klantmanager_id == actor.staff_id)
    return [QueueItem(e, p, s) for e, p, s in db.execute(query).all()]


@dataclass(frozen=True)
class TaskItem:
    task: Task
    person: Inburgeraar | None


def open_tasks(db: Session, actor: Principal) -> tuple[list[TaskItem], list[TaskItem]]:
    """(mine, unassigned): open tasks assigned to the caller, and those nobody owns yet (unknown numbers)."""
    actor.require(Role.klantmanager)
    query = (
        select(Task, Inburgeraar)
        .outerjoin(Inburgeraar, Inburgeraar.id == Task.inburgeraar_id)
        .where(Task.status == TASK_OPEN)
        .order_by(Task.created_at, Task.id)
    )
    rows = db.execute(query.where(or_(Task.assignee_id == actor.staff_id, Task.assignee_id.is_(None)))).all()
    mine = [TaskItem(t, p) for t, p in rows if t.assignee_id is not None]
    unassigned = [TaskItem(t, p) for t, p in rows if t.assignee_id is None]
    return mine, unassigned


def _task(db: Session, actor: Principal, task_id: int) -> Task:
    actor.require(Role.klantmanager)
    task = db.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.assignee_id not in (None, actor.staff_id) and not actor.is_admin:
        audit.record_denied(db, actor, "update", "task", task_id)
        raise Forbidden("this task belongs to a colleague")
    return task


def take_task(db: Session, actor: Principal, task_id: int) -> Task:
    """Take an unassigned task (e.g. linking an unknown number) so colleagues see it is handled."""
    task = _task(db, actor, task_id)
    if task.status != TASK_OPEN:
        raise Conflict("this task is already done", code="done")
    task.assignee_id = actor.staff_id
    audit.record(db, actor, "take", "task", task.id)
    return task


def complete_task(db: Session, actor: Principal, task_id: int) -> Task:
    """Mark a task done; doing it twice is harmless."""
    task = _task(db, actor, task_id)
    if task.status != TASK_DONE:
        task.status = TASK_DONE
        task.done_at = utcnow()
        task.assignee_id = task.assignee_id or actor.staff_id
        audit.record(db, actor, "complete", "task", task.id)
    return task

"""Escalations and follow-up tasks for klantmanagers: opening them, the work lists, and taking them on.

The one home of task and escalation rules; the bot endpoints, the gateway, the scheduler, the outbox's
delivery listeners and the web UI all call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from api.appointments.models import Appointment
from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.events import Hook
from api.people.models import Inburgeraar
from api.staff.models import Role, Staff
from api.tasks import visibility
from api.tasks.models import Escalation, EscalationStatus, Resolution, Task, TaskKind, TaskStatus
from api.tasks.visibility import Access

# Listeners are called as listener(db, task) / listener(db, escalation) in the caller's transaction;
# api.wiring connects them (the export to the Klantinteracties register, ADR 0016).
task_opened = Hook("task_opened")
task_done = Hook("task_done")
escalation_resolved = Hook("escalation_resolved")

MAX_NOTE_CHARS = 2000


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
    task_opened.emit(db, task)
    return task


def open_task_once(
    db: Session,
    kind: str,
    *,
    inburgeraar: Inburgeraar | None = None,
    appointment_id: int | None = None,
    conversation_id: int | None = None,
    detail: str | None = None,
) -> Task | None:
    """Open a task unless the same one is still open; returns the new task, or None when one was open.

    "The same" is the same kind for the same person and appointment (no appointment matches no
    appointment), and for the same conversation when one is given: a second failure or a second message
    while the bot is down adds no second call to make.
    """
    query = select(Task.id).where(Task.kind == kind, Task.status == TaskStatus.open)
    if inburgeraar is not None:
        query = query.where(Task.inburgeraar_id == inburgeraar.id)
    if inburgeraar is not None or appointment_id is not None:
        query = query.where(
            Task.appointment_id.is_(None) if appointment_id is None else Task.appointment_id == appointment_id
        )
    if conversation_id is not None:
        query = query.where(Task.conversation_id == conversation_id)
    if db.scalar(query.limit(1)) is not None:
        return None
    return open_task(
        db,
        kind,
        inburgeraar=inburgeraar,
        appointment_id=appointment_id,
        conversation_id=conversation_id,
        detail=detail,
    )


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


def handed_back_at(db: Session, conversation_id: int) -> datetime | None:
    """When staff last gave the conversation back to the bot (resolved its latest escalation), if ever."""
    return db.scalar(
        select(func.max(Escalation.resolved_at)).where(Escalation.conversation_id == conversation_id)
    )


def move_escalations(
    db: Session, from_conversation_id: int, to_conversation_id: int, *, inburgeraar_id: int | None = None
) -> None:
    """The unresolved questions for staff go with the conversation: to the person's new number, or (given
    `inburgeraar_id`) from an unknown number staff linked to that person, whose questions they become."""
    person = {} if inburgeraar_id is None else {"inburgeraar_id": inburgeraar_id}
    db.execute(
        update(Escalation)
        .where(
            Escalation.conversation_id == from_conversation_id,
            Escalation.status.in_([EscalationStatus.open, EscalationStatus.claimed]),
        )
        .values(conversation_id=to_conversation_id, **person)
        .execution_options(synchronize_session=False)
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


def note_interrupted_form(escalation: Escalation, form: str, slots: dict[str, object]) -> None:
    """Record what the person was doing when the conversation came to staff (the bot's form and its slots)."""
    escalation.interrupted_form = form[:32]
    if slots:
        escalation.form_slots = {name: str(value)[:200] for name, value in slots.items()}


def note_reply(escalation: Escalation) -> None:
    """A staff member answered the person: the escalation keeps the moment of its first reply."""
    if escalation.replied_at is None:
        escalation.replied_at = utcnow()


def claim(db: Session, actor: Principal, escalation_id: int) -> Escalation:
    """Take the question: the caller becomes its assignee, which opens the conversation to a colleague who
    covers (api.tasks.visibility). Taking what a colleague took a moment ago is a Conflict, not a swap."""
    audit.require_role(
        db, actor, Role.klantmanager, action="claim", object_type="escalation", object_id=escalation_id
    )
    escalation = visibility.require(db, actor, escalation_id, Access.row, action="claim")
    if escalation.status == EscalationStatus.resolved:
        raise Conflict("this escalation is already resolved", code="resolved")
    seen_status, seen_assignee = escalation.status, escalation.assignee_id
    taken = db.execute(
        update(Escalation)
        .where(
            Escalation.id == escalation.id,
            Escalation.status == seen_status,
            Escalation.assignee_id.is_(None)
            if seen_assignee is None
            else Escalation.assignee_id == seen_assignee,
        )
        .values(status=EscalationStatus.claimed, assignee_id=actor.staff_id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict("a colleague took this question a moment ago", code="taken")
    db.refresh(escalation)
    audit.record(db, actor, "claim", "escalation", escalation.id, previous_assignee=seen_assignee)
    return escalation


def resolve(
    db: Session,
    actor: Principal,
    escalation_id: int,
    *,
    resolution: str | None = None,
    note: str | None = None,
) -> Escalation:
    """Close the escalation; the bot answers the person again from the next message on.

    Never without an answer: a staff reply went to the person since it opened, or `resolution` says why
    none was needed (a Resolution other than `replied`); an urgent one also needs a note on what was
    done. InvalidInput names the field that is missing (`resolution`, then `note`); nothing changes then.
    Who may: whoever may read the conversation whole (the own klantmanager, a colleague covering it).
    """
    audit.require_role(
        db, actor, Role.klantmanager, action="update", object_type="escalation", object_id=escalation_id
    )
    escalation = visibility.require(db, actor, escalation_id, Access.full, action="update")
    if escalation.status == EscalationStatus.resolved:
        raise Conflict("this escalation is already resolved", code="resolved")
    note = (note or "").strip()
    if resolution and (resolution not in Resolution.__members__ or resolution == Resolution.replied):
        raise InvalidInput(f"unknown resolution {resolution!r}", field="resolution")
    if escalation.replied_at is None and not resolution:
        raise InvalidInput("answer the person first, or say why no answer is needed", field="resolution")
    if escalation.urgent and not note:
        raise InvalidInput("an urgent question needs a note on what was done", field="note")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note has at most {MAX_NOTE_CHARS} characters", field="note")
    escalation.status = EscalationStatus.resolved
    escalation.resolved_at = utcnow()
    escalation.resolution = resolution or Resolution.replied
    escalation.resolution_note = note or None
    if escalation.assignee_id is None:
        escalation.assignee_id = actor.staff_id
    audit.record(db, actor, "resolve", "escalation", escalation.id, resolution=escalation.resolution)
    escalation_resolved.emit(db, escalation)
    return escalation


def reassign(db: Session, actor: Principal, escalation_id: int, to_staff_id: int) -> Staff:
    """Hand an open question to a colleague of the caller's team, who then holds it (and may read the
    conversation) until it is resolved; it waits for them to pick it up. A coordinator hands on any of
    their team's; a klantmanager those they may read whole. Returns the new assignee (audited)."""
    audit.require_role(
        db,
        actor,
        Role.klantmanager,
        Role.coordinator,
        action="reassign",
        object_type="escalation",
        object_id=escalation_id,
    )
    needed = Access.full if actor.role == Role.klantmanager else Access.row
    escalation = visibility.require(db, actor, escalation_id, needed, action="reassign")
    if escalation.status == EscalationStatus.resolved:
        raise Conflict("this escalation is already resolved", code="resolved")
    target = db.get(Staff, to_staff_id)
    if target not in colleagues(db, actor):
        raise InvalidInput("choose an active klantmanager of your team", field="to")
    previous = escalation.assignee_id
    escalation.assignee_id = target.id
    escalation.status = EscalationStatus.open
    escalation.claimed_at = None
    audit.record(db, actor, "reassign", "escalation", escalation.id, previous_assignee=previous, to=target.id)
    return target


def colleagues(db: Session, actor: Principal) -> list[Staff]:
    """The active klantmanagers of the caller's team (a klantmanager's list leaves them out), by name."""
    query = select(Staff).where(
        Staff.role == Role.klantmanager,
        Staff.active.is_(True),
        Staff.team == visibility.team_of(db, actor),
    )
    if actor.role == Role.klantmanager:
        query = query.where(Staff.id != actor.staff_id)
    return list(db.scalars(query.order_by(Staff.name, Staff.id)))


@dataclass(frozen=True)
class TaskItem:
    task: Task
    person: Inburgeraar | None
    appointment: Appointment | None = None  # the appointment the task is about, to name it by date


def open_tasks(db: Session, actor: Principal) -> tuple[list[TaskItem], list[TaskItem]]:
    """(mine, unassigned): open tasks assigned to the caller, and those nobody owns yet (audited read)."""
    audit.require_role(db, actor, Role.klantmanager, action="read", object_type="task")
    query = (
        select(Task, Inburgeraar, Appointment)
        .outerjoin(Inburgeraar, Inburgeraar.id == Task.inburgeraar_id)
        .outerjoin(Appointment, Appointment.id == Task.appointment_id)
        .where(Task.status == TaskStatus.open)
        .order_by(Task.created_at, Task.id)
    )
    rows = db.execute(query.where(or_(Task.assignee_id == actor.staff_id, Task.assignee_id.is_(None)))).all()
    mine = [TaskItem(t, p, a) for t, p, a in rows if t.assignee_id is not None]
    unassigned = [TaskItem(t, p, a) for t, p, a in rows if t.assignee_id is None]
    audit.record_read(db, actor, "task", inburgeraars=sorted({p.id for _, p, _ in rows if p}))
    return mine, unassigned


def _task(db: Session, actor: Principal, task_id: int) -> Task:
    audit.require_role(db, actor, Role.klantmanager, action="update", object_type="task", object_id=task_id)
    task = db.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.assignee_id not in (None, actor.staff_id):
        audit.record_denied(db, actor, "update", "task", task_id)
        raise Forbidden("this task belongs to a colleague")
    return task


def task_to_act_on(db: Session, actor: Principal, task_id: int, kind: str) -> Task:
    """An open task of `kind` that the caller may act on (theirs or nobody's); 409 when it is done."""
    task = _task(db, actor, task_id)
    if task.kind != kind:
        raise InvalidInput(f"task {task_id} is not a {kind} task", field="taskId")
    if task.status != TaskStatus.open:
        raise Conflict("this task is already done", code="done")
    return task


def take_task(db: Session, actor: Principal, task_id: int) -> Task:
    """Take an unassigned task (e.g. linking an unknown number) so colleagues see it is handled."""
    task = _task(db, actor, task_id)
    if task.status != TaskStatus.open:
        raise Conflict("this task is already done", code="done")
    task.assignee_id = actor.staff_id
    audit.record(db, actor, "take", "task", task.id)
    return task


def complete_task(db: Session, actor: Principal, task_id: int) -> Task:
    """Mark a task done; doing it twice is harmless."""
    task = _task(db, actor, task_id)
    if task.status != TaskStatus.done:
        _mark_done(db, actor, task)
    return task


def _mark_done(db: Session, actor: Principal, task: Task) -> None:
    task.status = TaskStatus.done
    task.done_at = utcnow()
    task.assignee_id = task.assignee_id or actor.staff_id
    audit.record(db, actor, "complete", "task", task.id)
    task_done.emit(db, task)


def complete_tasks_about(
    db: Session, actor: Principal, kind: str, *, inburgeraar_id: int, appointment_id: int | None
) -> list[Task]:
    """Mark done the open tasks of `kind` about one person's appointment (any of the person's when
    `appointment_id` is None): the work they asked for was done (an assessment closes its "Afmelding
    beoordelen", a confirmed number its "Nummer nagaan"). Audited and announced (`task_done`) like a task
    marked done by hand."""
    query = select(Task).where(
        Task.kind == kind, Task.status == TaskStatus.open, Task.inburgeraar_id == inburgeraar_id
    )
    if appointment_id is not None:
        query = query.where(Task.appointment_id == appointment_id)
    open_ones = db.scalars(query).all()
    for task in open_ones:
        _mark_done(db, actor, task)
    return list(open_ones)


def on_consent_withdrawn(db: Session, person: Inburgeraar, source: str) -> None:
    """Tell the klantmanager that the person no longer receives automatic messages (a consent listener)."""
    open_task(db, TaskKind.opted_out, inburgeraar=person, detail=f"source={source}")


def on_number_disputed(db: Session, person: Inburgeraar, conversation_id: int, message_id: int) -> None:
    """Ask the klantmanager to check the person's number another way (a number-dispute listener)."""
    open_task_once(
        db,
        TaskKind.number_disputed,
        inburgeraar=person,
        conversation_id=conversation_id,
        detail=f"message_id={message_id}",
    )

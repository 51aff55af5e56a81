"""The listeners that queue exports, in the transaction of their cause (connected by api.wiring).

An export row is written with the absence, the resolved escalation, the opened or finished task, or not at
all: a rollback takes it away, a crash after commit cannot lose it. Nothing is queued while the register
is not configured (KLANTINTERACTIES_URL empty), nor for an unknown number (no person to record it for).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Attendance
from api.db import utcnow
from api.klantinteracties import mapping
from api.klantinteracties.models import ExportKind, RegisterExport
from api.messaging.conversations import open_conversation
from api.messaging.models import Channel, Conversation
from api.people.models import Inburgeraar
from api.settings import get_settings
from api.tasks.models import Escalation, Task


def enabled() -> bool:
    """Whether the register is configured. Listeners get no settings; the process's own are these."""
    return get_settings().klantinteracties_enabled


def _channel(db: Session, person_id: int, conversation_id: int | None = None) -> str:
    conversation = db.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None:
        person = db.get(Inburgeraar, person_id)
        conversation = open_conversation(db, person) if person is not None else None
    return conversation.last_channel if conversation is not None else Channel.sms


def _queue(
    db: Session,
    kind: ExportKind,
    person_id: int,
    *,
    topic: str,
    occurred_at: datetime | None,
    channel: str = Channel.sms,
    **subject: int | None,
) -> RegisterExport:
    export = RegisterExport(
        kind=kind,
        inburgeraar_id=person_id,
        reference=str(uuid.uuid4()),
        channel=channel,
        topic=topic,
        occurred_at=occurred_at or utcnow(),
        **subject,
    )
    db.add(export)
    db.flush()
    return export


def _task_export(db: Session, task_id: int) -> RegisterExport | None:
    query = select(RegisterExport).where(
        RegisterExport.kind == ExportKind.task, RegisterExport.task_id == task_id
    )
    return db.scalar(query)


def on_absence_reported(db: Session, attendance: Attendance, task: Task) -> None:
    """A Klantcontact for the report; the InterneTaak of the task it opened hangs on that contact."""
    if not enabled():
        return
    person_id = attendance.inburgeraar_id
    export = _queue(
        db,
        ExportKind.absence,
        person_id,
        topic=mapping.absence_category(attendance.absence_reason),
        occurred_at=attendance.reported_at,
        channel=_channel(db, person_id),
        attendance_id=attendance.id,
    )
    task_export = _task_export(db, task.id)
    if task_export is not None:
        task_export.cause_id = export.id


def on_task_opened(db: Session, task: Task) -> None:
    if not enabled() or task.inburgeraar_id is None:
        return
    _queue(
        db,
        ExportKind.task,
        task.inburgeraar_id,
        topic=task.kind,
        occurred_at=task.created_at,
        channel=_channel(db, task.inburgeraar_id, task.conversation_id),
        task_id=task.id,
    )


def on_task_done(db: Session, task: Task) -> None:
    """The InterneTaak becomes `verwerkt`; a task from before the export was switched on has none."""
    if not enabled() or task.inburgeraar_id is None:
        return
    created = _task_export(db, task.id)
    if created is None:
        return
    _queue(
        db,
        ExportKind.task_done,
        task.inburgeraar_id,
        topic=task.kind,
        occurred_at=task.done_at,
        channel=created.channel,
        task_id=task.id,
        cause_id=created.id,
    )


def on_escalation_resolved(db: Session, escalation: Escalation) -> None:
    if not enabled() or escalation.inburgeraar_id is None:
        return
    _queue(
        db,
        ExportKind.escalation,
        escalation.inburgeraar_id,
        topic=mapping.escalation_topic(escalation),
        occurred_at=escalation.created_at,
        channel=_channel(db, escalation.inburgeraar_id, escalation.conversation_id),
        escalation_id=escalation.id,
    )

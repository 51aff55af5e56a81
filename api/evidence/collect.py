"""Collect: the queries that gather what happened around one appointment for one participant.

The facts become a timeline of events (plain dicts with codes, sorted by time), and the conversation
around the appointment: every message with the person from CONVERSATION_BEFORE its start until
CONVERSATION_AFTER its end, with what the assistant understood. Who may see which participants is decided
before (api.evidence.service): everything collected here is for their klantmanager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, Attendance
from api.audit.models import AuditEvent
from api.db import utcnow
from api.evidence.labels import (
    ACTOR_LABELS,
    ON_BEHALF,
    PERSON_ACTIONS,
    SLOT_LABELS,
    absence_reason,
    appointment_name,
    t,
)
from api.messaging.conversations import conversation_ids_of
from api.messaging.models import Direction, Message, OutboxItem
from api.people.models import ConsentEvent, Inburgeraar
from api.reminders.models import Reminder, ReminderKind, ReminderStatus
from api.staff.models import Staff
from api.tasks.models import Task

CONVERSATION_BEFORE = timedelta(days=7)
CONVERSATION_AFTER = timedelta(days=2)
REASON_ENTITIES = ("reason", "absence_reason")


@dataclass
class Participation:
    appointment: Appointment
    person: Inburgeraar
    attendance: Attendance
    events: list[dict[str, Any]] = field(default_factory=list)
    conversation: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Evidence:
    scope: str  # appointment | inburgeraar
    subject_id: int
    generated_at: datetime
    participations: list[Participation]
    consent: list[dict[str, Any]] = field(default_factory=list)


def hours_before(appointment: Appointment, moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return round((appointment.starts_at - moment).total_seconds() / 3600, 1)


def appointment_evidence(db: Session, appointment: Appointment, attendances: list[Attendance]) -> Evidence:
    """The trail of one appointment for the given participants (the caller decides who may be seen)."""
    collector = _Collector(db)
    participations = [collector.collect(appointment, att.inburgeraar, att) for att in attendances]
    return Evidence("appointment", appointment.id, utcnow(), participations)


def person_evidence(db: Session, person: Inburgeraar) -> Evidence:
    """The trail of every appointment of one person, soonest first, and their consent history."""
    collector = _Collector(db)
    rows = db.execute(
        select(Appointment, Attendance)
        .join(Attendance, Attendance.appointment_id == Appointment.id)
        .where(Attendance.inburgeraar_id == person.id)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    participations = [collector.collect(appointment, person, att) for appointment, att in rows]
    consent = [
        {"at": c.at, "state": c.state, "source": c.source}
        for c in db.scalars(
            select(ConsentEvent).where(ConsentEvent.inburgeraar_id == person.id).order_by(ConsentEvent.id)
        )
    ]
    return Evidence("inburgeraar", person.id, utcnow(), participations, consent)


def replies_query(
    conversation_ids: list[int], appointment: Appointment, since: datetime | None
) -> Select[tuple[Message]]:
    """The person's replies about an appointment: tagged with it, or untagged between our first message
    about it (`since`) and its end."""
    related = Message.appointment_id == appointment.id
    if since is not None:
        related = or_(
            related,
            and_(
                Message.appointment_id.is_(None),
                Message.created_at >= since,
                Message.created_at <= (appointment.ends_at or appointment.starts_at),
            ),
        )
    return (
        select(Message)
        .where(Message.conversation_id.in_(conversation_ids), Message.direction == Direction.inbound, related)
        .order_by(Message.id)
    )


def conversation_window(appointment: Appointment) -> tuple[datetime, datetime]:
    """From CONVERSATION_BEFORE the start to CONVERSATION_AFTER the end."""
    end = appointment.ends_at or appointment.starts_at
    return appointment.starts_at - CONVERSATION_BEFORE, end + CONVERSATION_AFTER


def conversation_query(conversation_ids: list[int], appointment: Appointment) -> Select[tuple[Message]]:
    """Every message with the person about the appointment or within its window, both ways, in order."""
    start, end = conversation_window(appointment)
    return (
        select(Message)
        .where(
            Message.conversation_id.in_(conversation_ids),
            or_(
                Message.appointment_id == appointment.id,
                and_(Message.created_at >= start, Message.created_at <= end),
            ),
        )
        .order_by(Message.created_at, Message.id)
    )


def shown_messages(db: Session, appointment: Appointment, person_id: int) -> set[int]:
    """The ids of the messages the trail of one participation shows: its reminders and notices, the replies
    and the conversation around the appointment.

    What the retention purge keeps while the participation's assessment may still need its evidence.
    """
    sent = db.execute(
        select(Reminder.kind, Reminder.status, Message.id, Message.created_at)
        .join(Message, Message.id == Reminder.message_id)
        .where(Reminder.appointment_id == appointment.id, Reminder.inburgeraar_id == person_id)
    ).all()
    ids = {row.id for row in sent}
    went_out = [
        r.created_at for r in sent if r.kind != ReminderKind.follow_up and r.status == ReminderStatus.sent
    ]
    conversation_ids = conversation_ids_of(db, person_id)  # every number the person had
    query = replies_query(conversation_ids, appointment, min(went_out, default=None))
    ids |= set(db.scalars(query.with_only_columns(Message.id)))
    ids |= set(db.scalars(conversation_query(conversation_ids, appointment).with_only_columns(Message.id)))
    return ids


class _Collector:
    """Builds participations' timelines; remembers staff names across them (one lookup per person)."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._staff_names: dict[int, str] = {}

    def collect(self, appointment: Appointment, person: Inburgeraar, att: Attendance) -> Participation:
        p = Participation(appointment, person, att)
        first_sent = self.reminders(p)
        self.replies(p, first_sent)
        self.attendance(p)
        self.tasks(p)
        self.staff_actions(p)
        self.assessment(p)
        self.conversation(p)
        # Stable sort: events at the same moment keep the order they were collected in.
        p.events.sort(key=lambda e: (e["at"] is None, e["at"] or utcnow()))
        return p

    def actor_name(self, label: str) -> str:
        if label.startswith("staff:") and label[6:].isdigit():
            staff_id = int(label[6:])
            if staff_id not in self._staff_names:
                staff = self.db.get(Staff, staff_id)
                self._staff_names[staff_id] = staff.name if staff else label
            return self._staff_names[staff_id]
        return t(ACTOR_LABELS[label]) if label in ACTOR_LABELS else label

    def event(self, at: datetime | None, event: str, **values: Any) -> dict[str, Any]:
        return {"at": at, "event": event, **{k: v for k, v in values.items() if v is not None}}

    def reminders(self, p: Participation) -> datetime | None:
        """Every reminder, notice and follow-up row and what became of it; returns when the first went out."""
        rows = self.db.execute(
            select(Reminder, Message, OutboxItem.sent_at)
            .outerjoin(Message, Message.id == Reminder.message_id)
            .outerjoin(OutboxItem, OutboxItem.message_id == Message.id)
            .where(Reminder.appointment_id == p.appointment.id, Reminder.inburgeraar_id == p.person.id)
            .order_by(Reminder.id)
        ).all()
        first_sent: datetime | None = None
        for reminder, message, handed_over in rows:
            if reminder.kind == ReminderKind.follow_up and reminder.status == ReminderStatus.planned:
                continue  # a follow-up that has not come up yet says nothing
            went_out = reminder.status == ReminderStatus.sent and message is not None
            if went_out and reminder.kind != ReminderKind.follow_up:
                first_sent = min(first_sent or message.created_at, message.created_at)
            p.events.append(self.reminder_event(p.appointment, reminder, message, handed_over))
        return first_sent

    def reminder_event(
        self, a: Appointment, reminder: Reminder, message: Message | None, handed_over: datetime | None
    ) -> dict[str, Any]:
        common = {"slot": reminder.slot, "revision": reminder.revision, "reminder_id": reminder.id}
        if reminder.kind == ReminderKind.follow_up:
            at, event = reminder.processed_at, "follow_up"
        elif reminder.status == ReminderStatus.sent and message is not None:
            return self.event(
                message.created_at,
                "reminder_sent" if reminder.kind == ReminderKind.reminder else "notice_sent",
                channel=message.channel,
                language=message.language,
                status=message.status,
                reason=reminder.reason,
                text=message.body,
                message_id=message.id,
                error_code=message.error_code,
                segments=message.segments,
                handed_over_at=handed_over,
                hours_before_start=hours_before(a, message.created_at),
                **common,
            )
        elif reminder.status == ReminderStatus.planned:
            at, event = reminder.due_at, "reminder_planned"
        else:
            at, event = reminder.processed_at or reminder.created_at, "reminder_not_sent"
        return self.event(at, event, status=reminder.status, reason=reminder.reason, **common)

    def replies(self, p: Participation, since: datetime | None) -> None:
        conversation_ids = conversation_ids_of(self.db, p.person.id)  # every number the person had
        a = p.appointment
        for message in self.db.scalars(replies_query(conversation_ids, a, since)):
            p.events.append(
                self.event(
                    message.created_at,
                    "reply",
                    channel=message.channel,
                    language=message.language,
                    text=message.body,
                    intent=message.intent,
                    message_id=message.id,
                    hours_before_start=hours_before(a, message.created_at),
                )
            )

    def attendance(self, p: Participation) -> None:
        """Confirmation, absence report, request for another time and check-in, as the person gave them."""
        a, att = p.appointment, p.attendance
        if att.confirmed_at:
            p.events.append(
                self.event(
                    att.confirmed_at, "confirmed", hours_before_start=hours_before(a, att.confirmed_at)
                )
            )
        if att.reported_at:
            p.events.append(
                self.event(
                    att.reported_at,
                    "absence_reported",
                    reason=att.absence_reason,
                    reason_label=absence_reason(att.absence_reason),
                    text=att.absence_details,
                    late=bool(att.reported_late),
                    hours_before_start=hours_before(a, att.reported_at),
                )
            )
        if att.reschedule_requested_at:
            p.events.append(
                self.event(
                    att.reschedule_requested_at,
                    "reschedule_requested",
                    hours_before_start=hours_before(a, att.reschedule_requested_at),
                )
            )
        if att.checked_in_at:
            p.events.append(self.event(att.checked_in_at, "checked_in"))

    def tasks(self, p: Participation) -> None:
        for task in self.db.scalars(
            select(Task)
            .where(Task.inburgeraar_id == p.person.id, Task.appointment_id == p.appointment.id)
            .order_by(Task.id)
        ):
            p.events.append(self.event(task.created_at, "task", status=task.status, reason=task.kind))

    def staff_actions(self, p: Participation) -> None:
        targets = or_(
            and_(AuditEvent.object_type == "appointment", AuditEvent.object_id == str(p.appointment.id)),
            and_(AuditEvent.object_type == "attendance", AuditEvent.object_id == str(p.attendance.id)),
        )
        for event in self.db.scalars(
            select(AuditEvent)
            .where(targets, AuditEvent.result == "ok", AuditEvent.action.not_in(["read", "read_evidence"]))
            .order_by(AuditEvent.id)
        ):
            actor = self.actor_name(event.actor)
            if event.actor.startswith("staff:") and event.action in PERSON_ACTIONS:
                actor = t(ON_BEHALF, name=actor)
            p.events.append(
                self.event(
                    event.at,
                    "staff_action",
                    status=event.action,
                    detail=event.detail or None,
                    actor=actor,
                    text=self.new_appointment(event.detail),
                )
            )

    def new_appointment(self, detail: dict[str, Any] | None) -> str | None:
        """The appointment a staff member made for the person ("nieuwe afspraak: PVT-bijeenkomst ..."),
        named by kind and date as every appointment in the trail."""
        made = (detail or {}).get("appointment")
        appointment = self.db.get(Appointment, made) if isinstance(made, int) else None
        if appointment is None:
            return None
        return f"{t(SLOT_LABELS['new'])}: {appointment_name(appointment.kind, appointment.starts_at)}"

    def assessment(self, p: Participation) -> None:
        att = p.attendance
        if att.assessment:
            p.events.append(
                self.event(
                    att.assessed_at,
                    "assessment",
                    status=att.assessment,
                    text=att.assessment_note,
                    actor=self.actor_name(f"staff:{att.assessed_by_id}") if att.assessed_by_id else None,
                )
            )

    def conversation(self, p: Participation) -> None:
        """The messages around the appointment, both ways, with what the assistant understood of each."""
        conversation_ids = conversation_ids_of(self.db, p.person.id)
        for message in self.db.scalars(conversation_query(conversation_ids, p.appointment)):
            reasons = [
                str(e.get("value"))
                for e in message.entities or []
                if e.get("entity") in REASON_ENTITIES and e.get("value") is not None
            ]
            p.conversation.append(
                {
                    "at": message.created_at,
                    "direction": message.direction,
                    "kind": message.kind,
                    "channel": message.channel,
                    "language": message.language,
                    "text": None if message.purged_at else message.body,
                    "intent": message.intent,
                    "reasons": reasons,
                    "status": message.status,
                    "staff": self.actor_name(f"staff:{message.staff_id}") if message.staff_id else None,
                    "message_id": message.id,
                }
            )

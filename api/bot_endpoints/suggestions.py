"""What the bot understood while a klantmanager had the conversation, as what it would have done for the
person: a one-click suggestion ("Afwezigheid vastleggen: ziek, PVT-bijeenkomst woensdag 9 december?").

While staff have the conversation the bot stays silent and acts for nobody; the gateway still reads every
message (intent, entities) and notes the form a hand-off interrupted. From those, and in the bot's own
order for finding the appointment, this module proposes the action the bot would have taken through
`service.act`; the klantmanager decides (api.attendance.service.act_for_person does it).

The appointment, as the bot finds it: the one the interrupted form had chosen; else the one on the day the
person named ("woensdag", "بكرا"); else the latest reminder's (48 hours); else the only upcoming one, or
the only one in the next 14 days (bot/actions/appointments.resolve_appointment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from api.appointments.models import AbsenceReason, Appointment, Attendance, AttendanceStatus
from api.attendance.service import ForPerson
from api.bot_endpoints.service import context_appointment_id, recent, upcoming
from api.db import utcnow
from api.i18n.day_words import day_meant
from api.i18n.formatting import TZ
from api.messaging.models import Conversation, Direction, Message
from api.people.models import Inburgeraar
from api.tasks.models import Escalation

HORIZON = timedelta(days=14)
FORM_WINDOW = timedelta(hours=1)  # the messages before a hand-off that a form it interrupted may rest on
INTENT_ACTIONS = {
    "report_absence": ForPerson.report_absence,
    "confirm_attendance": ForPerson.confirm,
    "request_reschedule": ForPerson.request_reschedule,
}
FORM_ACTIONS = {
    "absence_form": ForPerson.report_absence,
    "confirm_form": ForPerson.confirm,
    "reschedule_form": ForPerson.request_reschedule,
}
REASON_ENTITIES = ("absence_reason", "reason")


@dataclass(frozen=True)
class Suggestion:
    """One action for the person; `ready` when it can be done in one click (appointment and reason known)."""

    action: str
    appointment: Appointment | None
    reason: str | None = None
    message_id: int | None = None  # the message it was read from (None: from the interrupted form)

    @property
    def ready(self) -> bool:
        needs_reason = self.action == ForPerson.report_absence
        return self.appointment is not None and (self.reason is not None or not needs_reason)


def _reason(value: object) -> str | None:
    code = str(value or "").strip().lower()
    return code if code in AbsenceReason.__members__ else None


class _Appointments:
    """The person's appointments as the bot sees them: upcoming (soonest first) and the last week's."""

    def __init__(self, db: Session, person: Inburgeraar, conversation: Conversation | None) -> None:
        self.upcoming = upcoming(db, person)
        self.recent = recent(db, person)
        ids = {a.id for a, _ in self.upcoming}
        self.context_id = context_appointment_id(db, conversation, ids) if conversation else None

    def rows(self) -> list[tuple[Appointment, Attendance]]:
        return self.upcoming + self.recent

    def by_id(self, raw: object) -> Appointment | None:
        wanted = str(raw or "")
        return next((a for a, _ in self.rows() if str(a.id) == wanted), None)

    def on(self, day: date) -> Appointment | None:
        return next((a for a, _ in self.rows() if a.starts_at.astimezone(TZ).date() == day), None)

    def likely(self, now: datetime) -> Appointment | None:
        """The bot's resolve_appointment: the latest reminder's, the only upcoming one, the only one soon."""
        if self.context_id is not None:
            return self.by_id(self.context_id)
        if len(self.upcoming) == 1:
            return self.upcoming[0][0]
        soon = [a for a, _ in self.upcoming if a.starts_at - now <= HORIZON]
        return soon[0] if len(soon) == 1 else None

    def done(self, suggestion: Suggestion, since: datetime | None) -> bool:
        """Whether the attendance already says what the suggestion would record."""
        if suggestion.appointment is None:
            return False
        row = next(att for a, att in self.rows() if a.id == suggestion.appointment.id)
        if suggestion.action == ForPerson.report_absence:
            return row.status == AttendanceStatus.absence_reported or row.reported_at is not None
        if suggestion.action == ForPerson.confirm:
            return row.status == AttendanceStatus.confirmed
        at = row.reschedule_requested_at
        return at is not None and (since is None or at >= since)


def _read(message: Message) -> tuple[str | None, date | None]:
    """The absence reason and the day a message names, if any (entities first, then the words)."""
    entities = message.entities or []
    reason = next(
        (r for e in entities if e.get("entity") in REASON_ENTITIES if (r := _reason(e.get("value")))), None
    )
    written_on = message.created_at.astimezone(TZ).date()
    words = [str(e.get("value")) for e in entities if e.get("entity") == "time"] + [message.body]
    day = next((d for text in words if (d := day_meant(text, written_on)) is not None), None)
    return reason, day


def _from_message(message: Message, appointments: _Appointments, now: datetime) -> Suggestion | None:
    action = INTENT_ACTIONS.get(message.intent or "")
    if action is None:
        return None
    reason, day = _read(message)
    appointment = appointments.on(day) if day is not None else appointments.likely(now)
    return Suggestion(action, appointment, reason, message.id)


def _from_form(
    escalation: Escalation, appointments: _Appointments, before: list[Message], now: datetime
) -> Suggestion | None:
    """The interrupted form's action; what it had not filled yet is read from the messages before it."""
    action = FORM_ACTIONS.get(escalation.interrupted_form or "")
    if action is None:
        return None
    slots = escalation.form_slots or {}
    appointment = appointments.by_id(slots.get("appointment_id"))
    reason = _reason(slots.get("absence_reason"))
    for message in reversed(before):
        said_reason, day = _read(message)
        reason = reason or said_reason
        if appointment is None and day is not None:
            appointment = appointments.on(day)
    return Suggestion(action, appointment or appointments.likely(now), reason)


def for_handoff(
    db: Session,
    person: Inburgeraar,
    conversation: Conversation | None,
    escalation: Escalation,
    messages: list[Message],
) -> list[Suggestion]:
    """What the bot would have done for the person since the conversation came to staff: the form the
    hand-off interrupted, then what the person wrote since (newest first). One per action and appointment,
    leaving out what the attendance already records."""
    appointments = _Appointments(db, person, conversation)
    now = utcnow()
    inbound = [m for m in messages if m.direction == Direction.inbound and not m.purged_at]
    opened = escalation.created_at
    before = [m for m in inbound if opened - FORM_WINDOW <= m.created_at < opened]
    since = [m for m in inbound if m.created_at >= opened]
    # The message that asked for a human may be a moment older than the escalation it opened.
    found = [_from_form(escalation, appointments, before, now)]
    found += [_from_message(m, appointments, now) for m in reversed(before[-1:] + since)]
    seen: set[tuple[str, int | None]] = set()
    out: list[Suggestion] = []
    for suggestion in found:
        if suggestion is None:
            continue
        key = (suggestion.action, suggestion.appointment.id if suggestion.appointment else None)
        if key in seen or appointments.done(suggestion, opened):
            continue
        seen.add(key)
        out.append(suggestion)
    return out

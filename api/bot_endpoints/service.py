"""Services behind the bot's actions. The bot acts as the person, with the BOT principal, in the
conversation its sender id names (`speaker`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance
from api.attendance import service as attendance
from api.audit import service as audit
from api.auth import BOT
from api.db import utcnow
from api.errors import InvalidInput
from api.i18n import formatting, languages
from api.i18n.catalog import render
from api.i18n.labels import intent_options
from api.messaging import conversations
from api.messaging.models import Conversation, Message, MessageKind
from api.messaging.rasa import conversation_for_sender
from api.people.models import Inburgeraar
from api.people.service import law_for, term_ends_on
from api.settings import Settings
from api.tasks import service as tasks

CONTEXT_WINDOW = timedelta(hours=48)
# How far back an absence may still be reported about (a weekend and a bank holiday, and then some).
RECENT_DAYS = 7
PVT_HOURS_REQUIRED = 12


@dataclass(frozen=True)
class Speaker:
    """Who the bot speaks with: an open conversation and its person."""

    conversation: Conversation
    person: Inburgeraar


def speaker(db: Session, sender: str) -> Speaker:
    """The conversation and person behind a sender id (NotFound for a closed or unknown one)."""
    conversation = conversation_for_sender(db, sender)
    person = db.get(Inburgeraar, conversation.inburgeraar_id)
    assert person is not None  # conversation_for_sender only finds conversations of a person
    return Speaker(conversation, person)


def profile(person: Inburgeraar, settings: Settings) -> dict[str, Any]:
    km = person.klantmanager
    return {
        "inburgeraarId": person.id,
        "name": person.name,
        "language": person.language,
        "law": law_for(person.obligation_start_date),
        "pipDate": person.pip_date.isoformat() if person.pip_date else None,
        "termEndsOn": (t.isoformat() if (t := term_ends_on(person.pip_date)) else None),
        "leerroute": person.leerroute,
        "pvtHoursDone": person.pvt_hours_done,
        "pvtHoursRequired": PVT_HOURS_REQUIRED,
        "mapStatus": person.map_status,
        "klantmanager": {"name": km.name, "phone": km.phone, "email": km.email} if km else None,
        "municipalityPhone": settings.municipality_phone,
        "optedOut": person.opted_out,
    }


def _appointments_of(db: Session, person: Inburgeraar, *where: Any, latest_first: bool = False) -> list:
    """The person's appointments (not cancelled) that meet `where`, with their attendance rows."""
    order = (
        (Appointment.starts_at.desc(), Appointment.id.desc())
        if latest_first
        else (Appointment.starts_at, Appointment.id)
    )
    rows = db.execute(
        select(Appointment, Attendance)
        .join(Attendance, Attendance.appointment_id == Appointment.id)
        .where(
            Attendance.inburgeraar_id == person.id, Appointment.status != AppointmentStatus.cancelled, *where
        )
        .order_by(*order)
    ).all()
    return [(a, att) for a, att in rows]


def upcoming(db: Session, person: Inburgeraar) -> list[tuple[Appointment, Attendance]]:
    """Appointments not cancelled that have not ended yet, soonest first."""
    return _appointments_of(db, person, Appointment.ends_at > utcnow())


def recent(db: Session, person: Inburgeraar) -> list[tuple[Appointment, Attendance]]:
    """Appointments of the last RECENT_DAYS that have ended (not cancelled), the latest first.

    An absence reported afterwards ("I was sick yesterday") belongs to one of these, never to the next one.
    """
    now = utcnow()
    since = now - timedelta(days=RECENT_DAYS)
    return _appointments_of(
        db, person, Appointment.ends_at <= now, Appointment.starts_at >= since, latest_first=True
    )


def _listed(appointment: Appointment, attendance: Attendance) -> dict[str, Any]:
    return {
        "id": appointment.id,
        "kind": appointment.kind,
        "startsAt": appointment.starts_at.isoformat(),
        "endsAt": appointment.ends_at.isoformat() if appointment.ends_at else None,
        "location": appointment.location,
        "staffName": appointment.staff.name if appointment.staff else None,
        "attendanceStatus": attendance.status,
    }


def context_appointment_id(db: Session, conversation: Conversation, upcoming_ids: set[int]) -> int | None:
    """The appointment of the latest reminder or notice of the last 48 hours, if it is still ahead."""
    appointment_id = db.scalar(
        select(Message.appointment_id)
        .where(
            Message.conversation_id == conversation.id,
            Message.kind.in_([MessageKind.reminder, MessageKind.notice]),
            Message.appointment_id.is_not(None),
            Message.created_at >= utcnow() - CONTEXT_WINDOW,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return appointment_id if appointment_id in upcoming_ids else None


def appointments(db: Session, speaker: Speaker) -> dict[str, Any]:
    """Upcoming appointments (soonest first) and, for absences reported afterwards, the recent past ones."""
    rows = upcoming(db, speaker.person)
    return {
        "contextAppointmentId": context_appointment_id(db, speaker.conversation, {a.id for a, _ in rows}),
        "appointments": [_listed(a, att) for a, att in rows],
        "recent": [_listed(a, att) for a, att in recent(db, speaker.person)],
    }


def act(db: Session, person: Inburgeraar, body: dict[str, Any]) -> Attendance:
    action = body["action"]
    appointment_id = body["appointment_id"]
    if action == "confirm":
        return attendance.confirm(db, BOT, person.id, appointment_id)
    if action == "report_absence":
        if not body.get("reason"):
            raise InvalidInput("reason is required to report an absence", field="reason")
        return attendance.report_absence(
            db, BOT, person.id, appointment_id, body["reason"], body.get("details")
        )
    if action == "request_reschedule":
        return attendance.request_reschedule(db, BOT, person.id, appointment_id, body.get("details"))
    return attendance.check_in(db, BOT, person.id, appointment_id, body.get("check_in_code"))


def escalate(db: Session, speaker: Speaker, reason: str, urgent: bool, summary: str | None) -> int:
    person = speaker.person
    escalation = tasks.open_escalation(
        db, speaker.conversation.id, inburgeraar_id=person.id, reason=reason, urgent=urgent, summary=summary
    )
    audit.record(db, BOT, "escalate", "conversation", person.id, reason=reason, urgent=urgent)
    return escalation.id


def set_language(db: Session, person: Inburgeraar, language: str) -> None:
    """The person's preferred language, on their file and on their current conversation."""
    code = languages.normalize(language)
    if code is None:
        raise InvalidInput(f"unsupported language {language!r}", field="language")
    person.language = code
    conversation = conversations.open_conversation(db, person)
    if conversation is not None:
        conversation.language = code


# --- NLG -------------------------------------------------------------------------------------------

FORMATTED_ARGUMENTS = {
    "starts_at": formatting.format_datetime,
    "ends_at": formatting.format_datetime,
    "date": formatting.format_date,
    "kind": formatting.kind_label,
}
LABELLED_ARGUMENTS = {
    "reason": formatting.REASON_LABELS,
    "leerroute": formatting.LEERROUTE_LABELS,
    "map_status": formatting.MAP_STATUS_LABELS,
}


def _appointment_list(language: str, raw: Any) -> str:
    items = json.loads(raw) if isinstance(raw, str) else raw
    lines = []
    for item in items or []:
        when = formatting.format_datetime(language, item["starts_at"])
        lines.append(f"{item['n']} {formatting.kind_label(language, item['kind'])} {when}")
    return "\n".join(lines)


def _intent_options(language: str, raw: Any) -> str:
    """The clarifying question's numbered meanings (Rasa passes them as a JSON list)."""
    return intent_options(language, (json.loads(raw) if isinstance(raw, str) else raw) or [])


def nlg_values(language: str, arguments: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in slots.items() if isinstance(v, str | int | float)}
    for key, value in arguments.items():
        if value is None:
            values[key] = ""
        elif key in FORMATTED_ARGUMENTS:
            values[key] = FORMATTED_ARGUMENTS[key](language, value)
        elif key in LABELLED_ARGUMENTS:
            values[key] = formatting.label(language, LABELLED_ARGUMENTS[key], value)
        elif key == "appointment_list":
            values[key] = _appointment_list(language, value)
        elif key == "intent_options":
            values[key] = _intent_options(language, value)
        else:
            values[key] = value
    return values


def nlg(
    payload: dict[str, Any], responses: dict[str, str], defaults: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Render a Rasa response name in the language of the conversation (Rasa's NLG protocol)."""
    tracker = payload.get("tracker") or {}
    slots = tracker.get("slots") or {}
    language = languages.normalize(slots.get("language")) or languages.DEFAULT
    name = payload.get("response") or ""
    msgid = responses.get(name)
    if msgid is None:
        msgid = responses.get("utter_default", "")
    values = {**(defaults or {}), **nlg_values(language, payload.get("arguments") or {}, slots)}
    text = render(language, msgid, **values) if msgid else ""
    return {"text": text, "buttons": [], "image": None, "elements": [], "attachments": [], "custom": {}}

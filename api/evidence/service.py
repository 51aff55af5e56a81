"""The evidence trail: what we did to make sure someone could come, and what they told us.

For the hearing (hoorplicht) before any fine for verwijtbaar niet verschijnen: per appointment and
participant, every reminder and notice (when, in which language, on which channel, the text, how
delivery went), the reasons any were not sent, the person's replies, confirmation, absence report (with
its reason and how long before the start), staff actions from the audit log and the assessment.

Who sees what: klantmanagers (and admins) see the full trail of their own caseload. Coordinators see
the attendance facts, the schedule and delivery of every message and staff actions, but no
conversation contents: message texts, replies' texts and understood intents, the free-text absence
details and the assessment note are left out (`redacted: true`). Every read is audit-logged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from api.appointments import service as appointments
from api.appointments.models import Appointment
from api.attendance.models import Attendance
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import Principal
from api.db import utcnow
from api.i18n import formatting
from api.i18n.catalog import N_, gettext
from api.messaging.models import Conversation, Direction, Message, OutboxItem
from api.people import service as people
from api.people.models import ConsentEvent, Inburgeraar, Role, Staff
from api.reminders.models import Reminder, ReminderKind, ReminderStatus
from api.tasks.models import Task
from api.web.labels import ASSESSMENT_LABELS, ATTENDANCE_LABELS, DELIVERY_LABELS, TASK_LABELS

STAFF_LANGUAGE = "nl"  # the hearing file is in Dutch
TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

EVENT_LABELS = {
    "reminder_sent": N_("herinnering verstuurd"),
    "notice_sent": N_("bericht over wijziging verstuurd"),
    "reminder_planned": N_("herinnering gepland"),
    "reminder_not_sent": N_("herinnering niet verstuurd"),
    "follow_up": N_("taak voor klantmanager"),
    "reply": N_("antwoord van inburgeraar"),
    "confirmed": N_("komst bevestigd"),
    "absence_reported": N_("afmelding"),
    "reschedule_requested": N_("vraag om andere tijd"),
    "checked_in": N_("aangemeld op locatie"),
    "staff_action": N_("handeling medewerker"),
    "assessment": N_("beoordeling"),
    "task": N_("taak geopend"),
}
# Staff-worded labels for the codes in the file (the JSON keeps the codes).
STATUS_LABELS = {
    **ATTENDANCE_LABELS,
    **ASSESSMENT_LABELS,
    **{k: v for k, v in DELIVERY_LABELS.items() if k not in ("received", "processed")},
    "skipped": N_("Overgeslagen"),
    "planned": N_("Gepland"),
    "scheduled": N_("Gepland"),
    "rescheduled": N_("Verplaatst"),
    "completed": N_("Afgerond"),
    "open": N_("Open"),
    "done": N_("Afgehandeld"),
}
REASON_LABELS = {
    "moved_into_window": N_("verschoven naar de verzendtijden"),
    "slot_passed": N_("dit moment was al voorbij toen de afspraak werd gemaakt of verplaatst"),
    "no_time_in_window": N_("geen verzendtijd meer voor de start"),
    "outside_window_urgent": N_("buiten de verzendtijden verstuurd, omdat het anders te laat was"),
    "covered_by_notice": N_("niet nodig: er ging net een bericht over deze afspraak"),
    "appointment_moved": N_("afspraak verplaatst"),
    "appointment_cancelled": N_("afspraak gaat niet door"),
    "appointment_started": N_("afspraak was al begonnen (systeem werkte niet)"),
    "opted_out": N_("persoon wil geen automatische berichten"),
    "no_channel": N_("geen bruikbaar telefoonnummer"),
    "deferred_to_window": N_("uitgesteld tot de verzendtijden"),
    "late_outside_window": N_("te laat en buiten de verzendtijden verstuurd"),
    "sent_late": N_("later verstuurd dan gepland (systeem werkte niet)"),
    "task_reminder_unanswered": N_("geen reactie: klantmanager belt"),
    "task_undeliverable": N_("bericht kwam niet aan: klantmanager belt"),
    **{
        k: TASK_LABELS[k]
        for k in ("reminder_unanswered", "undeliverable", "absence_reported", "reschedule_requested")
    },
    "no_longer_participant": N_("geen deelnemer meer"),
    "attendance_absence_reported": N_("persoon had zich al afgemeld"),
    "attendance_checked_in": N_("persoon was al ingecheckt"),
    "attendance_attended": N_("persoon was al aanwezig"),
    "attendance_no_show": N_("al vastgelegd als niet verschenen"),
}
ACTION_LABELS = {
    "create": N_("afspraak gemaakt"),
    "update": N_("afspraak gewijzigd"),
    "confirm": N_("komst bevestigd"),
    "report_absence": N_("afmelding vastgelegd"),
    "request_reschedule": N_("andere tijd gevraagd"),
    "check_in": N_("aangemeld op locatie"),
    "mark": N_("aanwezigheid vastgelegd"),
    "assess": N_("afwezigheid beoordeeld"),
}
REASON_PREFIXES = {
    "merged_with_": N_("samengevoegd met een latere herinnering"),
    "answered_": N_("persoon had al gereageerd"),
}


def reason_label(code: str | None) -> str:
    if not code:
        return ""
    if code in REASON_LABELS:
        return t(REASON_LABELS[code])
    for prefix, label in REASON_PREFIXES.items():
        if code.startswith(prefix):
            return t(label)
    return code


COLUMNS = [
    ("appointment_id", N_("afspraak")),
    ("appointment_kind", N_("soort afspraak")),
    ("appointment_starts_at", N_("start afspraak")),
    ("inburgeraar_id", N_("inburgeraar")),
    ("name", N_("naam")),
    ("at", N_("tijdstip")),
    ("event", N_("gebeurtenis")),
    ("channel", N_("kanaal")),
    ("language", N_("taal")),
    ("slot", N_("moment")),
    ("status", N_("status")),
    ("reason", N_("reden")),
    ("hours_before_start", N_("uren voor start")),
    ("actor", N_("door")),
    ("text", N_("tekst")),
]
FREE_TEXT = {"name", "reason", "actor", "text"}
PAGE_LABELS = {
    "title_appointment": N_("Verslag van een afspraak"),
    "title_person": N_("Verslag van afspraken van een inburgeraar"),
    "intro": N_(
        "Overzicht van herinneringen, antwoorden, afmelding en beoordeling, voor het horen van de "
        "inburgeraar voordat een boete wordt overwogen."
    ),
    "redacted": N_("Zonder inhoud van gesprekken: u ziet wat is verstuurd en wanneer, niet de tekst."),
    "appointment": N_("Afspraak"),
    "kind": N_("Soort"),
    "starts_at": N_("Start"),
    "location": N_("Plaats"),
    "status": N_("Status"),
    "participant": N_("Inburgeraar"),
    "attendance": N_("Aanwezigheid"),
    "absence": N_("Afmelding"),
    "hours_before": N_("uur voor de start"),
    "late": N_("na de start"),
    "assessment": N_("Beoordeling"),
    "no_events": N_("Geen gebeurtenissen."),
    "generated_at": N_("Gemaakt op"),
    "by": N_("door"),
    "consent": N_("Automatische berichten"),
    "opted_out": N_("afgemeld (geen automatische berichten)"),
    "granted": N_("aan"),
}
ACTOR_LABELS = {
    "service": N_("assistent (namens de inburgeraar)"),
    "system": N_("systeem"),
    "admin": N_("beheerder"),
}


def t(msgid: str) -> str:
    return gettext(STAFF_LANGUAGE, msgid)


@dataclass
class Participation:
    appointment: Appointment
    person: Inburgeraar
    attendance: Attendance
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Evidence:
    scope: str  # appointment | inburgeraar
    subject_id: int
    redacted: bool
    generated_at: datetime
    participations: list[Participation]
    consent: list[dict[str, Any]] = field(default_factory=list)


def _hours_before(appointment: Appointment, moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return round((appointment.starts_at - moment).total_seconds() / 3600, 1)


class _Builder:
    def __init__(self, db: Session, redacted: bool) -> None:
        self.db, self.redacted = db, redacted
        self._staff_names: dict[int, str] = {}

    def actor_name(self, label: str) -> str:
        if label.startswith("staff:") and label[6:].isdigit():
            staff_id = int(label[6:])
            if staff_id not in self._staff_names:
                staff = self.db.get(Staff, staff_id)
                self._staff_names[staff_id] = staff.name if staff else label
            return self._staff_names[staff_id]
        return t(ACTOR_LABELS[label]) if label in ACTOR_LABELS else label

    def event(self, at: datetime | None, event: str, **values: Any) -> dict[str, Any]:
        if self.redacted:
            values.pop("text", None)
        return {"at": at, "event": event, **{k: v for k, v in values.items() if v is not None}}

    def build(self, p: Participation) -> None:
        a, person, att = p.appointment, p.person, p.attendance
        events = p.events
        rows = self.db.execute(
            select(Reminder, Message, OutboxItem.sent_at)
            .outerjoin(Message, Message.id == Reminder.message_id)
            .outerjoin(OutboxItem, OutboxItem.message_id == Message.id)
            .where(Reminder.appointment_id == a.id, Reminder.inburgeraar_id == person.id)
            .order_by(Reminder.id)
        ).all()
        first_sent: datetime | None = None
        for reminder, message, handed_over in rows:
            common = {"slot": reminder.slot, "revision": reminder.revision, "reminder_id": reminder.id}
            if reminder.kind == ReminderKind.follow_up:
                if reminder.status == ReminderStatus.planned:
                    continue
                events.append(
                    self.event(
                        reminder.processed_at,
                        "follow_up",
                        status=reminder.status,
                        reason=reminder.reason,
                        **common,
                    )
                )
                continue
            if reminder.status == ReminderStatus.sent and message is not None:
                first_sent = min(first_sent or message.created_at, message.created_at)
                events.append(
                    self.event(
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
                        hours_before_start=_hours_before(a, message.created_at),
                        **common,
                    )
                )
            elif reminder.status == ReminderStatus.planned:
                events.append(
                    self.event(
                        reminder.due_at,
                        "reminder_planned",
                        status=reminder.status,
                        reason=reminder.reason,
                        **common,
                    )
                )
            else:
                events.append(
                    self.event(
                        reminder.processed_at or reminder.created_at,
                        "reminder_not_sent",
                        status=reminder.status,
                        reason=reminder.reason,
                        **common,
                    )
                )
        self.replies(p, first_sent)
        if att.confirmed_at:
            events.append(
                self.event(
                    att.confirmed_at, "confirmed", hours_before_start=_hours_before(a, att.confirmed_at)
                )
            )
        if att.reported_at:
            events.append(
                self.event(
                    att.reported_at,
                    "absence_reported",
                    reason=att.absence_reason,
                    reason_label=formatting.label(
                        STAFF_LANGUAGE, formatting.REASON_LABELS, att.absence_reason
                    ),
                    text=att.absence_details,
                    late=bool(att.reported_late),
                    hours_before_start=_hours_before(a, att.reported_at),
                )
            )
        if att.reschedule_requested_at:
            events.append(
                self.event(
                    att.reschedule_requested_at,
                    "reschedule_requested",
                    hours_before_start=_hours_before(a, att.reschedule_requested_at),
                )
            )
        if att.checked_in_at:
            events.append(self.event(att.checked_in_at, "checked_in"))
        for task in self.db.scalars(
            select(Task)
            .where(Task.inburgeraar_id == person.id, Task.appointment_id == a.id)
            .order_by(Task.id)
        ):
            events.append(self.event(task.created_at, "task", status=task.status, reason=task.kind))
        self.staff_actions(p)
        if att.assessment:
            events.append(
                self.event(
                    att.assessed_at,
                    "assessment",
                    status=att.assessment,
                    text=att.assessment_note,
                    actor=self.actor_name(f"staff:{att.assessed_by_id}") if att.assessed_by_id else None,
                )
            )
        events.sort(key=lambda e: (e["at"] is None, e["at"] or utcnow()))

    def replies(self, p: Participation, since: datetime | None) -> None:
        conversation_id = self.db.scalar(
            select(Conversation.id).where(Conversation.inburgeraar_id == p.person.id)
        )
        if conversation_id is None:
            return
        a = p.appointment
        related = Message.appointment_id == a.id
        if since is not None:
            # Untagged messages count as replies between our first message about it and its end.
            related = or_(
                related,
                and_(
                    Message.appointment_id.is_(None),
                    Message.created_at >= since,
                    Message.created_at <= (a.ends_at or a.starts_at),
                ),
            )
        for message in self.db.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id, Message.direction == Direction.inbound, related
            )
            .order_by(Message.id)
        ):
            p.events.append(
                self.event(
                    message.created_at,
                    "reply",
                    channel=message.channel,
                    language=message.language,
                    text=message.body,
                    intent=None if self.redacted else message.intent,
                    message_id=message.id,
                    hours_before_start=_hours_before(a, message.created_at),
                )
            )

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
            detail = ", ".join(f"{k}={v}" for k, v in sorted((event.detail or {}).items()))
            p.events.append(
                self.event(
                    event.at,
                    "staff_action",
                    status=event.action,
                    reason=detail or None,
                    actor=self.actor_name(event.actor),
                )
            )


def _redacted(actor: Principal) -> bool:
    return actor.role == Role.coordinator


def for_appointment(db: Session, actor: Principal, appointment_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of one appointment; a klantmanager sees only the participants in their caseload."""
    actor.require(Role.klantmanager, Role.coordinator)
    appointment = appointments.get_appointment(db, actor, appointment_id)
    builder = _Builder(db, _redacted(actor))
    participations = []
    for att in sorted(appointment.attendances, key=lambda x: x.inburgeraar_id):
        if actor.role == Role.klantmanager and att.inburgeraar.klantmanager_id != actor.staff_id:
            continue
        p = Participation(appointment, att.inburgeraar, att)
        builder.build(p)
        participations.append(p)
    audit.record(
        db,
        actor,
        "read_evidence",
        "appointment",
        appointment.id,
        format=fmt,
        redacted=builder.redacted,
        participants=[p.person.id for p in participations],
    )
    return Evidence("appointment", appointment.id, builder.redacted, utcnow(), participations)


def for_inburgeraar(db: Session, actor: Principal, inburgeraar_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of every appointment of one person, soonest first, and their consent history."""
    actor.require(Role.klantmanager, Role.coordinator)
    person = people.get_inburgeraar(db, actor, inburgeraar_id)
    builder = _Builder(db, _redacted(actor))
    rows = db.execute(
        select(Appointment, Attendance)
        .join(Attendance, Attendance.appointment_id == Appointment.id)
        .where(Attendance.inburgeraar_id == person.id)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    participations = []
    for appointment, att in rows:
        p = Participation(appointment, person, att)
        builder.build(p)
        participations.append(p)
    consent = [
        {"at": c.at, "state": c.state, "source": c.source}
        for c in db.scalars(
            select(ConsentEvent).where(ConsentEvent.inburgeraar_id == person.id).order_by(ConsentEvent.id)
        )
    ]
    audit.record(db, actor, "read_evidence", "inburgeraar", person.id, format=fmt, redacted=builder.redacted)
    return Evidence("inburgeraar", person.id, builder.redacted, utcnow(), participations, consent)


# --- output -------------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def to_json(evidence: Evidence) -> dict[str, Any]:
    def attendance(att: Attendance, appointment: Appointment) -> dict[str, Any]:
        data = {
            "status": att.status,
            "confirmedAt": _iso(att.confirmed_at),
            "absenceReason": att.absence_reason,
            "reportedAt": _iso(att.reported_at),
            "hoursBeforeStart": _hours_before(appointment, att.reported_at),
            "reportedLate": att.reported_late,
            "rescheduleRequestedAt": _iso(att.reschedule_requested_at),
            "checkedInAt": _iso(att.checked_in_at),
            "assessment": att.assessment,
            "assessedAt": _iso(att.assessed_at),
        }
        if not evidence.redacted:
            data["absenceDetails"] = att.absence_details
            data["assessmentNote"] = att.assessment_note
        return data

    def participation(p: Participation) -> dict[str, Any]:
        return {
            "appointment": {
                "id": p.appointment.id,
                "kind": p.appointment.kind,
                "startsAt": _iso(p.appointment.starts_at),
                "endsAt": _iso(p.appointment.ends_at),
                "location": p.appointment.location,
                "status": p.appointment.status,
            },
            "inburgeraar": {
                "id": p.person.id,
                "name": p.person.name,
                "language": p.person.language,
                "klantmanagerId": p.person.klantmanager_id,
                "consentState": p.person.consent_state,
            },
            "attendance": attendance(p.attendance, p.appointment),
            "timeline": [{_camel(k): _iso(v) for k, v in e.items()} for e in p.events],
        }

    return {
        "scope": evidence.scope,
        "id": evidence.subject_id,
        "redacted": evidence.redacted,
        "generatedAt": _iso(evidence.generated_at),
        "participants": [participation(p) for p in evidence.participations],
        "consent": [{k: _iso(v) for k, v in c.items()} for c in evidence.consent],
    }


def _local(value: datetime | None) -> str:
    return value.astimezone(formatting.TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _status_label(event: dict[str, Any]) -> str:
    code = event.get("status") or ""
    table = ACTION_LABELS if event["event"] == "staff_action" else STATUS_LABELS
    return t(table[code]) if code in table else code


def _rows(evidence: Evidence) -> list[dict[str, Any]]:
    rows = []
    for p in evidence.participations:
        for e in p.events:
            rows.append(
                {
                    "appointment_id": p.appointment.id,
                    "appointment_kind": p.appointment.kind,
                    "appointment_starts_at": _local(p.appointment.starts_at),
                    "inburgeraar_id": p.person.id,
                    "name": p.person.name,
                    "at": _local(e.get("at")),
                    "event": t(EVENT_LABELS[e["event"]]),
                    "channel": e.get("channel", ""),
                    "language": e.get("language", ""),
                    "slot": e.get("slot", ""),
                    "status": _status_label(e),
                    "reason": e.get("reason_label") or reason_label(e.get("reason")),
                    "hours_before_start": ""
                    if e.get("hours_before_start") is None
                    else f"{e['hours_before_start']:.1f}",
                    "actor": e.get("actor", ""),
                    "text": e.get("text", ""),
                }
            )
    return rows


def to_csv(evidence: Evidence) -> str:
    """One row per event, Dutch headers, local times (Europe/Amsterdam)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in COLUMNS], extrasaction="ignore")
    writer.writerow({key: t(label) for key, label in COLUMNS})
    for row in _rows(evidence):
        writer.writerow({k: _no_formula(v) if k in FREE_TEXT else v for k, v in row.items()})
    return out.getvalue()


def _no_formula(value: Any) -> Any:
    """Spreadsheet programs run cells starting with = + - @ as formulas; people's texts must not."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_html(evidence: Evidence) -> str:
    """A printable Dutch page for the hearing file."""
    template = _env.get_template("evidence.html")
    sections = []
    for p in evidence.participations:
        att = p.attendance
        sections.append(
            {
                "appointment": p.appointment,
                "kind": formatting.kind_label(STAFF_LANGUAGE, p.appointment.kind),
                "starts_at": _local(p.appointment.starts_at),
                "person": p.person,
                "attendance": att,
                "absence_reason": formatting.label(
                    STAFF_LANGUAGE, formatting.REASON_LABELS, att.absence_reason
                ),
                "hours_before": _hours_before(p.appointment, att.reported_at),
                "rows": [
                    r
                    for r in _rows(
                        Evidence(
                            evidence.scope, evidence.subject_id, evidence.redacted, evidence.generated_at, [p]
                        )
                    )
                ],
            }
        )
    return template.render(
        L={k: t(v) for k, v in PAGE_LABELS.items()},
        columns=[
            (k, t(label))
            for k, label in COLUMNS
            if k
            not in ("appointment_id", "appointment_kind", "appointment_starts_at", "inburgeraar_id", "name")
        ],
        evidence=evidence,
        sections=sections,
        status=lambda code: t(STATUS_LABELS[code]) if code in STATUS_LABELS else code,
        generated_at=_local(evidence.generated_at),
    )

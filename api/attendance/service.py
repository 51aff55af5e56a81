"""What people report about appointments (through the bot) and what staff record and assess.

People can confirm, report an absence with a reason, ask for another time and check in. Only staff set
attended / no_show and the assessment (verschoonbaar, verwijtbaar, needs_hearing). Nothing here says an
absence is excused: that is the klantmanager's assessment, recorded separately.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.appointments.models import (
    AbsenceReason,
    Appointment,
    AppointmentStatus,
    Assessment,
    Attendance,
    AttendanceStatus,
)
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from api.events import Hook
from api.people.models import Inburgeraar
from api.people.service import can_see
from api.staff.models import CASE_ROLES, Role
from api.tasks import service as tasks
from api.tasks.models import TaskKind

CHECK_IN_OPENS_MINUTES = 60
CHECK_IN_MAX_WRONG_CODES = 5
CHECK_IN_WRONG_CODE_WINDOW = timedelta(hours=1)
# Audit actions (result "denied"): a wrong code, which counts towards the limit; a refusal while locked.
WRONG_CODE, LOCKED = "check_in_wrong_code", "check_in_locked"
# listener(db, attendance, task) in the caller's transaction, once per report: the task is the one the
# report opened (api.wiring connects the Klantinteracties export, ADR 0016).
absence_reported = Hook("absence_reported")


def attendance_for(db: Session, inburgeraar_id: int, appointment_id: int) -> Attendance:
    row = db.scalar(
        select(Attendance).where(
            Attendance.appointment_id == appointment_id, Attendance.inburgeraar_id == inburgeraar_id
        )
    )
    if row is None:
        raise NotFound(f"appointment {appointment_id} is not one of this person's appointments")
    return row


def _open_for_person(row: Attendance) -> Appointment:
    appointment = row.appointment
    if appointment.status == AppointmentStatus.cancelled:
        raise Conflict("this appointment was cancelled", code="cancelled")
    if row.status in (AttendanceStatus.attended, AttendanceStatus.no_show):
        raise Conflict("this appointment is already closed", code="already_past")
    return appointment


def confirm(db: Session, actor: Principal, inburgeraar_id: int, appointment_id: int) -> Attendance:
    row = attendance_for(db, inburgeraar_id, appointment_id)
    appointment = _open_for_person(row)
    if (appointment.ends_at or appointment.starts_at) < utcnow():
        raise Conflict("this appointment is over", code="already_past")
    row.status = AttendanceStatus.confirmed
    row.confirmed_at = utcnow()
    audit.record(db, actor, "confirm", "attendance", row.id)
    return row


def report_absence(
    db: Session,
    actor: Principal,
    inburgeraar_id: int,
    appointment_id: int,
    reason: str,
    details: str | None = None,
    *,
    now: datetime | None = None,
) -> Attendance:
    """Record that the person cannot come, with the reason and when they said so.

    A report after the start is kept and marked late; the klantmanager gets a task either way and
    decides later whether the absence is excusable. A report after staff recorded a no-show is kept too
    (the person must be heard before any assessment): the no-show stays, the reason is added.
    """
    if reason not in AbsenceReason.__members__:
        raise InvalidInput(f"unknown absence reason {reason!r}", field="reason")
    row = attendance_for(db, inburgeraar_id, appointment_id)
    after_no_show = row.status == AttendanceStatus.no_show
    appointment = row.appointment if after_no_show else _open_for_person(row)
    if appointment.status == AppointmentStatus.cancelled:
        raise Conflict("this appointment was cancelled", code="cancelled")
    reported_at = now or utcnow()
    if not after_no_show:
        row.status = AttendanceStatus.absence_reported
    row.absence_reason = reason
    row.absence_details = (details or "").strip()[:1000] or None
    row.reported_at = reported_at
    row.reported_late = reported_at >= appointment.starts_at
    task = tasks.open_task(
        db,
        TaskKind.absence_reported,
        inburgeraar=row.inburgeraar,
        appointment_id=appointment.id,
        detail=f"reason={reason} late={row.reported_late}",
    )
    audit.record(db, actor, "report_absence", "attendance", row.id, reason=reason, late=row.reported_late)
    absence_reported.emit(db, row, task)
    return row


def request_reschedule(
    db: Session, actor: Principal, inburgeraar_id: int, appointment_id: int, details: str | None = None
) -> Attendance:
    row = attendance_for(db, inburgeraar_id, appointment_id)
    appointment = _open_for_person(row)
    row.reschedule_requested_at = utcnow()
    tasks.open_task(
        db,
        TaskKind.reschedule_requested,
        inburgeraar=row.inburgeraar,
        appointment_id=appointment.id,
        detail=(details or "")[:500] or None,
    )
    audit.record(db, actor, "request_reschedule", "attendance", row.id)
    return row


def check_in(
    db: Session, actor: Principal, inburgeraar_id: int, appointment_id: int, code: str | None
) -> Attendance:
    """Check in on the day with the code shown at the location (opens an hour before the start).

    Codes are four digits, so guessing is limited: after CHECK_IN_MAX_WRONG_CODES wrong codes within
    CHECK_IN_WRONG_CODE_WINDOW, the person's check-ins are refused without looking at the code
    (TooManyRequests, code `too_many_attempts`) until the oldest of them has left the window.
    """
    if _wrong_codes_lately(db, inburgeraar_id) >= CHECK_IN_MAX_WRONG_CODES:
        audit.record_denied(db, actor, LOCKED, "inburgeraar", inburgeraar_id)
        raise TooManyRequests(
            "too many wrong check-in codes; try again later or report at the desk", code="too_many_attempts"
        )
    row = attendance_for(db, inburgeraar_id, appointment_id)
    appointment = _open_for_person(row)
    now = utcnow()
    if (now - appointment.starts_at).total_seconds() < -CHECK_IN_OPENS_MINUTES * 60:
        raise Conflict("check-in opens an hour before the start", code="too_early")
    if (appointment.ends_at or appointment.starts_at) < now:
        raise Conflict("this appointment is over", code="already_past")
    if not code or not hmac.compare_digest(code.strip(), appointment.checkin_code):
        # In its own transaction: the refusal rolls the request back, the count must keep it.
        audit.record_denied(db, actor, WRONG_CODE, "inburgeraar", inburgeraar_id)
        raise Conflict("the check-in code does not match", code="wrong_code", field="checkInCode")
    row.status = AttendanceStatus.checked_in
    row.checked_in_at = now
    audit.record(db, actor, "check_in", "attendance", row.id)
    return row


def _wrong_codes_lately(db: Session, inburgeraar_id: int) -> int:
    """Wrong check-in codes of this person within the window, as every API process recorded them.

    The person's row is locked first (PostgreSQL), so concurrent check-ins of one person count one
    after the other and the limit holds exactly across processes.
    """
    db.execute(select(Inburgeraar.id).where(Inburgeraar.id == inburgeraar_id).with_for_update())
    return db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.object_type == "inburgeraar",
            AuditEvent.object_id == str(inburgeraar_id),
            AuditEvent.action == WRONG_CODE,
            AuditEvent.result == "denied",
            AuditEvent.at > utcnow() - CHECK_IN_WRONG_CODE_WINDOW,
        )
    )


class ForPerson(StrEnum):
    """What a klantmanager can record for the person, as the person would tell the bot."""

    confirm = "confirm"
    report_absence = "report_absence"
    request_reschedule = "request_reschedule"


def act_for_person(
    db: Session,
    actor: Principal,
    inburgeraar_id: int,
    appointment_id: int,
    action: str,
    *,
    reason: str | None = None,
    details: str | None = None,
) -> Attendance:
    """The person's klantmanager records a confirmation, an absence or a request for another time for them
    (they said so on the phone, or in a message the bot could not act on while staff had it).

    The same rules as when the person tells the bot; the audit event names the staff member, which is how
    the evidence trail shows it as done on the person's behalf. NotFound outside the caseload.
    """
    if action not in ForPerson.__members__:
        raise InvalidInput(f"unknown action {action!r}", field="action")
    row = _staff_row(db, actor, appointment_id, inburgeraar_id, role=Role.klantmanager)
    if action == ForPerson.confirm:
        return confirm(db, actor, row.inburgeraar_id, appointment_id)
    if action == ForPerson.report_absence:
        if not reason:
            raise InvalidInput("choose the reason of the absence", field="reason")
        return report_absence(db, actor, row.inburgeraar_id, appointment_id, reason, details)
    return request_reschedule(db, actor, row.inburgeraar_id, appointment_id, details)


def _staff_row(
    db: Session,
    actor: Principal,
    appointment_id: int,
    inburgeraar_id: int,
    *,
    role: str | None = None,
) -> Attendance:
    roles = (role,) if role else CASE_ROLES
    audit.require_role(db, actor, *roles, action="update", object_type="attendance")
    row = attendance_for(db, inburgeraar_id, appointment_id)
    if not can_see(actor, row.inburgeraar):
        audit.record_denied(db, actor, "update", "attendance", row.id)
        raise NotFound(f"appointment {appointment_id} has no participant {inburgeraar_id} in your caseload")
    return row


def mark(db: Session, actor: Principal, appointment_id: int, inburgeraar_id: int, status: str) -> Attendance:
    """Staff record whether the person was there."""
    if status not in (AttendanceStatus.attended, AttendanceStatus.no_show):
        raise InvalidInput("status must be attended or no_show", field="status")
    row = _staff_row(db, actor, appointment_id, inburgeraar_id)
    row.status = status
    row.marked_by_id = actor.staff_id
    audit.record(db, actor, "mark", "attendance", row.id, status=status)
    return row


def assess(
    db: Session, actor: Principal, appointment_id: int, inburgeraar_id: int, assessment: str, note: str | None
) -> Attendance:
    """The klantmanager's assessment of an absence. Only the person's own klantmanager assesses."""
    audit.require_role(db, actor, Role.klantmanager, action="assess", object_type="attendance")
    if assessment not in Assessment.__members__:
        raise InvalidInput(
            "assessment must be verschoonbaar, verwijtbaar or needs_hearing", field="assessment"
        )
    row = _staff_row(db, actor, appointment_id, inburgeraar_id)
    if row.status not in (AttendanceStatus.absence_reported, AttendanceStatus.no_show):
        raise Conflict("only an absence or a no-show can be assessed", code="nothing_to_assess")
    row.assessment = assessment
    row.assessment_note = (note or "").strip() or None
    row.assessed_by_id = actor.staff_id
    row.assessed_at = utcnow()
    audit.record(db, actor, "assess", "attendance", row.id, assessment=assessment)
    # The report's "Afmelding beoordelen" task is what this assessment did ("eerst horen" included: the
    # hearing is now the assessment's own state, shown on the appointment).
    tasks.complete_tasks_about(
        db, actor, TaskKind.absence_reported, inburgeraar_id=inburgeraar_id, appointment_id=appointment_id
    )
    return row

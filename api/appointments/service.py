"""Planning appointments and changing them; reminders and notices follow from these changes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.appointments import visibility
from api.appointments.models import Appointment, AppointmentStatus, Attendance
from api.appointments.schemas import AppointmentCreate, AppointmentUpdate
from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, InvalidInput, NotFound
from api.events import Hook
from api.people.caseload import in_caseload
from api.people.models import Inburgeraar
from api.people.service import can_see
from api.staff.models import CASE_ROLES, Role, Staff

# Other domains (reminders) register on appointment changes at start-up (api.wiring), so this package
# does not import them. Listeners get (db, appointment, change) with change in created/moved/cancelled.
changed = Hook("appointment_changed")


def _notify(db: Session, appointment: Appointment, change: str) -> None:
    changed.emit(db, appointment, change)


def to_out(actor: Principal, appointment: Appointment) -> dict:
    data = {c.key: getattr(appointment, c.key) for c in Appointment.__table__.columns}
    data["participant_ids"] = visibility.participant_ids(actor, appointment)
    data["participant_count"] = len(appointment.attendances)
    return data


def _check_staff(db: Session, staff_id: int | None) -> None:
    if staff_id is not None and db.get(Staff, staff_id) is None:
        raise InvalidInput("no staff member with this id", field="staffId")


def create_appointment(db: Session, actor: Principal, data: AppointmentCreate) -> Appointment:
    """Plan an appointment for one or more participants; each gets a pending attendance."""
    audit.require_role(db, actor, *CASE_ROLES, action="create", object_type="appointment")
    _check_staff(db, data.staff_id)
    people = list(db.scalars(select(Inburgeraar).where(Inburgeraar.id.in_(data.participant_ids))))
    found = {p.id for p in people}
    missing = [i for i in data.participant_ids if i not in found]
    if missing:
        raise InvalidInput(f"unknown participant ids: {missing}", field="participantIds")
    for person in people:
        if not can_see(actor, person):
            raise InvalidInput(f"participant {person.id} is not in your caseload", field="participantIds")
    ends_at = data.ends_at or data.starts_at + timedelta(hours=1)
    appointment = Appointment(
        kind=data.kind,
        starts_at=data.starts_at,
        ends_at=ends_at,
        location=data.location.strip(),
        staff_id=data.staff_id if data.staff_id is not None else actor.staff_id,
        bring_items=list(dict.fromkeys(data.bring_items)) or None,
        what_to_bring=data.what_to_bring,
        checkin_code=f"{secrets.randbelow(10000):04d}",
        status=AppointmentStatus.scheduled,
    )
    appointment.attendances = [Attendance(inburgeraar_id=pid) for pid in data.participant_ids]
    db.add(appointment)
    db.flush()
    audit.record(db, actor, "create", "appointment", appointment.id)
    _notify(db, appointment, "created")
    return appointment


def get_appointment(
    db: Session, actor: Principal, appointment_id: int, *, action: str = "read"
) -> Appointment:
    """Fetch one appointment; a klantmanager only one with someone of their caseload (404 otherwise)."""
    audit.require_role(
        db, actor, *CASE_ROLES, action=action, object_type="appointment", object_id=appointment_id
    )
    appointment = db.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment {appointment_id}")
    if actor.role == Role.klantmanager and not visibility.visible_attendances(actor, appointment):
        audit.record_denied(db, actor, action, "appointment", appointment_id)
        raise NotFound(f"no appointment {appointment_id}")
    return appointment


def read_appointment(db: Session, actor: Principal, appointment_id: int) -> Appointment:
    """One appointment for the caller, the read audit-logged with the participants shown."""
    appointment = get_appointment(db, actor, appointment_id)
    _record_read(db, actor, [appointment])
    return appointment


def read_attendance(db: Session, actor: Principal, appointment_id: int) -> list[dict[str, Any]]:
    """The participants' attendance as the caller may see it (api.appointments.visibility), audit-logged."""
    appointment = get_appointment(db, actor, appointment_id)
    rows = visibility.visible_attendances(actor, appointment)
    audit.record_read(
        db,
        actor,
        "appointment",
        appointment.id,
        part="attendance",
        inburgeraars=[r.inburgeraar_id for r in rows],
    )
    return [visibility.attendance_view(actor, row) for row in rows]


def _record_read(db: Session, actor: Principal, shown: list[Appointment]) -> None:
    people = sorted({pid for a in shown for pid in visibility.participant_ids(actor, a)})
    object_id = shown[0].id if len(shown) == 1 else None
    audit.record_read(db, actor, "appointment", object_id, ids=[a.id for a in shown], inburgeraars=people)


def list_appointments(
    db: Session,
    actor: Principal,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    inburgeraar_id: int | None = None,
    limit: int = 500,
) -> list[Appointment]:
    """Appointments in a period or of one person (a klantmanager: their caseload's), the read audit-logged."""
    audit.require_role(db, actor, *CASE_ROLES, action="read", object_type="appointment")
    query = select(Appointment).order_by(Appointment.starts_at, Appointment.id)
    if start is not None:
        query = query.where(Appointment.starts_at >= start)
    if end is not None:
        query = query.where(Appointment.starts_at < end)
    if inburgeraar_id is not None or actor.role == Role.klantmanager:
        query = query.join(Attendance).join(Inburgeraar)
        if inburgeraar_id is not None:
            query = query.where(Attendance.inburgeraar_id == inburgeraar_id)
        if actor.role == Role.klantmanager:
            query = query.where(in_caseload(actor))
        query = query.distinct()
    rows = list(db.scalars(query.limit(limit)).unique())
    _record_read(db, actor, rows)
    return rows


def update_appointment(
    db: Session, actor: Principal, appointment_id: int, data: AppointmentUpdate
) -> Appointment:
    """Move, relocate or cancel. Moving marks it rescheduled; listeners send the notices."""
    appointment = get_appointment(db, actor, appointment_id, action="update")
    changes = data.model_dump(exclude_unset=True)
    if "bring_items" in changes:
        changes["bring_items"] = list(dict.fromkeys(changes["bring_items"] or [])) or None
    if (
        appointment.status == AppointmentStatus.cancelled
        and changes.get("status") != AppointmentStatus.scheduled
    ):
        raise InvalidInput("a cancelled appointment cannot be changed", field="status")
    _check_staff(db, changes.get("staff_id"))
    moved = any(
        k in changes and changes[k] != getattr(appointment, k) for k in ("starts_at", "ends_at", "location")
    )
    reinstated = (
        appointment.status == AppointmentStatus.cancelled
    )  # only a switch back to scheduled gets here
    for key, value in changes.items():
        setattr(appointment, key, value)
    if appointment.ends_at is not None and appointment.ends_at <= appointment.starts_at:
        raise InvalidInput("endsAt must be after startsAt", field="endsAt")
    if moved and "status" not in changes:
        appointment.status = AppointmentStatus.rescheduled
    db.flush()
    audit.record(db, actor, "update", "appointment", appointment.id, fields=sorted(changes))
    if appointment.status == AppointmentStatus.cancelled:
        _notify(db, appointment, "cancelled")
    elif moved or reinstated:
        # A reinstated appointment is news to the person just like a moved one: plan afresh and tell them.
        _notify(db, appointment, "moved")
    return appointment


def new_time_for_person(
    db: Session, actor: Principal, appointment_id: int, inburgeraar_id: int, starts_at: datetime
) -> Appointment:
    """A new time for one person's appointment, made by their klantmanager (as "ik maak een nieuwe afspraak"
    promises). When the person is its only participant the appointment moves; a group appointment stays
    for the others and the person gets an appointment of their own, of the same kind, place and length.
    Either way the `changed` hook tells the person (a notice in their language) and plans the reminders.
    """
    audit.require_role(
        db, actor, Role.klantmanager, action="update", object_type="appointment", object_id=appointment_id
    )
    appointment = get_appointment(db, actor, appointment_id, action="update")
    if inburgeraar_id not in visibility.participant_ids(actor, appointment):
        raise NotFound(f"appointment {appointment_id} has no participant {inburgeraar_id} in your caseload")
    if appointment.status == AppointmentStatus.cancelled:
        raise Conflict("this appointment was cancelled", code="cancelled")
    if starts_at.tzinfo is None or starts_at <= utcnow():
        raise InvalidInput("choose a time in the future", field="startsAt")
    length = (appointment.ends_at or appointment.starts_at + timedelta(hours=1)) - appointment.starts_at
    ends_at = starts_at + length
    if len(appointment.attendances) == 1:
        return update_appointment(
            db, actor, appointment.id, AppointmentUpdate(starts_at=starts_at, ends_at=ends_at)
        )
    own = AppointmentCreate(
        kind=appointment.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        location=appointment.location,
        participant_ids=[inburgeraar_id],
        staff_id=appointment.staff_id,
        bring_items=appointment.bring_items or [],
        what_to_bring=appointment.what_to_bring,
    )
    created = create_appointment(db, actor, own)
    # On the person's own row, so only their evidence trail shows it (the others keep the group time).
    row = next(a for a in appointment.attendances if a.inburgeraar_id == inburgeraar_id)
    audit.record(db, actor, "new_time", "attendance", row.id, appointment=created.id)
    return created


def caseload_appointments(
    db: Session, actor: Principal, *, start: datetime, end: datetime
) -> list[tuple[Appointment, list[Attendance]]]:
    """A klantmanager's appointments between `start` and `end` with their own people's attendance, by name.

    A group appointment shows only the caller's own people (api.appointments.visibility); the read is
    audit-logged.
    """
    audit.require_role(db, actor, Role.klantmanager, action="read", object_type="appointment")
    mine_ids = select(Attendance.appointment_id).join(Inburgeraar).where(in_caseload(actor))
    query = (
        select(Appointment)
        .where(Appointment.starts_at >= start, Appointment.starts_at <= end, Appointment.id.in_(mine_ids))
        .options(selectinload(Appointment.attendances))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    shown = list(db.scalars(query))
    _record_read(db, actor, shown)
    return [
        (a, sorted(visibility.visible_attendances(actor, a), key=lambda row: row.inburgeraar.name))
        for a in shown
    ]

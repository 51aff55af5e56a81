"""Planning appointments and changing them; reminders and notices follow from these changes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.appointments.models import Appointment, AppointmentStatus, Attendance
from api.appointments.schemas import AppointmentCreate, AppointmentUpdate
from api.audit import service as audit
from api.auth import Principal
from api.errors import InvalidInput, NotFound
from api.events import Hook
from api.people.caseload import in_caseload, is_in_caseload
from api.people.models import Inburgeraar
from api.people.service import can_see
from api.staff.models import Role, Staff

# Other domains (reminders) register on appointment changes at start-up (api.wiring), so this package
# does not import them. Listeners get (db, appointment, change) with change in created/moved/cancelled.
changed = Hook("appointment_changed")


def _notify(db: Session, appointment: Appointment, change: str) -> None:
    changed.emit(db, appointment, change)


def to_out(appointment: Appointment) -> dict:
    data = {c.key: getattr(appointment, c.key) for c in Appointment.__table__.columns}
    data["participant_ids"] = [a.inburgeraar_id for a in appointment.attendances]
    return data


def _check_staff(db: Session, staff_id: int | None) -> None:
    if staff_id is not None and db.get(Staff, staff_id) is None:
        raise InvalidInput("no staff member with this id", field="staffId")


def create_appointment(db: Session, actor: Principal, data: AppointmentCreate) -> Appointment:
    """Plan an appointment for one or more participants; each gets a pending attendance."""
    actor.require(Role.klantmanager, Role.coordinator)
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


def get_appointment(db: Session, actor: Principal, appointment_id: int) -> Appointment:
    appointment = db.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment {appointment_id}")
    if actor.role == Role.klantmanager and not any(
        is_in_caseload(actor, a.inburgeraar) for a in appointment.attendances
    ):
        audit.record_denied(db, actor, "read", "appointment", appointment_id)
        raise NotFound(f"no appointment {appointment_id}")
    return appointment


def list_appointments(
    db: Session,
    actor: Principal,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    inburgeraar_id: int | None = None,
    limit: int = 500,
) -> list[Appointment]:
    actor.require(Role.klantmanager, Role.coordinator)
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
    return list(db.scalars(query.limit(limit)).unique())


def update_appointment(
    db: Session, actor: Principal, appointment_id: int, data: AppointmentUpdate
) -> Appointment:
    """Move, relocate or cancel. Moving marks it rescheduled; listeners send the notices."""
    actor.require(Role.klantmanager, Role.coordinator)
    appointment = get_appointment(db, actor, appointment_id)
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


def caseload_appointments(
    db: Session, actor: Principal, *, start: datetime, end: datetime
) -> list[tuple[Appointment, list[Attendance]]]:
    """Appointments between `start` and `end` with the attendances the caller may see, by name.

    A group appointment shows a klantmanager only their own people; an admin sees everyone.
    """
    query = (
        select(Appointment)
        .where(Appointment.starts_at >= start, Appointment.starts_at <= end)
        .options(selectinload(Appointment.attendances))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if not actor.is_admin:
        mine_ids = select(Attendance.appointment_id).join(Inburgeraar).where(in_caseload(actor))
        query = query.where(Appointment.id.in_(mine_ids))
    rows = []
    for appointment in db.scalars(query):
        mine = [a for a in appointment.attendances if actor.is_admin or is_in_caseload(actor, a.inburgeraar)]
        rows.append((appointment, sorted(mine, key=lambda a: a.inburgeraar.name)))
    return rows

"""The deadlines a klantmanager must watch for each person in their caseload (Wet inburgering 2021).

- The PIP (persoonlijk plan inburgering en participatie) is due about 10 weeks after housing.
- The term starts the day after the PIP date; within 1.5 years of that start a person may still
  switch leerroute.
- The term ends three years after its start; by then the PVT (12 hours) and the MAP must be done.
- Everyone should have a confirmed appointment ahead, or the klantmanager should know why not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance, AttendanceStatus
from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.i18n.formatting import TZ
from api.people.caseload import in_caseload
from api.people.models import Inburgeraar, MapStatus
from api.people.service import term_ends_on
from api.staff.models import Role

PIP_DUE_AFTER_HOUSING = timedelta(weeks=10)
LEERROUTE_SWITCH_MONTHS = 18
PVT_HOURS_REQUIRED = 12
# How far ahead a deadline starts to show as "soon".
PIP_WARN = timedelta(weeks=3)
SWITCH_WARN = timedelta(weeks=8)
TERM_WARN = timedelta(days=183)

OVERDUE, SOON, INFO = "overdue", "soon", "info"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Signal:
    kind: str  # pip_due, pip_due_unknown, switch_window, term_ending, no_confirmed_appointment
    level: str  # overdue, soon, info
    due: date | None = None


@dataclass
class PersonDeadlines:
    person: Inburgeraar
    pip_due: date | None = None
    switch_closes: date | None = None
    term_ends: date | None = None
    next_appointment: Appointment | None = None
    next_status: str | None = None
    signals: list[Signal] = field(default_factory=list)

    @property
    def worst(self) -> int:
        levels = [s.level for s in self.signals]
        return 0 if OVERDUE in levels else 1 if SOON in levels else 2 if levels else 3


def _level(due: date, today: date, warn: timedelta) -> str | None:
    if due < today:
        return OVERDUE
    if due - today <= warn:
        return SOON
    return None


def deadlines_for(
    person: Inburgeraar, today: date, upcoming: list[tuple[Appointment, str]]
) -> PersonDeadlines:
    """The deadlines and warnings of one person on `today` (pure; `upcoming` is soonest first)."""
    row = PersonDeadlines(person)
    if person.pip_date is None:
        if person.housed_on is None:
            row.signals.append(Signal("pip_due_unknown", INFO))
        else:
            row.pip_due = person.housed_on + PIP_DUE_AFTER_HOUSING
            row.signals.append(Signal("pip_due", _level(row.pip_due, today, PIP_WARN) or INFO, row.pip_due))
    else:
        term_start = person.pip_date + timedelta(days=1)
        row.switch_closes = add_months(term_start, LEERROUTE_SWITCH_MONTHS)
        row.term_ends = term_ends_on(person.pip_date)
        if today <= row.switch_closes and row.switch_closes - today <= SWITCH_WARN:
            row.signals.append(Signal("switch_window", SOON, row.switch_closes))
        pvt_open = person.pvt_hours_done < PVT_HOURS_REQUIRED
        map_open = person.map_status not in (MapStatus.completed, MapStatus.exempt)
        level = _level(row.term_ends, today, TERM_WARN) if row.term_ends else None
        if level and (pvt_open or map_open):
            row.signals.append(Signal("term_ending", level, row.term_ends))
    confirmed = [
        (a, s) for a, s in upcoming if s in (AttendanceStatus.confirmed, AttendanceStatus.checked_in)
    ]
    if upcoming:
        row.next_appointment, row.next_status = upcoming[0]
    if not confirmed:
        row.signals.append(Signal("no_confirmed_appointment", SOON if upcoming else INFO))
    return row


def caseload_deadlines(db: Session, actor: Principal, today: date | None = None) -> list[PersonDeadlines]:
    """Every person in the caller's caseload with their deadlines, most pressing first (audited read)."""
    audit.require_role(db, actor, Role.klantmanager, action="read", object_type="inburgeraar")
    now = utcnow()
    today = today or now.astimezone(TZ).date()
    people = list(
        db.scalars(select(Inburgeraar).where(in_caseload(actor)).order_by(Inburgeraar.name, Inburgeraar.id))
    )
    upcoming: dict[int, list[tuple[Appointment, str]]] = {p.id: [] for p in people}
    if people:
        rows = db.execute(
            select(Attendance.inburgeraar_id, Appointment, Attendance.status)
            .join(Appointment, Appointment.id == Attendance.appointment_id)
            .where(
                Attendance.inburgeraar_id.in_(list(upcoming)),
                Appointment.status != AppointmentStatus.cancelled,
                Appointment.starts_at > now,
                Attendance.status != AttendanceStatus.absence_reported,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        for person_id, appointment, status in rows:
            upcoming[person_id].append((appointment, status))
    audit.record_read(db, actor, "inburgeraar", part="deadlines", inburgeraars=[p.id for p in people])
    result = [deadlines_for(p, today, upcoming[p.id]) for p in people]
    result.sort(key=lambda r: (r.worst, min((s.due for s in r.signals if s.due), default=date.max)))
    return result

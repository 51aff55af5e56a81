"""What each role may see of an appointment's participants: the one home of that rule.

- A klantmanager sees the whole attendance of the people in their caseload; of the other participants of a
  group appointment they see only how many there are.
- A coordinator plans: who takes part and whether they confirmed, checked in, asked for another time or
  came. Never why someone is absent, what they wrote about it, when they said so or how it was assessed.
- Nobody else sees attendance through the staff routes (the admin manages accounts only).
"""

from __future__ import annotations

from typing import Any

from api.appointments.models import Appointment, Attendance
from api.auth import Principal
from api.people.caseload import is_in_caseload
from api.staff.models import Role

PLANNING = ("inburgeraar_id", "status", "confirmed_at", "checked_in_at", "reschedule_requested_at")
CASE_FILE = (
    *PLANNING,
    "absence_reason",
    "absence_details",
    "reported_at",
    "reported_late",
    "assessment",
    "assessment_note",
)


def attendance_fields(actor: Principal, row: Attendance) -> tuple[str, ...]:
    """The fields of one attendance row that `actor` may see; empty when the row is not theirs to see."""
    if actor.role == Role.klantmanager:
        return CASE_FILE if is_in_caseload(actor, row.inburgeraar) else ()
    return PLANNING if actor.role == Role.coordinator else ()


def visible_attendances(actor: Principal, appointment: Appointment) -> list[Attendance]:
    """The participants' rows `actor` may see at all, by person id."""
    rows = [row for row in appointment.attendances if attendance_fields(actor, row)]
    return sorted(rows, key=lambda row: row.inburgeraar_id)


def attendance_view(actor: Principal, row: Attendance) -> dict[str, Any]:
    """One row as `actor` may see it: the fields they may not see are absent, not empty."""
    return {name: getattr(row, name) for name in attendance_fields(actor, row)}


def participant_ids(actor: Principal, appointment: Appointment) -> list[int]:
    """The participants `actor` may know of (all of them count in `participantCount`)."""
    return [row.inburgeraar_id for row in visible_attendances(actor, appointment)]

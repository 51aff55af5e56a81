"""Reminder policy and plans for staff, and the calendar links people get (no login, signed token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Response

from api.appointments.models import Appointment
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import NotFound
from api.i18n import languages
from api.people.models import Inburgeraar
from api.reminders import ics, planner
from api.reminders.policy import load_policy
from api.schemas import ApiOut
from api.staff.models import CASE_ROLES

router = APIRouter(tags=["reminders"])
public = APIRouter(tags=["calendar"])


class ReminderOut(ApiOut):
    id: int
    inburgeraar_id: int
    kind: str
    slot: str
    revision: int
    nominal_at: datetime
    due_at: datetime
    status: str
    reason: str | None
    message_id: int | None
    channel: str | None
    language: str | None
    delivery: str | None
    processed_at: datetime | None


@router.get("/reminders/policy")
def reminder_policy(actor: PrincipalDep) -> dict[str, Any]:
    """The policy the planner uses (offsets per kind, send window, holidays, follow-up)."""
    actor.require(*CASE_ROLES)
    return load_policy().public()


@router.get("/appointments/{appointment_id}/reminders", response_model=list[ReminderOut])
def appointment_reminders(appointment_id: int, db: SessionDep, actor: PrincipalDep) -> list:
    """Every planned, sent, skipped and cancelled reminder of an appointment, with reasons.

    For the participants the caller may see (a klantmanager: their own caseload); the read is audit-logged.
    """
    rows = planner.planned_for(db, actor, appointment_id)
    db.commit()  # the audit event of this read
    return rows


@public.get("/ics/{token}.ics", response_class=Response, include_in_schema=True)
def calendar_file(token: str, db: SessionDep, settings: SettingsDep) -> Response:
    """The appointment as an iCalendar file, as it is now (cancelled ones say so)."""
    ids = ics.read_token(settings, token)
    if ids is None:
        raise NotFound("unknown calendar link")
    appointment = db.get(Appointment, ids[0])
    person = db.get(Inburgeraar, ids[1])
    if (
        appointment is None
        or person is None
        or ids[1] not in {a.inburgeraar_id for a in appointment.attendances}
    ):
        raise NotFound("unknown calendar link")
    body = ics.calendar(appointment, languages.normalize(person.language) or languages.DEFAULT, settings)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="afspraak-{appointment.id}.ics"',
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex",
        },
    )


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
    app.include_router(public)

"""The coordinator's console: broadcasts, the reminder policy and attendance figures.

Coordinators see numbers and delivery states, never what people wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from api.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import InvalidInput, NotFound
from api.i18n.catalog import N_, gettext
from api.people.models import Doelgroep, Leerroute
from api.settings import ROOT
from api.staff.models import Role, Staff
from api.web import broadcast_form, stats
from api.web.guards import CoordinatorDep, CoordinatorFormDep, WebRoute
from api.web.rendering import WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

COMPOSER_APPOINTMENTS_AHEAD = timedelta(days=90)
OFFSET_UNITS = {
    # unit: (singular msgid, plural msgid)
    "d": (N_("1 dag"), N_("{n} dagen")),
    "h": (N_("1 uur"), N_("{n} uur")),
    "m": (N_("1 minuut"), N_("{n} minuten")),
}


@dataclass(frozen=True)
class PolicyOverview:
    per_kind: list[tuple[str, list[tuple[str, int]]]]  # kind, [(unit msgid, n)] earliest first
    window: tuple[str, str]
    holidays: list[date]
    follow_up_hours_before: float
    min_lead_minutes: int
    timezone: str


def policy_overview() -> tuple[PolicyOverview | None, str | None]:
    """The reminder policy as the planner reads it, or (None, reason) when it cannot be read.

    Reads it through api.reminders.policy, so the page shows what the planner really uses (defaults
    included), not a second interpretation of the file.
    """
    try:
        from api.reminders import policy as reminder_policy
    except ModuleNotFoundError:
        return None, "missing"
    try:
        policy = reminder_policy.load_policy()
    except FileNotFoundError:
        return None, "missing"
    except (OSError, ValueError):
        return None, "invalid"
    per_kind = []
    for kind in AppointmentKind:
        offsets = []
        for offset in policy.offsets_for(kind):
            singular, plural = OFFSET_UNITS[offset.unit]
            offsets.append((singular if offset.amount == 1 else plural, offset.amount))
        per_kind.append((kind.value, offsets))
    window = (policy.send_window.start.strftime("%H:%M"), policy.send_window.end.strftime("%H:%M"))
    return PolicyOverview(
        per_kind=per_kind,
        window=window,
        holidays=sorted(policy.holidays),
        follow_up_hours_before=policy.follow_up.no_answer_hours_before,
        min_lead_minutes=policy.min_lead_minutes,
        timezone=policy.timezone,
    ), None


@router.get("/reminders")
def reminders_page(request: Request, user: CoordinatorDep) -> Response:
    overview, problem = policy_overview()
    return page(
        request,
        "reminders.html",
        user,
        title=N_("Herinneringen"),
        policy=overview,
        problem=problem,
        path_shown=_policy_path(),
    )


def _policy_path() -> str:
    try:
        from api.reminders.policy import policy_path
    except ModuleNotFoundError:
        return "config/reminder_policy.json"
    path = policy_path()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@router.get("/stats")
def stats_page(
    request: Request, user: CoordinatorDep, db: SessionDep, settings: SettingsDep, weeks: int = 8
) -> Response:
    weeks = min(max(weeks, 1), 52)
    rates = stats.attendance_rates(db, user.principal, weeks=weeks)
    by_kind: dict[str, list[stats.WeekRate]] = defaultdict(list)
    for rate in rates:
        by_kind[rate.kind].append(rate)
    team = stats.team_figures(db, user.principal, settings, weeks=weeks)
    return page(
        request, "stats.html", user, title=N_("Cijfers"), by_kind=dict(by_kind), weeks=weeks, team=team
    )


# --- broadcasts -----------------------------------------------------------------------------------

BROADCAST_FLASH = {
    "scheduled": N_("Het groepsbericht is gepland."),
    "cancelled": N_("Het groepsbericht is geannuleerd."),
}
# How the composer shows a template's placeholders to the coordinator: "[datum en tijd]".
PLACEHOLDER_LABELS = {
    "name": N_("naam"),
    "phone": N_("telefoon gemeente"),
    "kind": N_("soort afspraak"),
    "when": N_("datum en tijd"),
    "date": N_("datum"),
    "location": N_("plaats"),
}
COMPOSER_ERRORS = {
    "template": N_("Kies een bericht."),
    "audience_type": N_("Kies wie het bericht krijgt. Er moet minstens een persoon in de groep zitten."),
    "appointment_id": N_("Kies een afspraak."),
    "leerroute": N_("Kies een leerroute."),
    "doelgroep": N_("Kies een doelgroep."),
    "klantmanager_id": N_("Kies een klantmanager."),
    "inburgeraar_ids": N_(
        "Vul nummers van personen in, gescheiden door komma's. Alle nummers moeten bestaan."
    ),
    "send_at": N_("Kies een datum en tijd in de toekomst (binnen een jaar)."),
    "kind": N_("Kies de soort afspraak."),
    "when": N_("Vul de datum en tijd van de afspraak in."),
    "date": N_("Vul een datum in."),
    "location": N_("Vul de plaats in (een regel, hoogstens 120 tekens)."),
}


def _broadcasts():
    """The broadcasts service, or None when that package is not installed (it is optional)."""
    try:
        from api.broadcasts import service
    except ModuleNotFoundError:
        return None
    return service


def _composer_choices(db: Session) -> dict[str, Any]:
    from api.broadcasts.templates import TEMPLATES

    now = utcnow()
    upcoming = db.scalars(
        select(Appointment)
        .where(
            Appointment.status != AppointmentStatus.cancelled,
            Appointment.starts_at >= now,
            Appointment.starts_at <= now + COMPOSER_APPOINTMENTS_AHEAD,
        )
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(300)
    ).all()
    klantmanagers = db.scalars(
        select(Staff).where(Staff.role == Role.klantmanager, Staff.active.is_(True)).order_by(Staff.name)
    ).all()
    return {
        "templates": list(TEMPLATES.values()),
        "appointments": upcoming,
        "klantmanagers": klantmanagers,
        "leerroutes": list(Leerroute),
        "doelgroepen": list(Doelgroep),
        "kinds": list(AppointmentKind),
        "audience_types": broadcast_form.AUDIENCE_TYPES,
    }


def _composer(
    request: Request,
    user: WebUser,
    db: Session,
    form: broadcast_form.ComposerForm,
    *,
    preview: dict[str, Any] | None = None,
    error_field: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "broadcast_new.html",
        user,
        status_code=status_code,
        title=N_("Nieuw groepsbericht"),
        form=form,
        preview=preview,
        error_field=error_field,
        placeholders={k: f"[{gettext(user.language, v)}]" for k, v in PLACEHOLDER_LABELS.items()},
        error=COMPOSER_ERRORS.get(error_field or "", N_("Controleer het veld: {field}."))
        if error_field
        else None,
        **_composer_choices(db),
    )


def _parse(service: Any, form: broadcast_form.ComposerForm, model: type) -> Any:
    template = service.template_for(form.template) if form.template else None
    if template is None:
        raise InvalidInput("choose a template", field="template")
    return broadcast_form.to_model(form, model, template.variables)


@router.get("/broadcasts")
def broadcasts_page(
    request: Request, user: CoordinatorDep, db: SessionDep, done: str | None = None
) -> Response:
    service = _broadcasts()
    if service is None:
        raise NotFound("broadcasts are not available in this installation")
    broadcasts = service.list_broadcasts(db, user.principal)
    db.commit()  # the audit event of this read
    rows = [service.to_out(db, b) for b in broadcasts]
    return page(
        request,
        "broadcasts.html",
        user,
        title=N_("Groepsberichten"),
        rows=rows,
        templates=_template_titles(),
        flash=BROADCAST_FLASH.get(done or ""),
    )


def _template_titles() -> dict[str, str]:
    from api.broadcasts.templates import TEMPLATES

    return {key: t.title for key, t in TEMPLATES.items()}


@router.get("/broadcasts/new")
def broadcast_new(
    request: Request, user: CoordinatorDep, db: SessionDep, appointment_id: str = ""
) -> Response:
    if _broadcasts() is None:
        raise NotFound("broadcasts are not available in this installation")
    return _composer(request, user, db, broadcast_form.ComposerForm(appointment_id=appointment_id))


@router.post("/broadcasts/preview")
async def broadcast_preview(
    request: Request, user: CoordinatorFormDep, db: SessionDep, settings: SettingsDep
) -> Response:
    service = _broadcasts()
    if service is None:
        raise NotFound("broadcasts are not available in this installation")
    from api.broadcasts.schemas import BroadcastDraft

    form = broadcast_form.ComposerForm.from_form(await request.form())
    try:
        draft = _parse(service, form, BroadcastDraft)
        result = service.preview(db, user.principal, draft, settings)
    except InvalidInput as exc:
        db.rollback()
        return _composer(
            request, user, db, form, error_field=broadcast_form.form_field_for(exc.field), status_code=400
        )
    db.commit()  # the audit event of the preview
    return _composer(request, user, db, form, preview=result)


@router.post("/broadcasts")
async def broadcast_create(request: Request, user: CoordinatorFormDep, db: SessionDep) -> Response:
    service = _broadcasts()
    if service is None:
        raise NotFound("broadcasts are not available in this installation")
    from api.broadcasts.schemas import BroadcastCreate

    form = broadcast_form.ComposerForm.from_form(await request.form())
    try:
        broadcast = service.create(db, user.principal, _parse(service, form, BroadcastCreate))
    except InvalidInput as exc:
        db.rollback()
        return _composer(
            request, user, db, form, error_field=broadcast_form.form_field_for(exc.field), status_code=400
        )
    db.commit()
    return RedirectResponse(f"/ui/broadcasts/{broadcast.id}?done=scheduled", status_code=303)


@router.get("/broadcasts/{broadcast_id}")
def broadcast_page(
    broadcast_id: int, request: Request, user: CoordinatorDep, db: SessionDep, done: str | None = None
) -> Response:
    service = _broadcasts()
    if service is None:
        raise NotFound("broadcasts are not available in this installation")
    broadcast = service.read(db, user.principal, broadcast_id)
    db.commit()  # the audit event of this read
    data = service.to_out(db, broadcast)
    return page(
        request,
        "broadcast.html",
        user,
        title=N_("Groepsbericht"),
        b=data,
        templates=_template_titles(),
        audience=describe_audience(db, data["audience"]),
        flash=BROADCAST_FLASH.get(done or ""),
    )


@router.post("/broadcasts/{broadcast_id}/cancel")
def broadcast_cancel(broadcast_id: int, user: CoordinatorFormDep, db: SessionDep) -> Response:
    service = _broadcasts()
    if service is None:
        raise NotFound("broadcasts are not available in this installation")
    service.cancel(db, user.principal, broadcast_id)
    db.commit()
    return RedirectResponse(f"/ui/broadcasts/{broadcast_id}?done=cancelled", status_code=303)


def describe_audience(db: Session, rule: dict[str, Any]) -> dict[str, Any]:
    """What the detail page says about the audience: its type and the one thing that picks it."""
    kind = rule.get("type", "")
    detail: dict[str, Any] = {"type": kind}
    if kind == "appointment":
        detail["appointment"] = db.get(Appointment, rule.get("appointmentId"))
    elif kind == "caseload":
        detail["klantmanager"] = db.get(Staff, rule.get("klantmanagerId"))
    elif kind == "list":
        detail["count"] = len(rule.get("inburgeraarIds") or [])
    else:
        detail["code"] = rule.get(kind)
    return detail

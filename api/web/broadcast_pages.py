"""The coordinator's broadcast pages: the composer, the list, a broadcast's page and cancelling it.

The composer chooses people by name, shows a preview (who gets what, per language and channel, when) and
sends exactly that preview: the form carries the preview's id and fingerprint, and the broadcasts service
refuses it when the form changed since (ADR 0020). Every refusal shows the composer again with what was
filled in and the message next to the field. Cancelling asks first, on a page of its own (no script).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from api.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from api.broadcasts import service
from api.broadcasts.schemas import BroadcastCreate, BroadcastDraft
from api.broadcasts.templates import TEMPLATES
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import DomainError, InvalidInput
from api.i18n.catalog import N_, gettext
from api.people.models import Doelgroep, Leerroute
from api.staff.models import Role, Staff
from api.web import broadcast_form, forms
from api.web.guards import CoordinatorDep, CoordinatorFormDep, WebRoute
from api.web.rendering import WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

COMPOSER_APPOINTMENTS_AHEAD = timedelta(days=90)
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
# The message next to each form field when the service refuses it; by code first (COMPOSER_CODES).
COMPOSER_ERRORS = {
    "template": N_("Kies een bericht."),
    "audience_type": N_("Kies wie het bericht krijgt. Er moet minstens een persoon in de groep zitten."),
    "appointment_id": N_("Kies een afspraak."),
    "leerroute": N_("Kies een leerroute."),
    "doelgroep": N_("Kies een doelgroep."),
    "klantmanager_id": N_("Kies een klantmanager."),
    "people": N_("Zoek mensen op naam en vink aan wie het bericht krijgt."),
    "send_at": N_("Kies een datum en tijd in de toekomst (binnen een jaar)."),
    "kind": N_("Kies de soort afspraak."),
    "when": N_("Vul de datum en tijd van de afspraak in."),
    "date": N_("Vul een datum in."),
    "location": N_("Vul de plaats in (een regel, hoogstens 120 tekens)."),
    "preview": N_("Bekijk eerst het voorbeeld. Je verstuurt altijd precies wat het voorbeeld laat zien."),
}
COMPOSER_CODES = {
    "send_at_past": N_("Deze tijd is al voorbij. Kies een tijd in de toekomst."),
    "send_at_too_late": N_("Kies een tijd binnen een jaar."),
    "event_past": N_(
        "Deze datum is al voorbij. Een bericht over iets dat al geweest is, kun je niet sturen."
    ),
    "after_event": N_("Het bericht zou pas na de datum in het bericht uitgaan. Kies een eerdere tijd."),
    "empty_audience": N_("Er zit niemand in deze groep. Kies een andere groep."),
    "preview_changed": N_(
        "Het formulier is veranderd na het voorbeeld ({part}). Er is niets verstuurd. "
        "Bekijk het voorbeeld opnieuw en verstuur daarna."
    ),
    "preview_expired": N_("Het voorbeeld is verlopen. Er is niets verstuurd. Bekijk het voorbeeld opnieuw."),
    "send_time_moved": N_(
        "Het bericht kan nu niet meer meteen uit: het zou pas later gaan dan het voorbeeld zegt. Er is niets "
        "verstuurd. Bekijk het voorbeeld opnieuw."
    ),
}
# What changed since the preview, named in the refusal ("preview_changed").
CHANGED_PARTS = {
    "template": N_("het bericht"),
    "audience": N_("wie het bericht krijgt"),
    "variables": N_("de gegevens in het bericht"),
    "sendAt": N_("wanneer het uitgaat"),
    "fingerprint": N_("het voorbeeld zelf"),
}
# Refusals about the preview as a whole are shown at the send button, not at a field.
PREVIEW_CODES = frozenset({"preview_changed", "preview_expired", "send_time_moved", "no_preview"})
FORM_ORDER = [
    "template",
    "audience_type",
    "appointment_id",
    "leerroute",
    "doelgroep",
    "klantmanager_id",
    "people",
    "kind",
    "when",
    "date",
    "location",
    "send_at",
    "preview",
]


def _choices(db: Session) -> dict[str, Any]:
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
    picked: service.Picked | None = None,
    chosen: list[Choice] | None = None,
    preview: dict[str, Any] | None = None,
    errors: forms.Errors | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    return page(
        request,
        "broadcast_new.html",
        user,
        status_code=status_code,
        title=N_("Nieuw groepsbericht"),
        form=form,
        preview=preview,
        chosen=chosen if chosen is not None else [_choice(p) for p in picked.chosen] if picked else [],
        found=[_choice(p) for p in picked.found] if picked else [],
        errors=errors,
        focus=forms.first(errors, FORM_ORDER),
        placeholders={k: f"[{gettext(user.language, v)}]" for k, v in PLACEHOLDER_LABELS.items()},
        **_choices(db),
    )


Choice = tuple[int, str, str | None]  # a person to tick: id, name, language


def _choice(person: Any) -> Choice:
    return (person.id, person.name, person.language)


def _refusal(exc: DomainError, language: str) -> forms.Errors:
    """A refusal of the composer, under the form field it is about, in the staff member's language."""
    if exc.code in PREVIEW_CODES or exc.field in ("previewId", "fingerprint"):
        part = CHANGED_PARTS.get((exc.field or "").split(".")[0], CHANGED_PARTS["fingerprint"])
        msgid = COMPOSER_CODES.get(exc.code or "", COMPOSER_CODES["preview_expired"])
        if exc.code == "no_preview":
            msgid = COMPOSER_ERRORS["preview"]
        return {"preview": forms.FieldError(msgid, {"part": gettext(language, part)})}
    field = broadcast_form.form_field_for(exc.field)
    msgid = COMPOSER_CODES.get(exc.code or "") or COMPOSER_ERRORS.get(field, forms.CHECK_FIELD)
    return {field: forms.FieldError(msgid)}


def _parse(form: broadcast_form.ComposerForm, model: type) -> Any:
    if not form.template:
        raise InvalidInput("choose a template", field="template")
    template = service.template_for(form.template)
    return broadcast_form.to_model(form, model, template.variables)


def _chosen(db: Session, user: WebUser, form: broadcast_form.ComposerForm) -> service.Picked:
    """The people ticked so far, by name (an audited read when there are any)."""
    if not form.people:
        return service.Picked([], [])
    return service.pick(db, user.principal, name="", chosen=form.person_ids())


def _refused(
    request: Request, user: WebUser, db: Session, form: broadcast_form.ComposerForm, exc: DomainError
) -> Response:
    db.rollback()
    picked = _chosen(db, user, form)
    db.commit()  # the audit event of the names shown
    errors = _refusal(exc, user.language)
    return _composer(request, user, db, form, picked=picked, errors=errors, status_code=exc.status)


@router.get("/broadcasts")
def broadcasts_page(
    request: Request, user: CoordinatorDep, db: SessionDep, done: str | None = None
) -> Response:
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
    return {key: t.title for key, t in TEMPLATES.items()}


@router.get("/broadcasts/new")
def broadcast_new(
    request: Request, user: CoordinatorDep, db: SessionDep, appointment_id: str = ""
) -> Response:
    return _composer(request, user, db, broadcast_form.ComposerForm(appointment_id=appointment_id))


@router.post("/broadcasts/new")
async def broadcast_find_people(request: Request, user: CoordinatorFormDep, db: SessionDep) -> Response:
    """The composer again with the people whose name matches the search, to tick (nothing is saved)."""
    form = broadcast_form.ComposerForm.from_form(await request.form())
    form.audience_type = "list"
    picked = service.pick(db, user.principal, name=form.person_query, chosen=form.person_ids())
    db.commit()  # the audit event of the names shown
    return _composer(request, user, db, form, picked=picked)


@router.post("/broadcasts/preview")
async def broadcast_preview(
    request: Request, user: CoordinatorFormDep, db: SessionDep, settings: SettingsDep
) -> Response:
    form = broadcast_form.ComposerForm.from_form(await request.form())
    try:
        result = service.preview(db, user.principal, _parse(form, BroadcastDraft), settings)
    except InvalidInput as exc:
        return _refused(request, user, db, form, exc)
    db.commit()  # the preview record and the audit event of the names it shows
    # The people ticked are the preview's recipients: their names come with it (no second read).
    listed = {
        line.inburgeraar_id: (line.inburgeraar_id, line.name, line.language) for line in result["listed"]
    }
    chosen = [listed[i] for i in form.person_ids() if i in listed] if form.audience_type == "list" else []
    form.preview_id, form.fingerprint = str(result["preview_id"]), result["fingerprint"]
    return _composer(request, user, db, form, chosen=chosen, preview=result)


@router.post("/broadcasts")
async def broadcast_create(
    request: Request, user: CoordinatorFormDep, db: SessionDep, settings: SettingsDep
) -> Response:
    """Send the preview shown, as it was shown; refused (nothing sent) when the form changed since."""
    form = broadcast_form.ComposerForm.from_form(await request.form())
    try:
        broadcast = service.create(db, user.principal, _parse(form, BroadcastCreate), settings)
    except DomainError as exc:
        if exc.status not in forms.SHOWN_AGAIN and exc.field != "previewId":
            raise
        form.preview_id = form.fingerprint = ""
        return _refused(request, user, db, form, exc)
    db.commit()
    return RedirectResponse(f"/ui/broadcasts/{broadcast.id}?done=scheduled", status_code=303)


@router.get("/broadcasts/{broadcast_id}")
def broadcast_page(
    broadcast_id: int,
    request: Request,
    user: CoordinatorDep,
    db: SessionDep,
    settings: SettingsDep,
    done: str | None = None,
) -> Response:
    detail = service.read_detail(db, user.principal, broadcast_id, settings)
    db.commit()  # the audit event of this read
    return _broadcast_view(
        request, user, db, detail.broadcast, "broadcast.html", N_("Groepsbericht"), detail=detail, flash=done
    )


@router.get("/broadcasts/{broadcast_id}/cancel")
def broadcast_cancel_confirm(
    broadcast_id: int, request: Request, user: CoordinatorDep, db: SessionDep
) -> Response:
    """Ask before cancelling: what would not go out, and the one button that cancels it."""
    broadcast = service.read(db, user.principal, broadcast_id)
    db.commit()  # the audit event of this read
    return _broadcast_view(
        request, user, db, broadcast, "broadcast_cancel.html", N_("Groepsbericht annuleren?")
    )


def _broadcast_view(
    request: Request,
    user: WebUser,
    db: Session,
    broadcast: Any,
    template: str,
    title: str,
    *,
    detail: service.Detail | None = None,
    flash: str | None = None,
) -> Response:
    """A page about one broadcast: its facts (status, audience, send time) and what the template adds."""
    data = service.to_out(db, broadcast)
    return page(
        request,
        template,
        user,
        title=title,
        b=data,
        detail=detail,
        templates=_template_titles(),
        audience=describe_audience(db, data["audience"]),
        flash=BROADCAST_FLASH.get(flash or ""),
    )


@router.post("/broadcasts/{broadcast_id}/cancel")
def broadcast_cancel(
    broadcast_id: int,
    user: CoordinatorFormDep,
    db: SessionDep,
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if confirmed != "yes":  # not from the confirmation page: ask there
        return RedirectResponse(f"/ui/broadcasts/{broadcast_id}/cancel", status_code=303)
    service.cancel(db, user.principal, broadcast_id)
    db.commit()
    return RedirectResponse(f"/ui/broadcasts/{broadcast_id}?done=cancelled", status_code=303)


def describe_audience(db: Session, rule: dict[str, Any]) -> dict[str, Any]:
    """What the pages say about the audience: its type and the one thing that picks it."""
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

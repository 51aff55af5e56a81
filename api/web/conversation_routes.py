"""The conversation page's forms: translated replies with their preview, acting for the person, internal
notes, and closing the question. Thin: parse, call one service, commit; a refused form comes back as the
page with the error next to its field and everything typed still there.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.appointments import service as appointments
from api.appointments.models import AbsenceReason
from api.attendance import service as attendance
from api.deps import SessionDep, SettingsDep
from api.errors import DomainError, InvalidInput
from api.i18n.catalog import N_
from api.i18n.formatting import TZ
from api.inbox import service as inbox
from api.messaging import conversations as messaging_conversations
from api.messaging import notes, staff_replies, translations
from api.settings import Settings
from api.staff.models import Staff
from api.tasks import service as tasks
from api.tasks.models import Escalation, Resolution
from api.translation import TranslationUnavailable, Translator
from api.web import canned, conversations
from api.web.guards import KlantmanagerFormDep, WebRoute, safe_next
from api.web.rendering import WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

NEW_TIME = (
    "new_time"  # besides api.attendance.service.ForPerson: a new time (appointments.new_time_for_person)
)
# Why a form was refused, next to the field the service named (staff read Dutch; the catalogs translate).
ERRORS = {
    "text": N_("Schrijf een antwoord of kies een standaardantwoord (niet allebei)."),
    "canned": N_("Kies een van de standaardantwoorden."),
    "too_long": N_("Je bericht is te lang. Maak het korter: hoogstens 1600 tekens."),
    "translation": N_("Dit is niet meer de vertaling uit het voorbeeld. Bekijk het voorbeeld opnieuw."),
    "translator": N_(
        "Vertalen lukt nu niet. Je tekst staat er nog: probeer het zo opnieuw of verstuur zonder vertaling."
    ),
    "action": N_("Kies wat je wilt vastleggen."),
    "appointment": N_("Kies een afspraak van deze persoon die nog kan."),
    "reason": N_("Kies de reden van de afmelding."),
    "startsAt": N_("Kies een nieuwe datum en tijd in de toekomst."),
    "note": N_("Schrijf een notitie van hoogstens 2000 tekens."),
    "resolution": N_("Stuur eerst een antwoord, of kies waarom er geen antwoord nodig is."),
    "close_note": N_("Schrijf op wat je hebt gedaan. Bij een dringende vraag is dat verplicht."),
}
# Services name a field as the API does; on this page some fields have another name.
PAGE_FIELDS = {"appointmentId": "appointment", "checkInCode": "appointment"}


def translator_of(request: Request) -> Translator | None:
    """The provider installed at start-up (None when translation is off)."""
    return getattr(request.app.state, "translator", None)


def preview_key(settings: Settings) -> bytes:
    """Signs a reply's preview, so that exactly what was shown is sent (api.messaging.translations)."""
    return hmac.new(settings.session_secret.encode(), b"reply-translation-preview", hashlib.sha256).digest()


def render(
    request: Request,
    user: WebUser,
    db: SessionDep,
    settings: Settings,
    person_id: int,
    *,
    flash: str | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
    preview: translations.TranslatedReply | None = None,
    status_code: int = 200,
) -> Response:
    """The conversation page; after a refused form, with its error and what was typed."""
    view = conversations.view(db, user.principal, person_id, translator_of(request))
    inbox.mark_read(db, user.principal, person_id)
    db.commit()  # the audit event of this read, the Dutch lines it cached, and the caller's read mark
    staff = db.get(Staff, user.staff_id)
    replies = canned.all_replies(view.person, staff, settings.municipality_phone, ui_language=user.language)
    return page(
        request,
        "conversation.html",
        user,
        status_code=status_code,
        title=N_("Gesprek"),
        view=view,
        replies=replies,
        flash=flash,
        error=ERRORS.get(error_field or ""),
        error_field=error_field,
        form=form or {},
        preview=preview,
        max_chars=staff_replies.MAX_REPLY_CHARS,
        max_note_chars=notes.MAX_NOTE_CHARS,
        actions=[*attendance.ForPerson, NEW_TIME],
        reasons=list(AbsenceReason),
        resolutions=[r for r in Resolution if r != Resolution.replied],
    )


def refused(
    request: Request,
    user: WebUser,
    db: SessionDep,
    settings: Settings,
    person_id: int,
    exc: DomainError,
    form: dict[str, str],
    *,
    fields: dict[str, str] | None = None,
) -> Response:
    """The page again after a refusal: 400 with the field, or the service's own status with a page error."""
    db.rollback()
    field = (fields or {}).get(exc.field or "", PAGE_FIELDS.get(exc.field or "", exc.field))
    if exc.code in ERRORS:  # a code more precise than its field ("too_long" of "text")
        field = exc.code
    if field not in ERRORS or exc.status in (401, 403):
        raise exc
    status = exc.status if exc.status != 404 else 400
    return render(request, user, db, settings, person_id, error_field=field, form=form, status_code=status)


def _done(person_id: int, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/ui/people/{person_id}/conversation?done={done}{anchor}", status_code=303)


@router.post("/people/{person_id}/reply/preview")
def preview_reply(
    request: Request,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Translate the Dutch draft and show it: nothing is sent until the preview is confirmed."""
    form = {"text": text}
    translator = translator_of(request)
    person = staff_replies.replyable_person(db, user.principal, person_id)
    if translator is None:
        return render(
            request, user, db, settings, person_id, error_field="translator", form=form, status_code=409
        )
    try:
        preview = translations.translate_reply(
            db, user.principal, person, text, translator, preview_key(settings)
        )
    except TranslationUnavailable:
        db.rollback()
        return render(
            request, user, db, settings, person_id, error_field="translator", form=form, status_code=503
        )
    except DomainError as exc:
        return refused(request, user, db, settings, person_id, exc, form)
    db.commit()  # the audit event of the call to the provider
    return render(request, user, db, settings, person_id, form=form, preview=preview)


@router.post("/people/{person_id}/reply/translated")
def send_translated(
    request: Request,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    translation: Annotated[str, Form(max_length=5000)] = "",
    provider: Annotated[str, Form(max_length=32)] = "",
    fingerprint: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Send exactly the previewed translation; the Dutch is kept beside it."""
    try:
        person = staff_replies.replyable_person(db, user.principal, person_id)
        translations.send_translated_reply(
            db,
            user.principal,
            person,
            preview_key(settings),
            dutch=text,
            translation=translation,
            provider=provider,
            fingerprint=fingerprint,
        )
    except DomainError as exc:
        return refused(request, user, db, settings, person_id, exc, {"text": text})
    db.commit()
    return _done(person_id, "reply_queued")


def _local(value: str) -> datetime:
    """A datetime-local field ("2026-12-10T10:00") as Amsterdam time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=TZ)
    except ValueError as exc:
        raise InvalidInput("a date and time are required", field="startsAt") from exc


def _appointment_id(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput("choose an appointment", field="appointment")
    return int(value)


@router.post("/people/{person_id}/act")
def act(
    request: Request,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    action: Annotated[str, Form(max_length=32)] = "",
    appointment: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    details: Annotated[str, Form(max_length=1000)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record for the person what they told the klantmanager (or the bot, while it stayed silent)."""
    form = {
        "action": action,
        "appointment": appointment,
        "reason": reason,
        "details": details,
        "starts_at": starts_at,
    }
    try:
        appointment_id = _appointment_id(appointment)
        if action == NEW_TIME:
            appointments.new_time_for_person(db, user.principal, appointment_id, person_id, _local(starts_at))
        else:
            attendance.act_for_person(
                db, user.principal, person_id, appointment_id, action, reason=reason or None, details=details
            )
    except DomainError as exc:
        return refused(request, user, db, settings, person_id, exc, form, fields={"": "appointment"})
    db.commit()
    return _done(person_id, "acted")


@router.post("/people/{person_id}/notes")
def add_note(
    request: Request,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """An internal note: stays with the conversation, never goes to the person."""
    try:
        notes.add_note(db, user.principal, person_id, note)
    except DomainError as exc:
        return refused(request, user, db, settings, person_id, exc, {"note": note})
    db.commit()
    return _done(person_id, "noted", "#notes-title")


@router.post("/people/{person_id}/number-confirmed")
def number_confirmed(
    request: Request, person_id: int, user: KlantmanagerFormDep, db: SessionDep, settings: SettingsDep
) -> Response:
    """The klantmanager checked with the person that the number is theirs: messages go there again."""
    try:
        messaging_conversations.confirm_number(db, user.principal, person_id)
    except DomainError as exc:
        return refused(request, user, db, settings, person_id, exc, {})
    db.commit()
    return _done(person_id, "number_confirmed", "#reply-title")


def resolve(
    request: Request,
    user: WebUser,
    db: SessionDep,
    settings: Settings,
    escalation_id: int,
    *,
    resolution: str,
    note: str,
    next_path: str,
) -> Response:
    """Close a question (api.tasks.service.resolve's rules). Refused, it shows the person's conversation
    with the error and the note typed, wherever the button was."""
    escalation = db.get(Escalation, escalation_id)
    person_id = escalation.inburgeraar_id if escalation is not None else None
    try:
        tasks.resolve(db, user.principal, escalation_id, resolution=resolution or None, note=note)
    except InvalidInput as exc:
        if person_id is None:
            raise
        form = {"resolution": resolution, "close_note": note}
        return refused(request, user, db, settings, person_id, exc, form, fields={"note": "close_note"})
    db.commit()
    return RedirectResponse(f"{safe_next(next_path, '/ui/inbox')}?done=resolved", status_code=303)

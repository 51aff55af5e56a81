"""The staff web UI under /ui: login, conversations and, in inbox.py and console.py, the inbox and the
coordinator's pages.

Routes stay thin: they parse the form, check the session, call one service and commit; every rule lives
in the services the API and the bot share.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.appointments import service as appointments
from api.appointments.models import Assessment
from api.attendance import service as attendance
from api.auth import new_token
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import DomainError, Forbidden, NotAuthenticated, NotFound, TooManyRequests
from api.i18n.catalog import N_
from api.inbox import service as inbox
from api.messaging import conversations as messaging_conversations
from api.people import service as people
from api.tasks import service as tasks
from api.tasks.models import TaskKind
from api.translation import translator_for
from api.web import caseload, conversation_routes, conversations, forms, oidc, signin, sso
from api.web.guards import (
    FormUserDep,
    KlantmanagerDep,
    KlantmanagerFormDep,
    WebRoute,
    WebUserDep,
    safe_next,
)
from api.web.rendering import STATIC, WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

FLASH = {
    "claimed": N_("Je behandelt deze vraag nu."),
    "resolved": N_("Afgehandeld. De assistent antwoordt weer."),
    "reply_queued": N_("Je antwoord staat klaar om te versturen."),
    "acted": N_("Vastgelegd namens de persoon."),
    "noted": N_("Notitie opgeslagen."),
    "number_confirmed": N_("Nummer bevestigd. Berichten gaan weer naar dit nummer."),
    "marked": N_("Aanwezigheid opgeslagen."),
    "assessed": N_("Beoordeling opgeslagen."),
    "task_done": N_("Taak afgerond."),
    "task_taken": N_("Je hebt deze taak opgepakt."),
    "number_linked": N_("Nummer gekoppeld. Wat dit nummer schreef, staat nu in het dossier van de persoon."),
}
LINK_ERROR = N_("Kies de persoon bij wie dit nummer hoort.")
APPOINTMENTS_BACK = timedelta(days=14)
APPOINTMENTS_AHEAD = timedelta(days=42)


def evidence_url(appointment_id: int, fmt: str = "html") -> str:
    """The evidence trail of an appointment (reminders, replies, staff actions) for the hearing.

    Served under /ui so the session cookie authorises it; /api/v1/.../evidence wants a bearer token.
    """
    return f"/ui/appointments/{appointment_id}/evidence" + (".csv" if fmt == "csv" else "")


def _flash(done: str | None) -> str | None:
    return FLASH.get(done or "")


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


# --- login, logout, language ------------------------------------------------------------------


def _login_page(
    request: Request,
    settings,
    *,
    language: str,
    next_path: str,
    error: str | None = None,
    status_code: int = 200,
    expired: bool = False,
    email: str = "",
) -> Response:
    token = new_token()
    response = page(
        request,
        "login.html",
        None,
        language=language,
        status_code=status_code,
        csrf=token,
        next_path=next_path,
        error=error,
        expired=expired,
        email=email,
        title=N_("Inloggen"),
        provider=oidc.provider_name(settings) if settings.oidc_configured else None,
        password_login=settings.password_login_allowed,
    )
    signin.set_login_csrf_cookie(response, settings, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login")
def login_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    next: str | None = None,
    expired: bool = False,
    lang: str | None = None,
) -> Response:
    if signin.current_session(db, settings, request.cookies.get(signin.SESSION_COOKIE)) is not None:
        db.commit()
        return RedirectResponse(safe_next(next), status_code=303)
    db.commit()
    return _login_page(
        request, settings, language=signin.ui_language(lang), next_path=safe_next(next), expired=expired
    )


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
    language: Annotated[str, Form(max_length=8)] = "nl",
) -> Response:
    language = signin.ui_language(language)

    def again(status_code: int, error: str) -> Response:
        """The login form once more, with what went wrong and the address typed."""
        return _login_page(
            request,
            settings,
            language=language,
            next_path=safe_next(next),
            status_code=status_code,
            error=error,
            email=email,
        )

    if not signin.csrf_ok(request.cookies.get(signin.LOGIN_CSRF_COOKIE), csrf_token):
        return again(403, N_("Het formulier is verlopen. Probeer het nog eens."))
    if not email.strip() or not password:
        return again(400, N_("Vul je e-mailadres en wachtwoord in."))
    address = request.client.host if request.client else None  # the proxy's X-Forwarded-For (uvicorn)
    try:
        _, token = signin.login(db, settings, email, password, address=address, language=language)
    except TooManyRequests as refused:
        db.commit()  # keep the audit event of the refused attempt
        page = again(429, N_("Te vaak een verkeerd wachtwoord. Probeer het over een kwartier opnieuw."))
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    except Forbidden:
        db.commit()  # password login is off here (production); the refusal is audited
        return again(403, N_("Inloggen met een wachtwoord staat uit."))
    except NotAuthenticated:
        db.commit()  # keep the audit event of the failed attempt
        return again(401, N_("E-mailadres of wachtwoord klopt niet."))
    db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    signin.set_session_cookie(response, settings, token)
    response.delete_cookie(signin.LOGIN_CSRF_COOKIE, path="/ui")
    return response


# Why a sign-in through the provider was refused, in words a staff member can act on (status, text).
SSO_REFUSALS = {
    sso.Refusal.expired: (
        400,
        N_("Het inloggen duurde te lang of is in een ander venster begonnen. Probeer het opnieuw."),
    ),
    sso.Refusal.state: (
        400,
        N_("Het inloggen duurde te lang of is in een ander venster begonnen. Probeer het opnieuw."),
    ),
    sso.Refusal.cancelled: (401, N_("Het inloggen is afgebroken bij {provider}.")),
    sso.Refusal.unavailable: (503, N_("{provider} is nu niet bereikbaar. Probeer het later opnieuw.")),
    sso.Refusal.token: (
        401,
        N_(
            "Het antwoord van {provider} klopte niet. Probeer het opnieuw. Lukt het weer niet, "
            "neem dan contact op met de servicedesk."
        ),
    ),
    sso.Refusal.second_factor: (
        403,
        N_(
            "Je bent ingelogd zonder tweede stap (bijvoorbeeld een code op je telefoon). Log opnieuw in bij "
            "{provider} en gebruik de tweede stap."
        ),
    ),
    sso.Refusal.no_role: (
        403,
        N_(
            "Je account bij {provider} geeft geen toegang tot de inburgering assistent. Vraag de "
            "servicedesk om je in de groep voor klantmanagers of coordinatoren te zetten."
        ),
    ),
    sso.Refusal.several_roles: (
        403,
        N_(
            "Je account bij {provider} staat in groepen voor meer dan één rol. Vraag de servicedesk om je "
            "in één groep te zetten: klantmanager, coordinator of beheerder."
        ),
    ),
    sso.Refusal.no_account: (
        403,
        N_(
            "Er is nog geen account voor jou in de inburgering assistent. Vraag de beheerder om een "
            "account met je e-mailadres van de gemeente."
        ),
    ),
    sso.Refusal.email_taken: (
        403,
        N_(
            "Je e-mailadres hoort bij een account dat al aan iemand anders bij {provider} is gekoppeld. "
            "Neem contact op met de beheerder."
        ),
    ),
    sso.Refusal.inactive: (403, N_("Je account is uitgeschakeld. Neem contact op met de beheerder.")),
}


def _sso_refused(request: Request, settings, refused: sso.Refused) -> Response:
    status_code, text = SSO_REFUSALS[refused.reason]
    response = page(
        request,
        "login_refused.html",
        None,
        language=refused.language,
        status_code=status_code,
        title=N_("Inloggen lukt niet"),
        text=text,
        provider=oidc.provider_name(settings),
    )
    response.headers["Cache-Control"] = "no-store"
    sso.clear_browser_cookie(response)
    return response


@router.get("/login/oidc")
def oidc_start(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """Send the browser to the identity provider (the "Inloggen via ..." button)."""
    if not settings.oidc_configured:
        raise NotFound("single sign-on is not configured")
    language = signin.ui_language(lang)
    try:
        url, browser = sso.start(db, settings, next_path=safe_next(next), language=language)
    except sso.Refused as refused:
        db.rollback()
        return _sso_refused(request, settings, refused)
    db.commit()
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    sso.set_browser_cookie(response, settings, browser)
    return response


@router.get(oidc.CALLBACK_PATH.removeprefix("/ui"))
def oidc_callback(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    state: Annotated[str, Query(max_length=128)] = "",
    code: Annotated[str, Query(max_length=4096)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The provider sends the browser back here with a code (or an error)."""
    if not settings.oidc_configured:
        raise NotFound("single sign-on is not configured")
    try:
        _, token, next_path = sso.finish(
            db, settings, browser=request.cookies.get(sso.BROWSER_COOKIE), state=state, code=code, error=error
        )
    except sso.Refused as refused:
        db.commit()  # keep the audit event, the used-up sign-in and any sessions ended
        return _sso_refused(request, settings, refused)
    db.commit()
    response = RedirectResponse(next_path, status_code=303)
    signin.set_session_cookie(response, settings, token)
    sso.clear_browser_cookie(response)
    return response


@router.post("/logout")
def logout(user: FormUserDep, db: SessionDep, settings: SettingsDep) -> Response:
    """End our session; a single sign-on session also goes on to the provider's logout, when it has one."""
    from api.web.models import StaffSession

    target = "/ui/login"
    session = db.get(StaffSession, user.session_id)
    if session is not None:
        target = sso.logout_url(settings, session) or target
        signin.logout(db, session)
    db.commit()
    response = RedirectResponse(target, status_code=303)
    signin.clear_session_cookie(response, settings)
    return response


@router.post("/language")
def set_language(
    user: FormUserDep,
    db: SessionDep,
    language: Annotated[str, Form(max_length=8)] = "nl",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
) -> Response:
    from api.web.models import StaffSession

    session = db.get(StaffSession, user.session_id)
    if session is not None:
        session.language = signin.ui_language(language)
    db.commit()
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/")
def home(user: WebUserDep) -> Response:
    target = "/ui/inbox" if user.is_klantmanager else "/ui/broadcasts"
    return RedirectResponse(target, status_code=303)


# --- inbox and conversations -------------------------------------------------------------------


@router.post("/escalations/{escalation_id}/claim")
def claim(
    escalation_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    next: Annotated[str, Form(max_length=500)] = "/ui/inbox",
) -> Response:
    inbox.take(db, user.principal, escalation_id, settings)
    db.commit()
    return _back(safe_next(next, "/ui/inbox"), "claimed")


@router.post("/escalations/{escalation_id}/resolve")
def resolve(
    request: Request,
    escalation_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    next: Annotated[str, Form(max_length=500)] = "/ui/inbox",
    resolution: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Close a question: after a reply, or with the reason none was needed; an urgent one with a note."""
    return conversation_routes.resolve(
        request, user, db, settings, escalation_id, resolution=resolution, note=note, next_path=next
    )


@router.get("/people/{person_id}/conversation")
def conversation_page(
    request: Request,
    person_id: int,
    user: KlantmanagerDep,
    db: SessionDep,
    settings: SettingsDep,
    done: str | None = None,
) -> Response:
    return conversation_routes.render(request, user, db, settings, person_id, flash=_flash(done))


def _reply_too_long(
    request: Request, db: Session, user: WebUser, form: FormData, exc: forms.Refusal
) -> Response | None:
    """A reply longer than the form takes, refused before the handler runs: the page with the draft kept
    (the handler shows the service's own refusals, conversation_routes.refused)."""
    if isinstance(exc, DomainError):
        return None
    draft = {"text": forms.submitted(form, "text")}
    person_id = int(request.path_params["person_id"])
    settings = request.app.state.settings
    return conversation_routes.render(
        request, user, db, settings, person_id, error_field="too_long", form=draft, status_code=400
    )


@router.post("/people/{person_id}/reply")
@forms.redisplayed_by(_reply_too_long)
def reply(
    request: Request,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    canned_key: Annotated[str, Form(alias="canned")] = "",
) -> Response:
    try:
        conversations.send_reply(
            db,
            user.principal,
            person_id,
            text=text,
            canned_key=canned_key or None,
            municipality_phone=settings.municipality_phone,
        )
    except DomainError as exc:
        return conversation_routes.refused(request, user, db, settings, person_id, exc, {"text": text})
    db.commit()
    return _back(f"/ui/people/{person_id}/conversation", "reply_queued")


# --- attendance ---------------------------------------------------------------------------------


def _appointments_page(
    request: Request,
    user: WebUser,
    db: Session,
    *,
    flash: str | None = None,
    failed: dict[str, Any] | None = None,
    errors: forms.Errors | None = None,
    status_code: int = 200,
) -> Response:
    now = utcnow()
    rows = appointments.caseload_appointments(
        db, user.principal, start=now - APPOINTMENTS_BACK, end=now + APPOINTMENTS_AHEAD
    )
    db.commit()  # the audit event of this read
    errors = errors or {}
    return page(
        request,
        "appointments.html",
        user,
        status_code=status_code,
        title=N_("Afspraken"),
        rows=rows,
        now=now,
        assessments=list(Assessment),
        flash=flash,
        evidence_url=evidence_url,
        failed=failed,
        errors=errors,
        focus=next(iter(errors), None),
    )


@router.get("/appointments")
def appointments_page(
    request: Request, user: KlantmanagerDep, db: SessionDep, done: str | None = None
) -> Response:
    return _appointments_page(request, user, db, flash=_flash(done))


@router.post("/appointments/{appointment_id}/participants/{person_id}/mark")
def mark(
    appointment_id: int,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    attendance.mark(db, user.principal, appointment_id, person_id, status)
    db.commit()
    return _back("/ui/appointments", "marked")


ASSESS_ERRORS = {"assessment": N_("Kies een beoordeling.")}


def _assess_again(
    request: Request, db: Session, user: WebUser, form: FormData, exc: forms.Refusal
) -> Response | None:
    """The appointments page with the refused assessment and note still in their row's form (None when
    the row has nothing to assess: it has no form to show them in)."""
    if forms.status_of(exc) == 409:
        return None
    appointment_id, person_id = (int(request.path_params[k]) for k in ("appointment_id", "person_id"))
    row = f"{appointment_id}-{person_id}"
    ids = {"assessment": f"assessment-{row}", "note": f"note-{row}"}
    errors = forms.errors_of(exc, ids, ASSESS_ERRORS)
    failed = {
        "row": row,
        "assessment": forms.submitted(form, "assessment"),
        "note": forms.submitted(form, "note"),
    }
    return _appointments_page(
        request, user, db, failed=failed, errors=errors, status_code=forms.status_of(exc)
    )


@router.post("/appointments/{appointment_id}/participants/{person_id}/assess")
@forms.redisplayed_by(_assess_again)
def assess(
    appointment_id: int,
    person_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    assessment: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    attendance.assess(db, user.principal, appointment_id, person_id, assessment, note)
    db.commit()
    return _back("/ui/appointments", "assessed")


def _evidence(db: SessionDep, user: WebUser, appointment_id: int, fmt: str) -> Response:
    try:
        from api.evidence import service as evidence
    except ModuleNotFoundError as exc:  # the evidence package is optional, like every domain module
        raise NotFound("the evidence trail is not available in this installation") from exc
    trail = evidence.for_appointment(db, user.principal, appointment_id, fmt=fmt)
    db.commit()  # the audit event of this read
    headers = {"Cache-Control": "no-store"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="verslag-afspraak-{appointment_id}.csv"'
        return Response(evidence.to_csv(trail), media_type="text/csv; charset=utf-8", headers=headers)
    return HTMLResponse(evidence.to_html(trail), headers=headers)


@router.get("/appointments/{appointment_id}/evidence")
def evidence_page(appointment_id: int, user: KlantmanagerDep, db: SessionDep) -> Response:
    return _evidence(db, user, appointment_id, "html")


@router.get("/appointments/{appointment_id}/evidence.csv")
def evidence_csv(appointment_id: int, user: KlantmanagerDep, db: SessionDep) -> Response:
    return _evidence(db, user, appointment_id, "csv")


# --- tasks and caseload -------------------------------------------------------------------------


@router.get("/tasks")
def tasks_page(request: Request, user: KlantmanagerDep, db: SessionDep, done: str | None = None) -> Response:
    return _tasks_page(request, user, db, flash=_flash(done))


def _tasks_page(
    request: Request, user: WebUser, db: Session, *, flash: str | None = None, error: str | None = None
) -> Response:
    mine, unassigned = tasks.open_tasks(db, user.principal)
    linking = [
        i.task.conversation_id for i in mine + unassigned if i.task.kind == TaskKind.link_unknown_number
    ]
    numbers = messaging_conversations.unknown_numbers(db, user.principal, linking)
    # Whom an unknown number can be linked to: the caller's own caseload (read only when one waits).
    caseload_people = people.list_inburgeraars(db, user.principal, limit=1000) if numbers else []
    db.commit()  # the audit events of these reads
    return page(
        request,
        "tasks.html",
        user,
        title=N_("Taken"),
        mine=mine,
        unassigned=unassigned,
        numbers=numbers,
        caseload_people=caseload_people,
        flash=flash,
        error=error,
        status_code=400 if error else 200,
    )


@router.post("/tasks/{task_id}/done")
def task_done(task_id: int, user: KlantmanagerFormDep, db: SessionDep) -> Response:
    tasks.complete_task(db, user.principal, task_id)
    db.commit()
    return _back("/ui/tasks", "task_done")


@router.post("/tasks/{task_id}/link")
def task_link(
    request: Request,
    task_id: int,
    user: KlantmanagerFormDep,
    db: SessionDep,
    person: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Link an unknown number to a person of the caller's caseload (audited; the task is then done)."""
    if not person.isdigit():
        return _tasks_page(request, user, db, error=LINK_ERROR)
    messaging_conversations.link_unknown_number(db, user.principal, task_id, int(person))
    db.commit()
    return _back("/ui/tasks", "number_linked")


@router.post("/tasks/{task_id}/take")
def task_take(task_id: int, user: KlantmanagerFormDep, db: SessionDep) -> Response:
    tasks.take_task(db, user.principal, task_id)
    db.commit()
    return _back("/ui/tasks", "task_taken")


@router.get("/caseload")
def caseload_page(request: Request, user: KlantmanagerDep, db: SessionDep) -> Response:
    rows = caseload.caseload_deadlines(db, user.principal)
    db.commit()  # the audit event of this read
    return page(
        request,
        "caseload.html",
        user,
        title=N_("Caseload"),
        rows=rows,
        pvt_required=caseload.PVT_HOURS_REQUIRED,
    )


def mount(app: FastAPI, v1: APIRouter) -> None:
    """Serve the UI and its static files (CSS, JS, no CDN) from the API process."""
    from api.web import broadcast_pages, console, privacy, register
    from api.web import inbox as inbox_pages

    app.mount("/ui/static", StaticFiles(directory=str(STATIC)), name="ui-static")
    app.state.translator = translator_for(app.state.settings)  # None when off: nothing leaves the API
    app.include_router(router)
    app.include_router(inbox_pages.router)
    app.include_router(conversation_routes.router)
    app.include_router(console.router)
    app.include_router(broadcast_pages.router)
    app.include_router(privacy.router)
    app.include_router(register.router)

    @app.get("/ui", include_in_schema=False)
    def ui_root() -> Response:
        return RedirectResponse("/ui/", status_code=307)

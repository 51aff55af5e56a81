"""Who is using the web UI, and the checks every page and form shares (login, CSRF, role)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from api.audit import service as audit
from api.auth import principal_for_staff
from api.deps import SessionDep, SettingsDep
from api.errors import DomainError, Forbidden
from api.i18n.catalog import N_
from api.staff.models import CASE_ROLES, Role
from api.web import forms, signin
from api.web.rendering import WebUser, page

log = structlog.get_logger()


class LoginRequired(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


def safe_next(value: str | None, default: str = "/ui/") -> str:
    """Only local UI paths, so a crafted link cannot send a freshly logged-in user elsewhere."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


ERROR_TITLES = {
    400: N_("Er klopt iets niet"),
    401: N_("Log opnieuw in"),
    403: N_("Geen toegang"),
    404: N_("Niet gevonden"),
    409: N_("Dit kan nu niet"),
}
ERROR_TEXTS = {
    400: N_("Controleer wat je hebt ingevuld bij: {field}. Ga terug en probeer het opnieuw."),
    403: N_("Je hebt geen toegang tot deze pagina of actie. Mensen buiten je caseload zie je niet."),
    404: N_("Wat je zoekt bestaat niet (meer)."),
    409: N_("Dit kan nu niet meer. Laad de pagina opnieuw."),
}
CODE_TEXTS = {
    "opted_out": N_("Deze persoon heeft STOP gestuurd. Neem op een andere manier contact op."),
    "number_disputed": N_(
        "Wie dit nummer nu heeft, schreef dat het niet van deze persoon is. Ga het nummer op een andere "
        "manier na."
    ),
    "resolved": N_("Deze vraag is al afgehandeld."),
    "not_disputed": N_("Het nummer van deze persoon wordt niet (meer) betwijfeld."),
    "nothing_to_assess": N_("Alleen een afmelding of niet verschijnen kun je beoordelen."),
    "done": N_("Deze taak is al klaar."),
    "csrf": N_("Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."),
    "taken": N_("Een collega heeft deze vraag net opgepakt."),
}


def error_page(
    request: Request, status: int, *, field: str | None = None, code: str | None = None
) -> Response:
    user: WebUser | None = getattr(request.state, "web_user", None)
    return page(
        request,
        "error.html",
        user,
        status_code=status,
        title=ERROR_TITLES.get(status, N_("Er ging iets mis")),
        title_msgid=ERROR_TITLES.get(status, N_("Er ging iets mis")),
        text_msgid=CODE_TEXTS.get(code or "") or ERROR_TEXTS.get(status, N_("Probeer het later opnieuw.")),
        field_msgid=forms.field_label(field),
    )


async def _shown_again(request: Request, endpoint: Callable[..., Any], exc: forms.Refusal) -> Response | None:
    """The refused form's own page with the submitted values and the errors next to the fields, if the
    route registered one (forms.redisplayed_by) and the refusal is about what was filled in."""
    render = forms.redisplay_for(endpoint)
    user: WebUser | None = getattr(request.state, "web_user", None)
    if render is None or user is None or request.method != "POST":
        return None
    if forms.status_of(exc) not in forms.SHOWN_AGAIN:
        return None
    submitted = await request.form()
    with request.app.state.db.session() as db:
        return render(request, db, user, submitted, exc)


class WebRoute(APIRoute):
    """Routes of the UI answer in HTML: a login redirect or an error page instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def html_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                target = "/ui/login"
                if request.method == "GET":
                    target += f"?next={quote(request.url.path, safe='/')}"
                if exc.expired:
                    target += ("&" if "?" in target else "?") + "expired=1"
                return RedirectResponse(target, status_code=303)
            except DomainError as exc:
                log.info("web_request_refused", path=request.url.path, status=exc.status, code=exc.code)
                shown = await _shown_again(request, self.endpoint, exc)
                return shown or error_page(request, exc.status, field=exc.field, code=exc.code)
            except RequestValidationError as exc:
                log.info("web_request_refused", path=request.url.path, status=400, code="validation")
                shown = await _shown_again(request, self.endpoint, exc)
                errors = exc.errors()
                field = forms.field_of(errors[0].get("loc", ())) if errors else None
                return shown or error_page(request, 400, field=field)

        return html_handler


# Sent by a page's own script on requests nobody clicked (api/web/static/inbox.js).
BACKGROUND_HEADER = "X-Background"


def get_web_user(request: Request, db: SessionDep, settings: SettingsDep) -> WebUser:
    token = request.cookies.get(signin.SESSION_COOKIE)
    touch = request.headers.get(BACKGROUND_HEADER) != "1"
    session = signin.current_session(db, settings, token, touch=touch)
    db.commit()  # last_seen, or the removal of an expired session
    if session is None:
        raise LoginRequired(expired=bool(token))
    staff = session.staff
    user = WebUser(
        session_id=session.id,
        staff_id=staff.id,
        name=staff.name,
        role=staff.role,
        csrf=session.csrf_token,
        language=session.language,
        principal=principal_for_staff(staff),
    )
    request.state.web_user = user
    return user


WebUserDep = Annotated[WebUser, Depends(get_web_user)]


async def checked_form(request: Request, user: WebUserDep) -> WebUser:
    """Every POST from the UI carries the session's CSRF token."""
    form = await request.form()
    submitted = form.get("csrf_token")
    if not signin.csrf_ok(user.csrf, submitted if isinstance(submitted, str) else None):
        log.info("web_csrf_refused", staff_id=user.staff_id, path=request.url.path)
        raise Forbidden("CSRF token missing or wrong", field="csrf_token", code="csrf")
    return user


FormUserDep = Annotated[WebUser, Depends(checked_form)]


def _require(request: Request, db: Session, user: WebUser, roles: tuple[str, ...]) -> WebUser:
    """The page's role, with a refusal written to the audit log (the path is what was refused)."""
    path = request.url.path[:64]
    audit.require_role(db, user.principal, *roles, action="open", object_type="page", object_id=path)
    return user


def requires(*roles: str) -> Callable[..., WebUser]:
    def check(request: Request, user: WebUserDep, db: SessionDep) -> WebUser:
        return _require(request, db, user, roles)

    return check


def requires_form(*roles: str) -> Callable[..., WebUser]:
    def check(request: Request, user: FormUserDep, db: SessionDep) -> WebUser:
        return _require(request, db, user, roles)

    return check


KlantmanagerDep = Annotated[WebUser, Depends(requires(Role.klantmanager))]
KlantmanagerFormDep = Annotated[WebUser, Depends(requires_form(Role.klantmanager))]
CoordinatorDep = Annotated[WebUser, Depends(requires(Role.coordinator))]
CoordinatorFormDep = Annotated[WebUser, Depends(requires_form(Role.coordinator))]
CaseWorkerDep = Annotated[WebUser, Depends(requires(*CASE_ROLES))]
CaseWorkerFormDep = Annotated[WebUser, Depends(requires_form(*CASE_ROLES))]

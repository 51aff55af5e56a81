"""The person's privacy page: what we hold, the end of the obligation, export (art. 15) and erasure (art. 17).

Klantmanagers reach it from the conversation page and export their own people's data; coordinators find
people on /ui/people and erase, after a confirmation page. Every rule lives in api.privacy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.errors import InvalidInput
from api.i18n.catalog import N_
from api.people import service as people
from api.people.schemas import InburgeraarUpdate
from api.privacy import erasure, export, overview
from api.privacy.erasure import STAFF_REASONS
from api.settings import Settings
from api.web import forms
from api.web.guards import CoordinatorDep, CoordinatorFormDep, FormUserDep, WebRoute, WebUserDep
from api.web.rendering import WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

REASON_LABELS = {
    "request": N_("Verzoek van de persoon"),
    "registered_in_error": N_("Onterecht of dubbel geregistreerd"),
}
FLASH = {
    "saved": N_("Opgeslagen."),
    "erased": N_("Gewist. Er staat niets meer van deze persoon in het systeem."),
}
PEOPLE_SHOWN = 200


@router.get("/people")
def people_page(
    request: Request, user: CoordinatorDep, db: SessionDep, q: str = "", done: str | None = None
) -> Response:
    rows = people.list_inburgeraars(db, user.principal, limit=PEOPLE_SHOWN, name=q[:200])
    db.commit()  # the audit event of this read
    return page(
        request, "people.html", user, title=N_("Personen"), rows=rows, q=q, flash=FLASH.get(done or "")
    )


def _privacy_page(
    request: Request,
    user: WebUser,
    db: Session,
    settings: Settings,
    person_id: int,
    *,
    errors: forms.Errors | None = None,
    ended_on_typed: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    view = overview.overview(db, user.principal, person_id, settings)
    db.commit()  # the audit event of this read
    errors = errors or {}
    return page(
        request,
        "privacy.html",
        user,
        status_code=status_code,
        title=N_("Privacy en gegevens"),
        errors=errors,
        focus=next(iter(errors), None),
        ended_on_typed=ended_on_typed,
        view=view,
        reasons=[(r.value, REASON_LABELS[r]) for r in STAFF_REASONS],
        can_export=user.is_klantmanager,
        can_erase=user.is_coordinator,
        **context,
    )


@router.get("/people/{person_id}/privacy")
def privacy_page(
    request: Request,
    person_id: int,
    user: WebUserDep,
    db: SessionDep,
    settings: SettingsDep,
    done: str | None = None,
) -> Response:
    return _privacy_page(request, user, db, settings, person_id, flash=FLASH.get(done or ""))


OBLIGATION_ERRORS = {"ended_on": N_("Vul een datum in, bijvoorbeeld 9 december 2026, of laat het veld leeg.")}


def _obligation_again(
    request: Request, db: Session, user: WebUser, form: FormData, exc: forms.Refusal
) -> Response:
    """The privacy page with the date as typed and the reason next to it."""
    return _privacy_page(
        request,
        user,
        db,
        request.app.state.settings,
        int(request.path_params["person_id"]),
        errors=forms.errors_of(exc, {"ended_on": "ended-on"}, OBLIGATION_ERRORS),
        ended_on_typed=forms.submitted(form, "ended_on"),
        status_code=forms.status_of(exc),
    )


@router.post("/people/{person_id}/obligation")
@forms.redisplayed_by(_obligation_again)
def set_obligation_end(
    person_id: int,
    user: FormUserDep,
    db: SessionDep,
    ended_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The day the obligation ended (empty: it has not); the case file's term counts from it."""
    try:
        day = date.fromisoformat(ended_on) if ended_on else None
    except ValueError as exc:
        raise InvalidInput("not a date", field="ended_on") from exc
    people.update_inburgeraar(db, user.principal, person_id, InburgeraarUpdate(obligation_ended_on=day))
    db.commit()
    return RedirectResponse(f"/ui/people/{person_id}/privacy?done=saved", status_code=303)


@router.get("/people/{person_id}/export.json")
def export_download(person_id: int, user: WebUserDep, db: SessionDep, settings: SettingsDep) -> Response:
    document = export.export(db, user.principal, person_id, settings)
    db.commit()  # the audit event of this export
    return JSONResponse(document, headers=export.download_headers(person_id))


def _reason(reason: str) -> str:
    if reason not in REASON_LABELS:
        raise InvalidInput("choose a reason", field="reason")
    return reason


@router.get("/people/{person_id}/erase")
def erase_confirm(
    request: Request,
    person_id: int,
    user: CoordinatorDep,
    db: SessionDep,
    settings: SettingsDep,
    reason: str = "",
) -> Response:
    """The confirmation step: what will go, and the last button."""
    return _confirm_page(request, user, db, settings, person_id, _reason(reason))


def _confirm_page(
    request: Request,
    user: WebUser,
    db: SessionDep,
    settings: SettingsDep,
    person_id: int,
    reason: str,
    *,
    error: str | None = None,
) -> Response:
    view = overview.overview(db, user.principal, person_id, settings)
    db.commit()
    return page(
        request,
        "erase_confirm.html",
        user,
        status_code=400 if error else 200,
        title=N_("Definitief wissen?"),
        view=view,
        reason=reason,
        reason_label=REASON_LABELS[reason],
        error=error,
    )


@router.post("/people/{person_id}/erase")
def erase(
    request: Request,
    person_id: int,
    user: CoordinatorFormDep,
    db: SessionDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=32)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if confirmed != "yes":
        error = N_("Vink aan dat je het hebt gecontroleerd.")
        return _confirm_page(request, user, db, settings, person_id, _reason(reason), error=error)
    erasure.erase_and_commit(db, user.principal, person_id, _reason(reason), settings)
    return RedirectResponse("/ui/people?done=erased", status_code=303)

"""The team inbox pages: the klantmanager's inbox (/ui/inbox), the coordinator's team inbox (/ui/team),
the fingerprint their script polls for live updates, and handing a question to a colleague.

Who sees what is api.tasks.visibility's rule (ADR 0019); the pages work without JavaScript (links for the
views, a GET form for search, POST forms for the actions, a link to refresh), and inbox.js only replaces
the list when the fingerprint changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.errors import InvalidInput
from api.i18n.catalog import N_
from api.inbox import service as inbox
from api.settings import Settings
from api.web.guards import (
    CaseWorkerDep,
    CaseWorkerFormDep,
    CoordinatorDep,
    KlantmanagerDep,
    WebRoute,
    safe_next,
)
from api.web.rendering import WebUser, page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

FLASH = {
    "reassigned": N_("De vraag is doorgegeven. Je collega krijgt bericht."),
    "claimed": N_("Je behandelt deze vraag nu."),  # the claim form's answer when it returns here
}
REASSIGN_ERROR = N_("Kies een collega uit je team.")


@dataclass
class ListQuery:
    """The query string of both list pages: which view, what to search, which action just succeeded."""

    view: str | None = None
    q: str = ""
    done: str | None = None


ListQueryDep = Annotated[ListQuery, Depends()]


def _page(
    request: Request,
    user: WebUser,
    db: SessionDep,
    settings: Settings,
    query: ListQuery,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    box = inbox.inbox(db, user.principal, inbox.parse_view(user.principal, query.view), query.q)
    db.commit()  # the audit event of this read
    return page(
        request,
        "inbox.html",
        user,
        status_code=status_code,
        title=N_("Inbox") if user.is_klantmanager else N_("Teaminbox"),
        box=box,
        base="/ui/inbox" if user.is_klantmanager else "/ui/team",
        poll_seconds=settings.inbox_poll_seconds,
        flash=FLASH.get(query.done or ""),
        error=error,
    )


@router.get("/inbox")
def inbox_page(
    request: Request, user: KlantmanagerDep, db: SessionDep, settings: SettingsDep, query: ListQueryDep
) -> Response:
    return _page(request, user, db, settings, query)


@router.get("/team")
def team_page(
    request: Request, user: CoordinatorDep, db: SessionDep, settings: SettingsDep, query: ListQueryDep
) -> Response:
    return _page(request, user, db, settings, query)


@router.get("/inbox/state")
def inbox_state(user: CaseWorkerDep, db: SessionDep) -> Response:
    """What the open inbox polls: a fingerprint and counts, nobody named (not audited; ADR 0019)."""
    current = inbox.state(db, user.principal)
    db.commit()
    return JSONResponse(
        {"version": current.version, "counts": current.counts}, headers={"Cache-Control": "no-store"}
    )


@router.post("/escalations/{escalation_id}/reassign")
def reassign(
    request: Request,
    escalation_id: int,
    user: CaseWorkerFormDep,
    db: SessionDep,
    settings: SettingsDep,
    to: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/inbox",
) -> Response:
    back = safe_next(next, "/ui/inbox" if user.is_klantmanager else "/ui/team")
    try:
        if not to.isdigit():
            raise InvalidInput("choose a colleague", field="to")
        inbox.reassign(db, user.principal, escalation_id, int(to), settings)
    except InvalidInput as exc:
        if exc.field != "to":
            raise
        db.rollback()
        return _page(request, user, db, settings, ListQuery(), error=REASSIGN_ERROR, status_code=400)
    db.commit()
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done=reassigned", status_code=303)

"""The coordinator's view of the export to the Klantinteracties register: what failed, what waits, retry.

Coordinators see which contact or task the register refused, for whom and why (the register's code and
the field it named), and send it again once the cause is fixed; never what anyone wrote.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.i18n.catalog import N_
from api.klantinteracties import service
from api.web.guards import CoordinatorDep, CoordinatorFormDep, WebRoute
from api.web.rendering import page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

KIND_LABELS = {
    "absence": N_("Afmelding"),
    "escalation": N_("Gesloten vraag"),
    "task": N_("Taak"),
    "task_done": N_("Taak klaar"),
}
STATUS_LABELS = {
    "pending": N_("In de wachtrij"),
    "sending": N_("Wordt verstuurd"),
    "sent": N_("Verstuurd"),
    "failed": N_("Mislukt"),
}
FLASH = {"retried": N_("De export wordt opnieuw geprobeerd.")}


@router.get("/register")
def register_page(
    request: Request, user: CoordinatorDep, db: SessionDep, settings: SettingsDep, done: str | None = None
) -> Response:
    overview = service.overview(db, user.principal)
    db.commit()  # the audit event of this read
    return page(
        request,
        "register.html",
        user,
        title=N_("Klantregister"),
        enabled=settings.klantinteracties_enabled,
        overview=overview,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        flash=FLASH.get(done or ""),
    )


@router.post("/register/{export_id}/retry")
def register_retry(export_id: int, user: CoordinatorFormDep, db: SessionDep) -> Response:
    service.retry(db, user.principal, export_id)
    db.commit()
    return RedirectResponse("/ui/register?done=retried", status_code=303)

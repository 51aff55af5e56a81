"""GET .../evidence as JSON, CSV (`?format=csv`) or a printable Dutch page (`?format=html`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import PrincipalDep, SessionDep
from api.evidence import export, service
from api.evidence.collect import Evidence
from api.evidence.schemas import EvidenceOut

router = APIRouter(tags=["evidence"])
Format = Literal["json", "csv", "html"]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": EvidenceOut,
        "description": "The trail as JSON (default), CSV (one row per event, Dutch headers) or a printable "
        "Dutch HTML page.",
        "content": {"text/csv": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}},
    }
}


def _respond(evidence: Evidence, fmt: str, filename: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return Response(export.to_csv(evidence), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "html":
        return HTMLResponse(export.to_html(evidence), headers=headers)
    # The body is the EvidenceOut schema object (export.to_schema), written out by export.to_json.
    return JSONResponse(export.to_json(evidence), headers=headers)


@router.get("/appointments/{appointment_id}/evidence", responses=RESPONSES, response_class=Response)
def appointment_evidence(
    appointment_id: int,
    db: SessionDep,
    actor: PrincipalDep,
    format: Format = "json",  # noqa: A002 - the query parameter people expect
) -> Response:
    """Reminders, deliveries, replies, confirmation, absence, staff actions and assessment per participant.

    The person's own klantmanager only, for the participants in their caseload; every read is audit-logged
    (refusals too).
    """
    evidence = service.for_appointment(db, actor, appointment_id, fmt=format)
    db.commit()  # the audit event of this read
    return _respond(evidence, format, f"verslag-afspraak-{appointment_id}")


@router.get("/inburgeraars/{inburgeraar_id}/evidence", responses=RESPONSES, response_class=Response)
def inburgeraar_evidence(
    inburgeraar_id: int,
    db: SessionDep,
    actor: PrincipalDep,
    format: Format = "json",  # noqa: A002 - the query parameter people expect
) -> Response:
    """The trail of every appointment of one person, and their consent history."""
    evidence = service.for_inburgeraar(db, actor, inburgeraar_id, fmt=format)
    db.commit()
    return _respond(evidence, format, f"verslag-inburgeraar-{inburgeraar_id}")


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)

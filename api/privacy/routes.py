"""GET .../export (AVG art. 15) and POST .../erasure (AVG art. 17) of one inburgeraar."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.privacy import erasure, export
from api.privacy.schemas import ErasureIn, ErasureOut, ExportOut

router = APIRouter(tags=["privacy"])


@router.get("/inburgeraars/{inburgeraar_id}/export", response_model=ExportOut)
def export_person(
    inburgeraar_id: int, db: SessionDep, actor: PrincipalDep, settings: SettingsDep
) -> JSONResponse:
    """Everything held about the person as one JSON document (format `inburgering-export/1`).

    The person's own klantmanager. Audited.
    """
    document = export.export(db, actor, inburgeraar_id, settings)
    db.commit()  # the audit event of this export
    return JSONResponse(document, headers=export.download_headers(inburgeraar_id))


@router.post("/inburgeraars/{inburgeraar_id}/erasure", response_model=ErasureOut)
def erase_person(
    inburgeraar_id: int, body: ErasureIn, db: SessionDep, actor: PrincipalDep, settings: SettingsDep
) -> ErasureOut:
    """Erase the person and every row about them, in one transaction; then Rasa's tracker events.

    Coordinators, with a reason. The audit events about the person stay without their details; the
    erasure itself is audited with the reason and counts.
    """
    result = erasure.erase_and_commit(db, actor, inburgeraar_id, body.reason, settings)
    return ErasureOut.model_validate(result)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, FastAPI
from pydantic import Field

from api.appointments.models import Assessment
from api.appointments.schemas import AttendanceOut
from api.appointments.visibility import attendance_view
from api.attendance import service
from api.deps import PrincipalDep, SessionDep
from api.schemas import ApiModel

router = APIRouter(tags=["attendance"])


class MarkBody(ApiModel):
    status: Literal["attended", "no_show"]


class AssessBody(ApiModel):
    assessment: Assessment
    note: str | None = Field(None, max_length=2000)


@router.put(
    "/appointments/{appointment_id}/attendance/{inburgeraar_id}",
    response_model=AttendanceOut,
    response_model_exclude_unset=True,
)
def mark_attendance(
    appointment_id: int, inburgeraar_id: int, body: MarkBody, db: SessionDep, actor: PrincipalDep
) -> dict:
    """Record attended or no-show; the answer shows the row as the caller's role may see it."""
    row = service.mark(db, actor, appointment_id, inburgeraar_id, body.status)
    db.commit()
    return attendance_view(actor, row)


@router.put(
    "/appointments/{appointment_id}/attendance/{inburgeraar_id}/assessment",
    response_model=AttendanceOut,
    response_model_exclude_unset=True,
)
def assess_attendance(
    appointment_id: int, inburgeraar_id: int, body: AssessBody, db: SessionDep, actor: PrincipalDep
) -> dict:
    row = service.assess(db, actor, appointment_id, inburgeraar_id, body.assessment, body.note)
    db.commit()
    return attendance_view(actor, row)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)

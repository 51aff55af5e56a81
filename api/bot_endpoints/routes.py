from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, status
from pydantic import Field

from api.appointments.models import AbsenceReason
from api.auth import Principal
from api.bot_endpoints import service
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import Forbidden
from api.messaging.rasa import person_for_sender
from api.people.schemas import LanguageCode
from api.schemas import ApiModel


def require_bot(actor: PrincipalDep) -> Principal:
    if not (actor.is_bot or actor.is_admin):
        raise Forbidden("only the bot's service token may use /api/v1/bot")
    return actor


router = APIRouter(prefix="/bot/{sender}", tags=["bot"], dependencies=[Depends(require_bot)])


class AttendanceAction(ApiModel):
    appointment_id: int
    action: Literal["confirm", "report_absence", "request_reschedule", "check_in"]
    reason: AbsenceReason | None = None
    details: str | None = Field(None, max_length=1000)
    check_in_code: str | None = Field(None, max_length=12)


class EscalationIn(ApiModel):
    reason: Literal[
        "request_human",
        "fallback",
        "low_confidence",
        "urgent_help",
        "api_unavailable",
        "reschedule",
        "opt_out",
    ]
    urgent: bool = False
    summary: str | None = Field(None, max_length=2000)


class LanguageIn(ApiModel):
    language: LanguageCode


@router.get("/profile")
def profile(sender: str, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    return service.profile(person_for_sender(db, sender), settings)


@router.get("/appointments")
def appointments(sender: str, db: SessionDep) -> dict[str, Any]:
    result = service.appointments(db, person_for_sender(db, sender))
    db.commit()
    return result


@router.post("/attendance")
def attendance(sender: str, body: AttendanceAction, db: SessionDep) -> dict[str, Any]:
    person = person_for_sender(db, sender)
    row = service.act(db, person, body.model_dump())
    db.commit()
    return {
        "appointmentId": row.appointment_id,
        "kind": row.appointment.kind,
        "startsAt": row.appointment.starts_at.isoformat(),
        "status": row.status,
        "late": bool(row.reported_late),
        "reportedAt": row.reported_at.isoformat() if row.reported_at else None,
    }


@router.post("/escalations", status_code=status.HTTP_201_CREATED)
def escalations(sender: str, body: EscalationIn, db: SessionDep) -> dict[str, int]:
    person = person_for_sender(db, sender)
    escalation_id = service.escalate(db, person, body.reason, body.urgent, body.summary)
    db.commit()
    return {"id": escalation_id}


@router.put("/language")
def language(sender: str, body: LanguageIn, db: SessionDep) -> dict[str, str]:
    service.set_language(db, person_for_sender(db, sender), body.language)
    db.commit()
    return {"language": body.language}


# Rasa posts the whole tracker (every event of the conversation) with each reply it asks for.
MAX_NLG_BYTES = 16 * 1024 * 1024
nlg_router = APIRouter(tags=["bot"], dependencies=[Depends(require_bot)])


@nlg_router.post("/nlg")
def nlg(payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Rasa's NLG endpoint: renders every reply from the catalogs in the conversation's language."""
    from api.bot_endpoints.messages import PLACEHOLDER_DEFAULTS, RESPONSES

    return service.nlg(payload, RESPONSES, PLACEHOLDER_DEFAULTS)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
    app.include_router(nlg_router)

"""What the bot's actions call (/api/v1/bot/{sender}/...) and Rasa's NLG endpoint (/nlg).

Only the bot's service token reaches /api/v1/bot (BotDep), and `{sender}` must be the random sender id of
an open conversation of a known person on their current number (404 otherwise, nothing said about why).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, status
from pydantic import Field

from api.appointments.models import AbsenceReason
from api.bot_endpoints import service
from api.deps import BotDep, SessionDep, SettingsDep, get_bot
from api.people.schemas import LanguageCode
from api.schemas import ApiModel


def speaker_of(sender: str, db: SessionDep, _bot: BotDep) -> service.Speaker:
    return service.speaker(db, sender)


SpeakerDep = Annotated[service.Speaker, Depends(speaker_of)]
router = APIRouter(prefix="/bot/{sender}", tags=["bot"])


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
        "possible_crisis",
        "api_unavailable",
        "reschedule",
        "opt_out",
    ]
    urgent: bool = False
    summary: str | None = Field(None, max_length=2000)


class LanguageIn(ApiModel):
    language: LanguageCode


@router.get("/profile")
def profile(speaker: SpeakerDep, settings: SettingsDep) -> dict[str, Any]:
    return service.profile(speaker.person, settings)


@router.get("/appointments")
def appointments(speaker: SpeakerDep, db: SessionDep) -> dict[str, Any]:
    return service.appointments(db, speaker)


@router.post("/attendance")
def attendance(speaker: SpeakerDep, body: AttendanceAction, db: SessionDep) -> dict[str, Any]:
    row = service.act(db, speaker.person, body.model_dump())
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
def escalations(speaker: SpeakerDep, body: EscalationIn, db: SessionDep) -> dict[str, int]:
    escalation_id = service.escalate(db, speaker, body.reason, body.urgent, body.summary)
    db.commit()
    return {"id": escalation_id}


@router.put("/language")
def language(speaker: SpeakerDep, body: LanguageIn, db: SessionDep) -> dict[str, str]:
    service.set_language(db, speaker.person, body.language)
    db.commit()
    return {"language": body.language}


# Rasa posts the whole tracker (every event of the conversation) with each reply it asks for.
MAX_NLG_BYTES = 16 * 1024 * 1024
nlg_router = APIRouter(tags=["bot"], dependencies=[Depends(get_bot)])


@nlg_router.post("/nlg")
def nlg(payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Rasa's NLG endpoint: renders every reply from the catalogs in the conversation's language."""
    from api.bot_endpoints.messages import PLACEHOLDER_DEFAULTS, RESPONSES

    return service.nlg(payload, RESPONSES, PLACEHOLDER_DEFAULTS)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
    app.include_router(nlg_router)

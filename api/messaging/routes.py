from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import Field

from api.deps import PrincipalDep, SessionDep
from api.messaging import service
from api.schemas import ApiOut

router = APIRouter(tags=["messaging"])


class MessageOut(ApiOut):
    id: int
    conversation_id: int  # one conversation per number the person had
    direction: str
    channel: str
    kind: str
    body: str
    status: str
    language: str | None
    intent: str | None
    intent_confidence: float | None
    entities: list[dict[str, Any]] | None
    media: list[dict[str, Any]] | None
    appointment_id: int | None
    segments: int | None
    encoding: str | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    purged_at: datetime | None = Field(
        None, description="When the retention purge cleared the text (body, media and understanding)"
    )


@router.get("/inburgeraars/{inburgeraar_id}/messages", response_model=list[MessageOut])
def list_messages(inburgeraar_id: int, db: SessionDep, actor: PrincipalDep) -> list:
    rows = service.list_messages(db, actor, inburgeraar_id)
    db.commit()  # the audit event of this read
    return rows


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)

"""The phone simulator's endpoints under /simulator (development only, never in the OpenAPI document).

A simulated "send" takes the very same gateway path as Twilio's webhook, minus the signature.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from sqlalchemy import select

from api.db import Database
from api.errors import NotFound
from api.messaging.gateway import Inbound, store
from api.messaging.gateway.background import process_after_response
from api.messaging.models import Channel, Message
from api.messaging.service import open_conversation
from api.people.models import Inburgeraar
from api.schemas import ApiModel
from api.simulator import page, script

router = APIRouter(prefix="/simulator", tags=["simulator"], include_in_schema=False)


class SimulatedMessage(ApiModel):
    inburgeraar_id: int
    body: str = Field(max_length=1600)
    channel: Literal["web", "sms", "whatsapp"] = "web"


class SimulatedLanguage(ApiModel):
    language: str = Field(min_length=2, max_length=8)


def _person(database: Database, inburgeraar_id: int) -> Inburgeraar:
    with database.session() as db:
        person = db.get(Inburgeraar, inburgeraar_id)
        if person is None:
            raise NotFound(f"no inburgeraar {inburgeraar_id}", field="inburgeraarId")
        db.expunge(person)
        return person


@router.get("", response_class=Response)
def simulator_page(request: Request, lang: str = "nl") -> Response:
    return Response(page(request.app.state.db, lang), media_type="text/html; charset=utf-8")


@router.get("/static/simulator.js", response_class=Response)
def simulator_script() -> Response:
    return Response(script(), media_type="text/javascript; charset=utf-8")


@router.get("/people")
def simulator_people(request: Request) -> list[dict[str, Any]]:
    with request.app.state.db.session() as db:
        people = db.scalars(select(Inburgeraar).order_by(Inburgeraar.id).limit(200))
        return [{"id": p.id, "name": p.name, "language": p.language} for p in people]


@router.post("/messages", status_code=202)
async def simulator_message(
    request: Request, body: SimulatedMessage, background: BackgroundTasks
) -> dict[str, Any]:
    """The simulator's "send": the very same gateway path as Twilio's webhook, minus the signature."""
    person = await run_in_threadpool(_person, request.app.state.db, body.inburgeraar_id)
    sender = f"whatsapp:{person.phone}" if body.channel == Channel.whatsapp else person.phone
    inbound = Inbound(sid=f"SIM{uuid.uuid4().hex}", sender=sender, body=body.body, channel=body.channel)
    receipt = await run_in_threadpool(store, request.app.state.db, inbound)
    if receipt.conversation_id is not None:
        background.add_task(process_after_response, request, receipt.conversation_id)
    return {"messageId": receipt.message_id}


@router.get("/{inburgeraar_id}/messages")
def simulator_messages(request: Request, inburgeraar_id: int, after: int = 0) -> list[dict[str, Any]]:
    """The conversation as the person's phone (their current number) would show it (polled by the page)."""
    _person(request.app.state.db, inburgeraar_id)
    with request.app.state.db.session() as db:
        person = db.get(Inburgeraar, inburgeraar_id)
        conversation = open_conversation(db, person) if person is not None else None
        if conversation is None:
            return []
        rows = db.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.id > after)
            .order_by(Message.id)
            .limit(200)
        )
        return [
            {
                "id": m.id,
                "direction": m.direction,
                "kind": m.kind,
                "channel": m.channel,
                "body": m.body,
                "status": m.status,
                "createdAt": m.created_at.isoformat(),
            }
            for m in rows
        ]


@router.put("/{inburgeraar_id}/language")
def simulator_language(request: Request, inburgeraar_id: int, body: SimulatedLanguage) -> dict[str, str]:
    # What the bot's language action does. api.bot_endpoints sits above messaging: imported only when used.
    from api.bot_endpoints.service import set_language

    with request.app.state.db.session() as db:
        person = db.get(Inburgeraar, inburgeraar_id)
        if person is None:
            raise NotFound(f"no inburgeraar {inburgeraar_id}", field="inburgeraarId")
        set_language(db, person, body.language)
        db.commit()
        return {"language": person.language}


def mount(app: FastAPI, v1: APIRouter) -> None:
    """Served only when SIMULATOR_ENABLED (settings refuse it in production)."""
    if app.state.settings.simulator_enabled:
        app.include_router(router)

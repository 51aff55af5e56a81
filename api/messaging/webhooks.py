"""Twilio's webhooks (`/twilio/messages`, `/twilio/status`) and the phone simulator's endpoints.

Both webhooks check `X-Twilio-Signature` against PUBLIC_BASE_URL + path (+ query), the URL Twilio
signed, not the URL this process happens to see behind a proxy. A failed check is a 403 and nothing is
stored. The inbound webhook answers as soon as the message is committed; the bot turn runs after the
response (FastAPI background task), and the worker replays whatever that did not finish.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import anyio
import structlog
from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator

from api.db import Database
from api.errors import Forbidden, InvalidInput, NotFound
from api.messaging import outbox, status
from api.messaging.gateway import Gateway, Inbound, Receipt, receive
from api.messaging.models import Channel, Conversation, DeliveryStatus, Message, OutboxItem, OutboxStatus
from api.people.models import Inburgeraar
from api.schemas import ApiModel
from api.settings import Settings

log = structlog.get_logger()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10

router = APIRouter(tags=["twilio"], include_in_schema=True)


def gateway_for(request: Request) -> Gateway:
    """One gateway (and one pooled Rasa client) per app."""
    state = request.app.state
    if getattr(state, "gateway", None) is None:
        state.gateway = Gateway(state.db, state.settings)
    return state.gateway


async def process_after_response(request: Request, conversation_id: int) -> None:
    """The bot turn, after the 2xx, in a thread of its own limited pool.

    Not in the threadpool that serves requests: a turn waits for Rasa, Rasa waits for the action server
    and the NLG endpoint, and those call this API; turns holding every request thread would deadlock it.
    """
    state = request.app.state
    if getattr(state, "gateway_limiter", None) is None:
        state.gateway_limiter = anyio.CapacityLimiter(max(1, state.settings.gateway_concurrency))
    gateway = gateway_for(request)
    await anyio.to_thread.run_sync(
        gateway.process_conversation, conversation_id, limiter=state.gateway_limiter
    )


def public_url(settings: Settings, request: Request) -> str:
    url = settings.public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_params(request: Request) -> dict[str, str]:
    """The form Twilio posted, after checking its signature (403 otherwise).

    Without an auth token (development, tests of other parts) the check is skipped, never in production.
    """
    settings: Settings = request.app.state.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    token = settings.twilio_auth_token
    if not token:
        if settings.environment == "production":
            log.warning("twilio_signature_unverifiable", path=request.url.path)
            raise Forbidden("signature cannot be verified")
        return params
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(
        public_url(settings, request), params, signature
    ):
        log.warning("twilio_signature_invalid", path=request.url.path)
        raise Forbidden("invalid Twilio signature")
    return params


def media_of(params: dict[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for i in range(count):
        url = params.get(f"MediaUrl{i}")
        if url:
            media.append({"url": url, "contentType": params.get(f"MediaContentType{i}", "")})
    return media


def store(database: Database, inbound: Inbound, *, retry: bool = True) -> Receipt:
    """Persist in its own transaction; a concurrent twin of the same MessageSid loses on the unique key.

    Another message of the same person stored at the same moment (by this process or another one) may
    have created their conversation first: then this one is stored again, in that conversation, rather
    than answered with a 500 (the message would be lost unless Twilio delivered it again).
    """
    with database.session() as db:
        try:
            receipt = receive(db, inbound)
            db.commit()
            return receipt
        except IntegrityError:
            db.rollback()
            if db.scalar(select(Message.id).where(Message.twilio_sid == inbound.sid)) is not None:
                log.info("inbound_duplicate_ignored", race=True)
                return Receipt(None, None, duplicate=True)
            if not retry:
                raise
    log.info("inbound_conversation_race_retried")
    return store(database, inbound, retry=False)


@router.post("/twilio/messages", response_class=Response)
async def twilio_messages(request: Request, background: BackgroundTasks) -> Response:
    """Twilio's incoming-message webhook (SMS and WhatsApp)."""
    params = await verified_params(request)
    sid = params.get("MessageSid") or params.get("SmsMessageSid")
    if not sid:
        raise InvalidInput("MessageSid is required", field="MessageSid")
    if not params.get("From"):
        raise InvalidInput("From is required", field="From")
    inbound = Inbound(
        sid=sid[:64], sender=params["From"], body=params.get("Body", ""), media=media_of(params)
    )
    receipt = await run_in_threadpool(store, request.app.state.db, inbound)
    if receipt.conversation_id is not None:
        background.add_task(process_after_response, request, receipt.conversation_id)
    return Response(EMPTY_TWIML, media_type="text/xml")


def apply_status(
    database: Database,
    settings: Settings,
    outbox_id: int | None,
    sid: str | None,
    reported: str | None,
    error_code: str | None,
) -> str:
    """Record one delivery report; returns what happened (for logs and tests)."""
    new = status.from_twilio(reported)
    with database.session() as db:
        item = db.get(OutboxItem, outbox_id) if outbox_id is not None else None
        if item is None and sid:
            item = db.scalar(select(OutboxItem).where(OutboxItem.provider_sid == sid).limit(1))
        if item is None:
            log.info("status_callback_unknown_outbox", outbox_id=outbox_id)
            return "unknown"
        if sid and item.provider_sid and item.provider_sid != sid:
            log.warning("status_callback_sid_mismatch", outbox_id=item.id)
            return "mismatch"
        if sid and not item.provider_sid:
            item.provider_sid = sid  # the send's answer may have been lost; now we know Twilio has it
        if new in (DeliveryStatus.failed, DeliveryStatus.undelivered):
            if item.status != OutboxStatus.failed:
                outbox.record_final_failure(db, settings, item, error_code or "unknown", new_status=new)
            result = new
        elif new is not None:
            moved = outbox.mark_message(db, item.message_id, new)
            result = new if moved else "ignored"
        else:
            result = "ignored"
        db.commit()
        log.info("status_callback", outbox_id=item.id, reported=reported, result=result)
        return result


@router.post("/twilio/status", status_code=204, response_class=Response)
async def twilio_status(request: Request) -> Response:
    """Twilio's status callback; the outbox id travels in the URL we gave Twilio."""
    params = await verified_params(request)
    raw_id = request.query_params.get("outboxId")
    try:
        outbox_id = int(raw_id) if raw_id else None
    except ValueError as exc:
        raise InvalidInput("outboxId must be a number", field="outboxId") from exc
    await run_in_threadpool(
        apply_status,
        request.app.state.db,
        request.app.state.settings,
        outbox_id,
        params.get("MessageSid"),
        params.get("MessageStatus") or params.get("SmsStatus"),
        params.get("ErrorCode"),
    )
    return Response(status_code=204)


# --- phone simulator (development only) ------------------------------------------------------------

simulator = APIRouter(prefix="/simulator", tags=["simulator"], include_in_schema=False)


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


@simulator.get("", response_class=Response)
def simulator_page(request: Request, lang: str = "nl") -> Response:
    from api.messaging.simulator import page

    return Response(page(request.app.state.db, lang), media_type="text/html; charset=utf-8")


@simulator.get("/static/simulator.js", response_class=Response)
def simulator_script() -> Response:
    from api.messaging.simulator import script

    return Response(script(), media_type="text/javascript; charset=utf-8")


@simulator.get("/people")
def simulator_people(request: Request) -> list[dict[str, Any]]:
    with request.app.state.db.session() as db:
        people = db.scalars(select(Inburgeraar).order_by(Inburgeraar.id).limit(200))
        return [{"id": p.id, "name": p.name, "language": p.language} for p in people]


@simulator.post("/messages", status_code=202)
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


@simulator.get("/{inburgeraar_id}/messages")
def simulator_messages(request: Request, inburgeraar_id: int, after: int = 0) -> list[dict[str, Any]]:
    """The conversation as the person's phone would show it (polled by the page)."""
    _person(request.app.state.db, inburgeraar_id)
    with request.app.state.db.session() as db:
        conversation = db.scalar(select(Conversation).where(Conversation.inburgeraar_id == inburgeraar_id))
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


@simulator.put("/{inburgeraar_id}/language")
def simulator_language(request: Request, inburgeraar_id: int, body: SimulatedLanguage) -> dict[str, str]:
    from api.bot.service import set_language

    with request.app.state.db.session() as db:
        person = db.get(Inburgeraar, inburgeraar_id)
        if person is None:
            raise NotFound(f"no inburgeraar {inburgeraar_id}", field="inburgeraarId")
        set_language(db, person, body.language)
        db.commit()
        return {"language": person.language}


def mount(app: FastAPI, v1: APIRouter) -> None:
    app.include_router(router)
    if app.state.settings.simulator_enabled:
        app.include_router(simulator)

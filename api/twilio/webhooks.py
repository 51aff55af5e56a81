"""Twilio's webhooks: incoming messages (`/twilio/messages`) and delivery reports (`/twilio/status`).

Each one is a thin pipeline: validate (signature.py) -> de-duplicate and persist (the gateway's `store`,
or messaging's delivery reports) -> enqueue -> 2xx. The inbound webhook answers as soon as the message is
committed; the bot turn runs after the response (FastAPI background task), and the worker replays
whatever that did not finish.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.errors import InvalidInput
from api.messaging import reports
from api.messaging.gateway import Inbound, store
from api.messaging.gateway.background import process_after_response
from api.twilio import statuses
from api.twilio.signature import media_of, verified_params

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's posts are small (a body of at most 1,600 characters, ten media URLs, a few ids): 413 beyond this.
MAX_WEBHOOK_BYTES = 64 * 1024

router = APIRouter(tags=["twilio"], include_in_schema=True)


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


@router.post("/twilio/status", status_code=204, response_class=Response)
async def twilio_status(request: Request) -> Response:
    """Twilio's status callback; the outbox id travels in the URL we gave Twilio."""
    params = await verified_params(request)
    raw_id = request.query_params.get("outboxId")
    try:
        outbox_id = int(raw_id) if raw_id else None
    except ValueError as exc:
        raise InvalidInput("outboxId must be a number", field="outboxId") from exc
    reported = params.get("MessageStatus") or params.get("SmsStatus")
    await run_in_threadpool(
        reports.apply_report,
        request.app.state.db,
        request.app.state.settings,
        outbox_id,
        params.get("MessageSid"),
        statuses.from_twilio(reported),
        params.get("ErrorCode"),
        reported=reported,
    )
    return Response(status_code=204)


def mount(app: FastAPI, v1: APIRouter) -> None:
    app.include_router(router)

"""The input channel the case API's gateway talks to: Rasa's REST channel behind Rasa's own JWT check.

Rasa's `rest` channel takes a message for any sender from anyone who can reach the port; its auth token
covers the HTTP API only. This channel (credentials.yml: `gateway_channel.GatewayInput:`, served at
/webhooks/gateway/webhook) accepts a message only with a JWT that Rasa's HTTP API would accept for that
conversation: signed with the secret Rasa runs with (`--jwt-secret`, see rasa_server.py), unexpired, and
for this sender (role `user`) or any (role `admin`). It answers like the REST channel, without streaming,
and never writes the person's text into a log.

While no model is loaded it refuses a message with 409 (as Rasa's HTTP API does) instead of answering
with no replies: the gateway keeps the message and sends it again when the bot is ready. GET
/webhooks/gateway/status (a JWT for the sender `STATUS_SENDER`, or role admin) says whether a model is
loaded and answers a parse: the case API's GET /health/ready asks it, without the admin role that Rasa's
own /status demands.

POST /webhooks/gateway/parse {"sender", "text"} reads a message without a turn, for the same token: what the
model understands (intent, entities, the ranking) as Rasa's /model/parse answers it, while the tracker is
not touched. The gateway uses it while a klantmanager has the conversation and the bot stays silent;
/model/parse itself would want Rasa's `admin` role, which the API never holds (ADR 0013, ADR 0018).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
# The sender id the case API's readiness check signs its token for; no conversation has it (theirs are c_...).
STATUS_SENDER = "readiness-check"
# Parsed to show the model answers, not only that it is loaded.
STATUS_PROBE = "hallo"


class GatewayInput(InputChannel):
    """POST /webhooks/gateway/webhook {"sender", "message", "metadata"} with `Authorization: Bearer <JWT>`."""

    @classmethod
    def name(cls) -> str:
        return "gateway"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("gateway_webhook", __name__)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            payload = request.json if isinstance(request.json, dict) else {}
            sender = payload.get("sender")
            if not isinstance(sender, str) or not await authorized(request, sender):
                logger.warning("gateway_channel_refused")
                return response.json({"error": "unauthorized"}, status=401)
            if not agent_ready(request):
                logger.warning("gateway_channel_no_model sender=%s", sender)
                return response.json({"error": "no_model"}, status=409)
            collector = CollectingOutputChannel()
            message = UserMessage(
                payload.get("message"),
                collector,
                sender,
                input_channel=self.name(),
                metadata=payload.get("metadata"),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("gateway_channel_timeout sender=%s", sender)
            except Exception as exc:  # like the REST channel: answer what was collected, log no text
                logger.exception("gateway_channel_failed sender=%s error=%s", sender, type(exc).__name__)
            return response.json(collector.messages)

        @webhook.route("/status", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            if not await authorized(request, STATUS_SENDER):
                return response.json({"error": "unauthorized"}, status=401)
            if not agent_ready(request):
                return response.json({"ready": False, "detail": "no model loaded"}, status=503)
            agent = request.app.ctx.agent
            try:
                parsed = await agent.parse_message(STATUS_PROBE)
            except Exception as exc:  # a model that is loaded but cannot parse is not ready
                logger.exception("gateway_channel_status_failed error=%s", type(exc).__name__)
                return response.json({"ready": False, "detail": f"parse failed: {type(exc).__name__}"}, 503)
            intent = (parsed or {}).get("intent") or {}
            return response.json(
                {"ready": True, "model_id": getattr(agent, "model_id", None), "intent": intent.get("name")}
            )

        @webhook.route("/parse", methods=["POST"])
        async def parse(request: Request) -> HTTPResponse:
            payload = request.json if isinstance(request.json, dict) else {}
            sender, text = payload.get("sender"), payload.get("text")
            if not isinstance(sender, str) or not await authorized(request, sender):
                logger.warning("gateway_parse_refused")
                return response.json({"error": "unauthorized"}, status=401)
            if not isinstance(text, str) or not text.strip():
                return response.json({"error": "text is required"}, status=400)
            if not agent_ready(request):
                return response.json({"error": "no model loaded"}, status=503)
            try:
                parsed = await request.app.ctx.agent.parse_message(text)
            except Exception as exc:  # answer without the text, log without it
                logger.exception("gateway_parse_failed sender=%s error=%s", sender, type(exc).__name__)
                return response.json({"error": "parse failed"}, status=500)
            return response.json(parsed)

        return webhook


def agent_ready(request: Request) -> bool:
    """Whether Rasa has a model loaded (its agent is None until the model is, or after it is unloaded)."""
    agent = getattr(request.app.ctx, "agent", None)
    return agent is not None and agent.is_ready()


async def authorized(request: Request, sender: str) -> bool:
    """Whether the request carries a JWT that Rasa's HTTP API accepts for this conversation."""
    auth = getattr(request.app.ctx, "auth", None)
    if auth is None or not request.app.config.get("USE_JWT"):
        logger.error("gateway_channel_without_jwt: start Rasa with rasa_server.py (--enable-api, JWT)")
        return False
    try:
        if not await auth.is_authenticated(request):
            return False
        user = (await auth.extract_payload(request) or {}).get("user") or {}
    except Exception:  # a malformed header is a refusal, not a crash
        return False
    return user.get("role") == "admin" or (user.get("role") == "user" and user.get("username") == sender)

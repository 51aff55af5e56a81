"""Running a conversation's bot turns after the HTTP response, for the Twilio webhook and the simulator."""

from __future__ import annotations

import anyio
from fastapi import Request

from api.messaging.gateway.processing import Gateway


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

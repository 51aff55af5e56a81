"""The action server as we run it: rasa_sdk's app that answers only a Rasa holding ACTION_SERVER_SECRET.

Run from bot/ instead of `rasa run actions` (same options):

    ACTION_SERVER_SECRET=... BOT_SERVICE_TOKEN=... python action_server.py --actions actions -p 5055

Rasa sends the secret as `Authorization: Bearer ...` (the `headers` of `action_endpoint` in endpoints.yml).
Without it every route but /health answers 401: a forged tracker would otherwise make the actions act for
any person with the bot's token. The request id the gateway put in the message's metadata is passed on to
the actions' calls to the case API (actions.case_api.REQUEST_ID), so their log lines join the turn's.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from typing import Any

from rasa_sdk import endpoint, utils
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.case_api import REQUEST_ID
from startup import bearer_matches, require_secrets

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def create_app(secret: str, actions: str = "actions") -> Sanic:
    """rasa_sdk's Sanic app behind the secret; no CORS (no browser ever calls it)."""
    app = endpoint.create_app(actions, cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if not bearer_matches(request.headers.get("Authorization"), secret):
            logger.warning("action_server_refused path=%s", request.path)
            return response.json({"error": "unauthorized"}, status=401)
        REQUEST_ID.set(_request_id(request))
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # rasa_sdk's own handler answers with the whole request (the tracker: people's messages), which
        # Rasa would then write into its log. The traceback stays in ours.
        logger.error("action_failed error=%s", type(exception).__name__, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=500)

    return app


def _request_id(request: Request) -> str | None:
    """The gateway's request id from the message being handled (the session's, when it has just started)."""
    try:
        raw = request.body
        if request.headers.get("Content-Encoding") == "deflate":
            raw = zlib.decompress(raw)
        tracker: Any = json.loads(raw)["tracker"]
        latest = (tracker.get("latest_message") or {}).get("metadata") or {}
        starting = (tracker.get("slots") or {}).get("session_started_metadata") or {}
        value = latest.get("requestId") or starting.get("requestId")
    except (ValueError, KeyError, TypeError, AttributeError, zlib.error):
        return None
    return value if isinstance(value, str) and len(value) <= 64 else None


def main() -> None:
    """Parse rasa_sdk's options, check the secrets and serve (SANIC_HOST chooses the interface)."""
    args = endpoint.create_argument_parser().parse_args()
    secret = require_secrets("ACTION_SERVER_SECRET", "BOT_SERVICE_TOKEN")["ACTION_SERVER_SECRET"]
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    app = create_app(secret, args.actions)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()

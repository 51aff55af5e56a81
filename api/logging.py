"""Structured logs: one JSON event a line, from our code and from the libraries alike, with ids only.

Every line passes the `Redactor` just before it is written: phone numbers (E.164, whatsapp:, URL-encoded,
Dutch national), bearer and basic credentials, JWTs, secrets in query strings, calendar-link tokens and
the configured secrets are replaced, and fields that would hold a message body or a credential are dropped
whatever they contain. That is a safety net, not the policy: code logs ids (CONTRIBUTING.md).

The HTTP client's request lines (httpx writes every URL, Twilio look-ups included) are silenced, and
uvicorn's access log is replaced by `http_request` events that name the route's template, never the path
a caller sent. A request id (the caller's `X-Request-ID` when it is sane, else a new one) is bound to
every line written while a request, and the bot turn it starts, runs.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import EventDict

REDACTED = "[redacted]"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Field names never written, whatever they hold: message bodies, free text people typed, credentials.
_DROPPED_FIELDS = frozenset(
    {"body", "text", "message_body", "content", "details", "summary", "phone", "to", "from", "from_",
     "password", "authorization", "cookie", "token", "secret", "signature", "bsn"}
)  # fmt: skip
_DROPPED_SUFFIXES = ("_body", "_text", "_phone", "_token", "_secret", "_password")
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), REDACTED),  # a JWT
    (
        re.compile(
            r"(?i)([?&;][\w.-]*(?:token|secret|signature|password|key|code|auth)[\w.-]*=)[^&\s\"'<>]+"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(/ics/)[\w~-][\w.~-]*"), r"\1[redacted]"),  # calendar links carry a signed token
    (re.compile(r"(?:\+|%2[Bb])[1-9](?:[\s-]?\d){7,14}(?!\d)"), "[phone]"),
    (re.compile(r"(?<![\w.:/-])00[1-9]\d{7,13}(?!\d)"), "[phone]"),
    (re.compile(r"(?<![\w.:/-])0[1-9](?:[\s-]?\d){8}(?!\d)"), "[phone]"),  # 06-12345678, 0201234567
)
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "twilio.http_client", "urllib3")
_access = structlog.get_logger("api.access")


class Redactor:
    """The structlog processor that removes personal data and credentials from a log line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = {s for s in secrets if s and len(s) >= 6}
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(known | {quote(s, safe="") for s in known}, key=len, reverse=True)

    def __call__(self, _logger: Any, _method: str, event_dict: EventDict) -> EventDict:
        return {key: self.value(key, value) for key, value in event_dict.items()}

    def value(self, key: str, value: Any) -> Any:
        if _dropped(key):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self.value("", v) for v in value]
        return value

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value


def _dropped(key: str) -> bool:
    name = key.lower()
    return name in _DROPPED_FIELDS or name.endswith(_DROPPED_SUFFIXES)


def configure(level: str = "INFO", *, secrets: Iterable[str] = (), stream: IO[str] | None = None) -> None:
    """Route structlog and the standard library's loggers through one redacting JSON formatter.

    Args:
        level: the lowest level written.
        secrets: values that must never appear in a line (the configured tokens and secrets).
        stream: where lines go (stderr by default; tests pass a buffer).
    """
    stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared = [structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level, stamp]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # the traceback as text, then redacted like the rest
            Redactor(secrets),
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn brings its own handlers; its lines go through ours instead, and its access log (raw paths,
    # calendar tokens among them) is replaced by the `http_request` event.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # A logger cached before this ran (a module that logged first) would bypass the formatter for good.
        cache_logger_on_first_use=False,
    )


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is a sane token, else a new one (never a caller's free text)."""
    if header and _SANE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The request id bound to this context (a request, or the bot turn it started), if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class RequestLog:
    """ASGI middleware: binds the request id to every line of a request (and of the bot turn it starts in
    the background), returns it as `X-Request-ID`, and writes one `http_request` event per response.

    The event names the matched route's template (`/ics/{token}.ics`), never the path that was asked for.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        started = time.perf_counter()
        status = 0

        async def send_and_log(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                _access.info(
                    "http_request",
                    method=scope["method"],
                    route=_route_template(scope),
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_and_log)


def _route_template(scope: Scope) -> str:
    """The path with each path parameter's value put back as `{name}`; "unmatched" when no route matched.

    Built from the path and its parameters because a route included in a router knows only its own part.
    """
    if scope.get("route") is None:
        return "unmatched"
    params = {str(value): name for name, value in (scope.get("path_params") or {}).items() if value != ""}
    return "/".join(_segment_template(segment, params) for segment in str(scope["path"]).split("/"))


def _segment_template(segment: str, params: dict[str, str]) -> str:
    if segment in params:
        return f"{{{params[segment]}}}"
    for value, name in params.items():
        if len(value) >= 8 and value in segment:  # `{token}.ics`: a long value inside a segment
            segment = segment.replace(value, f"{{{name}}}")
    return segment

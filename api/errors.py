"""Problem details (RFC 9457) for every error the API returns, an oversized request body among them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()
PROBLEM = "application/problem+json"


class DomainError(Exception):
    """Raised by services; the API turns it into problem+json. Services know nothing about HTTP."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code
        self.extra = extra


class InvalidInput(DomainError):
    status, title = 400, "Invalid input"


class NotAuthenticated(DomainError):
    status, title = 401, "Not authenticated"


class Forbidden(DomainError):
    status, title = 403, "Forbidden"


class NotFound(DomainError):
    status, title = 404, "Not found"


class Conflict(DomainError):
    status, title = 409, "Conflict"


class TooManyRequests(DomainError):
    """Refused for now; `retry_after` (seconds) becomes the Retry-After header."""

    status, title = 429, "Too many requests"

    def __init__(self, detail: str, *, retry_after: int | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after


def problem(
    status: int, title: str, detail: str, *, retry_after: int | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)
        extra = {"field": exc.field, "code": exc.code, "retry_after": retry_after, **exc.extra}
        return problem(exc.status, exc.title, exc.detail, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_of(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return problem(
            400, "Invalid input", f"{first['field']}: {first['message']}", field=first["field"], errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            401: "Not authenticated",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
            413: "Content too large",
        }
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
        return problem(500, "Internal error", "Something went wrong on our side; nothing was saved.")


class BodyTooLarge(HTTPException):
    """A request body over its limit; FastAPI passes it through body parsing to the 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body may be at most {limit} bytes")


class BodyLimit:
    """ASGI middleware: 413 problem+json for a body over its path's limit, before a route reads past it.

    A declared Content-Length is refused at once; a streamed body is counted as it is read.
    `limits` maps path prefixes to their own limit (the longest matching prefix wins).
    """

    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b"")) if message["type"] == "http.request" else 0
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> JSONResponse:
    return problem(413, "Content too large", f"the request body may be at most {limit} bytes")

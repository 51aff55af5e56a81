"""The probes and the metrics: /health (compatibility), /health/live, /health/ready, /metrics."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST

from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import NotAuthenticated, NotFound
from api.health import checks
from api.health.metrics import exposition
from api.messaging.gateway.background import gateway_for

router = APIRouter(tags=["health"])
# Its own scheme: the metrics token opens /metrics only, and no other token opens /metrics.
metrics_bearer = HTTPBearer(
    scheme_name="MetricsToken", auto_error=False, description="METRICS_TOKEN, for Prometheus only."
)


@router.get(
    "/health",
    responses={503: {"description": "The database does not answer", "content": {"application/json": {}}}},
)
def health(db: SessionDep) -> JSONResponse:
    """This process answers and reaches the database, so a message sent to it is stored (as before: the
    probe for a load balancer in front of Twilio's webhooks; /health/ready is about the whole bot)."""
    stored = checks.database(db)
    return JSONResponse({"status": "ok" if stored.ok else "fail"}, status_code=200 if stored.ok else 503)


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process is up and serving (no database, no other process asked): restart it when this fails."""
    return {"status": "ok"}


NOT_READY = {"description": "A check failed; the body names it", "content": {"application/json": {}}}


@router.get("/health/ready", responses={503: NOT_READY})
def ready(request: Request, db: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Whether a message sent now is answered now: 200 when every check is ok, 503 naming those that fail."""
    results = checks.readiness(db, settings, gateway_for(request).rasa, utcnow())
    ok = all(check.ok for check in results)
    body = {"status": "ready" if ok else "not_ready", "checks": {c.name: c.as_json() for c in results}}
    return JSONResponse(body, status_code=200 if ok else 503)


def metrics_caller(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(metrics_bearer)],
) -> None:
    """Only Prometheus, with METRICS_TOKEN; without a token configured /metrics does not exist."""
    if not settings.metrics_token:
        raise NotFound("metrics are off: set METRICS_TOKEN")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        raise NotAuthenticated("/metrics wants METRICS_TOKEN as a bearer token")


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_caller)],
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(db: SessionDep) -> Response:
    """The assistant's figures for Prometheus, from the database (every process and worker counted)."""
    return Response(exposition(db, utcnow()), media_type=CONTENT_TYPE_LATEST)


def mount(app: FastAPI, v1: APIRouter) -> None:
    app.include_router(router)

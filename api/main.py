"""The application factory: one FastAPI app serving the case API, the Twilio webhooks and the staff UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request, Response

from api import errors, wiring
from api import logging as app_logging
from api.appointments import routes as appointment_routes
from api.attendance import routes as attendance_routes
from api.bot_endpoints import routes as bot_routes
from api.bot_endpoints.routes import MAX_NLG_BYTES
from api.broadcasts import routes as broadcast_routes
from api.db import Database
from api.evidence import routes as evidence_routes
from api.health import routes as health_routes
from api.messaging import routes as messaging_routes
from api.people import routes as people_routes
from api.privacy import routes as privacy_routes
from api.reminders import routes as reminder_routes
from api.safety import net
from api.settings import Settings, get_settings
from api.simulator import routes as simulator_routes
from api.twilio import webhooks as twilio_webhooks
from api.twilio.webhooks import MAX_WEBHOOK_BYTES
from api.web import routes as web_routes

API_VERSION = "1.0"
# Every package with routes exposes `mount(app, v1)`; this order is the order of the OpenAPI document.
ROUTES = (
    health_routes,
    people_routes,
    appointment_routes,
    attendance_routes,
    messaging_routes,
    bot_routes,
    twilio_webhooks,
    simulator_routes,
    reminder_routes,
    broadcast_routes,
    evidence_routes,
    privacy_routes,
    web_routes,
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'",
}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The crisis net answers every message first; loading it here means the server takes no message, and
    # no readiness probe, before it can.
    await to_thread.run_sync(net.warm)
    yield


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_logging.configure(settings.log_level, secrets=settings.secret_values)
    wiring.install()
    app = FastAPI(
        title="Inburgering case API",
        version=API_VERSION,
        description="Inburgeraars, appointments, attendance, conversations, reminders and escalations.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    errors.install(app)
    # Inside the middleware below: a body error raised in its task group would reach routes as another error.
    limits = {"/twilio/": MAX_WEBHOOK_BYTES, "/nlg": MAX_NLG_BYTES}
    app.add_middleware(errors.BodyLimit, default=settings.max_request_bytes, limits=limits)

    @app.middleware("http")
    async def _headers(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["API-Version"] = API_VERSION
        for name, value in SECURITY_HEADERS.items():
            if not request.url.path.startswith("/docs"):
                response.headers.setdefault(name, value)
        return response

    v1 = APIRouter(prefix="/api/v1")
    for routes in ROUTES:
        routes.mount(app, v1)
    app.include_router(v1)
    app.add_middleware(app_logging.RequestLog)  # outermost: every response has a request id and a log line
    return app

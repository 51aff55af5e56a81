"""The application factory: one FastAPI app serving the case API, the Twilio webhooks and the staff UI."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy import text

from api import errors
from api import logging as app_logging
from api.appointments.routes import router as appointments_router
from api.attendance.routes import router as attendance_router
from api.db import Database
from api.deps import SessionDep
from api.messaging.routes import router as messaging_router
from api.people.routes import router as people_router
from api.settings import Settings, get_settings

API_VERSION = "1.0"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'",
}


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_logging.configure(settings.log_level)
    app = FastAPI(
        title="Inburgering case API",
        version=API_VERSION,
        description="Inburgeraars, appointments, attendance, conversations, reminders and escalations.",
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    errors.install(app)

    @app.middleware("http")
    async def _headers(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["API-Version"] = API_VERSION
        for name, value in SECURITY_HEADERS.items():
            if not request.url.path.startswith("/docs"):
                response.headers.setdefault(name, value)
        return response

    @app.get("/health", tags=["health"])
    def health(db: SessionDep) -> dict[str, str]:
        db.execute(text("SELECT 1"))
        return {"status": "ok"}

    v1 = APIRouter(prefix="/api/v1")
    for router in (people_router, appointments_router, attendance_router, messaging_router):
        v1.include_router(router)
    for extra in _optional_routers():
        extra(app, v1)
    app.include_router(v1)
    return app


def _optional_routers() -> list:
    """Domain packages register themselves here; each exposes `mount(app, v1)`."""
    from api.bot import routes as bot_routes

    mounts = [bot_routes.mount]
    for module in (
        "api.messaging.webhooks",
        "api.reminders.routes",
        "api.broadcasts.routes",
        "api.web.routes",
    ):
        try:
            mounts.append(__import__(module, fromlist=["mount"]).mount)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return mounts

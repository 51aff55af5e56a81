"""Typed dependencies shared by the routers.

Every bearer-token route takes exactly one of two principals: `PrincipalDep` (staff and the admin) or
`BotDep` (the bot's service token, for /api/v1/bot only). Each refuses the other's tokens, so the bot's
token cannot pass a staff route's checks, whatever that route's service allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, resolve_bearer
from api.db import Database
from api.errors import Forbidden
from api.settings import Settings

log = structlog.get_logger()


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_db(request: Request) -> Iterator[Session]:
    yield from request.app.state.db.sessions()


SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionDep = Annotated[Session, Depends(get_db)]

# Declared as a security scheme, so the OpenAPI document says which routes take a token.
bearer = HTTPBearer(
    auto_error=False,
    description="A staff member's API token or the admin token; the bot's service token on /api/v1/bot only.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _caller(db: Session, settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    return resolve_bearer(db, settings, credentials.credentials if credentials else None)


def get_principal(
    request: Request, db: SessionDep, settings: SettingsDep, credentials: BearerDep
) -> Principal:
    """A staff member or the admin; the bot's service token is refused (403) on every such route."""
    principal = _caller(db, settings, credentials)
    if principal.is_bot:
        log.warning("bot_token_refused", path=request.url.path)
        raise Forbidden("the bot's service token is only for /api/v1/bot")
    return principal


def get_bot(db: SessionDep, settings: SettingsDep, credentials: BearerDep) -> Principal:
    """The bot's service token, and nothing else: staff and admin tokens are refused (403)."""
    principal = _caller(db, settings, credentials)
    if not principal.is_bot:
        raise Forbidden("only the bot's service token may use /api/v1/bot")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
BotDep = Annotated[Principal, Depends(get_bot)]

"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from api.auth import Principal, resolve_bearer
from api.db import Database
from api.settings import Settings


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_db(request: Request) -> Iterator[Session]:
    yield from request.app.state.db.sessions()


SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def get_principal(
    db: SessionDep, settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return resolve_bearer(db, settings, authorization)


PrincipalDep = Annotated[Principal, Depends(get_principal)]

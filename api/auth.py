"""Who is calling: staff bearer tokens, the admin token, the bot's service token; and role checks.

RBAC is enforced in the services (they receive a Principal), so the web UI, the bot and the API share it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Forbidden, NotAuthenticated
from api.settings import Settings
from api.staff import tokens
from api.staff.models import Role, Staff
from api.staff.tokens import hash_token, new_token

__all__ = [
    "BOT",
    "SYSTEM",
    "Principal",
    "hash_password",
    "hash_token",
    "new_token",
    "principal_for_staff",
    "resolve_bearer",
    "verify_password",
]
log = structlog.get_logger()
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff", "admin", "service"
    role: str  # klantmanager, coordinator, admin, bot
    staff_id: int | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return f"staff:{self.staff_id}" if self.staff_id is not None else self.kind

    @property
    def is_bot(self) -> bool:
        return self.kind == "service"

    def require(self, *roles: str) -> None:
        """Raise Forbidden unless the caller has one of the roles.

        The admin passes only where `Role.admin` is named: it manages staff accounts and tokens, and reads
        or changes no personal data (least privilege; docs/adr/0011).
        """
        if self.role in roles:
            return
        raise Forbidden(f"role {self.role} may not do this")


SYSTEM = Principal(kind="system", role=Role.admin, name="system")
BOT = Principal(kind="service", role="bot", name="bot")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def principal_for_staff(staff: Staff) -> Principal:
    return Principal(kind="staff", role=staff.role, staff_id=staff.id, name=staff.name)


def resolve_bearer(db: Session, settings: Settings, token: str | None) -> Principal:
    """Turn a bearer token into a Principal, or raise 401."""
    token = (token or "").strip()
    if not token:
        raise NotAuthenticated("a bearer token is required")
    if hmac.compare_digest(token, settings.case_api_admin_token):
        return Principal(kind="admin", role=Role.admin, name="admin")
    if hmac.compare_digest(token, settings.bot_service_token):
        return BOT
    staff = db.scalar(select(Staff).where(Staff.api_token_hash == hash_token(token), Staff.active.is_(True)))
    if staff is None:
        raise NotAuthenticated("unknown or revoked token")
    if tokens.expired(staff):
        log.info("staff_token_expired", staff_id=staff.id)
        raise NotAuthenticated(
            "this token has expired; ask an admin for a new one (rotate tokens before they expire)",
            code="token_expired",
        )
    return principal_for_staff(staff)

"""Throttling of password guessing: failed attempts per account and per client address, in the database.

Failures are rows (`auth_failure`), so every API process sees the same count. After `allowed` failures
within the window a key is refused, right password or not, until enough of them have aged out of the
window; refused attempts are not counted, so waiting always helps. Keys are HMACs of the email address
typed or the client address under the session secret: the table says nothing about who tried.

Two API processes can both let through the attempt that reaches the limit (count, then insert); the
overshoot is at most one attempt per process, which the limits allow for.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.db import Base, UTCDateTime
from api.errors import TooManyRequests
from api.settings import Settings


class AuthFailure(Base):
    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_key_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))  # "account:<hmac>" or "address:<hmac>"
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Limit:
    """One thing counted: `allowed` failures of `key` within `window`."""

    key: str
    allowed: int
    window: timedelta


def login_limits(settings: Settings, email: str, address: str | None) -> list[Limit]:
    """The staff login's limits: the email address typed (known or not) and, when known, the client's."""
    window = timedelta(minutes=settings.login_failure_window_minutes)
    account = _key(settings, "account", email.strip().lower())
    limits = [Limit(account, settings.login_failures_per_account, window)]
    if address:
        limits.append(Limit(_key(settings, "address", address), settings.login_failures_per_address, window))
    return limits


def refuse_if_throttled(db: Session, limits: list[Limit], now: datetime) -> None:
    """TooManyRequests, with the seconds until one more attempt is allowed, when any limit is reached."""
    waits = [wait for limit in limits if (wait := _wait(db, limit, now)) is not None]
    if waits:
        raise TooManyRequests("too many failed attempts; try again later", retry_after=max(waits))


def record_failure(db: Session, limits: list[Limit], now: datetime) -> None:
    """Count a failed attempt against every limit, and forget failures older than the longest window."""
    oldest = now - max(limit.window for limit in limits)
    db.execute(delete(AuthFailure).where(AuthFailure.failed_at < oldest))
    db.add_all(AuthFailure(key=limit.key, failed_at=now) for limit in limits)
    db.flush()


def forget(db: Session, limit: Limit) -> None:
    """Clear one key's failures (an account after its owner logged in; never an address)."""
    db.execute(delete(AuthFailure).where(AuthFailure.key == limit.key))
    db.flush()


def _wait(db: Session, limit: Limit, now: datetime) -> int | None:
    """Seconds until this key is below its limit again, or None when it is below it now."""
    recent = db.scalars(
        select(AuthFailure.failed_at)
        .where(AuthFailure.key == limit.key, AuthFailure.failed_at > now - limit.window)
        .order_by(AuthFailure.failed_at.desc())
        .limit(limit.allowed)
    ).all()
    if len(recent) < limit.allowed:
        return None
    # When the oldest of the latest `allowed` failures leaves the window, one more attempt is allowed.
    return max(1, math.ceil((recent[-1] + limit.window - now).total_seconds()))


def _key(settings: Settings, kind: str, value: str) -> str:
    message = f"login-throttle:v1:{kind}:{value}".encode()  # its own purpose under the session secret
    return f"{kind}:{hmac.new(settings.session_secret.encode(), message, hashlib.sha256).hexdigest()}"

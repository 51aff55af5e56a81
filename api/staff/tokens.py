"""Staff API tokens: issued for a limited time, stored as a hash, rotated or revoked.

A token is shown once, when it is issued; the database keeps its SHA-256 and when it was issued and
expires. A token without an expiry counts as expired, so nothing slips through unbounded.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from api.db import utcnow
from api.staff.models import Staff


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def grant(staff: Staff, token: str, *, days: int, now: datetime | None = None) -> str:
    """Make `token` the staff member's API token for `days` days; their previous token stops working."""
    now = now or utcnow()
    staff.api_token_hash = hash_token(token)
    staff.api_token_issued_at = now
    staff.api_token_expires_at = now + timedelta(days=days)
    return token


def issue(staff: Staff, *, days: int, now: datetime | None = None) -> str:
    """A fresh random token for `staff` (returned once, stored hashed)."""
    return grant(staff, new_token(), days=days, now=now)


def revoke(staff: Staff) -> None:
    """The staff member has no API token until one is issued again."""
    staff.api_token_hash = staff.api_token_issued_at = staff.api_token_expires_at = None


def expired(staff: Staff, now: datetime | None = None) -> bool:
    return staff.api_token_expires_at is None or staff.api_token_expires_at <= (now or utcnow())

"""Staff login for the web UI: argon2 passwords, server-side sessions, CSRF tokens, idle timeout.

Sessions opened through the identity provider (sso.py) are the same rows, made by `open_session`.

The session cookie is HttpOnly and SameSite=Lax (Secure when the public URL is https); every POST form
carries the session's CSRF token as well, because SameSite alone does not cover every browser and path.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from api import throttling
from api.audit import service as audit
from api.auth import hash_password, hash_token, new_token, verify_password
from api.db import utcnow
from api.errors import Forbidden, NotAuthenticated, TooManyRequests
from api.settings import Settings
from api.staff.models import Staff
from api.web.models import StaffSession

log = structlog.get_logger()

SESSION_COOKIE = "inb_session"
LOGIN_CSRF_COOKIE = "inb_login_csrf"
UI_LANGUAGES = ("nl", "en")
MAX_SESSION_AGE = timedelta(hours=12)
# Writing last_seen on every click would turn each page view into a write; a minute is precise enough.
TOUCH_EVERY = timedelta(seconds=60)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against a real hash when the email is unknown keeps the answer time the same either way.
    return hash_password("not-a-real-password")


def ui_language(code: str | None) -> str:
    return code if code in UI_LANGUAGES else "nl"


def login(
    db: Session,
    settings: Settings,
    email: str,
    password: str,
    *,
    address: str | None = None,
    language: str = "nl",
) -> tuple[StaffSession, str]:
    """Check the password and open a session; returns the row and the cookie token (stored hashed).

    Raises Forbidden when password login is off (production, unless PASSWORD_LOGIN_IN_PRODUCTION),
    NotAuthenticated without saying whether the email or the password was wrong, and TooManyRequests
    (right password or not) while the email address typed or the client `address` has had too many
    failures (api/throttling.py; limits in Settings).
    """
    now = utcnow()
    staff = db.scalar(select(Staff).where(func.lower(Staff.email) == email.strip().lower()))
    # Keyed by the address typed, known or not, so being locked out does not reveal that an account exists.
    attempt = login_actor(email)
    if not settings.password_login_allowed:
        audit.record(db, attempt, "login", "staff", None, result="denied", reason="password_login_off")
        log.info("web_login_password_off")
        raise Forbidden("password login is off; sign in through the identity provider", code="password_off")
    limits = throttling.login_limits(settings, email, address)
    try:
        throttling.refuse_if_throttled(db, limits, now)
    except TooManyRequests:
        audit.record(db, attempt, "login_locked", "staff", staff.id if staff else None, result="denied")
        log.info("web_login_locked", staff_id=staff.id if staff else None)
        raise
    ok = verify_password(staff.password_hash if staff else _dummy_hash(), password)
    if staff is None or not ok or not staff.active:
        audit.record(db, attempt, "login", "staff", staff.id if staff else None, result="denied")
        throttling.record_failure(db, limits, now)
        log.info("web_login_failed", staff_id=staff.id if staff else None)
        raise NotAuthenticated("unknown email or wrong password", field="email")
    throttling.forget(db, limits[0])  # the account's count; the address keeps its own
    return open_session(db, staff, language=language, method="password")


def open_session(
    db: Session, staff: Staff, *, language: str, method: str, id_token: str | None = None
) -> tuple[StaffSession, str]:
    """A new session for a staff member whose sign-in (`method`: password or oidc) succeeded, audited.

    Returns the row and the cookie token (stored hashed). A single sign-on session keeps the provider's
    ID token, which its logout endpoint asks for.
    """
    now = utcnow()
    db.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    token = new_token()
    session = StaffSession(
        token_hash=hash_token(token),
        staff_id=staff.id,
        csrf_token=new_token(),
        language=ui_language(language),
        created_at=now,
        last_seen_at=now,
        expires_at=now + MAX_SESSION_AGE,
        id_token=id_token,
    )
    db.add(session)
    db.flush()
    audit.record(db, f"staff:{staff.id}", "login", "staff", staff.id, method=method)
    log.info("web_login", staff_id=staff.id, session_id=session.id, method=method)
    return session, token


def end_sessions(db: Session, staff: Staff) -> int:
    """End every session of a staff member (their roles were withdrawn); returns how many."""
    ended = db.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id)).rowcount
    db.flush()
    return ended or 0


def login_actor(email: str) -> str:
    """The audit actor of a login attempt: a hash of the address typed, never the address itself."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"login:{digest}"


def current_session(
    db: Session, settings: Settings, token: str | None, *, now: datetime | None = None, touch: bool = True
) -> StaffSession | None:
    """The live session for a cookie token, or None when absent, idle too long, expired or deactivated.

    A dead session is deleted so that its token can never come back. `touch=False` (a page's background
    requests, such as the inbox's live updates) leaves the idle clock alone: an open tab is not activity.
    """
    if not token:
        return None
    session = db.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))
    if session is None:
        return None
    now = now or utcnow()
    idle = timedelta(minutes=settings.session_timeout_minutes)
    if now - session.last_seen_at > idle or now >= session.expires_at or not session.staff.active:
        log.info("web_session_expired", session_id=session.id, staff_id=session.staff_id)
        db.delete(session)
        db.flush()
        return None
    if touch and now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
        db.flush()
    return session


def logout(db: Session, session: StaffSession) -> None:
    log.info("web_logout", session_id=session.id, staff_id=session.staff_id)
    audit.record(db, f"staff:{session.staff_id}", "logout", "staff", session.staff_id)
    db.delete(session)
    db.flush()


def csrf_ok(expected: str | None, submitted: str | None) -> bool:
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))


def secure_cookies(settings: Settings) -> bool:
    """Cookies are Secure when the public URL is https (in production it must be)."""
    return settings.public_base_url.lower().startswith("https://")


def set_cookie(
    response: Response,
    settings: Settings,
    name: str,
    token: str,
    *,
    max_age: int,
    path: str,
    samesite: Literal["lax", "strict"],
) -> None:
    """An HttpOnly cookie of the UI, Secure when the public URL is https."""
    response.set_cookie(
        name,
        token,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=secure_cookies(settings),
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    max_age = int(MAX_SESSION_AGE.total_seconds())
    set_cookie(response, settings, SESSION_COOKIE, token, max_age=max_age, path="/", samesite="lax")


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


def set_login_csrf_cookie(response: Response, settings: Settings, token: str) -> None:
    """Double-submit token for the login form itself (there is no session yet to hold one)."""
    set_cookie(response, settings, LOGIN_CSRF_COOKIE, token, max_age=3600, path="/ui", samesite="strict")

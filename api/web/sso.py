"""Single sign-on: staff sign in at the municipality's identity provider (OpenID Connect, ADR 0015).

`start` remembers what the provider's answer must match and sends the browser there; `finish` checks the
answer, finds the staff account (by the provider's issuer and subject; at the first sign-in by a verified
e-mail address, or a new account when OIDC_CREATE_ACCOUNTS allows), takes the role from the groups the
provider lists, and opens a session like a password login does. A second factor is the provider's work;
OIDC_ACR_VALUES / OIDC_REQUIRED_AMR make us check that it happened. Every refusal is audited.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from enum import StrEnum

import structlog
from authlib.common.security import generate_token
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from api.audit import service as audit
from api.auth import hash_token, new_token
from api.db import utcnow
from api.settings import Settings
from api.staff.models import Role, Staff
from api.web import oidc, signin
from api.web.models import OidcLogin, StaffSession

log = structlog.get_logger()

BROWSER_COOKIE = "inb_oidc"
COOKIE_PATH = "/ui/login/oidc"
PENDING_FOR = timedelta(minutes=10)


class Refusal(StrEnum):
    """Why a sign-in through the provider was refused; each has its own page (routes.SSO_REFUSALS)."""

    expired = "expired"  # no sign-in under way in this browser, or it took too long
    state = "state"  # the answer belongs to another sign-in
    cancelled = "cancelled"  # the provider answered with an error (cancelled, or refused there)
    unavailable = "unavailable"  # the provider did not answer
    token = "token"  # the code or the ID token failed a check
    second_factor = "second_factor"
    no_role = "no_role"
    several_roles = "several_roles"
    no_account = "no_account"
    email_taken = "email_taken"
    inactive = "inactive"


class Refused(Exception):
    def __init__(self, reason: Refusal, *, language: str = "nl") -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.language = language


def start(db: Session, settings: Settings, *, next_path: str, language: str) -> tuple[str, str]:
    """Remember a new sign-in and return the provider's URL for it and the browser's cookie token.

    Raises Refused(unavailable) when the provider's discovery document cannot be had.
    """
    now = utcnow()
    db.execute(delete(OidcLogin).where(OidcLogin.expires_at < now))
    browser = new_token()
    pending = OidcLogin(
        browser_hash=hash_token(browser),
        state=generate_token(43),
        nonce=generate_token(43),
        code_verifier=generate_token(64),
        next_path=next_path,
        language=language,
        expires_at=now + PENDING_FOR,
    )
    try:
        url = oidc.authorization_url(
            settings,
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            language=language,
        )
    except oidc.ProviderUnavailable as exc:
        raise Refused(Refusal.unavailable, language=language) from exc
    db.add(pending)
    db.flush()
    log.info("oidc_login_started", pending_id=pending.id)
    return url, browser


def finish(
    db: Session, settings: Settings, *, browser: str | None, state: str, code: str, error: str
) -> tuple[StaffSession, str, str]:
    """Check the provider's answer and open a session: returns it, its cookie token and where to go.

    Raises Refused (audited; the caller commits so the audit event stays) with the reason.
    """
    pending = _take_pending(db, browser)
    language = pending.language if pending else "nl"

    def refuse(
        reason: Refusal, identity: oidc.Identity | None = None, staff: Staff | None = None, **detail: str
    ) -> Refused:
        audit.record(
            db,
            _actor(identity),
            "login",
            "staff",
            staff.id if staff else None,
            result="denied",
            method="oidc",
            reason=reason.value,
            **detail,
        )
        log.info("oidc_login_refused", reason=reason.value, staff_id=staff.id if staff else None)
        return Refused(reason, language=language)

    if pending is None:
        raise refuse(Refusal.expired)
    if not hmac.compare_digest(pending.state.encode(), state.encode()):
        raise refuse(Refusal.state)
    if error or not code:
        raise refuse(Refusal.cancelled)
    try:
        identity = oidc.identify(
            settings, code=code, code_verifier=pending.code_verifier, nonce=pending.nonce
        )
    except oidc.ProviderUnavailable:
        raise refuse(Refusal.unavailable) from None
    except oidc.TokenRefused as exc:
        raise refuse(Refusal.token, check=exc.check) from None
    if not second_factor_ok(settings, identity):
        raise refuse(Refusal.second_factor, identity)
    staff, refusal = _account(db, identity)
    if refusal is not None:
        raise refuse(refusal, identity, staff)
    roles = roles_for(settings, identity.groups)
    if len(roles) != 1:
        if staff is not None and not roles:
            ended = signin.end_sessions(db, staff)  # the provider withdrew the role: now, not at idle time
            log.info("oidc_role_withdrawn", staff_id=staff.id, sessions_ended=ended)
        raise refuse(Refusal.no_role if not roles else Refusal.several_roles, identity, staff)
    if staff is None:
        if not (settings.oidc_create_accounts and identity.email and identity.email_verified):
            raise refuse(Refusal.no_account, identity)
        staff = _create(db, identity, roles[0])
    if not staff.active:
        raise refuse(Refusal.inactive, identity, staff)
    _link(db, staff, identity)
    _set_role(db, staff, roles[0])
    session, token = signin.open_session(
        db, staff, language=language, method="oidc", id_token=identity.id_token
    )
    return session, token, pending.next_path


def _take_pending(db: Session, browser: str | None) -> OidcLogin | None:
    """The sign-in this browser started, used once: deleted whatever the answer."""
    if not browser:
        return None
    pending = db.scalar(select(OidcLogin).where(OidcLogin.browser_hash == hash_token(browser)))
    if pending is None:
        return None
    # Two answers at once (a double click): the delete that finds the row wins, the other is refused.
    taken = db.execute(delete(OidcLogin).where(OidcLogin.id == pending.id)).rowcount
    if taken != 1 or pending.expires_at <= utcnow():
        return None
    return pending


def _actor(identity: oidc.Identity | None) -> str:
    """The audit actor of a refused sign-in: a hash of the provider's subject, never a name or address."""
    if identity is None:
        return "oidc"
    digest = hashlib.sha256(f"{identity.issuer} {identity.subject}".encode()).hexdigest()[:32]
    return f"oidc:{digest}"


def second_factor_ok(settings: Settings, identity: oidc.Identity) -> bool:
    """The provider says the sign-in had the strength the settings ask for (acr one of, amr all of)."""
    wanted_acr = settings.oidc_acr_values.split()
    if wanted_acr and identity.acr not in wanted_acr:
        return False
    return set(settings.oidc_required_amr.split()) <= set(identity.amr)


def roles_for(settings: Settings, groups: tuple[str, ...]) -> list[Role]:
    """The distinct roles the provider's groups map to (OIDC_ROLE_GROUPS); exactly one may sign in."""
    mapping = settings.oidc_role_groups
    return sorted({Role(mapping[group]) for group in groups if group in mapping})


def _account(db: Session, identity: oidc.Identity) -> tuple[Staff | None, Refusal | None]:
    """The account the provider's subject is linked to, or at a first sign-in the one with its verified
    e-mail address; with the refusal that applies when that address belongs to someone else's link."""
    linked = db.scalar(
        select(Staff).where(Staff.oidc_issuer == identity.issuer, Staff.oidc_subject == identity.subject)
    )
    if linked is not None:
        return linked, None
    if not (identity.email and identity.email_verified):
        return None, None
    staff = db.scalar(select(Staff).where(func.lower(Staff.email) == identity.email))
    if staff is None:
        return None, None
    # Linked to another subject of this provider: someone else, or a re-created identity (the admin decides).
    if staff.oidc_issuer == identity.issuer and staff.oidc_subject is not None:
        return staff, Refusal.email_taken
    return staff, None


def _create(db: Session, identity: oidc.Identity, role: Role) -> Staff:
    assert identity.email is not None
    staff = Staff(name=(identity.name or identity.email)[:200], email=identity.email, role=role)
    db.add(staff)
    db.flush()
    audit.record(db, "oidc", "create", "staff", staff.id, method="oidc")
    log.info("oidc_account_created", staff_id=staff.id)
    return staff


def _link(db: Session, staff: Staff, identity: oidc.Identity) -> None:
    if (staff.oidc_issuer, staff.oidc_subject) == (identity.issuer, identity.subject):
        return
    staff.oidc_issuer, staff.oidc_subject = identity.issuer, identity.subject
    audit.record(db, f"staff:{staff.id}", "link_oidc", "staff", staff.id)
    log.info("oidc_account_linked", staff_id=staff.id)


def _set_role(db: Session, staff: Staff, role: Role) -> None:
    """The provider's groups decide the role at every sign-in; a change is audited."""
    if staff.role == role:
        return
    audit.record(db, "oidc", "change_role", "staff", staff.id, old=staff.role, new=role.value)
    log.info("oidc_role_changed", staff_id=staff.id, old=staff.role, new=role.value)
    staff.role = role


def logout_url(settings: Settings, session: StaffSession) -> str | None:
    """Where the browser goes to end the provider's session too (RP-initiated logout), if anywhere."""
    if not (session.id_token and settings.oidc_configured):
        return None
    return oidc.end_session_url(settings, session.id_token)


def set_browser_cookie(response: Response, settings: Settings, token: str) -> None:
    """Ties the provider's answer to this browser. SameSite=Lax: it must come along on the way back."""
    max_age = int(PENDING_FOR.total_seconds())
    signin.set_cookie(
        response, settings, BROWSER_COOKIE, token, max_age=max_age, path=COOKIE_PATH, samesite="lax"
    )


def clear_browser_cookie(response: Response) -> None:
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)

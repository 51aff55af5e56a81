"""Staff accounts and their API tokens: the admin's bootstrap work, and each member rotating their own.

The admin (the built-in token or a staff member with the admin role) creates accounts and issues and
revokes tokens, and reads or changes no personal data (api.auth.Principal.require). Every change is
audited, and so is every refusal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal, hash_password
from api.errors import Conflict, Forbidden, NotFound
from api.people.schemas import StaffCreate
from api.staff import tokens
from api.staff.models import Role, Staff


def token_out(staff: Staff, token: str) -> dict[str, Any]:
    return {
        "api_token": token,
        "issued_at": staff.api_token_issued_at,
        "expires_at": staff.api_token_expires_at,
    }


def create_staff(db: Session, actor: Principal, data: StaffCreate, *, token_days: int) -> tuple[Staff, str]:
    """Create a staff account; returns it with its API token (shown once, stored hashed)."""
    audit.require_role(db, actor, Role.admin, action="create", object_type="staff")
    if db.scalar(select(Staff.id).where(Staff.email == data.email.lower())) is not None:
        raise Conflict("a staff member with this email exists", field="email")
    staff = Staff(
        name=data.name,
        email=data.email.lower(),
        role=data.role,
        phone=data.phone,
        team=data.team.strip(),
        password_hash=hash_password(data.password) if data.password else None,
    )
    token = tokens.issue(staff, days=token_days)
    db.add(staff)
    db.flush()
    audit.record(db, actor, "create", "staff", staff.id)
    return staff, token


def rotate_own_token(db: Session, actor: Principal, *, token_days: int) -> tuple[Staff, str]:
    """A new token for the calling staff member, valid from now; the one they called with stops working."""
    staff = db.get(Staff, actor.staff_id) if actor.kind == "staff" else None
    if staff is None:
        audit.record_denied(db, actor, "rotate_token", "staff", actor.staff_id)
        raise Forbidden("only a staff member's own token can be rotated here")
    token = tokens.issue(staff, days=token_days)
    audit.record(db, actor, "rotate_token", "staff", staff.id)
    return staff, token


def _managed(db: Session, actor: Principal, staff_id: int, action: str) -> Staff:
    audit.require_role(db, actor, Role.admin, action=action, object_type="staff", object_id=staff_id)
    staff = db.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"no staff member {staff_id}")
    return staff


def reissue_token(db: Session, actor: Principal, staff_id: int, *, token_days: int) -> tuple[Staff, str]:
    """The admin gives a staff member a new token (after it expired or leaked); the old one stops working."""
    staff = _managed(db, actor, staff_id, "issue_token")
    token = tokens.issue(staff, days=token_days)
    audit.record(db, actor, "issue_token", "staff", staff.id)
    return staff, token


def revoke_token(db: Session, actor: Principal, staff_id: int) -> None:
    """The admin takes a staff member's token away; the API refuses it from now on."""
    staff = _managed(db, actor, staff_id, "revoke_token")
    tokens.revoke(staff)
    audit.record(db, actor, "revoke_token", "staff", staff.id)

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    klantmanager = "klantmanager"
    coordinator = "coordinator"
    admin = "admin"


# The roles that work with inburgeraars' data; the admin manages staff accounts and tokens only.
CASE_ROLES = (Role.klantmanager, Role.coordinator)


class Staff(Base):
    __tablename__ = "staff"
    # One account per person at the identity provider: its issuer and the subject it gives them (ADR 0015).
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_token_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Colleagues who cover for each other (ADR 0019); "" is the one team of a municipality without teams.
    team: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

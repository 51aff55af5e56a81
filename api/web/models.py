"""Server-side sessions of staff using the web UI, and sign-ins under way at the identity provider.

The cookie carries a random token; only its SHA-256 is stored, so a copy of the database does not let
anyone log in. The CSRF token and the chosen UI language live on the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow
from api.staff.models import Staff


class StaffSession(Base):
    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Absolute end, however active the session is; the idle timeout comes from the settings.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The provider's ID token of a single sign-on session: the hint its logout endpoint asks for.
    id_token: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff] = relationship(lazy="joined")


class OidcLogin(Base):
    """A sign-in sent to the identity provider and not yet back: what its answer must match (ADR 0015).

    Found by the hash of a random cookie the browser carries, so an answer is only taken from the browser
    that asked; used once and deleted, and useless after `expires_at`.
    """

    __tablename__ = "oidc_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

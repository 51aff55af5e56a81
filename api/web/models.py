"""Server-side sessions of staff using the web UI.

The cookie carries a random token; only its SHA-256 is stored, so a copy of the database does not let
anyone log in. The CSRF token and the chosen UI language live on the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
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

    staff: Mapped[Staff] = relationship(lazy="joined")

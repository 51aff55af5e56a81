"""What the privacy jobs remember: the day's purge run, and tracker deletions still to be done."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class PurgeRun(Base):
    """One row per local day: whichever worker inserts it runs that day's purge (the day is unique)."""

    __tablename__ = "purge_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # rows per kind; never personal data


class TrackerErasure(Base):
    """A Rasa sender id whose tracker events must still be deleted (after an erasure committed).

    Written in the erasure's transaction, done after commit and retried by the worker until Rasa's
    tracker store answers; the row is removed when the events are gone.
    """

    __tablename__ = "tracker_erasure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(64))

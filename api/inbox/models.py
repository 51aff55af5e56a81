from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.db import Base, UTCDateTime, utcnow


class ReadMark(Base):
    """How far one staff member has read one conversation: the unread marker is per person on staff."""

    __tablename__ = "inbox_read_mark"
    __table_args__ = (UniqueConstraint("staff_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    # Not a foreign key: the retention purge may delete messages; the mark only needs their order.
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationKind(StrEnum):
    urgent_waiting = "urgent_waiting"  # to the person's klantmanager (no klantmanager: the coordinators)
    reassigned = "reassigned"  # to the colleague a question was handed to
    taken_over = "taken_over"  # to the own klantmanager, when a colleague took their urgent question
    reminder = "reminder"  # to the team's coordinators, when an urgent question still waits


class NotificationStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a worker
    sent = "sent"
    failed = "failed"  # refused for good, or too many attempts
    uncertain = "uncertain"  # the mail server may have it: never sent again
    cancelled = "cancelled"  # no longer true when its turn came (someone took the question)


class StaffNotification(Base):
    """One e-mail to one staff member, written in the transaction of its cause and sent by the worker.

    `dedupe_key` is unique: a cause is mailed to a person once, however many workers plan it at once.
    """

    __tablename__ = "staff_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.pending, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Committed just before the message itself goes to the mail server: from then on a lost answer means
    # the mail may have arrived, so it is not sent again.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def dialect_insert(db: Session) -> Any:
    """The database's INSERT with ON CONFLICT (PostgreSQL and SQLite both have it, spelled alike)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert

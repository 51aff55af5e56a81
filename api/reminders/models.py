"""Planned messages per appointment and participant: reminders, notices and the no-answer follow-up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class ReminderKind(StrEnum):
    reminder = "reminder"  # slot = offset key: 7d, 3d, 1d, 2h
    notice = "notice"  # slot = new, changed, cancelled
    follow_up = "follow_up"  # slot = no_answer: a task for the klantmanager, never a message


class ReminderStatus(StrEnum):
    planned = "planned"
    sent = "sent"  # message queued in the outbox (for a follow-up: its check ran)
    skipped = "skipped"  # not sent, `reason` says why
    cancelled = "cancelled"  # the appointment was moved or cancelled before it was due


class Delivery(StrEnum):
    """What we learnt about a sent message; `pending` rows are watched by the scheduler."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    unknown = "unknown"  # the appointment started before a final status arrived


class Reminder(Base):
    """One planned message (or follow-up check) for one participant of one appointment.

    Holds ids and times only: the text is rendered from the case file when it is sent, never stored
    ahead. `revision` grows each time the appointment is re-planned (moved), so a re-plan never
    collides with the rows it replaces.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint(
            "appointment_id", "inburgeraar_id", "kind", "slot", "revision", name="uq_reminder_slot"
        ),
        # The scheduler's only scan: what is planned and due. Cost follows what is due, not the table.
        Index("ix_reminder_status_due_at", "status", "due_at"),
        # Sent messages still awaiting a final delivery status: partial, so it stays as small as that set.
        Index(
            "ix_reminder_delivery_pending",
            "appointment_starts_at",
            sqlite_where=text("delivery = 'pending'"),
            postgresql_where=text("delivery = 'pending'"),
        ),
        Index("ix_reminder_appointment_person", "appointment_id", "inburgeraar_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"))
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    appointment_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nominal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.planned)
    reason: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    delivery: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

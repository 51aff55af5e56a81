"""Broadcasts: one catalog template sent to an audience, rendered per recipient in their language."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class BroadcastStatus(StrEnum):
    previewed = "previewed"  # a preview record: what would go out, waiting to be confirmed (or to expire)
    scheduled = "scheduled"  # confirmed, waiting for send_at (a "send now" is scheduled at now)
    sent = "sent"  # every recipient's message is in the outbox (or recorded as skipped)
    cancelled = "cancelled"


class RecipientStatus(StrEnum):
    planned = "planned"  # previewed or scheduled: `text` is what this person will get
    queued = "queued"  # in the outbox: the message holds the text from here on
    skipped = "skipped"  # not sent, `reason` says why
    cancelled = "cancelled"  # the broadcast was cancelled before it went out


class Broadcast(Base):
    """A broadcast starts as a preview record: the audience rule resolved into recipient rows, each with
    the text rendered for them, sealed by `fingerprint` (ADR 0020). Confirming it schedules exactly those
    rows; at send time only people who opted out or lost their number since are skipped.
    `caseload_of_id` keeps a klantmanager's broadcast inside their caseload."""

    __tablename__ = "broadcast"
    __table_args__ = (Index("ix_broadcast_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template: Mapped[str] = mapped_column(String(64))
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.scheduled)
    requested_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by: Mapped[str] = mapped_column(String(64))  # principal label, also for the admin token
    caseload_of_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients_count: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 over the inputs and every recipient's row as previewed; None on broadcasts from before 0010.
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipient"
    __table_args__ = (UniqueConstraint("broadcast_id", "inburgeraar_id", name="uq_broadcast_recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"), index=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16))
    segments: Mapped[int | None] = mapped_column(Integer)
    # The rendered message while it is planned; cleared once the message (which then holds it) is queued.
    text: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))

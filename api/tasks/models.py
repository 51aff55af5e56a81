from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class EscalationStatus(StrEnum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"


class Escalation(Base):
    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_status_urgent", "status", "urgent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=EscalationStatus.open)
    summary: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first reply a staff member sent the person after the escalation opened.
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it was closed: `replied`, or a Resolution reason when it was closed without a reply; and the
    # klantmanager's note (required for an urgent one). The note follows the chat retention.
    resolution: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # What the person was doing when the conversation came to staff: the bot's form (e.g. absence_form)
    # and the slots it had filled ({"absence_reason": "sick", "appointment_id": "12"}).
    interrupted_form: Mapped[str | None] = mapped_column(String(32))
    form_slots: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Resolution(StrEnum):
    """Why an escalation was closed. Without a reply to the person one of the reasons is required."""

    replied = "replied"
    by_phone = "by_phone"
    in_person = "in_person"
    no_answer_needed = "no_answer_needed"
    duplicate = "duplicate"


class TaskStatus(StrEnum):
    open = "open"
    done = "done"


class TaskKind(StrEnum):
    absence_reported = "absence_reported"
    reschedule_requested = "reschedule_requested"
    reminder_unanswered = "reminder_unanswered"
    undeliverable = "undeliverable"
    link_unknown_number = "link_unknown_number"
    opted_out = "opted_out"
    message_while_bot_down = "message_while_bot_down"
    possible_crisis = "possible_crisis"  # the crisis net was unsure: a person reads the message
    number_disputed = "number_disputed"  # whoever has the number wrote it is not the person's


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (Index("ix_task_assignee_status", "assignee_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.open)
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow


class Channel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    web = "web"


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class MessageKind(StrEnum):
    person = "person"  # written by the inburgeraar
    bot_reply = "bot_reply"
    reminder = "reminder"
    notice = "notice"
    broadcast = "broadcast"
    staff_reply = "staff_reply"
    system = "system"  # holding replies, STOP/HELP answers, unknown-number replies


class DeliveryStatus(StrEnum):
    """Forward-only delivery states; RANK orders them (see messaging.status)."""

    received = "received"  # inbound, stored
    processed = "processed"  # inbound, handled by the bot or routed to staff
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    read = "read"
    undelivered = "undelivered"
    failed = "failed"
    held = "held"  # WhatsApp message waiting for the 24-hour window to open
    cancelled = "cancelled"  # never sent: the person opted out of automatic messages


class CloseReason(StrEnum):
    """Why a conversation ended: its person and its number no longer belong together."""

    number_changed = "number_changed"  # its person moved to another number
    number_reassigned = "number_reassigned"  # its number now belongs to someone else (or to a new person)
    linked = "linked"  # an unknown number's: staff linked the number to a person, whose file now holds it


def new_sender_id() -> str:
    """The id Rasa and the bot endpoints know a conversation by: 144 random bits, nothing derived."""
    return "c_" + secrets.token_urlsafe(18)


OPEN = "closed_at IS NULL"


class Conversation(Base):
    """A person and the number they text from. SMS and WhatsApp of that number are one conversation.

    A conversation never changes hands: when the person's number changes, or the number goes to someone
    else, it is closed and a new one starts. Only one conversation per number is open at a time; a closed
    one stays in the person's history for staff. An unknown number's conversation has no person.
    """

    __tablename__ = "conversation"
    __table_args__ = (
        Index(
            "uq_conversation_open_phone",
            "phone",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
        Index(
            "uq_conversation_open_inburgeraar_id",
            "inburgeraar_id",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_sender_id)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    last_channel: Mapped[str] = mapped_column(String(16), default=Channel.sms)
    language: Mapped[str | None] = mapped_column(String(8))
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_whatsapp_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holding_reply_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The "assistant is busy" reply while Rasa is unreachable goes out once per outage (cleared on success).
    outage_reply_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unknown numbers get the "we do not know this number" reply at most once a day, as does a number
    # whose holder wrote that it is not the person's (gateway.routing, `_reply_to_stranger`).
    unknown_reply_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A lease, not a database lock: whoever holds it hands the conversation's messages to Rasa in order,
    # without keeping a transaction open while Rasa thinks (webhooks must still be able to write).
    processing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processing_owner: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    messages: Mapped[list[Message]] = relationship(back_populates="conversation", order_by="Message.id")


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_conversation_id_id", "conversation_id", "id"),
        Index("ix_message_pending_inbound", "direction", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default=MessageKind.person)
    body: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(300))
    segments: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(8))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Inbound only: how often the gateway handed this message to Rasa. Above 0 the next attempt first
    # asks Rasa's tracker whether the earlier turn happened after all (its answer may just have been lost).
    bot_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the retention purge cleared the text (api.privacy.purge); the row stays as a record that
    # a message went out or came in, when, on which channel and how delivery went.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message in Dutch for staff who do not read the person's language (ADR 0018): for an inbound
    # message the machine translation of `body`, cached here; for a translated staff reply the Dutch the
    # klantmanager wrote, `body` being the translation that went out. Purged with `body`.
    dutch: Mapped[str | None] = mapped_column(Text)
    # The translation service that made the machine translation (never empty when one was made).
    translated_by: Mapped[str | None] = mapped_column(String(32))
    # Inbound only: the crisis net's verdict (api.safety.net: alarm, check, or none), made once when the
    # message is first routed and committed with the answer it gave, so that a replay (Rasa was down)
    # neither answers again nor assesses again. None: not assessed yet. Purged with `body`.
    crisis_level: Mapped[str | None] = mapped_column(String(8))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class ConversationNote(Base):
    """A klantmanager's internal note on a person's conversation: never sent, read with the conversation."""

    __tablename__ = "conversation_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    held = "held"
    cancelled = "cancelled"


class OutboxItem(Base):
    """One outgoing message to hand to a transport, written in the transaction of its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_provider_sid", "provider_sid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    to: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an attempt may have reached Twilio without us learning the outcome (timeout, 5xx, a worker
    # killed mid-send): the next attempt looks the message up before it sends again.
    ambiguous: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    last_error_code: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship()

"""Storing an inbound message: de-duplicate by MessageSid, find the conversation, persist, release held.

`receive` runs inside the webhook's transaction (or the simulator's) and nothing slow happens there;
`store` is that transaction. The bot turn comes after commit (see processing.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import Database, utcnow
from api.messaging import conversations, service
from api.messaging.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    OutboxItem,
    OutboxStatus,
)
from api.people.service import find_by_phone

log = structlog.get_logger()


@dataclass(frozen=True)
class Inbound:
    """One message as a channel delivered it (Twilio's form fields, or the simulator's JSON)."""

    sid: str
    sender: str  # "+316...", "whatsapp:+316..."
    body: str
    media: list[dict[str, str]] = field(default_factory=list)
    channel: str | None = None  # forced channel (simulator "web"); else derived from `sender`


@dataclass(frozen=True)
class Receipt:
    message_id: int | None
    conversation_id: int | None
    duplicate: bool


def split_address(raw: str) -> tuple[str, str]:
    """("+316...", "whatsapp") from "whatsapp:+316..."; SMS numbers come without a prefix."""
    raw = (raw or "").strip()
    if raw.lower().startswith("whatsapp:"):
        return raw.split(":", 1)[1].strip(), Channel.whatsapp
    return raw, Channel.sms


def receive(db: Session, inbound: Inbound, *, now: datetime | None = None) -> Receipt:
    """De-duplicate and persist one inbound message (the caller commits, then processes after commit).

    A MessageSid seen before is a Twilio retry: nothing is stored and no second turn happens. SMS and
    WhatsApp of one number land in the same conversation: the current one of the person who has that
    number now, or for an unknown number a conversation of its own with no person
    (`conversations.conversation_of_number`).
    """
    now = now or utcnow()
    if db.scalar(select(Message.id).where(Message.twilio_sid == inbound.sid)) is not None:
        log.info("inbound_duplicate_ignored")
        return Receipt(None, None, duplicate=True)
    phone, channel = split_address(inbound.sender)
    channel = inbound.channel or channel
    person = find_by_phone(db, phone)
    conversation = conversations.conversation_of_number(db, phone, person, channel)
    conversation.last_channel = channel
    conversation.last_inbound_at = now
    if channel == Channel.whatsapp:
        conversation.last_whatsapp_inbound_at = now  # opens WhatsApp's 24-hour window
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.inbound,
        channel=channel,
        kind=MessageKind.person,
        body=inbound.body or "",
        media=inbound.media or None,
        language=person.language if person else None,
        status=DeliveryStatus.received,
        twilio_sid=inbound.sid,
        created_at=now,
    )
    db.add(message)
    db.flush()
    released = release_held(db, conversation, channel)
    log.info(
        "inbound_stored",
        message_id=message.id,
        conversation_id=conversation.id,
        channel=channel,
        known=person is not None,
        released_held=released,
    )
    return Receipt(message.id, conversation.id, duplicate=False)


def store(database: Database, inbound: Inbound, *, retry: bool = True) -> Receipt:
    """Persist in its own transaction; a concurrent twin of the same MessageSid loses on the unique key.

    Another message from the same number stored at the same moment (by this process or another one) may
    have started its conversation first (one open conversation per number): then this one is stored
    again, in that conversation, rather than answered with a 500 (the message would be lost unless
    Twilio delivered it again).
    """
    with database.session() as db:
        try:
            receipt = receive(db, inbound)
            db.commit()
            return receipt
        except IntegrityError:
            db.rollback()
            if db.scalar(select(Message.id).where(Message.twilio_sid == inbound.sid)) is not None:
                log.info("inbound_duplicate_ignored", race=True)
                return Receipt(None, None, duplicate=True)
            if not retry:
                raise
    log.info("inbound_conversation_race_retried")
    return store(database, inbound, retry=False)


def release_held(db: Session, conversation: Conversation, channel: str) -> int:
    """The person wrote: send what was held, on the channel they just used. Returns how many.

    Messages are held by `provider.apply_whatsapp_rules` while WhatsApp's window is closed; a message
    from the person (on any channel) is what lets them go.
    """
    ids = list(
        db.scalars(
            select(OutboxItem.id)
            .join(Message, Message.id == OutboxItem.message_id)
            .where(Message.conversation_id == conversation.id, OutboxItem.status == OutboxStatus.held)
        )
    )
    if not ids:
        return 0
    to = service.address(conversation, channel)
    now = utcnow()
    db.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids))
        .values(
            status=OutboxStatus.pending,
            next_attempt_at=now,
            channel=channel,
            to=to,
            content_sid=None,
            content_variables=None,
        )
    )
    db.execute(
        update(Message)
        .where(Message.id.in_(select(OutboxItem.message_id).where(OutboxItem.id.in_(ids))))
        .values(status=DeliveryStatus.queued, channel=channel)
    )
    return len(ids)


def mark_processed(message: Message) -> None:
    """The message has had its answer (or its routing to staff); replays skip it from now on."""
    message.status = DeliveryStatus.processed
    message.processed_at = utcnow()
